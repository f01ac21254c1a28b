import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { MlflowError } from '../../../src/mlflow/errors';
import { artifactRoutes } from './artifactRoutes';
import { emptyDataset, type Dataset } from './dataset';
import {
  BASIC_AUTH_BODY,
  HTML_CONTENT_TYPE,
  HtmlError,
  Params,
  RawReply,
  errorBody,
  htmlPage,
  type Route,
} from './protocol';
import { registryRoutes } from './registryRoutes';
import { ServerState } from './state';
import { trackingRoutes } from './trackingRoutes';

/**
 * A loopback MLflow tracking server for tests: MLflow 2.17.2's REST API over an in-memory Dataset,
 * answering with its JSON shapes, error bodies and HTML pages (see README.md beside this file).
 */

export interface BasicAuth {
  username: string;
  password: string;
}

/** One request as the server saw it; `status` is filled in once it is answered. */
export interface RequestRecord {
  /** Arrival order, from 0. */
  readonly index: number;
  readonly method: string;
  /** Without the query string: `/api/2.0/mlflow/runs/search`. */
  readonly path: string;
  /** Query parameters, repeated ones as several values. */
  readonly query: Readonly<Record<string, string[]>>;
  /** The parsed JSON body; the raw text when it is not JSON; null when empty. */
  readonly body: unknown;
  readonly headers: http.IncomingHttpHeaders;
  /** The fault applied to it, if the hook returned one. */
  fault?: Fault;
  /** The status sent; undefined while in flight or when the connection was dropped. */
  status?: number;
  dropped?: boolean;
}

/** What to do to one request instead of (or before) answering it normally. */
export interface Fault {
  /** Wait this long first (cut short by close()). */
  delayMs?: number;
  /** Destroy the connection without answering (after the delay). */
  drop?: boolean;
  /** Answer with this status instead of the route. */
  status?: number;
  /** The body for `status`: text/bytes as is, an object as JSON. Default: Werkzeug's HTML page for `status`. */
  body?: string | Uint8Array | Record<string, unknown>;
  /** Default: application/json for an object body, text/html otherwise. */
  contentType?: string;
  headers?: Readonly<Record<string, string>>;
}

/** Called for every request (before authentication and routing); `undefined` means "answer normally". */
export type FaultHook = (request: RequestRecord) => Fault | undefined;

export interface MlflowServerOptions {
  /** What to serve; copied, so writes through the API never change it. Default: nothing. */
  dataset?: Dataset;
  /** Require HTTP basic auth like `mlflow server --app-name basic-auth` (`/health` stays open). */
  auth?: BasicAuth;
  faults?: FaultHook;
  /** get-history pages with max_results/page_token like MLflow ≥ 3.0; default: ignores them like 2.17.2. */
  historyPaging?: boolean;
  /** What `/version` answers. Default `2.17.2`. */
  version?: string;
  /** Where new experiments' artifacts go. Default: beside the dataset's first experiment, else `/srv/mlflow/artifacts`. */
  artifactRoot?: string;
}

const API_PREFIXES = ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow'];

