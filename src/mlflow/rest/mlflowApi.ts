import type { HttpClient, QueryValue } from '../http';
import type { CallOptions, FileInfo, Page, RegistryQuery } from '../types';
import { answerList, answerMessage, answerPageToken, type Endpoint } from './answers';
import { toFileInfo } from './mapping';

/**
 * How MLflow's REST API 2.0 is called, apart from what each endpoint means: the route prefix, which
 * requests may be retried, how bodies and query strings are written and how pages are read.
 */

const API = '/api/2.0/mlflow';

export class MlflowApi {
  constructor(readonly http: HttpClient) {}

  get(path: string, query: Readonly<Record<string, QueryValue>>, options: CallOptions | undefined): Promise<unknown> {
    return this.http.json({ method: 'GET', path: `${API}${path}`, query, signal: options?.signal });
  }

  /** Search endpoints are POSTs that only read, so they may be retried. */
  search(path: string, body: Record<string, unknown>, options: CallOptions | undefined): Promise<unknown> {
    return this.http.json({ method: 'POST', path: `${API}${path}`, body: compact(body), idempotent: true, signal: options?.signal });
  }

  write(method: 'POST' | 'PATCH' | 'DELETE', path: string, body: Record<string, unknown>, options: CallOptions | undefined): Promise<unknown> {
    return this.http.json({ method, path: `${API}${path}`, body: compact(body), signal: options?.signal });
  }

  /** Artifact listings page only on some servers (Databricks); OSS answers in one go. Both are followed. */
  async listAll(fetchPage: (pageToken: string | undefined) => Promise<unknown>, directory: string, at: Endpoint): Promise<FileInfo[]> {
    const files: FileInfo[] = [];
    let pageToken: string | undefined;
    do {
      const json = await fetchPage(pageToken);
      files.push(...answerList(json, 'files', at).map((f) => toFileInfo(f, directory)));
      const next = answerPageToken(json, at);
      // A repeated token would loop forever; treat it as the end.
      pageToken = next !== pageToken ? next : undefined;
    } while (pageToken);
    return files;
  }
}

/** How messages name a call of this API: `POST /api/2.0/mlflow/runs/search`. */
export function endpoint(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string): Endpoint {
  return `${method} ${API}${path}`;
}

/**
 * A search answer: the items under `key` (absent when there are none) and the next page token; an
 * answer of another shape is an error (see answers.ts), never an empty page.
 */
export function page<T>(json: unknown, key: string, map: (item: unknown) => T, at: Endpoint): Page<T> {
  return { items: answerList(json, key, at).map(map), nextPageToken: answerPageToken(json, at) };
}

/** The one message a get or create answers with, under `key`. */
export function message(json: unknown, key: string, at: Endpoint): Record<string, unknown> {
  return answerMessage(json, key, at);
}

/** The registry searches are GETs: the query goes into the URL, `order_by` repeated. */
export function registryQuery(query: RegistryQuery): Record<string, QueryValue> {
  return { filter: query.filter, order_by: query.orderBy, max_results: query.maxResults, page_token: query.pageToken };
}

/**
 * Drops absent fields and empty lists, as protobuf JSON does: MLflow treats `[]` and "absent" alike,
 * and sending neither keeps requests byte-comparable with the Python client's.
 */
function compact(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)));
}
