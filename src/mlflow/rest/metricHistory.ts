import { MlflowError, isMlflowError } from '../errors';
import type { HttpClient } from '../http';
import { sampleHistories } from '../sampling';
import type { CallOptions, Metric, Page, RunMetric, SampledHistoryQuery } from '../types';
import { answerList, answerPageToken } from './answers';
import { toMetric, toRunMetric } from './mapping';

/**
 * Metric histories over REST, with the two version quirks that matter:
 * - MLflow 3.4+ answers get-history *without* `max_results` with no metrics and a token that fails when
 *   followed (mlflow/mlflow#23916), so `max_results` is always sent: 25000, like the Python client.
 *   3.x pages at that size; 2.x ignores it and returns everything. Tokens are followed either way.
 * - get-history-bulk-interval is missing on old servers (404 HTML); sampling then happens here over the
 *   full histories, with the server's semantics (sampling.ts).
 */

/** The Python client's page size for get-history (MlflowClient.get_metric_history). */
export const HISTORY_PAGE_SIZE = 25_000;
/** MLflow's cap on run ids per get-history-bulk-interval request (MAX_RUNS_GET_METRIC_HISTORY_BULK). */
export const MAX_RUNS_PER_SAMPLED_REQUEST = 100;
/** Full histories fetched at once in the fallback: enough to overlap latency, few enough not to flood. */
const FALLBACK_CONCURRENCY = 4;
/** A server that keeps handing out tokens without progress would otherwise loop forever. */
const MAX_HISTORY_PAGES = 10_000;

const API = '/api/2.0/mlflow';

export interface HistoryPageRequest {
  maxResults: number;
  pageToken?: string;
}

export async function fetchHistoryPage(
  http: HttpClient,
  runId: string,
  metricKey: string,
  page: HistoryPageRequest,
  options?: CallOptions,
): Promise<Page<Metric>> {
  const json = await http.json({
    method: 'GET',
    path: `${API}/metrics/get-history`,
    query: { run_id: runId, metric_key: metricKey, max_results: page.maxResults, page_token: page.pageToken },
    signal: options?.signal,
  });
  const at = `GET ${API}/metrics/get-history`;
  return { items: answerList(json, 'metrics', at).map(toMetric), nextPageToken: answerPageToken(json, at) };
}

export async function fetchFullHistory(
  http: HttpClient,
  runId: string,
  metricKey: string,
  pageSize: number,
  options?: CallOptions,
): Promise<Metric[]> {
  const metrics: Metric[] = [];
  const seenTokens = new Set<string>();
  let pageToken: string | undefined;
  for (let pages = 0; pages < MAX_HISTORY_PAGES; pages++) {
    const page = await fetchHistoryPage(http, runId, metricKey, { maxResults: pageSize, pageToken }, options);
    metrics.push(...page.items);
    if (!page.nextPageToken) return sortByStep(metrics);
    if (seenTokens.has(page.nextPageToken)) {
      throw new MlflowError(`The server repeated a page token while paging the history of ${metricKey}`, 'BAD_RESPONSE');
    }
    seenTokens.add(page.nextPageToken);
    pageToken = page.nextPageToken;
  }
  throw new MlflowError(`The history of ${metricKey} did not end after ${MAX_HISTORY_PAGES} pages`, 'BAD_RESPONSE');
}

/** One get-history-bulk-interval request (≤ 100 runs). */
export async function fetchSampledChunk(http: HttpClient, query: SampledHistoryQuery, options?: CallOptions): Promise<RunMetric[]> {
  const window = stepWindow(query);
  const json = await http.json({
    method: 'GET',
    path: `${API}/metrics/get-history-bulk-interval`,
    query: { run_ids: query.runIds, metric_key: query.metricKey, start_step: window?.startStep, end_step: window?.endStep, max_results: query.maxResults },
    signal: options?.signal,
  });
  return answerList(json, 'metrics', `GET ${API}/metrics/get-history-bulk-interval`).map(toRunMetric);
}

/** Sampled histories through the endpoint, in chunks of ≤ 100 runs; `undefined` when the server lacks it. */
export async function fetchSampledHistories(http: HttpClient, query: SampledHistoryQuery, options?: CallOptions): Promise<RunMetric[] | undefined> {
  const chunks: string[][] = [];
  for (let i = 0; i < query.runIds.length; i += MAX_RUNS_PER_SAMPLED_REQUEST) chunks.push(query.runIds.slice(i, i + MAX_RUNS_PER_SAMPLED_REQUEST));
  const results: RunMetric[] = [];
  for (const runIds of chunks) {
    try {
      results.push(...(await fetchSampledChunk(http, { ...query, runIds }, options)));
    } catch (error) {
      // NOT_SUPPORTED is a 404/405 without an MLflow body: the route does not exist on this server.
      if (isMlflowError(error, 'NOT_SUPPORTED')) return undefined;
      throw error;
    }
  }
  return results;
}

/** The fallback: full histories of every run, sampled here exactly as the server would. */
export async function sampleFullHistories(http: HttpClient, query: SampledHistoryQuery, pageSize: number, options?: CallOptions): Promise<RunMetric[]> {
  const histories = new Map<string, readonly Metric[]>();
  await forEachLimited(query.runIds, FALLBACK_CONCURRENCY, async (runId) => {
    histories.set(runId, await fetchFullHistory(http, runId, query.metricKey, pageSize, options));
  });
  // Insertion order is the caller's run order, not completion order.
  const ordered = new Map(query.runIds.map((runId) => [runId, histories.get(runId) ?? []]));
  return sampleHistories(ordered, { maxResults: query.maxResults, ...stepWindow(query) });
}

/**
 * MLflow rejects a window with only one end ("both must be specified"); an open end here means
 * "from the first step" / "to the last step".
 */
function stepWindow(query: SampledHistoryQuery): { startStep: number; endStep: number } | undefined {
  if (query.startStep === undefined && query.endStep === undefined) return undefined;
  return { startStep: query.startStep ?? 0, endStep: query.endStep ?? Number.MAX_SAFE_INTEGER };
}

function sortByStep(metrics: Metric[]): Metric[] {
  return metrics.sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
}

async function forEachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await run(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
