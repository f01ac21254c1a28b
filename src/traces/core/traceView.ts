import type { Assessment, Span, Trace } from '../../mlflow/traceTypes';
import { TraceKeys } from '../../mlflow/traceTypes';
import type { AssessmentDraft, AssessmentView, AttachmentRef, ChatMessage, SpanDetail, SpanRow, TraceView } from './protocol';
import { summarizeTrace, tokenUsageOf } from './traceSummary';

/**
 * A trace shaped for the panel: spans as a depth-first tree in start order with their offsets on the
 * timeline (computed from the exact nanosecond strings with BigInt, so 1.8e18-scale times keep their
 * sub-microsecond differences), assessments as text, and the details of one span on demand.
 */

function nanos(text: string | undefined): bigint | undefined {
  if (text === undefined || !/^-?\d+$/.test(text)) return undefined;
  return BigInt(text);
}

function msBetween(from: bigint, to: bigint): number {
  return Number(to - from) / 1e6;
}

function valueText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? 'null';
}

export function toAssessmentView(a: Assessment): AssessmentView {
  const view: AssessmentView = {
    assessmentId: a.assessmentId,
    name: a.name,
    kind: a.kind,
    valueText: valueText(a.value),
    sourceType: a.source.type,
    valid: a.valid,
    createTime: a.createTime,
  };
  if (a.source.id) view.sourceId = a.source.id;
  if (a.rationale !== undefined) view.rationale = a.rationale;
  if (a.spanId) view.spanId = a.spanId;
  if (a.error) view.error = { code: a.error.code, message: a.error.message };
  if (a.overrides) view.overrides = a.overrides;
  return view;
}

/** Marks each overridden assessment with the one that replaced it (MLflow only sets `overrides` on the new one). */
function withOverrides(views: AssessmentView[]): AssessmentView[] {
  const byId = new Map(views.map((a) => [a.assessmentId, a]));
  for (const a of views) {
    const old = a.overrides ? byId.get(a.overrides) : undefined;
    if (old) old.overriddenBy = a.assessmentId;
  }
  return views;
}

/**
 * A nanosecond time string split where both halves are exact doubles: whole milliseconds (up to 14
 * digits) and the nanoseconds within the millisecond. Differences of such pairs are exact to the
 * nanosecond at 1.8e18 (where one double would be off by up to 256 ns), without a BigInt per time.
 * False (and the slots untouched) when the text is not an integer.
 */
function splitNanos(text: string | undefined, ms: Float64Array, ns: Float64Array, at: number): boolean {
  if (text === undefined) return false;
  const negative = text.charCodeAt(0) === 45;
  const first = negative ? 1 : 0;
  const length = text.length;
  if (length === first || length - first > 21) return false;
  const split = length - 6;
  let whole = 0;
  let part = 0;
  for (let i = first; i < length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return false;
    if (i < split) whole = whole * 10 + digit;
    else part = part * 10 + digit;
  }
  ms[at] = negative ? -whole : whole;
  ns[at] = negative ? -part : part;
  return true;
}

/**
 * Spans depth-first (children in start order under their parent), with timeline offsets. Spans are
 * handled by their position in `spans`; each time is read once into exact millisecond + nanosecond
 * halves (see splitNanos).
 */
