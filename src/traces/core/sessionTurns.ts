import type { Span, Trace, TraceInfo } from '../../mlflow/traceTypes';
import { TraceKeys } from '../../mlflow/traceTypes';
import type { ChatMessage } from './protocol';
import type { TurnContent, TurnHeader } from './sessionProtocol';
import { summarizeTrace } from './traceSummary';
import { toChatMessage } from './traceView';

/**
 * A session's traces as the turns of a conversation: each trace's request is the user's turn and its
 * response the assistant's. Shapes seen in MLflow's GenAI captures: OpenAI chat (`{messages: […]}` in,
 * `{choices: [{message}]}` out; later turns repeat the history before the new user message), plain
 * strings, and dicts such as `{question}` / `{answer}` or several fields (shown as JSON).
 */

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function chatMessages(raw: unknown): ChatMessage[] | undefined {
  if (!Array.isArray(raw) || raw.length === 0) return undefined;
  const messages = raw.map(toChatMessage);
  return messages.every((m): m is ChatMessage => m !== undefined) ? messages : undefined;
}

const ANSWERED = new Set(['assistant', 'tool', 'function']);
const INSTRUCTIONS = new Set(['system', 'developer']);

/**
 * The new part of a chat request: what follows the last assistant (or tool) message, as a request
 * repeats the conversation so far. The system prompt is left out unless it is all there is.
 */
export function newMessages(messages: readonly ChatMessage[]): ChatMessage[] {
  let start = 0;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (ANSWERED.has(messages[i]!.role)) {
      start = i + 1;
      break;
    }
  }
  const tail = messages.slice(start);
  const spoken = tail.filter((m) => !INSTRUCTIONS.has(m.role));
  if (spoken.length > 0) return spoken;
  return tail.length > 0 ? tail : messages.slice(-1);
}

/** A dict holding exactly one string (`{question: "…"}`): that string, labelled with its key. */
function singleText(value: Record<string, unknown>): TurnContent | undefined {
  const entries = Object.entries(value);
  if (entries.length !== 1) return undefined;
  const [key, text] = entries[0]!;
  return typeof text === 'string' ? { kind: 'text', text, label: key } : undefined;
}

function noContent(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'string' && value === '');
}

/** The user's turn from a trace's request (its root span's inputs). */
export function requestTurn(inputs: unknown): TurnContent {
  if (noContent(inputs)) return { kind: 'none' };
  if (typeof inputs === 'string') return { kind: 'text', text: inputs };
  if (isRecord(inputs)) {
    const chat = chatMessages(inputs.messages) ?? chatMessages(inputs.input);
    if (chat) return { kind: 'chat', messages: newMessages(chat) };
    const single = singleText(inputs);
    if (single) return single;
  }
  return { kind: 'json', value: inputs };
}

/** The assistant's turn from a trace's response (its root span's outputs). */
export function responseTurn(outputs: unknown): TurnContent {
  if (noContent(outputs)) return { kind: 'none' };
  if (typeof outputs === 'string') return { kind: 'text', text: outputs };
  if (isRecord(outputs)) {
    if (Array.isArray(outputs.choices)) {
      const messages = outputs.choices.map((c) => (isRecord(c) ? toChatMessage(c.message) : undefined)).filter((m): m is ChatMessage => m !== undefined);
      if (messages.length > 0) return { kind: 'chat', messages };
    }
    // A ChatAgent-style response lists the agent's messages.
    const chat = chatMessages(outputs.messages);
    if (chat) return { kind: 'chat', messages: chat };
    const single = singleText(outputs);
    if (single) return single;
  }
  return { kind: 'json', value: outputs };
}

/** The trace's root span: the earliest span without a parent among the spans (a partial export may lack it). */
export function rootSpan(spans: readonly Span[]): Span | undefined {
  const ids = new Set(spans.map((s) => s.spanId));
  let root: Span | undefined;
  for (const span of spans) {
    if (span.parentSpanId !== undefined && ids.has(span.parentSpanId)) continue;
    if (!root || BigInt(span.startTimeNs || '0') < BigInt(root.startTimeNs || '0')) root = span;
  }
  return root;
}

/** A turn's request and response from its trace's root span; the previews stand in when it has no spans. */
export function turnOf(trace: Trace): { request: TurnContent; response: TurnContent } {
  const root = rootSpan(trace.spans);
  if (!root) {
    return {
      request: trace.info.requestPreview ? { kind: 'text', text: trace.info.requestPreview } : { kind: 'none' },
      response: trace.info.responsePreview ? { kind: 'text', text: trace.info.responsePreview } : { kind: 'none' },
    };
  }
  return { request: requestTurn(root.attributes[TraceKeys.spanInputs]), response: responseTurn(root.attributes[TraceKeys.spanOutputs]) };
}

/** The turns of a session, in the order given (oldest first), from the trace list alone. */
export function turnHeaders(infos: readonly TraceInfo[]): TurnHeader[] {
  return infos.map((info, index) => {
    const summary = summarizeTrace(info);
    const header: TurnHeader = {
      index,
      traceId: info.traceId,
      name: summary.name,
      state: info.state,
      requestTime: info.requestTime,
      assessments: summary.assessments,
      assessmentErrors: summary.errors,
    };
    if (summary.durationMs !== undefined) header.durationMs = summary.durationMs;
    if (summary.tokens?.total !== undefined) header.totalTokens = summary.tokens.total;
    if (summary.user) header.user = summary.user;
    if (summary.request !== undefined) header.requestPreview = summary.request;
    if (summary.response !== undefined) header.responsePreview = summary.response;
    return header;
  });
}
