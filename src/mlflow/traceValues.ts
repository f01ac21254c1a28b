import type { Assessment, AssessmentError, AssessmentSourceType, NewAssessment, TraceInfo, TraceState } from './traceTypes';
import { isRecord } from './values';

/**
 * Decoding of MLflow's trace infos and assessments into traceTypes.ts, shared by the REST, SQLite and
 * file-store backends (spans: ./spanValues). Every string is data from someone else's server: nothing
 * here interprets it beyond JSON.
 */

// ---- times ----

/** `"0.566s"` → 566 (ms); also accepts a number of ms. */
export function durationMs(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string') return undefined;
  const m = /^(-?\d+(?:\.\d+)?)s$/.exec(value.trim());
  return m ? Math.round(Number(m[1]) * 1000) : undefined;
}

/** ISO-8601 (`2026-12-06T09:40:34.244Z`) or epoch ms → epoch ms. */
export function epochMs(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value !== '') {
    if (/^\d+$/.test(value)) return Number(value);
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

// ---- trace info and assessments (REST JSON shape) ----

const TRACE_STATES: readonly TraceState[] = ['OK', 'ERROR', 'IN_PROGRESS', 'STATE_UNSPECIFIED'];

export function toTraceState(value: unknown): TraceState {
  return TRACE_STATES.find((s) => s === value) ?? 'STATE_UNSPECIFIED';
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isRecord(value)) return out;
  for (const [k, v] of Object.entries(value)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A v3 `trace_info` (traces/search, traces/get, traces/{id}). */
export function toTraceInfo(raw: unknown): TraceInfo {
  const t = isRecord(raw) ? raw : {};
  const location = isRecord(t.trace_location) && isRecord(t.trace_location.mlflow_experiment) ? t.trace_location.mlflow_experiment : {};
  const info: TraceInfo = {
    traceId: typeof t.trace_id === 'string' ? t.trace_id : '',
    experimentId: typeof location.experiment_id === 'string' ? location.experiment_id : String(location.experiment_id ?? ''),
    requestTime: epochMs(t.request_time) ?? 0,
    state: toTraceState(t.state),
    metadata: stringMap(t.trace_metadata),
    tags: stringMap(t.tags),
    assessments: (Array.isArray(t.assessments) ? t.assessments : []).map(toAssessment),
  };
  const duration = durationMs(t.execution_duration);
  if (duration !== undefined) info.executionDurationMs = duration;
  const clientRequestId = optionalString(t.client_request_id);
  if (clientRequestId) info.clientRequestId = clientRequestId;
  const requestPreview = optionalString(t.request_preview);
  if (requestPreview !== undefined) info.requestPreview = requestPreview;
  const responsePreview = optionalString(t.response_preview);
  if (responsePreview !== undefined) info.responsePreview = responsePreview;
  return info;
}

const SOURCE_TYPES: readonly AssessmentSourceType[] = ['HUMAN', 'LLM_JUDGE', 'CODE', 'SOURCE_TYPE_UNSPECIFIED'];

export function toSourceType(value: unknown): AssessmentSourceType {
  return SOURCE_TYPES.find((s) => s === value) ?? 'SOURCE_TYPE_UNSPECIFIED';
}

/** `{value}` or `{serialized_value:{serialization_format:"JSON_FORMAT", value:"<json>"}}`. */
function expectationValue(expectation: Record<string, unknown>): unknown {
  if ('value' in expectation) return expectation.value;
  const serialized = isRecord(expectation.serialized_value) ? expectation.serialized_value : undefined;
  if (serialized && typeof serialized.value === 'string') {
    try {
      return JSON.parse(serialized.value) as unknown;
    } catch {
      return serialized.value;
    }
  }
  return null;
}

function toAssessmentError(value: unknown): AssessmentError | undefined {
  if (!isRecord(value)) return undefined;
  const error: AssessmentError = {};
  if (typeof value.error_code === 'string') error.code = value.error_code;
  if (typeof value.error_message === 'string') error.message = value.error_message;
  if (typeof value.stack_trace === 'string') error.stackTrace = value.stack_trace;
  return error;
}

export function toAssessment(raw: unknown): Assessment {
  const a = isRecord(raw) ? raw : {};
  const source = isRecord(a.source) ? a.source : {};
  const feedback = isRecord(a.feedback) ? a.feedback : undefined;
  const expectation = isRecord(a.expectation) ? a.expectation : undefined;
  const assessment: Assessment = {
    assessmentId: typeof a.assessment_id === 'string' ? a.assessment_id : '',
    name: typeof a.assessment_name === 'string' ? a.assessment_name : '',
    traceId: typeof a.trace_id === 'string' ? a.trace_id : '',
    kind: expectation ? 'expectation' : 'feedback',
    value: expectation ? expectationValue(expectation) : (feedback?.value ?? null),
    source: { type: toSourceType(source.source_type) },
    createTime: epochMs(a.create_time) ?? 0,
    lastUpdateTime: epochMs(a.last_update_time) ?? 0,
    valid: a.valid !== false,
  };
  const sourceId = optionalString(source.source_id);
  if (sourceId) assessment.source.id = sourceId;
  const spanId = optionalString(a.span_id);
  if (spanId) assessment.spanId = spanId;
  const error = toAssessmentError(feedback?.error);
  if (error) assessment.error = error;
  const rationale = optionalString(a.rationale);
  if (rationale !== undefined) assessment.rationale = rationale;
  if (isRecord(a.metadata) && Object.keys(a.metadata).length > 0) assessment.metadata = stringMap(a.metadata);
  const overrides = optionalString(a.overrides);
  if (overrides) assessment.overrides = overrides;
  return assessment;
}

/** The REST body of a new assessment (what the MLflow UI and Python client send). */
export function assessmentBody(assessment: NewAssessment): Record<string, unknown> {
  const body: Record<string, unknown> = {
    assessment_name: assessment.name,
    trace_id: assessment.traceId,
    source: { source_type: assessment.source.type, source_id: assessment.source.id },
  };
  if (assessment.spanId) body.span_id = assessment.spanId;
  if (assessment.kind === 'feedback') body.feedback = { value: assessment.value };
  else body.expectation = { value: assessment.value };
  if (assessment.rationale) body.rationale = assessment.rationale;
  if (assessment.metadata) body.metadata = assessment.metadata;
  if (assessment.overrides) body.overrides = assessment.overrides;
  return body;
}
