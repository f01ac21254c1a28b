import { MlflowError } from '../errors';
import { type SpanSearchRow, needsSpans, searchTraceInfos } from '../traceSearch';
import { MAX_TRACES_PER_PAGE, type TraceStore } from '../traceStore';
import type { Assessment, Span, Trace, TraceInfo, TraceQuery } from '../traceTypes';
import { TraceKeys } from '../traceTypes';
import { toSourceType, toTraceState } from '../traceValues';
import { parseSpanJson, toSpan } from '../spanValues';
import type { CallOptions, Page } from '../types';
import { checkMaxResults, createPageToken, parsePageToken } from './paging';
import { ReadOnlyAssessments, spansFromTraceData, traceAttachment, traceDataFile, withPartialFlag } from './localTraces';
import { type Database, type Row, type SqlValue, hasColumn, hasTable, inChunks, optionalNumber, optionalText, placeholders, queryRows, text } from './sqliteRows';

/**
 * Traces of an MLflow 3 SQLite store: `trace_info`, `trace_tags`, `trace_request_metadata`,
 * `assessments` and `spans` (one JSON span document per row in `content`). Spans that were exported
 * to the artifact store instead (no `mlflow.trace.spansLocation=TRACKING_STORE` tag) are read from the
 * trace's `traces.json`. Read-only, like the rest of the local store.
 */
export class SqliteTraceStore extends ReadOnlyAssessments implements TraceStore {
  constructor(
    private readonly read: <T>(options: CallOptions | undefined, query: (db: Database) => T) => Promise<T>,
    /** Resolves a stored artifact URI (`mlflow-artifacts:/…`, a path) to a local folder. */
    private readonly resolveArtifactUri: (uri: string, options?: CallOptions) => Promise<string>,
    readonly description: string,
  ) {
    super();
  }

  available(options?: CallOptions): Promise<boolean> {
    return this.read(options, (db) => hasTable(db, 'trace_info'));
  }

  async searchTraces(query: TraceQuery, options?: CallOptions): Promise<Page<TraceInfo>> {
    const fast = timeOrderedPage(query);
    if (fast) return this.read(options, fast);
    const withSpans = needsSpans(query.filter, 'sql');
    const { infos, spans } = await this.read(options, (db) => {
      if (!hasTable(db, 'trace_info')) return { infos: [], spans: new Map<string, SpanSearchRow[]>() };
      const ids = query.experimentIds.map((id) => Number(id)).filter((n) => Number.isInteger(n));
      const infos = ids.length === 0 ? [] : traceInfos(db, `experiment_id IN ${placeholders(ids.length)}`, ids);
      return { infos, spans: withSpans ? spanRows(db, infos.map((i) => i.traceId)) : new Map<string, SpanSearchRow[]>() };
    });
    return searchTraceInfos(infos, query, (traceId) => spans.get(traceId) ?? [], 'sql');
  }

  async getTraceInfo(traceId: string, options?: CallOptions): Promise<TraceInfo> {
    const [info] = await this.read(options, (db) => (hasTable(db, 'trace_info') ? traceInfos(db, 'request_id = ?', [traceId]) : []));
    if (!info) throw new MlflowError(`Trace with ID ${traceId} is not found.`, 'RESOURCE_DOES_NOT_EXIST', 404);
    return info;
  }

  async getTrace(traceId: string, options?: CallOptions): Promise<Trace> {
    const { info, spans } = await this.read(options, (db) => {
      const [info] = hasTable(db, 'trace_info') ? traceInfos(db, 'request_id = ?', [traceId]) : [];
      return { info, spans: info && hasTable(db, 'spans') ? spansOfTrace(db, traceId) : [] };
    });
    if (!info) throw new MlflowError(`Trace with ID ${traceId} is not found.`, 'RESOURCE_DOES_NOT_EXIST', 404);
    if (spans.length === 0 && info.tags[TraceKeys.spansLocation] !== 'TRACKING_STORE') {
      const folder = await this.traceArtifactFolder(info, options);
      return withPartialFlag({ info, spans: await spansFromTraceData(traceDataFile(folder), traceId, options) });
    }
    return withPartialFlag({ info, spans });
  }

  async readAttachment(traceId: string, attachmentId: string, options?: CallOptions): Promise<Uint8Array> {
    const info = await this.getTraceInfo(traceId, options);
    return traceAttachment(await this.traceArtifactFolder(info, options), attachmentId, traceId, options);
  }

  private async traceArtifactFolder(info: TraceInfo, options?: CallOptions): Promise<string> {
    const location = info.tags[TraceKeys.artifactLocation];
    if (!location) throw new MlflowError(`Trace ${info.traceId} has no artifact location.`, 'RESOURCE_DOES_NOT_EXIST', 404);
    return this.resolveArtifactUri(location, options);
  }
}

/**
 * The Traces view's usual question (no filter, newest or oldest first) answered in SQL, in one
 * statement: the page in index order with each trace's tags, metadata and assessments beside it. Same
 * order (trace id breaks ties) and page tokens as the general path, which evaluates filters.
 */
