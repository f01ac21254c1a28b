import type { Span, Trace } from '../../mlflow/traceTypes';
import { TraceKeys } from '../../mlflow/traceTypes';
import type { CompareRow, CompareSide, CompareTraceHeader, TraceCompareView } from './compareProtocol';
import { summarizeTrace } from './traceSummary';
import { spanRows } from './traceView';

/**
 * Two traces side by side: their span trees merged into one, a span of A and a span of B on the same
 * row when they sit at the same path (the names from the root down, and among same-named siblings
 * the same occurrence: the second `retrieve` under `rag_chain` pairs with the second). Each row says
 * what differs: a span only on one side, status, type, inputs or outputs.
 */

/** Output and input text per side: enough to read and compare by eye; equality is decided on the whole value. */
export const TEXT_LIMIT = 4_000;

function pretty(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value, null, 2) ?? '';
}

function clip(text: string): string {
  return text.length > TEXT_LIMIT ? `${text.slice(0, TEXT_LIMIT)}… (${text.length.toLocaleString('en-US')} characters)` : text;
}

interface Node {
  key: string;
  span: Span;
  index: number;
  children: Node[];
}

/** The span forest with a path key per span (`root/child#1/…`, #n counting same-named siblings). */
function forest(spans: readonly Span[]): { roots: Node[]; rows: ReturnType<typeof spanRows>['rows'] } {
  const { rows, ordered } = spanRows(spans);
  const nodes: Node[] = [];
  const roots: Node[] = [];
  const seen = new Map<string, number>();
  rows.forEach((row, i) => {
    const parent = row.parentIndex !== undefined ? nodes[row.parentIndex] : undefined;
    const base = `${parent?.key ?? ''}/${row.name}`;
    const occurrence = seen.get(base) ?? 0;
    seen.set(base, occurrence + 1);
    const node: Node = { key: `${base}#${occurrence}`, span: ordered[i]!, index: i, children: [] };
    nodes.push(node);
    (parent ? parent.children : roots).push(node);
  });
  return { roots, rows };
}

/** Children of a pair merged in A's order, B-only ones placed after the last shared sibling before them in B. */
function mergeChildren(left: readonly Node[], right: readonly Node[]): [Node | undefined, Node | undefined][] {
  const rightByKey = new Map(right.map((n) => [n.key, n]));
  const leftKeys = new Set(left.map((n) => n.key));
  const pairs: [Node | undefined, Node | undefined][] = left.map((n) => [n, rightByKey.get(n.key)]);
  let insertAt = 0;
  for (const node of right) {
    if (leftKeys.has(node.key)) {
      insertAt = pairs.findIndex(([l]) => l?.key === node.key) + 1;
    } else {
      pairs.splice(insertAt, 0, [undefined, node]);
      insertAt++;
    }
  }
  return pairs;
}

function side(node: Node, rows: ReturnType<typeof spanRows>['rows']): CompareSide {
  const row = rows[node.index]!;
  const s: CompareSide = {
    index: node.index,
    spanId: row.spanId,
    status: row.status,
    spanType: row.spanType,
    durationMs: row.durationMs,
    inputs: clip(pretty(node.span.attributes[TraceKeys.spanInputs])),
    outputs: clip(pretty(node.span.attributes[TraceKeys.spanOutputs])),
  };
  if (row.statusMessage) s.statusMessage = row.statusMessage;
  return s;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export function compareSpanTrees(a: readonly Span[], b: readonly Span[]): CompareRow[] {
  const left = forest(a);
  const right = forest(b);
  const out: CompareRow[] = [];
  // Iterative walk over merged pairs (depth-first, A's order): deep agent loops must not overflow.
  const stack: { pair: [Node | undefined, Node | undefined]; depth: number }[] = mergeChildren(left.roots, right.roots)
    .reverse()
    .map((pair) => ({ pair, depth: 0 }));
  while (stack.length > 0) {
    const { pair, depth } = stack.pop()!;
    const [l, r] = pair;
    const any = (l ?? r)!;
    const row: CompareRow = { key: any.key, depth, name: any.span.name, differences: [] };
    if (l) row.left = side(l, left.rows);
    if (r) row.right = side(r, right.rows);
    if (!l) row.differences.push('only in B');
    else if (!r) row.differences.push('only in A');
    else {
      if (l.span.status.code !== r.span.status.code) row.differences.push('status');
      if (l.span.spanType !== r.span.spanType) row.differences.push('type');
      if (!same(l.span.attributes[TraceKeys.spanInputs], r.span.attributes[TraceKeys.spanInputs])) row.differences.push('inputs');
      if (!same(l.span.attributes[TraceKeys.spanOutputs], r.span.attributes[TraceKeys.spanOutputs])) row.differences.push('outputs');
    }
    out.push(row);
    const children = mergeChildren(l?.children ?? [], r?.children ?? []);
    for (let i = children.length - 1; i >= 0; i--) stack.push({ pair: children[i]!, depth: depth + 1 });
  }
  return out;
}

function header(trace: Trace): CompareTraceHeader {
  const summary = summarizeTrace(trace.info);
  const h: CompareTraceHeader = { traceId: trace.info.traceId, name: summary.name, state: trace.info.state, spans: trace.spans.length, requestTime: trace.info.requestTime };
  if (summary.durationMs !== undefined) h.durationMs = summary.durationMs;
  if (summary.tokens?.total !== undefined) h.totalTokens = summary.tokens.total;
  return h;
}

export function buildCompareView(a: Trace, b: Trace): TraceCompareView {
  const rows = compareSpanTrees(a.spans, b.spans);
  return { a: header(a), b: header(b), rows, differing: rows.filter((r) => r.differences.length > 0).length };
}
