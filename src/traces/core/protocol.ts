import type { AssessmentSourceType, SpanStatusCode, TraceState } from '../../mlflow/traceTypes';
import type { TokenUsage } from './traceSummary';
import type { TracePanelState } from './panelState';

/**
 * Messages between the extension host and the trace panel webview. Both sides `import type` this file
 * (it holds no code). Each direction is a discriminated union on `type`. Every string inside came from
 * a tracking server and is untrusted: the page shows it as text only.
 */

/** One span in the tree and on the timeline; the full attributes come only for the selected span. */
export interface SpanRow {
  index: number;
  spanId: string;
  /** Index of the parent row; absent for roots (and orphans whose parent is missing). */
  parentIndex?: number;
  depth: number;
  name: string;
  spanType: string;
  status: SpanStatusCode;
  statusMessage?: string;
  /** Milliseconds from the trace's first span start (computed exactly from the ns times). */
  startMs: number;
  durationMs: number;
  /** Has an `exception` event. */
  hasException: boolean;
  childCount: number;
  tokens?: TokenUsage;
}

export interface AssessmentView {
  assessmentId: string;
  name: string;
  kind: 'feedback' | 'expectation';
  /** The value as text (JSON for non-strings). */
  valueText: string;
  rationale?: string;
  sourceType: AssessmentSourceType;
  sourceId?: string;
  spanId?: string;
  error?: { code?: string; message?: string };
  valid: boolean;
  overrides?: string;
  /** The assessment that overrides this one (it is then `valid: false`). */
  overriddenBy?: string;
  createTime: number;
}

export interface TraceView {
  traceId: string;
  name: string;
  state: TraceState;
  requestTime: number;
  durationMs?: number;
  /** The timeline's extent in ms (the last span end). */
  extentMs: number;
  spans: SpanRow[];
  assessments: AssessmentView[];
  tokens?: TokenUsage;
  costUsd?: number;
  session?: string;
  user?: string;
  /** Some spans were never exported (the server said "not fully exported"). */
  partial: boolean;
  /** Why assessments cannot be added here (a local store), if so. */
  readOnlyReason?: string;
}

export interface ChatMessage {
  role: string;
  content: string;
  name?: string;
  toolCalls?: { id?: string; name: string; arguments: string }[];
  toolCallId?: string;
}

export interface SpanEventView {
  name: string;
  offsetMs: number;
  isException: boolean;
  attributes: [string, string][];
}

export interface AttachmentRef {
  id: string;
  contentType: string;
  size?: number;
}

export interface SpanDetail {
  index: number;
  spanId: string;
  name: string;
  spanType: string;
  functionName?: string;
  /** The decoded inputs and outputs, for the lazy JSON viewer. */
  inputs: unknown;
  outputs: unknown;
  /** OpenAI-style chat found in the inputs/outputs, rendered as a conversation. */
  chat?: ChatMessage[];
  /** Other attributes, values as text. */
  attributes: [string, string][];
  events: SpanEventView[];
  tokens?: TokenUsage;
  costUsd?: number;
  model?: string;
  attachments: AttachmentRef[];
}

export interface AssessmentDraft {
  kind: 'feedback' | 'expectation';
  name: string;
  /** As typed: `true`, `0.8`, `"text"` or JSON; plain text otherwise. */
  value: string;
  rationale?: string;
  /** Span-level when set (16 hex). */
  spanId?: string;
  /** Replaces this assessment (MLflow's override). */
  overrides?: string;
}

export interface AssessmentEdit {
  assessmentId: string;
  /** As typed, parsed like a new assessment's value. */
  value: string;
  rationale?: string;
}

export type TraceHostMessage =
  /** What the page saves (`setState`) so the panel comes back after a window reload. */
  | { type: 'persist'; state: TracePanelState }
  | { type: 'loading'; traceId: string }
  /** The tree and, in the same message, the selected span's details (one transfer when a trace opens). */
  | { type: 'trace'; view: TraceView; span?: SpanDetail }
  | { type: 'span'; detail: SpanDetail }
  | { type: 'error'; message: string }
  | { type: 'assessmentResult'; ok: boolean; message?: string }
  /** Open Source could not open the span's function: why. */
  | { type: 'sourceResult'; message: string };

export interface TraceRenderSummary {
  traceId: string;
  spans: number;
  errorSpans: number;
  assessments: number;
  selectedSpan?: string;
  /** How the selected span's inputs are shown. */
  inputsAs?: 'chat' | 'json' | 'none';
  /** The search in the span's inputs/outputs, when a query is typed; `current` is 0-based, -1 for none. */
  search?: { query: string; matches: number; current: number };
  error?: string;
  /** What Open Source last said when it could not open the function. */
  sourceMessage?: string;
}

export type TraceWebviewMessage =
  | { type: 'ready' }
  | { type: 'rendered'; summary: TraceRenderSummary }
  | { type: 'selectSpan'; index: number }
  | { type: 'addAssessment'; draft: AssessmentDraft }
  | { type: 'deleteAssessment'; assessmentId: string }
  /** Changes an assessment in place (value and rationale). */
  | { type: 'editAssessment'; edit: AssessmentEdit }
  /** Adds a HUMAN feedback with the same name and span that overrides a feedback (MLflow marks the old one invalid). */
  | { type: 'overrideAssessment'; edit: AssessmentEdit }
  | { type: 'copy'; text: string }
  | { type: 'openAttachment'; attachment: AttachmentRef }
  /** Opens the selected span's function in the workspace. */
  | { type: 'openSource'; index: number }
  | { type: 'refresh' };
