import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { MlflowError } from '../../src/mlflow/errors';
import { HttpClient } from '../../src/mlflow/http';
import { RestStore } from '../../src/mlflow/rest/restStore';
import { quoteBigIntegers } from '../../src/mlflow/spanValues';
import type { RestStoreOptions } from '../../src/mlflow/rest/restStore';
import { FIXTURES_DIR } from './repoRoot';

/**
 * A loopback stand-in for a real MLflow server, answering from the REST captures recorded against one
 * (test/fixtures/<set>/rest-captures). A request is answered only by a capture with the same method,
 * path, query (as a multimap) and JSON body, plus the capture's request headers where it has any, so
 * "the replay answered with capture X" proves the client sent exactly X's request. Anything else gets
 * the 404 HTML page the real server sends for unknown routes.
 */

/** `mlflow-3.x-genai`: the MLflow 3 GenAI captures (traces, assessments, prompts), kept apart from rest-captures. */
export type CaptureSetName = RestCaptureSetName | 'mlflow-3.x-genai';
/** The two servers' general REST captures (the coverage test's sets). */
export type RestCaptureSetName = 'mlflow-2.17.2' | 'mlflow-3.x';
export const CAPTURE_SETS: readonly RestCaptureSetName[] = ['mlflow-2.17.2', 'mlflow-3.x'];

export interface Capture {
  name: string;
  request: {
    method: string;
    path: string;
    query: Record<string, unknown> | null;
    body: unknown;
    headers?: Record<string, string>;
  };
  status: number;
  response: unknown;
  response_content_type: string;
  note?: string;
  /** Set on captures made against another server than the tracking server (`mlflow models serve`). */
  base_url?: string;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string[]>;
  /** Parsed JSON, the raw text when it is not JSON, null when empty. */
  body: unknown;
  headers: http.IncomingHttpHeaders;
  /** The capture that answered, if any. */
  capture?: string;
}

const FIXTURES = FIXTURES_DIR;

export function captureDirectory(set: CaptureSetName): string {
  if (set === 'mlflow-3.x-genai') return path.join(FIXTURES, 'mlflow-3.x', 'genai-captures');
  return path.join(FIXTURES, set, 'rest-captures');
}

const loaded = new Map<CaptureSetName, Capture[]>();

/** Every capture of a set (`_index.json` and other `_` files are metadata, not captures). */
export function loadCaptures(set: CaptureSetName): Capture[] {
  let captures = loaded.get(set);
  if (!captures) {
    const dir = captureDirectory(set);
    captures = readdirSync(dir)
      .filter((f) => f.endsWith('.json') && !f.startsWith('_'))
      .sort()
      .map((f) => ({ ...(parseCapture(readFileSync(path.join(dir, f), 'utf8')) as Omit<Capture, 'name'>), name: f.slice(0, -'.json'.length) }));
    loaded.set(set, captures);
  }
  return captures;
}

export function getCapture(set: CaptureSetName, name: string): Capture {
  const capture = loadCaptures(set).find((c) => c.name === name);
  if (!capture) throw new Error(`No capture ${name} in ${set}`);
  return capture;
}

/**
 * A request parameter of a capture (query first, then JSON body; the first of a repeated one), so a
 * test can call the client with what the capture was made with instead of copying ids around.
 */
export function captureParam(set: CaptureSetName, name: string, key: string): string {
  const { query, body } = getCapture(set, name).request;
  const value = query?.[key] ?? (typeof body === 'object' && body !== null ? (body as Record<string, unknown>)[key] : undefined);
  const first: unknown = Array.isArray(value) ? value[0] : value;
  if (first === undefined || first === null) throw new Error(`Capture ${set}/${name} has no parameter ${key}`);
  return String(first);
}

/**
 * Span times are integers past 2^53 (ns): JSON.parse would round them and the replay would then serve
 * other numbers than the server sent. They are kept as marked strings and written back as numbers.
 */
const BIG_INTEGER_MARK = '\u0000bigint:';

function parseCapture(text: string): unknown {
  // The mark goes into JSON text, so its NUL is written as the escape JSON.parse turns back into it.
  return JSON.parse(/\d{16}/.test(text) ? quoteBigIntegers(text, '\\u0000bigint:') : text) as unknown;
}

function stringifyResponse(value: unknown): string {
  return JSON.stringify(value).replace(/"\\u0000bigint:(-?\d+)"/g, '$1');
}

/** The exact digits of a number the capture holds past 2^53 (see BIG_INTEGER_MARK); other values as they are. */
export function captureInteger(value: unknown): unknown {
  return typeof value === 'string' && value.startsWith(BIG_INTEGER_MARK) ? value.slice(BIG_INTEGER_MARK.length) : value;
}

