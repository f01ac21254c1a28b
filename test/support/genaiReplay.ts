import { isDeepStrictEqual } from 'node:util';
import { type Capture, type DerivedAnswer, type RecordedRequest, ReplayServer } from './replayServer';

/**
 * The MLflow 3 GenAI captures replayed for the views that list things. The captures were made with the
 * web UI's and the Python client's requests; the extension's list views ask for other page sizes
 * (the Traces view: 50 traces newest first; the Prompts node: 100 prompts, 1000 versions), which no
 * capture holds verbatim. Exact captures still answer first; a request none matches is answered only
 * where the captures show the whole answer:
 *
 * - a search (traces/search, registered-models/search, model-versions/search) equal to a capture but
 *   for `max_results` (and, for traces, `order_by` on the request time, `page_token`), where that
 *   capture returned everything (no `next_page_token`): its items, sorted as asked, paged the way MLflow
 *   pages them (`{"offset": N}` in base64 as the token, as `traces_search_page2` shows);
 * - a runs/search equal to a capture but for `max_results` and `order_by` on the start time (MLflow's
 *   default order), where the capture returned every run: its runs, newest first or oldest first;
 * - experiments/search without a filter: the captures have no unfiltered list of this server's
 *   experiments, so the answer is the one experiment all GenAI captures are about (`genai-app`, id 8,
 *   exactly as `experiments_get_genai_app` returned it). The Traces view then lists genai-app alone.
 *
 * Every such answer is recorded with the captures it came from (`traces_search_all (derived)`), so a
 * test sees exactly which request was answered how. Anything else gets the 404 page as before.
 */
export function startGenaiReplay(): Promise<ReplayServer> {
  return ReplayServer.start('mlflow-3.x-genai', { fallback: deriveGenaiAnswer });
}

const MLFLOW_DEFAULT_TRACES_PER_PAGE = 100;