export function spanRows(spans: readonly Span[]): { rows: SpanRow[]; ordered: Span[]; extentMs: number; originNs: string | undefined } {
  const count = spans.length;
  const startMs = new Float64Array(count);
  const startNs = new Float64Array(count);
  const endMs = new Float64Array(count);
  const endNs = new Float64Array(count);
  let origin = -1;
  const byId = new Set<string>();
  for (let i = 0; i < count; i++) {
    const span = spans[i]!;
    splitNanos(span.startTimeNs, startMs, startNs, i);
    if (!splitNanos(span.endTimeNs, endMs, endNs, i)) {
      endMs[i] = startMs[i]!;
      endNs[i] = startNs[i]!;
    }
    if (origin < 0 || startMs[i]! < startMs[origin]! || (startMs[i] === startMs[origin] && startNs[i]! < startNs[origin]!)) origin = i;
    byId.add(span.spanId);
  }
  const originMs = origin < 0 ? 0 : startMs[origin]!;
  const originNsPart = origin < 0 ? 0 : startNs[origin]!;
  const byStart = (a: number, b: number): number => startMs[a]! - startMs[b]! || startNs[a]! - startNs[b]!;
  const roots: number[] = [];
  const children = new Map<string, number[]>();
  for (let i = 0; i < count; i++) {
    const parent = spans[i]!.parentSpanId;
    // A parent that is not among the spans (a partial export) makes this span a root.
    if (parent === undefined || !byId.has(parent)) {
      roots.push(i);
      continue;
    }
    const list = children.get(parent);
    if (list) list.push(i);
    else children.set(parent, [i]);
  }
  roots.sort(byStart);
  for (const list of children.values()) list.sort(byStart);

  const rows: SpanRow[] = [];
  const ordered: Span[] = [];
  let extent = 0;
  // Iterative depth-first walk (a deep agent loop must not overflow the stack): positions, depths and
  // parent rows in three parallel stacks.
  const stackAt: number[] = [];
  const stackDepth: number[] = [];
  const stackParent: number[] = [];
  for (let i = roots.length - 1; i >= 0; i--) {
    stackAt.push(roots[i]!);
    stackDepth.push(0);
    stackParent.push(-1);
  }
  const visited = new Set<string>();
  while (stackAt.length > 0) {
    const at = stackAt.pop()!;
    const depth = stackDepth.pop()!;
    const parentIndex = stackParent.pop()!;
    const span = spans[at]!;
    if (visited.has(span.spanId)) continue;
    visited.add(span.spanId);
    const index = rows.length;
    const kids = children.get(span.spanId);
    const start = offset(startMs[at]!, startNs[at]!, originMs, originNsPart);
    const row: SpanRow = {
      index,
      spanId: span.spanId,
      depth,
      name: span.name,
      spanType: span.spanType,
      status: span.status.code,
      startMs: start,
      durationMs: Math.max(0, offset(endMs[at]!, endNs[at]!, startMs[at]!, startNs[at]!)),
      hasException: hasExceptionEvent(span),
      childCount: kids ? kids.length : 0,
    };
    if (parentIndex >= 0) row.parentIndex = parentIndex;
    if (span.status.message) row.statusMessage = span.status.message;
    const tokens = tokenUsageOf(span.attributes[TraceKeys.spanTokenUsage]);
    if (tokens) row.tokens = tokens;
    extent = Math.max(extent, row.startMs + row.durationMs);
    rows.push(row);
    ordered.push(span);
    if (kids) {
      for (let i = kids.length - 1; i >= 0; i--) {
        stackAt.push(kids[i]!);
        stackDepth.push(depth + 1);
        stackParent.push(index);
      }
    }
  }
  return { rows, ordered, extentMs: extent, originNs: origin < 0 ? undefined : spans[origin]!.startTimeNs };
}

/** Milliseconds from one split time to another (see splitNanos). */
function offset(ms: number, ns: number, fromMs: number, fromNs: number): number {
  return ms - fromMs + (ns - fromNs) / 1e6;
}

function hasExceptionEvent(span: Span): boolean {
  for (const event of span.events) if (event.name === 'exception') return true;
  return false;
}