function timeOrderedPage(query: TraceQuery): ((db: Database) => Page<TraceInfo>) | undefined {
  if (query.filter && query.filter.trim() !== '') return undefined;
  const direction = timeOrder(query.orderBy);
  if (!direction) return undefined;
  if (query.experimentIds.length === 0) return undefined;
  const maxResults = checkMaxResults(query.maxResults, 100, MAX_TRACES_PER_PAGE);
  const offset = parsePageToken(query.pageToken);
  return (db) => {
    if (!hasTable(db, 'trace_info')) return { items: [] };
    const ids = query.experimentIds.map((id) => Number(id)).filter((n) => Number.isInteger(n));
    if (ids.length === 0) return { items: [] };
    // The page from the `(experiment_id, timestamp_ms)` index (one more row tells whether a next page exists).
    const rows = traceInfos(
      db,
      `experiment_id IN ${placeholders(ids.length)} ORDER BY timestamp_ms ${direction}, request_id ASC LIMIT ? OFFSET ?`,
      [...ids, maxResults + 1, offset],
    );
    const page: Page<TraceInfo> = { items: rows.slice(0, maxResults) };
    if (rows.length > maxResults) page.nextPageToken = createPageToken(offset + maxResults);
    return page;
  };
}

/** DESC for MLflow's default order, the direction of a lone `timestamp_ms` order, else undefined. */
function timeOrder(orderBy: readonly string[] | undefined): 'ASC' | 'DESC' | undefined {
  if (!orderBy || orderBy.length === 0) return 'DESC';
  if (orderBy.length !== 1) return undefined;
  const match = /^(?:(?:attributes?|trace)\.)?timestamp_ms(?:\s+(asc|desc))?$/i.exec(orderBy[0]!.trim());
  if (!match) return undefined;
  return match[1]?.toLowerCase() === 'desc' ? 'DESC' : 'ASC';
}

/**
 * `trace_tags` or `trace_request_metadata` of each row's trace as one JSON object (a correlated
 * subquery over the table's `request_id` index): a page of 50 traces is 50 values to carry out of
 * SQLite instead of ~1,000 rows of three, and crossing out of the engine per value is what a read costs.
 */
function keyValueColumn(db: Database, table: string, alias: string): string {
  if (!hasTable(db, table)) return `NULL AS ${alias}`;
  return `(SELECT json_group_object(kv.key, CAST(kv.value AS TEXT)) FROM ${table} kv WHERE kv.request_id = trace_info.request_id) AS ${alias}`;
}

/** The string map behind a {@link keyValueColumn} (a NULL value reads as '', as a row's `text()` did). */
function keyValueMap(value: SqlValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== 'string') return out;
  const parsed = JSON.parse(value) as Record<string, unknown>;
  for (const key of Object.keys(parsed)) {
    const v = parsed[key];
    out[key] = typeof v === 'string' ? v : v === null || v === undefined ? '' : String(v);
  }
  return out;
}

function parseJsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? null;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function toAssessmentRow(row: Row): Assessment {
  const kind = text(row.assessment_type) === 'expectation' ? 'expectation' : 'feedback';
  const assessment: Assessment = {
    assessmentId: text(row.assessment_id),
    name: text(row.name),
    traceId: text(row.trace_id),
    kind,
    value: parseJsonText(row.value),
    source: { type: toSourceType(text(row.source_type)) },
    createTime: optionalNumber(row.created_timestamp) ?? 0,
    lastUpdateTime: optionalNumber(row.last_updated_timestamp) ?? 0,
    valid: Number(row.valid) !== 0,
  };
  const sourceId = optionalText(row.source_id);
  if (sourceId) assessment.source.id = sourceId;
  const spanId = optionalText(row.span_id);
  if (spanId) assessment.spanId = spanId;
  const error = parseJsonText(row.error);
  if (typeof error === 'object' && error !== null) {
    const e = error as Record<string, unknown>;
    assessment.error = {};
    if (typeof e.error_code === 'string') assessment.error.code = e.error_code;
    if (typeof e.error_message === 'string') assessment.error.message = e.error_message;
    if (typeof e.stack_trace === 'string') assessment.error.stackTrace = e.stack_trace;
  }
  const rationale = optionalText(row.rationale);
  if (rationale !== undefined) assessment.rationale = rationale;
  const metadata = parseJsonText(row.assessment_metadata);
  if (typeof metadata === 'object' && metadata !== null && Object.keys(metadata).length > 0) {
    assessment.metadata = Object.fromEntries(Object.entries(metadata).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]));
  }
  const overrides = optionalText(row.overrides);
  if (overrides) assessment.overrides = overrides;
  return assessment;
}

/** The assessment columns carried out per trace (a store of an older 3.x schema may lack some: NULL). */
const ASSESSMENT_COLUMNS = [
  'assessment_id',
  'name',
  'assessment_type',
  'value',
  'error',
  'created_timestamp',
  'last_updated_timestamp',
  'source_type',
  'source_id',
  'span_id',
  'rationale',
  'overrides',
  'valid',
  'assessment_metadata',
] as const;
const NUMERIC_ASSESSMENT_COLUMNS = new Set<string>(['created_timestamp', 'last_updated_timestamp', 'valid']);