export class MlflowServer {
  readonly baseUrl: string;
  readonly port: number;
  /** Every request received, in order. */
  readonly requests: RequestRecord[] = [];
  /** Replaceable at any time: the next request uses the new hook. */
  faults: FaultHook | undefined;
  private readonly routes = new Map<string, Map<string, Route>>();
  private readonly pendingDelays = new Set<() => void>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly server: http.Server,
    private readonly state: ServerState,
    private readonly options: MlflowServerOptions,
  ) {
    const { port } = server.address() as AddressInfo;
    this.port = port;
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.faults = options.faults;
    const routes = [...trackingRoutes({ historyPaging: options.historyPaging === true }), ...artifactRoutes(), ...registryRoutes()];
    for (const route of routes) {
      for (const path of route.ui ? [route.path] : API_PREFIXES.map((prefix) => `${prefix}${route.path}`)) {
        const byMethod = this.routes.get(path) ?? new Map<string, Route>();
        byMethod.set(route.method, route);
        this.routes.set(path, byMethod);
      }
    }
  }

  static async start(options: MlflowServerOptions = {}): Promise<MlflowServer> {
    const dataset = options.dataset ?? emptyDataset();
    const state = new ServerState(dataset, options.artifactRoot ?? defaultArtifactRoot(dataset));
    const route: { to?: MlflowServer } = {};
    // A request the handler cannot even read (the client went away mid-body) just ends its connection.
    const server = http.createServer((req, res) => void route.to?.answer(req, res).catch(() => res.destroy()));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    route.to = new MlflowServer(server, state, options);
    return route.to;
  }

  /** The live data: what the API has written so far. Tests may change it directly too. */
  get data(): Dataset {
    return this.state.data;
  }

  /**
   * How many requests matched: all of them; a route (`'runs/search'`: paths ending with `/runs/search`,
   * under /api and /ajax-api alike); an exact path (`'/get-artifact'`); a pattern on the path; a predicate.
   */
  count(match?: string | RegExp | ((request: RequestRecord) => boolean)): number {
    return this.requests.filter((r) => matches(r, match)).length;
  }

  /** Forgets the requests received so far. */
  clearRequests(): void {
    this.requests.length = 0;
  }

  /** Stops listening, drops open connections (kept-alive, delayed or hanging) and resolves when closed. Idempotent. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve, reject) => {
      for (const release of this.pendingDelays) release();
      this.server.close((error) => (error ? reject(error) : resolve()));
      this.server.closeAllConnections();
    });
    return this.closing;
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const url = new URL(req.url ?? '/', 'http://mlflow.invalid');
    const text = Buffer.concat(chunks).toString('utf8');
    const record: RequestRecord = {
      index: this.requests.length,
      method: req.method ?? 'GET',
      path: safeDecode(url.pathname),
      query: queryOf(url.searchParams),
      body: parseBody(text),
      headers: req.headers,
    };
    this.requests.push(record);
    const send = (status: number, contentType: string, body: string | Uint8Array, headers: Readonly<Record<string, string>> = {}): void => {
      record.status = status;
      res.writeHead(status, { 'Content-Type': contentType, ...headers });
      res.end(body);
    };

    const fault = this.faults?.(record);
    if (fault) record.fault = fault;
    if (fault?.delayMs) await this.delay(fault.delayMs);
    if (this.closing || fault?.drop) {
      record.dropped = true;
      res.destroy();
      return;
    }
    if (fault?.status !== undefined) {
      const { body = htmlPage(fault.status) } = fault;
      const isJson = typeof body === 'object' && !(body instanceof Uint8Array);
      send(fault.status, fault.contentType ?? (isJson ? 'application/json' : HTML_CONTENT_TYPE), isJson ? JSON.stringify(body) : body, fault.headers);
      return;
    }

    if (this.options.auth && !record.path.startsWith('/health') && !authorized(req.headers.authorization, this.options.auth)) {
      send(401, HTML_CONTENT_TYPE, BASIC_AUTH_BODY, { 'WWW-Authenticate': 'Basic realm="mlflow"' });
      return;
    }
    if (record.method === 'GET' && record.path === '/health') return send(200, HTML_CONTENT_TYPE, 'OK');
    if (record.method === 'GET' && record.path === '/version') return send(200, HTML_CONTENT_TYPE, this.options.version ?? '2.17.2');

    const byMethod = this.routes.get(record.path);
    const route = byMethod?.get(record.method);
    if (!byMethod) return send(404, HTML_CONTENT_TYPE, htmlPage(404));
    if (!route) return send(405, HTML_CONTENT_TYPE, htmlPage(405), { Allow: [...byMethod.keys(), 'OPTIONS'].sort().join(', ') });

    try {
      const read = record.method !== 'GET';
      if (read && typeof record.body === 'string') throw new MlflowError('Malformed request: the body is not JSON', 'MALFORMED_REQUEST', 400);
      const body = read && isObject(record.body) ? record.body : {};
      const reply = route.handle({ params: new Params(url.searchParams, body), state: this.state, body });
      if (reply instanceof RawReply) send(reply.status, reply.contentType, reply.body, reply.headers);
      else send(200, 'application/json', JSON.stringify(reply, null, 2));
    } catch (error) {
      if (error instanceof HtmlError) return send(error.status, HTML_CONTENT_TYPE, htmlPage(error.status));
      const mlflowError = error instanceof MlflowError ? error : new MlflowError(String(error), 'INTERNAL_ERROR', 500);
      const { status, json } = errorBody(mlflowError);
      send(status, 'application/json', JSON.stringify(json));
    }
  }

  private delay(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const release = (): void => {
        clearTimeout(timer);
        this.pendingDelays.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      this.pendingDelays.add(release);
    });
  }
}

/** A test MLflow server on 127.0.0.1 and a free port. */
export function startMlflowServer(options: MlflowServerOptions = {}): Promise<MlflowServer> {
  return MlflowServer.start(options);
}

function matches(record: RequestRecord, match: string | RegExp | ((request: RequestRecord) => boolean) | undefined): boolean {
  if (match === undefined) return true;
  if (typeof match === 'function') return match(record);
  if (match instanceof RegExp) return match.test(record.path);
  return match.startsWith('/') ? record.path === match : record.path.endsWith(`/${match}`);
}

function authorized(header: string | undefined, auth: BasicAuth): boolean {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return false;
  return Buffer.from(match[1], 'base64').toString('utf8') === `${auth.username}:${auth.password}`;
}

/** MLflow's default: `<root>/<experiment id>`, so new experiments land beside the existing ones. */
function defaultArtifactRoot(dataset: Dataset): string {
  const first = dataset.experiments.find((e) => e.artifactLocation.endsWith(`/${e.experimentId}`));
  return first ? first.artifactLocation.slice(0, -(first.experimentId.length + 1)) : '/srv/mlflow/artifacts';
}

/** A path as Flask routes it; a malformed escape (a hostile client's `%zz`) stays as sent. */
function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function queryOf(params: URLSearchParams): Record<string, string[]> {
  const query: Record<string, string[]> = {};
  for (const [key, value] of params) (query[key] ??= []).push(value);
  return query;
}

function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
