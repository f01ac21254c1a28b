import { MlflowError, isMlflowError } from '../errors';
import { parseJsonBody } from '../http';
import type { HttpClient } from '../http';
import { type AssessmentUpdate, MAX_TRACES_PER_PAGE, type TraceStore } from '../traceStore';
import type { Assessment, NewAssessment, Trace, TraceInfo, TraceQuery } from '../traceTypes';
import { assessmentBody, toAssessment, toTraceInfo } from '../traceValues';
import { loadSpanValues } from '../lazySpanValues';
import type { Capabilities, CallOptions, Page } from '../types';
import { arrayField, isRecord, parsePageToken } from '../values';
import { obj } from './mapping';

const API3 = '/api/3.0/mlflow';
/** get-trace-artifact exists only under /ajax-api (the UI's route); it serves spans and attachments. */
const TRACE_ARTIFACT = '/ajax-api/2.0/mlflow/get-trace-artifact';

/**
 * Traces over MLflow 3's REST API (`/api/3.0/mlflow/traces/…`). Span documents are parsed without
 * losing the nanosecond times, and traces/get falls back the way MLflow's own client does: a
 * partially exported trace is read with allow_partial=true, one whose spans live only in the
 * artifact store from its `traces.json`.
 */
export class RestTraceStore implements TraceStore {
  readonly readOnly = false;

  constructor(
    private readonly http: HttpClient,
    private readonly capabilities: (options?: CallOptions) => Promise<Capabilities>,
  ) {}

  /** MLflow 3 servers (or a server that hides its version); 2.x has no v3 trace API. */
  async available(options?: CallOptions): Promise<boolean> {
    const { serverVersion } = await this.capabilities(options);
    const major = serverVersion ? Number(/^(\d+)/.exec(serverVersion)?.[1]) : undefined;
    return major === undefined || Number.isNaN(major) || major >= 3;
  }