/** Names → ids of what the capture scripts created (`ids.json`). */
export function captureIds(set: CaptureSetName): { experiments: Record<string, string>; runs: Record<string, string> } {
  return JSON.parse(readFileSync(path.join(FIXTURES, set, 'ids.json'), 'utf8')) as { experiments: Record<string, string>; runs: Record<string, string> };
}

/** Capture names served during this mocha process, per set: the coverage test reads this. */
const served = new Map<CaptureSetName, Set<string>>([...CAPTURE_SETS, 'mlflow-3.x-genai' as const].map((s) => [s, new Set<string>()]));

export function servedCaptureNames(set: CaptureSetName): ReadonlySet<string> {
  return served.get(set) ?? new Set();
}

export interface ReplayOptions {
  /** `tracking` (default): the tracking server's captures; `serving`: those made against `mlflow models serve`. */
  target?: 'tracking' | 'serving';
  /**
   * Answers a request no capture matches exactly, from what the captures show (e.g. genaiReplay.ts: a
   * page of a complete search answer); its `capture` names what it was made from. Undefined: the 404 page.
   */
  fallback?: ReplayFallback;
}

/** A derived answer: the capture(s) it was made from, and the status and JSON body the server would send. */
export interface DerivedAnswer {
  capture: string;
  status: number;
  response: unknown;
}

export type ReplayFallback = (request: RecordedRequest, captures: readonly Capture[]) => DerivedAnswer | undefined;

export class ReplayServer {
  /** Every request received, in order. */
  readonly requests: RecordedRequest[] = [];
  private preferred = new Set<string>();

  private constructor(
    readonly set: CaptureSetName,
    private readonly server: LoopbackServer,
    private readonly captures: readonly Capture[],
    readonly baseUrl: string,
    private readonly fallback?: ReplayFallback,
  ) {}

  static async start(set: CaptureSetName, options: ReplayOptions = {}): Promise<ReplayServer> {
    const serving = options.target === 'serving';
    const captures = loadCaptures(set).filter((c) => (c.base_url !== undefined) === serving);
    // The server must exist before the replay that answers its requests; nothing arrives in between.
    const route: { to?: ReplayServer } = {};
    const loopback = await startLoopbackServer((req, res) => void route.to?.answer(req, res));
    route.to = new ReplayServer(set, loopback, captures, loopback.baseUrl, options.fallback);
    return route.to;
  }

  /**
   * Some captures share a request and differ in the server's state (a run before and after it was
   * deleted). A test names the state it replays; without a preference the first by name answers.
   */
  prefer(...names: string[]): void {
    this.preferred = new Set(names);
  }

  /**
   * Runs `call` and asserts that it sent exactly the requests of the captures `names`, in order (so
   * each was answered by that capture). The call's own result or error is passed through.
   */
  async expect<T>(names: readonly string[], call: () => Promise<T>): Promise<T> {
    this.takeRequests();
    let outcome: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await call() };
    } catch (error) {
      outcome = { ok: false, error };
    }
    const sent = this.takeRequests();
    const describeRequest = (r: RecordedRequest): string =>
      r.capture ?? `UNMATCHED ${r.method} ${r.path} ${JSON.stringify(r.query)} ${JSON.stringify(r.body)}`;
    assert.deepEqual(sent.map(describeRequest), [...names], 'the client should send exactly the captured requests');
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  /** Like `expect`, for a call that must fail with an MlflowError, which is returned. */
  async expectError(names: readonly string[], call: () => Promise<unknown>): Promise<MlflowError> {
    try {
      await this.expect(names, call);
    } catch (error) {
      if (error instanceof MlflowError) return error;
      throw error;
    }
    assert.fail(`${names.join(', ')}: expected the call to fail with an MlflowError`);
  }

  /** The requests received since the last call, which are then forgotten. */
  takeRequests(): RecordedRequest[] {
    return this.requests.splice(0, this.requests.length);
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async answer(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const url = new URL(req.url ?? '/', 'http://replay.invalid');
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: decodeURIComponent(url.pathname),
      query: queryOf(url.searchParams),
      body: parseBody(Buffer.concat(chunks).toString('utf8')),
      headers: req.headers,
    };
    const capture = this.match(recorded);
    recorded.capture = capture?.name;
    this.requests.push(recorded);
    const derived = capture ? undefined : this.fallback?.(recorded, this.captures);
    if (derived) {
      recorded.capture = derived.capture;
      res.writeHead(derived.status, { 'Content-Type': 'application/json' });
      res.end(responseBody(derived.response));
      return;
    }
    if (!capture) {
      res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(NOT_FOUND_PAGE);
      return;
    }
    served.get(this.set)?.add(capture.name);
    res.writeHead(capture.status, { 'Content-Type': capture.response_content_type });
    res.end(responseBody(capture.response));
  }

  private match(request: RecordedRequest): Capture | undefined {
    return this.matchOn(request, (path) => path === request.path) ?? this.matchOn(request, (path) => sameRouteUnderApi(path, request.path));
  }

  private matchOn(request: RecordedRequest, samePath: (capturePath: string) => boolean): Capture | undefined {
    const candidates = this.captures.filter(
      (c) =>
        c.request.method === request.method &&
        samePath(decodeURIComponent(c.request.path)) &&
        isDeepStrictEqual(normaliseQuery(c.request.query), request.query) &&
        isDeepStrictEqual(c.request.body ?? null, request.body),
    );
    const withHeaders = candidates.filter((c) => c.request.headers && headersMatch(c.request.headers, request.headers));
    const plain = candidates.filter((c) => !c.request.headers);
    const pool = withHeaders.length > 0 ? withHeaders : plain;
    return pool.find((c) => this.preferred.has(c.name)) ?? pool[0];
  }
}

