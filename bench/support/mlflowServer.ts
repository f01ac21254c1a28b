import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Database, SqlValue } from 'sql.js';
import { sampleHistories, validateSampleWindow } from '../../src/mlflow/sampling';
import type { Metric } from '../../src/mlflow/types';

/**
 * A loopback MLflow tracking server for the benches, answering from the bench SQLite store with the
 * REST shapes of a real server (checked against test/fixtures/mlflow-2.17.2/rest-captures):
 *
 * - POST runs/search: MLflow's default order (start_time DESC, run_id), base64 `{"offset": N}` page
 *   tokens, no token on the last page;
 * - GET metrics/get-history: pages at `max_results` with a page token (MLflow 3's behaviour; 2.x
 *   ignores max_results and always answers in full: for 20,000 steps and the client's 25,000 page
 *   size both give one request);
 * - GET metrics/get-history-bulk-interval: MLflow's sampling (src/mlflow/sampling.ts, the server's
 *   rule), at most 100 runs;
 * - experiments/search (GET and POST), /version, /health.
 *
 * Bodies are pretty-printed JSON, as the real server sends them (so byte counts match). Every request
 * is counted with its bytes. Answers are cached by what they depend on: after a warm-up the server
 * costs almost nothing, so a timing shows the client's work, not this stand-in's.
 */

export interface ServerStats {
  requests: number;
  requestBytes: number;
  responseBytes: number;
  byRoute: Record<string, number>;
}

/** A request as it reached the server, for the REST baselines to send again. */
export interface RecordedRequest {
  method: string;
  /** Path and query string. */
  url: string;
  body?: string;
}

type Json = Record<string, unknown>;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

const API = '/api/2.0/mlflow';
const RUNS_SEARCH_MAX = 50_000;

export class BenchMlflowServer {
  private readonly cache = new Map<string, Buffer>();
  private readonly runOrder = new Map<string, string[]>();
  private stats: ServerStats = { requests: 0, requestBytes: 0, responseBytes: 0, byRoute: {} };
  private recording: RecordedRequest[] | undefined;

  private constructor(
    private readonly db: Database,
    private readonly server: http.Server,
    readonly baseUrl: string,
  ) {}