export function deriveGenaiAnswer(request: RecordedRequest, captures: readonly Capture[]): DerivedAnswer | undefined {
  const path = request.path.replace(/^\/ajax-api\//, '/api/');
  if (request.method === 'POST' && path === '/api/3.0/mlflow/traces/search') return tracesPage(request, captures);
  if (request.method === 'POST' && path === '/api/2.0/mlflow/experiments/search') return experimentsList(request, captures);
  if (request.method === 'POST' && path === '/api/2.0/mlflow/runs/search') return runsSearch(request, captures);
  if (request.method === 'GET' && (path === '/api/2.0/mlflow/registered-models/search' || path === '/api/2.0/mlflow/model-versions/search')) {
    return registrySearch(request, path, captures);
  }
  return undefined;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A capture answered 200 with its whole result: no next page. */
function complete(capture: Capture): boolean {
  return capture.status === 200 && record(capture.response).next_page_token === undefined;
}

function tracesPage(request: RecordedRequest, captures: readonly Capture[]): DerivedAnswer | undefined {
  const body = record(request.body);
  const order = body.order_by as unknown;
  const descending = order === undefined || isDeepStrictEqual(order, ['timestamp_ms DESC']);
  if (!descending && !isDeepStrictEqual(order, ['timestamp_ms ASC'])) return undefined;
  const maxResults = body.max_results === undefined ? MLFLOW_DEFAULT_TRACES_PER_PAGE : Number(body.max_results);
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > 500) return undefined;
  const offset = offsetOf(body.page_token);
  if (offset === undefined) return undefined;
  const source = captures.find((c) => {
    const sent = record(c.request.body);
    return (
      c.request.method === 'POST' &&
      c.request.path === '/api/3.0/mlflow/traces/search' &&
      complete(c) &&
      sent.page_token === undefined &&
      isDeepStrictEqual(sent.locations, body.locations) &&
      sent.filter === body.filter
    );
  });
  if (!source) return undefined;
  const traces = [...((record(source.response).traces as Record<string, unknown>[] | undefined) ?? [])];
  // ISO-8601 UTC times of one format sort as text; equal times keep the server's order.
  traces.sort((a, b) => String(a.request_time).localeCompare(String(b.request_time)) * (descending ? -1 : 1));
  const page = traces.slice(offset, offset + maxResults);
  const response: Record<string, unknown> = { traces: page };
  if (offset + maxResults < traces.length) response.next_page_token = Buffer.from(JSON.stringify({ offset: offset + maxResults }).replace(':', ': ')).toString('base64');
  return { capture: `${source.name} (derived)`, status: 200, response };
}

/** MLflow's page token: base64 of `{"offset": N}`; none means the first page. */
function offsetOf(token: unknown): number | undefined {
  if (token === undefined) return 0;
  try {
    const offset = (JSON.parse(Buffer.from(String(token), 'base64').toString('utf8')) as { offset?: unknown }).offset;
    return typeof offset === 'number' && Number.isInteger(offset) && offset >= 0 ? offset : undefined;
  } catch {
    return undefined;
  }
}

function experimentsList(request: RecordedRequest, captures: readonly Capture[]): DerivedAnswer | undefined {
  const body = record(request.body);
  // Without max_results MLflow answers 400; with a filter the answer cannot be told from the captures.
  if (body.max_results === undefined || body.filter !== undefined || body.page_token !== undefined) return undefined;
  if (body.view_type !== undefined && body.view_type !== 'ACTIVE_ONLY' && body.view_type !== 'ALL') return undefined;
  const source = captures.find((c) => c.name === 'experiments_get_genai_app');
  const experiment = record(source?.response).experiment;
  if (!source || experiment === undefined) return undefined;
  return { capture: `${source.name} (the only experiment)`, status: 200, response: { experiments: [experiment] } };
}

function registrySearch(request: RecordedRequest, path: string, captures: readonly Capture[]): DerivedAnswer | undefined {
  const { max_results: maxResults, ...rest } = request.query;
  const wanted = maxResults === undefined ? undefined : Number(maxResults[0]);
  if (wanted !== undefined && (!Number.isInteger(wanted) || wanted < 1)) return undefined;
  const key = path.endsWith('/registered-models/search') ? 'registered_models' : 'model_versions';
  const source = captures.find((c) => {
    if (c.request.method !== 'GET' || c.request.path.replace(/^\/ajax-api\//, '/api/') !== path || !complete(c)) return false;
    const { max_results: _ignored, ...query } = record(c.request.query);
    const asSent = Object.fromEntries(Object.entries(query).map(([k, v]) => [k, (Array.isArray(v) ? v : [v]).map(String)]));
    const items = (record(c.response)[key] as unknown[] | undefined) ?? [];
    return isDeepStrictEqual(asSent, rest) && (wanted === undefined || items.length <= wanted);
  });
  if (!source) return undefined;
  return { capture: `${source.name} (derived)`, status: 200, response: source.response };
}

function runsSearch(request: RecordedRequest, captures: readonly Capture[]): DerivedAnswer | undefined {
  const { max_results: maxResults, order_by: order, ...rest } = record(request.body);
  const descending = order === undefined || isDeepStrictEqual(order, ['attributes.start_time DESC']);
  if (!descending && !isDeepStrictEqual(order, ['attributes.start_time ASC'])) return undefined;
  if (rest.page_token !== undefined) return undefined;
  const source = captures.find((c) => {
    if (c.request.method !== 'POST' || c.request.path !== '/api/2.0/mlflow/runs/search' || !complete(c)) return false;
    const { max_results: _max, order_by: capturedOrder, ...sent } = record(c.request.body);
    return capturedOrder === undefined && isDeepStrictEqual(sent, rest);
  });
  if (!source) return undefined;
  const runs = [...((record(source.response).runs as { info: { start_time: number } }[] | undefined) ?? [])];
  if (maxResults !== undefined && runs.length > Number(maxResults)) return undefined;
  runs.sort((a, b) => (a.info.start_time - b.info.start_time) * (descending ? -1 : 1));
  return { capture: `${source.name} (derived)`, status: 200, response: { runs } };
}