export interface LoopbackServer {
  readonly baseUrl: string;
  readonly port: number;
  /** Stops listening and drops open connections (kept-alive or hanging), then resolves. */
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 and a free port, for tests that script the server side. */
export async function startLoopbackServer(handler: http.RequestListener): Promise<LoopbackServer> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** What MLflow's Flask app answers for an unknown route (captures `unknown_endpoint_404`). */
const NOT_FOUND_PAGE =
  '<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n' +
  '<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n';

/**
 * A capture the web UI made under `/ajax-api/…` also answers the same request under `/api/…`: the
 * GenAI captures' README records that the two prefixes behave the same on every route but
 * `get-trace-artifact`, which exists only under `/ajax-api`. Exact-path captures are preferred.
 */
function sameRouteUnderApi(capturePath: string, requestPath: string): boolean {
  return capturePath.startsWith('/ajax-api/') && !capturePath.includes('/get-trace-artifact') && requestPath === `/api/${capturePath.slice('/ajax-api/'.length)}`;
}

function queryOf(params: URLSearchParams): Record<string, string[]> {
  const query: Record<string, string[]> = {};
  for (const [key, value] of params) (query[key] ??= []).push(value);
  return query;
}

/** A capture's query (`{run_ids: [...], max_results: 10}`) as the multimap a URL carries. */
function normaliseQuery(query: Record<string, unknown> | null): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(query ?? {})) {
    out[key] = (Array.isArray(value) ? value : [value]).map((v) => String(v));
  }
  return out;
}

function parseBody(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function headersMatch(expected: Record<string, string>, actual: http.IncomingHttpHeaders): boolean {
  return Object.entries(expected).every(([name, value]) => actual[name.toLowerCase()] === value);
}

/** A capture's response body as the replay sends it (big integers written back as numbers). */
export function captureResponseText(capture: Pick<Capture, 'response'>): string | Buffer {
  return responseBody(capture.response);
}

/**
 * The body as the server sent it: text as is, JSON re-serialised, binary bodies (stored as a size and
 * their first bytes) rebuilt to that size. The capture tool's truncation marker is not server output.
 */
function responseBody(response: unknown): string | Buffer {
  if (typeof response === 'string') return response;
  if (isBinaryStub(response)) {
    const body = Buffer.alloc(response._binary_body_bytes);
    Buffer.from(response._first_bytes_hex, 'hex').copy(body);
    return body;
  }
  if (typeof response === 'object' && response !== null && !Array.isArray(response)) {
    const { _truncated_original_length: _ignored, ...rest } = response as Record<string, unknown>;
    return stringifyResponse(rest);
  }
  return stringifyResponse(response);
}

function isBinaryStub(value: unknown): value is { _binary_body_bytes: number; _first_bytes_hex: string } {
  return typeof value === 'object' && value !== null && '_binary_body_bytes' in value && '_first_bytes_hex' in value;
}

/**
 * A replay server for the enclosing `describe`: started before its tests, closed (awaited) after.
 * Returns an accessor, as the server exists only once the hook has run.
 */
export function useReplayServer(set: CaptureSetName, options?: ReplayOptions): () => ReplayServer {
  let replay: ReplayServer | undefined;
  before(async () => {
    replay = await ReplayServer.start(set, options);
  });
  after(async () => {
    await replay?.close();
    replay = undefined;
  });
  return () => {
    if (!replay) throw new Error('The replay server is only available inside tests and hooks');
    return replay;
  };
}

/** A replay server and a RestStore talking to it, for the enclosing `describe`. */
export function useReplayStore(set: CaptureSetName, options?: RestStoreOptions): { replay: () => ReplayServer; store: () => RestStore } {
  const replay = useReplayServer(set);
  let store: RestStore | undefined;
  before(() => {
    store = new RestStore(new HttpClient({ baseUrl: replay().baseUrl }), options);
  });
  after(() => {
    store?.dispose();
    store = undefined;
  });
  return {
    replay,
    store: () => {
      if (!store) throw new Error('The store is only available inside tests and hooks');
      return store;
    },
  };
}