  static async start(db: Database): Promise<BenchMlflowServer> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const instance = new BenchMlflowServer(db, server, `http://127.0.0.1:${port}`);
    server.on('request', (req, res) => void instance.handle(req, res));
    return instance;
  }

  /** Counters since the last call (requests, bytes each way, per route). */
  takeStats(): ServerStats {
    const stats = this.stats;
    this.stats = { requests: 0, requestBytes: 0, responseBytes: 0, byRoute: {} };
    return stats;
  }

  /** The requests `run` made, in order. */
  async record(run: () => Promise<unknown>): Promise<RecordedRequest[]> {
    const log: RecordedRequest[] = [];
    this.recording = log;
    try {
      await run();
    } finally {
      this.recording = undefined;
    }
    return log;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const body = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = `${req.method} ${url.pathname}`;
    this.stats.requests++;
    this.stats.requestBytes += body.length + (req.url?.length ?? 0);
    this.stats.byRoute[route] = (this.stats.byRoute[route] ?? 0) + 1;
    this.recording?.push({ method: req.method ?? 'GET', url: req.url ?? '/', body: body.length ? body.toString('utf8') : undefined });
    let status = 200;
    let contentType = 'application/json';
    let payload: Buffer;
    try {
      const answer = this.answer(req.method ?? 'GET', url, body);
      if (typeof answer === 'string') {
        contentType = 'text/plain; charset=utf-8';
        payload = Buffer.from(answer);
      } else {
        payload = answer;
      }
    } catch (error) {
      status = error instanceof HttpError ? error.status : 500;
      if (status === 404) {
        contentType = 'text/html; charset=utf-8';
        payload = Buffer.from('<!doctype html><title>404 Not Found</title><h1>Not Found</h1>');
      } else {
        const code = error instanceof HttpError ? error.errorCode : 'INTERNAL_ERROR';
        payload = Buffer.from(JSON.stringify({ error_code: code, message: error instanceof Error ? error.message : String(error) }, null, 2));
      }
    }
    this.stats.responseBytes += payload.length;
    res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': payload.length });
    res.end(payload);
  }

  private answer(method: string, url: URL, body: Buffer): Buffer | string {
    const path = url.pathname;
    if (path === '/version') return '2.17.2';
    if (path === '/health') return 'OK';
    const json = (): Json => (body.length ? (JSON.parse(body.toString('utf8')) as Json) : {});
    switch (`${method} ${path}`) {
      case `POST ${API}/runs/search`:
        return this.searchRuns(json());
      case `GET ${API}/runs/get`:
        return this.getRun(url.searchParams);
      case `GET ${API}/metrics/get-history`:
        return this.history(url.searchParams);
      case `GET ${API}/metrics/get-history-bulk-interval`:
        return this.sampledHistories(url.searchParams);
      case `GET ${API}/experiments/search`:
        return this.searchExperiments();
      case `POST ${API}/experiments/search`:
        return this.searchExperiments();
      default:
        throw new HttpError(404, 'ENDPOINT_NOT_FOUND', `No route ${method} ${path}`);
    }
  }

  private cached(key: string, build: () => Json): Buffer {
    let body = this.cache.get(key);
    if (!body) {
      body = Buffer.from(JSON.stringify(build(), null, 2), 'utf8');
      this.cache.set(key, body);
    }
    return body;
  }

  // ---- experiments ----

  private searchExperiments(): Buffer {
    return this.cached('experiments', () => {
      const experiments = rows(this.db, 'SELECT * FROM experiments ORDER BY last_update_time DESC, experiment_id').map((e) => {
        const tags = rows(this.db, 'SELECT key, value FROM experiment_tags WHERE experiment_id = ?', [Number(e.experiment_id)]);
        return {
          experiment_id: String(e.experiment_id),
          name: e.name,
          artifact_location: e.artifact_location,
          lifecycle_stage: e.lifecycle_stage,
          last_update_time: e.last_update_time,
          creation_time: e.creation_time,
          ...(tags.length ? { tags: tags.map((t) => ({ key: t.key, value: t.value })) } : {}),
        };
      });
      return { experiments };
    });
  }

  // ---- runs ----

  private searchRuns(request: Json): Buffer {
    const experimentIds = Array.isArray(request.experiment_ids) ? request.experiment_ids.map(String) : [];
    if (request.filter) throw new HttpError(400, 'INVALID_PARAMETER_VALUE', 'The bench server does not filter runs');
    const orderBy = Array.isArray(request.order_by) ? request.order_by.map(String) : [];
    if (orderBy.some((o) => !/^(attributes?\.)?start_time DESC$/i.test(o.trim()))) {
      throw new HttpError(400, 'INVALID_PARAMETER_VALUE', `The bench server only orders by start_time DESC (got ${orderBy.join(', ')})`);
    }
    const maxResults = request.max_results === undefined ? 1000 : Number(request.max_results);
    if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > RUNS_SEARCH_MAX) {
      throw new HttpError(400, 'INVALID_PARAMETER_VALUE', `Invalid value ${maxResults} for parameter 'max_results'`);
    }
    const offset = offsetOf(request.page_token);
    const key = `runs ${experimentIds.join(',')} ${offset} ${maxResults}`;
    return this.cached(key, () => {
      const ordered = experimentIds.flatMap((id) => this.orderedRuns(id));
      const pageIds = ordered.slice(offset, offset + maxResults);
      const answer: Json = { runs: this.runsJson(pageIds) };
      if (offset + maxResults < ordered.length) answer.next_page_token = pageToken(offset + maxResults);
      return answer;
    });
  }

  /** runs/get, as the charts resolve their run ids. */
  private getRun(params: URLSearchParams): Buffer {
    const runId = params.get('run_id') ?? params.get('run_uuid') ?? '';
    return this.cached(`run ${runId}`, () => {
      const [run] = this.runsJson([runId]);
      if (!rows(this.db, 'SELECT run_uuid FROM runs WHERE run_uuid = ?', [runId]).length) {
        throw new HttpError(404, 'RESOURCE_DOES_NOT_EXIST', `Run with id=${runId} not found`);
      }
      return { run };
    });
  }

  private orderedRuns(experimentId: string): string[] {
    let ids = this.runOrder.get(experimentId);
    if (!ids) {
      ids = rows(this.db, "SELECT run_uuid FROM runs WHERE experiment_id = ? AND lifecycle_stage = 'active' ORDER BY start_time DESC, run_uuid", [
        experimentId,
      ]).map((r) => String(r.run_uuid));
      this.runOrder.set(experimentId, ids);
    }
    return ids;
  }

  private runsJson(runIds: string[]): Json[] {
    if (runIds.length === 0) return [];
    const inList = `(${runIds.map(() => '?').join(', ')})`;
    const byRun = (table: string, columns: string): Map<string, Json[]> => {
      const grouped = new Map<string, Json[]>();
      for (const row of rows(this.db, `SELECT run_uuid, ${columns} FROM ${table} WHERE run_uuid IN ${inList} ORDER BY rowid`, runIds)) {
        const id = String(row.run_uuid);
        const list = grouped.get(id) ?? [];
        delete row.run_uuid;
        list.push(row);
        grouped.set(id, list);
      }
      return grouped;
    };
    const tags = byRun('tags', 'key, value');
    const params = byRun('params', 'key, value');
    const metrics = byRun('latest_metrics', 'key, value, timestamp, step');
    const infos = new Map(rows(this.db, `SELECT * FROM runs WHERE run_uuid IN ${inList}`, runIds).map((r) => [String(r.run_uuid), r]));
    return runIds.map((id) => {
      const r = infos.get(id) ?? {};
      const info: Json = {
        run_uuid: id,
        experiment_id: String(r.experiment_id),
        run_name: r.name,
        user_id: r.user_id,
        status: r.status,
        start_time: r.start_time,
        ...(r.end_time === null ? {} : { end_time: r.end_time }),
        artifact_uri: r.artifact_uri,
        lifecycle_stage: r.lifecycle_stage,
        run_id: id,
      };
      return {
        info,
        data: { metrics: metrics.get(id) ?? [], params: params.get(id) ?? [], tags: tags.get(id) ?? [] },
        inputs: {},
      };
    });
  }

  // ---- metrics ----

  /**
   * `+key` keeps SQLite on index_metrics_run_uuid: as written by MLflow (`key = ?`) the planner picks
   * the primary-key index and scans every run's points of that key, ~10× slower on this store. The
   * stand-in's speed is no part of any figure, only of how long the bench takes.
   */
  private readHistory(runId: string, key: string): Metric[] {
    return rows(this.db, 'SELECT key, value, timestamp, step FROM metrics WHERE run_uuid = ? AND +key = ? ORDER BY step, timestamp, value', [runId, key]).map(
      (m) => ({ key: String(m.key), value: Number(m.value), timestamp: Number(m.timestamp), step: Number(m.step) }),
    );
  }

  private history(query: URLSearchParams): Buffer {
    const runId = query.get('run_id') ?? '';
    const key = query.get('metric_key');
    if (!key) throw new HttpError(400, 'INVALID_PARAMETER_VALUE', "Missing value for required parameter 'metric_key'.");
    const maxResults = query.has('max_results') ? Number(query.get('max_results')) : Number.MAX_SAFE_INTEGER;
    const offset = offsetOf(query.get('page_token') ?? undefined);
    return this.cached(`history ${runId} ${key} ${offset} ${maxResults}`, () => {
      const history = this.readHistory(runId, key);
      const page = history.slice(offset, offset + maxResults);
      const answer: Json = { metrics: page };
      if (offset + maxResults < history.length) answer.next_page_token = pageToken(offset + maxResults);
      return answer;
    });
  }

  private sampledHistories(query: URLSearchParams): Buffer {
    const runIds = query.getAll('run_ids');
    const key = query.get('metric_key') ?? '';
    const maxResults = Number(query.get('max_results'));
    const startStep = query.has('start_step') ? Number(query.get('start_step')) : undefined;
    const endStep = query.has('end_step') ? Number(query.get('end_step')) : undefined;
    const window = { maxResults, startStep, endStep };
    try {
      validateSampleWindow(window, runIds.length);
    } catch (error) {
      throw new HttpError(400, 'INVALID_PARAMETER_VALUE', error instanceof Error ? error.message : String(error));
    }
    return this.cached(`sampled ${runIds.join(',')} ${key} ${maxResults} ${startStep} ${endStep}`, () => {
      const histories = new Map(runIds.map((id) => [id, this.readHistory(id, key)]));
      const metrics = sampleHistories(histories, window).map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp, step: m.step, run_id: m.runId }));
      return { metrics };
    });
  }
}

function rows(db: Database, sql: string, params: SqlValue[] = []): Json[] {
  const statement = db.prepare(sql);
  try {
    statement.bind(params);
    const out: Json[] = [];
    while (statement.step()) out.push(statement.getAsObject());
    return out;
  } finally {
    statement.free();
  }
}

/** MLflow's SQL-store page token: base64 of Python's `{"offset": N}`. */
function pageToken(offset: number): string {
  return Buffer.from(`{"offset": ${offset}}`, 'utf8').toString('base64');
}

function offsetOf(token: unknown): number {
  if (typeof token !== 'string' || token === '') return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown };
    if (typeof parsed.offset === 'number' && Number.isInteger(parsed.offset) && parsed.offset > 0) return parsed.offset;
  } catch {
    // Falls through to MLflow's message.
  }
  throw new HttpError(400, 'INVALID_PARAMETER_VALUE', 'Invalid page token, could not base64-decode');
}