/** The panel's view of a trace, its spans in row order, and the first span start (the timeline's zero). */
export function buildTraceView(trace: Trace, readOnlyReason?: string): { view: TraceView; ordered: Span[]; originNs: string | undefined } {
  const summary = summarizeTrace(trace.info);
  const { rows, ordered, extentMs, originNs } = spanRows(trace.spans);
  const view: TraceView = {
    traceId: trace.info.traceId,
    name: summary.name,
    state: trace.info.state,
    requestTime: trace.info.requestTime,
    extentMs,
    spans: rows,
    assessments: withOverrides(trace.info.assessments.map(toAssessmentView)),
    partial: trace.partial === true,
  };
  if (summary.durationMs !== undefined) view.durationMs = summary.durationMs;
  if (summary.tokens) view.tokens = summary.tokens;
  if (summary.costUsd !== undefined) view.costUsd = summary.costUsd;
  if (summary.session) view.session = summary.session;
  if (summary.user) view.user = summary.user;
  if (readOnlyReason) view.readOnlyReason = readOnlyReason;
  return { view, ordered, originNs };
}

// ---- chat ----

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** OpenAI content: a string, or parts (`[{type:'text', text}, {type:'image_url', …}]`). */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => {
        if (!isRecord(part)) return valueText(part);
        if (typeof part.text === 'string') return part.text;
        if (isRecord(part.image_url) && typeof part.image_url.url === 'string') return `[image ${part.image_url.url}]`;
        return valueText(part);
      })
      .join('\n');
  }
  return content === undefined || content === null ? '' : valueText(content);
}

export function toChatMessage(raw: unknown): ChatMessage | undefined {
  if (!isRecord(raw) || typeof raw.role !== 'string') return undefined;
  const message: ChatMessage = { role: raw.role, content: contentText(raw.content) };
  if (typeof raw.name === 'string') message.name = raw.name;
  if (typeof raw.tool_call_id === 'string') message.toolCallId = raw.tool_call_id;
  if (Array.isArray(raw.tool_calls)) {
    message.toolCalls = raw.tool_calls.filter(isRecord).map((call) => {
      const fn = isRecord(call.function) ? call.function : {};
      const tool: { id?: string; name: string; arguments: string } = {
        name: typeof fn.name === 'string' ? fn.name : '',
        arguments: typeof fn.arguments === 'string' ? fn.arguments : valueText(fn.arguments ?? ''),
      };
      if (typeof call.id === 'string') tool.id = call.id;
      return tool;
    });
  }
  return message;
}

/**
 * The conversation of a chat span: `inputs.messages` followed by the output's choice messages
 * (OpenAI chat completions, which `mlflow.message.format = openai` and most autologgers produce).
 */
export function chatOf(inputs: unknown, outputs: unknown): ChatMessage[] | undefined {
  const inMessages = isRecord(inputs) && Array.isArray(inputs.messages) ? inputs.messages : undefined;
  if (!inMessages) return undefined;
  const messages = inMessages.map(toChatMessage);
  if (messages.some((m) => m === undefined)) return undefined;
  const out: ChatMessage[] = messages as ChatMessage[];
  if (isRecord(outputs) && Array.isArray(outputs.choices)) {
    for (const choice of outputs.choices) {
      const message = isRecord(choice) ? toChatMessage(choice.message) : undefined;
      if (message) out.push(message);
    }
  }
  return out;
}

// ---- attachments ----