/**
 * The assessments of each row's trace as one JSON array of `[rowid, ...ASSESSMENT_COLUMNS]` arrays (over
 * the `(trace_id, created_timestamp)` index); text columns cast so that no value can be a BLOB, which
 * SQLite's JSON functions refuse.
 */
function assessmentsColumn(db: Database): string {
  if (!hasTable(db, 'assessments')) return 'NULL AS assessments';
  const fields = ASSESSMENT_COLUMNS.map((c) => (!hasColumn(db, 'assessments', c) ? 'NULL' : NUMERIC_ASSESSMENT_COLUMNS.has(c) ? `a.${c}` : `CAST(a.${c} AS TEXT)`));
  return `(SELECT json_group_array(json_array(a.rowid, ${fields.join(', ')})) FROM assessments a WHERE a.trace_id = trace_info.request_id) AS assessments`;
}

/** The assessments of one trace from {@link assessmentsColumn}, oldest first (then in insertion order). */
function assessmentList(value: SqlValue | undefined, traceId: string): Assessment[] {
  if (typeof value !== 'string') return [];
  const rows = JSON.parse(value) as SqlValue[][];
  if (rows.length === 0) return [];
  const created = ASSESSMENT_COLUMNS.indexOf('created_timestamp') + 1;
  rows.sort((x, y) => Number(x[created]) - Number(y[created]) || Number(x[0]) - Number(y[0]));
  return rows.map((values) => {
    const row: Row = { trace_id: traceId };
    ASSESSMENT_COLUMNS.forEach((column, i) => (row[column] = values[i + 1] ?? null));
    return toAssessmentRow(row);
  });
}

/**
 * Trace infos with their tags, metadata and assessments, for a WHERE over `trace_info` (which may end in
 * ORDER BY / LIMIT), in one statement: each trace's tags, metadata and assessments come aggregated
 * beside its row.
 */
function traceInfos(db: Database, where: string, params: (string | number)[]): TraceInfo[] {
  const optional = (column: string): string => (hasColumn(db, 'trace_info', column) ? column : `NULL AS ${column}`);
  const rows = queryRows(
    db,
    `SELECT request_id, experiment_id, timestamp_ms, execution_time_ms, status, ${optional('client_request_id')}, ${optional('request_preview')}, ${optional('response_preview')}, ` +
      `${keyValueColumn(db, 'trace_tags', 'tags')}, ${keyValueColumn(db, 'trace_request_metadata', 'metadata')}, ${assessmentsColumn(db)} ` +
      `FROM trace_info WHERE ${where}`,
    params,
  );
  return rows.map((row) => {
    const traceId = text(row.request_id);
    const info: TraceInfo = {
      traceId,
      experimentId: text(row.experiment_id),
      requestTime: optionalNumber(row.timestamp_ms) ?? 0,
      state: toTraceState(text(row.status)),
      metadata: keyValueMap(row.metadata),
      tags: keyValueMap(row.tags),
      assessments: assessmentList(row.assessments, traceId),
    };
    const duration = optionalNumber(row.execution_time_ms);
    if (duration !== undefined) info.executionDurationMs = duration;
    const clientRequestId = optionalText(row.client_request_id);
    if (clientRequestId) info.clientRequestId = clientRequestId;
    const requestPreview = optionalText(row.request_preview);
    if (requestPreview !== undefined) info.requestPreview = requestPreview;
    const responsePreview = optionalText(row.response_preview);
    if (responsePreview !== undefined) info.responsePreview = responsePreview;
    return info;
  });
}

function spanRows(db: Database, ids: readonly string[]): Map<string, SpanSearchRow[]> {
  const out = new Map<string, SpanSearchRow[]>();
  if (!hasTable(db, 'spans')) return out;
  for (const row of inChunks(ids, (chunk) => queryRows(db, `SELECT trace_id, name, type, status, content FROM spans WHERE trace_id IN ${placeholders(chunk.length)}`, chunk))) {
    const id = text(row.trace_id);
    const span = { name: text(row.name), type: text(row.type), status: text(row.status), content: text(row.content) };
    const list = out.get(id);
    if (list) list.push(span);
    else out.set(id, [span]);
  }
  return out;
}

/**
 * The spans of one trace in start order. Times come from `content` with a lossless parse (sql.js
 * would hand the BIGINT columns over as rounded doubles).
 */
function spansOfTrace(db: Database, traceId: string): Span[] {
  return queryRows(db, 'SELECT content FROM spans WHERE trace_id = ? ORDER BY start_time_unix_nano, span_id', [traceId]).map((row) => {
    let document: unknown;
    try {
      document = parseSpanJson(text(row.content), (doc) => [doc]);
    } catch {
      document = {};
    }
    return toSpan(document, traceId);
  });
}
