/**
 * MLflow 3 GenAI objects as every backend returns them: traces (info + spans), assessments and the
 * trace search query. Backends differ in encodings (REST: ISO times, OTel AnyValue attributes, base64
 * span ids; the SQLite store and `traces.json`: epoch ms, JSON-encoded attribute strings, hex ids);
 * these types are the one shape after decoding, so the views never see the difference.
 */

export type TraceState = 'OK' | 'ERROR' | 'IN_PROGRESS' | 'STATE_UNSPECIFIED';

export type AssessmentSourceType = 'HUMAN' | 'LLM_JUDGE' | 'CODE' | 'SOURCE_TYPE_UNSPECIFIED';

export interface AssessmentError {
  code?: string;
  message?: string;
  stackTrace?: string;
}

export interface Assessment {
  assessmentId: string;
  /** Empty when the writer sent none (the server accepts that). */
  name: string;
  traceId: string;
  /** The span it is about, as 16 hex digits; absent for trace-level assessments. */
  spanId?: string;
  kind: 'feedback' | 'expectation';
  /** The decoded value (JSON-serialised expectations are parsed back); null for a failed feedback. */
  value: unknown;
  error?: AssessmentError;
  source: { type: AssessmentSourceType; id?: string };
  /** Epoch milliseconds. */
  createTime: number;
  lastUpdateTime: number;
  rationale?: string;
  metadata?: Record<string, string>;
  /** The assessment this one overrides (which then has `valid: false`). */
  overrides?: string;
  valid: boolean;
}

export interface TraceInfo {
  /** `tr-` + 32 hex digits. */
  traceId: string;
  experimentId: string;
  /** Epoch milliseconds. */
  requestTime: number;
  /** Milliseconds; absent while in progress. */
  executionDurationMs?: number;
  state: TraceState;
  clientRequestId?: string;
  requestPreview?: string;
  responsePreview?: string;
  /** `trace_metadata`: every value a string (JSON for token usage, cost, size stats). */
  metadata: Record<string, string>;
  tags: Record<string, string>;
  assessments: Assessment[];
}

export type SpanStatusCode = 'OK' | 'ERROR' | 'UNSET';

export interface SpanEvent {
  name: string;
  /** Nanoseconds since the epoch as a decimal string: the values are past 2^53. */
  timeNs: string;
  attributes: Record<string, unknown>;
}

export interface Span {
  /** `tr-` + 32 hex digits. */
  traceId: string;
  /** 16 hex digits (REST sends base64; assessments and the SQL store use hex). */
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** `mlflow.spanType` (AGENT, CHAIN, CHAT_MODEL, TOOL, …); UNKNOWN when absent. */
  spanType: string;
  /** Nanoseconds since the epoch as decimal strings (past 2^53: a JS number would round them). */
  startTimeNs: string;
  endTimeNs?: string;
  status: { code: SpanStatusCode; message?: string };
  /** Decoded attribute values (inputs and outputs are structures, not JSON strings). */
  attributes: Record<string, unknown>;
  events: SpanEvent[];
}

export interface Trace {
  info: TraceInfo;
  spans: Span[];
  /** Fewer spans than the trace recorded were found (an interrupted async export). */
  partial?: boolean;
}

export interface TraceQuery {
  experimentIds: string[];
  /** MLflow's trace filter syntax (`trace.status = 'ERROR' AND tags.env = 'prod'`). */
  filter?: string;
  /** Default `timestamp_ms DESC`, newest first. */
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
}

export interface NewAssessment {
  traceId: string;
  spanId?: string;
  name: string;
  kind: 'feedback' | 'expectation';
  value: unknown;
  rationale?: string;
  source: { type: AssessmentSourceType; id: string };
  metadata?: Record<string, string>;
  /** The assessment this one replaces (the server marks that one `valid: false`). */
  overrides?: string;
}

/** Reserved keys MLflow writes on traces and spans. */
export const TraceKeys = {
  traceName: 'mlflow.traceName',
  session: 'mlflow.trace.session',
  user: 'mlflow.trace.user',
  tokenUsage: 'mlflow.trace.tokenUsage',
  cost: 'mlflow.trace.cost',
  sizeStats: 'mlflow.trace.sizeStats',
  sourceRun: 'mlflow.sourceRun',
  modelId: 'mlflow.modelId',
  spansLocation: 'mlflow.trace.spansLocation',
  artifactLocation: 'mlflow.artifactLocation',
  spanType: 'mlflow.spanType',
  spanInputs: 'mlflow.spanInputs',
  spanOutputs: 'mlflow.spanOutputs',
  spanFunctionName: 'mlflow.spanFunctionName',
  spanTokenUsage: 'mlflow.chat.tokenUsage',
  spanCost: 'mlflow.llm.cost',
  messageFormat: 'mlflow.message.format',
} as const;
