import { element } from './dom';

// How the trace panel and Compare Traces show a span's type and duration.

/** Span types as short badges (the panel loads no icon font: nothing but the bundle crosses the CSP). */
const TYPE_BADGES: Record<string, string> = {
  AGENT: 'AGT',
  CHAIN: 'CHN',
  CHAT_MODEL: 'LLM',
  LLM: 'LLM',
  TOOL: 'TL',
  RETRIEVER: 'RET',
  EMBEDDING: 'EMB',
  PARSER: 'PRS',
  RERANKER: 'RRK',
  MEMORY: 'MEM',
  GUARDRAIL: 'GRD',
  EVALUATOR: 'EVL',
  UNKNOWN: '•',
};

/** A span type's badge; a type not listed here shows its first three letters, set as text. */
export function typeBadge(spanType: string): HTMLElement {
  const known = Object.hasOwn(TYPE_BADGES, spanType);
  return element('span', {
    className: `badge type-${known ? spanType.toLowerCase() : 'other'}`,
    text: known ? TYPE_BADGES[spanType]! : spanType.slice(0, 3),
    title: spanType,
    attributes: { 'aria-label': `${spanType} span` },
  });
}

/** A span's duration: µs under a millisecond, ms under a second, else seconds. */
export function formatMs(ms: number): string {
  if (ms < 1) return `${(ms * 1000).toFixed(0)}µs`;
  if (ms < 1000) return `${ms < 10 ? ms.toFixed(1) : Math.round(ms)}ms`;
  return `${(ms / 1000).toFixed(2)}s`;
}