const ATTACHMENT = /mlflow-attachment:\/\/([A-Za-z0-9-]{1,64})(\?[^"'\s\\)]*)?/g;

/** `mlflow-attachment://<id>?content_type=image%2Fpng&trace_id=…&size=166` references in a value. */
export function attachmentsIn(value: unknown): AttachmentRef[] {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
  const found = new Map<string, AttachmentRef>();
  for (const match of text.matchAll(ATTACHMENT)) {
    const params = new URLSearchParams(match[2]?.slice(1) ?? '');
    const ref: AttachmentRef = { id: match[1]!, contentType: params.get('content_type') ?? 'application/octet-stream' };
    const size = Number(params.get('size'));
    if (params.has('size') && Number.isFinite(size)) ref.size = size;
    found.set(ref.id, ref);
  }
  return [...found.values()];
}

// ---- one span ----

const SHOWN_ELSEWHERE = new Set<string>([TraceKeys.spanInputs, TraceKeys.spanOutputs, TraceKeys.spanType, TraceKeys.spanFunctionName, 'mlflow.traceRequestId']);

export function spanDetail(span: Span, index: number, traceStartNs: string | undefined): SpanDetail {
  const inputs = span.attributes[TraceKeys.spanInputs];
  const outputs = span.attributes[TraceKeys.spanOutputs];
  const origin = nanos(traceStartNs) ?? nanos(span.startTimeNs) ?? 0n;
  const detail: SpanDetail = {
    index,
    spanId: span.spanId,
    name: span.name,
    spanType: span.spanType,
    inputs: inputs ?? null,
    outputs: outputs ?? null,
    attributes: Object.entries(span.attributes)
      .filter(([key]) => !SHOWN_ELSEWHERE.has(key))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => [key, valueText(value)]),
    events: span.events.map((event) => ({
      name: event.name,
      offsetMs: msBetween(origin, nanos(event.timeNs) ?? origin),
      isException: event.name === 'exception',
      attributes: Object.entries(event.attributes).map(([key, value]) => [key, valueText(value)]),
    })),
    attachments: [...attachmentsIn(inputs), ...attachmentsIn(outputs)],
  };
  const fn = span.attributes[TraceKeys.spanFunctionName];
  if (typeof fn === 'string') detail.functionName = fn;
  const chat = chatOf(inputs, outputs);
  if (chat) detail.chat = chat;
  const tokens = tokenUsageOf(span.attributes[TraceKeys.spanTokenUsage]);
  if (tokens) detail.tokens = tokens;
  const cost = span.attributes[TraceKeys.spanCost];
  if (isRecord(cost) && typeof cost.total_cost === 'number') detail.costUsd = cost.total_cost;
  const model = span.attributes['mlflow.llm.model'];
  if (typeof model === 'string') detail.model = model;
  return detail;
}

// ---- drafts from the panel ----

/**
 * The value a reviewer typed: `true`/`false`, numbers and JSON become typed values (as MLflow's UI
 * sends them), anything else stays text.
 */
export function parseAssessmentValue(text: string): unknown {
  const raw = text.trim();
  if (raw === '') throw new Error('An assessment needs a value.');
  if (/^(true|false|null|-?\d+(\.\d+)?([eE][-+]?\d+)?)$/.test(raw) || /^[[{"]/.test(raw)) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      return raw;
    }
  }
  return raw;
}

/**
 * A new assessment from the panel's form (see {@link parseAssessmentValue} for the value). Names are required; MLflow would accept none, but a nameless
 * assessment cannot be found by the `feedback.<name>` filter.
 */
export function parseDraft(draft: AssessmentDraft): { name: string; kind: 'feedback' | 'expectation'; value: unknown; rationale?: string; spanId?: string; overrides?: string } {
  const name = draft.name.trim();
  if (name === '') throw new Error('An assessment needs a name (e.g. "helpful").');
  if (name.length > 250) throw new Error('An assessment name has at most 250 characters.');
  if (draft.kind !== 'feedback' && draft.kind !== 'expectation') throw new Error('Unknown assessment kind.');
  const value = parseAssessmentValue(draft.value);
  const parsed: { name: string; kind: 'feedback' | 'expectation'; value: unknown; rationale?: string; spanId?: string; overrides?: string } = { name, kind: draft.kind, value };
  const rationale = draft.rationale?.trim();
  if (rationale) parsed.rationale = rationale;
  if (draft.spanId !== undefined) {
    if (!/^[0-9a-f]{16}$/.test(draft.spanId)) throw new Error('Invalid span id.');
    parsed.spanId = draft.spanId;
  }
  if (draft.overrides !== undefined) {
    if (!/^a-[0-9a-f]{32}$/.test(draft.overrides)) throw new Error('Invalid assessment id.');
    parsed.overrides = draft.overrides;
  }
  return parsed;
}