  async searchTraces(query: TraceQuery, options?: CallOptions): Promise<Page<TraceInfo>> {
    const body: Record<string, unknown> = {
      locations: query.experimentIds.map((id) => ({ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: id } })),
    };
    if (query.filter) body.filter = query.filter;
    if (query.maxResults !== undefined) body.max_results = Math.min(query.maxResults, MAX_TRACES_PER_PAGE);
    if (query.orderBy && query.orderBy.length > 0) body.order_by = query.orderBy;
    if (query.pageToken) body.page_token = query.pageToken;
    const json = await this.http.json({ method: 'POST', path: `${API3}/traces/search`, body, idempotent: true, signal: options?.signal });
    return { items: arrayField(json, 'traces').map(toTraceInfo), nextPageToken: parsePageToken(obj(json).next_page_token) };
  }

  async getTraceInfo(traceId: string, options?: CallOptions): Promise<TraceInfo> {
    const json = await this.http.json({ method: 'GET', path: `${API3}/traces/${encodeURIComponent(traceId)}`, signal: options?.signal });
    return toTraceInfo(obj(obj(json).trace).trace_info);
  }

  async getTrace(traceId: string, options?: CallOptions): Promise<Trace> {
    try {
      return await this.fetchTrace(traceId, false, options);
    } catch (error) {
      if (isMlflowError(error) && error.status === 404 && /not fully exported/i.test(error.message)) {
        return { ...(await this.fetchTrace(traceId, true, options)), partial: true };
      }
      if (isMlflowError(error) && error.status === 500 && /not stored in tracking store/i.test(error.message)) {
        return this.traceFromArtifact(traceId, options);
      }
      throw error;
    }
  }

  private async fetchTrace(traceId: string, allowPartial: boolean, options?: CallOptions): Promise<Trace> {
    const query: Record<string, string> = { trace_id: traceId };
    if (allowPartial) query.allow_partial = 'true';
    const text = await this.http.text({ method: 'GET', path: `${API3}/traces/get`, query, signal: options?.signal });
    const decode = (exact: boolean): Trace => {
      const trace = obj(obj(parseSpanDocument(text, `traces/get ${traceId}`, (doc) => (isRecord(doc) && isRecord(doc.trace) ? doc.trace.spans : undefined), exact)).trace);
      return { info: toTraceInfo(trace.trace_info), spans: arrayField(trace, 'spans').map((s) => loadSpanValues().toSpan(s, traceId)) };
    };
    return decodeExactly(decode);
  }

  /** What MLflow's client does after the 500: the info from traces/{id}, the spans from traces.json. */
  private async traceFromArtifact(traceId: string, options?: CallOptions): Promise<Trace> {
    const [info, text] = await Promise.all([
      this.getTraceInfo(traceId, options),
      this.http.text({ method: 'GET', path: TRACE_ARTIFACT, query: { request_id: traceId }, signal: options?.signal }),
    ]);
    const spans = decodeExactly((exact) => arrayField(parseSpanDocument(text, `the trace data of ${traceId}`, (doc) => (isRecord(doc) ? doc.spans : undefined), exact), 'spans').map((s) => loadSpanValues().toSpan(s, traceId)));
    return { info, spans };
  }

  async readAttachment(traceId: string, attachmentId: string, options?: CallOptions): Promise<Uint8Array> {
    return this.http.bytes({ method: 'GET', path: TRACE_ARTIFACT, query: { request_id: traceId, path: attachmentId }, signal: options?.signal });
  }

  async createAssessment(assessment: NewAssessment, options?: CallOptions): Promise<Assessment> {
    const json = await this.http.json({
      method: 'POST',
      path: `${API3}/traces/${encodeURIComponent(assessment.traceId)}/assessments`,
      body: { assessment: assessmentBody(assessment) },
      signal: options?.signal,
    });
    return toAssessment(obj(json).assessment);
  }

  async updateAssessment(traceId: string, assessmentId: string, update: AssessmentUpdate, options?: CallOptions): Promise<Assessment> {
    const assessment: Record<string, unknown> = {};
    const mask: string[] = [];
    if ('value' in update) {
      assessment[update.kind] = { value: update.value };
      mask.push(update.kind);
    }
    if (update.rationale !== undefined) {
      assessment.rationale = update.rationale;
      mask.push('rationale');
    }
    const json = await this.http.json({
      method: 'PATCH',
      path: `${API3}/traces/${encodeURIComponent(traceId)}/assessments/${encodeURIComponent(assessmentId)}`,
      body: { assessment, update_mask: mask.join(',') },
      signal: options?.signal,
    });
    return toAssessment(obj(json).assessment);
  }

  async deleteAssessment(traceId: string, assessmentId: string, options?: CallOptions): Promise<void> {
    await this.http.json({
      method: 'DELETE',
      path: `${API3}/traces/${encodeURIComponent(traceId)}/assessments/${encodeURIComponent(assessmentId)}`,
      signal: options?.signal,
    });
  }
}

/**
 * `decode(false)`: from the fast parse, whose spans' attribute lists only toSpan checks for integers
 * JSON.parse rounded; when it met one, `decode(true)`: from the lossless parse.
 */
function decodeExactly<T>(decode: (exact: boolean) => T): T {
  const { roundedIntegerCount } = loadSpanValues();
  const before = roundedIntegerCount();
  const decoded = decode(false);
  return roundedIntegerCount() === before ? decoded : decode(true);
}

/** A JSON answer holding spans: big integers (ns times) kept as strings; HTML and garbage are errors. */
function parseSpanDocument(text: string, what: string, spansOf: (doc: unknown) => unknown, exact: boolean): unknown {
  try {
    if (text.trim() === '') return {};
    const spans = loadSpanValues();
    return exact ? spans.parseJsonLossless(text) : spans.parseSpanJson(text, spansOf, { attributeListsCheckedByDecoder: true });
  } catch {
    // Same diagnosis as every other answer (HTML login page, truncated body).
    const parsed = parseJsonBody(Buffer.from(loadSpanValues().quoteBigIntegers(text), 'utf8'), '', what);
    if (!isRecord(parsed)) throw new MlflowError(`${what}: unexpected answer`, 'BAD_RESPONSE');
    return parsed;
  }
}
