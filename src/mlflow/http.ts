import { randomBytes } from 'node:crypto';
import { type WriteStream, createWriteStream, readFileSync } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { pipeline } from 'node:stream/promises';
import { MlflowError } from './errors';
import { httpErrorFromResponse, isHtml, summariseHtml } from './rest/responseErrors';

/**
 * A small HTTP client for MLflow servers, on node:http/node:https rather than fetch so that the TLS
 * options MLflow users rely on (`MLFLOW_TRACKING_INSECURE_TLS`, `MLFLOW_TRACKING_SERVER_CERT_PATH`)
 * work. Every failure is an `MlflowError`; credentials never appear in messages, causes or logs.
 */

export type HttpAuth = { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string };

export interface RetryPolicy {
  /** Attempts in total, the first one included. */
  maxAttempts: number;
  baseDelayMs: number;
  /** Longest wait between attempts; a `Retry-After` beyond it is not waited for (the error surfaces). */
  maxDelayMs: number;
}

export interface HttpClientOptions {
  /** `http(s)://host[:port][/prefix]`; credentials in the URL are moved to `auth` and never displayed. */
  baseUrl: string;
  auth?: HttpAuth;
  insecureTls?: boolean;
  caCertPath?: string;
  /** Per attempt; for downloads, the longest silence between two chunks. */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Extra headers, e.g. for an access proxy in front of the server. */
  headers?: Readonly<Record<string, string>>;
  /** Cap for bodies held in memory (JSON, artifacts read whole); downloads stream and have no cap. */
  maxBodyBytes?: number;
}

export type QueryValue = string | number | boolean | undefined | readonly (string | number)[];

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** Relative to the base URL (its path prefix is kept), starting with `/`, segments already encoded. */
  path: string;
  query?: Readonly<Record<string, QueryValue>>;
  /** Sent as JSON. */
  body?: unknown;
  /**
   * POSTs that only read (searches) may be retried like GETs. Writes are never retried: a write whose
   * answer was lost may have happened, and MLflow's writes are not all idempotent. (The one exception,
   * for every method: a request that failed on a stale keep-alive socket before the server read it is
   * sent again once on a fresh socket; see `open`.)
   */
  idempotent?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024;
/** Error bodies only feed a message; a proxy's megabyte of HTML does not need reading in full. */
const MAX_ERROR_BODY_BYTES = 256 * 1024;
const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 10_000 };
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
/** Connection failures worth another attempt; DNS "no such host" and TLS verification failures are not. */
const RETRYABLE_SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Why an attempt failed, for the retry decision only (never shown). */
const retryHints = new WeakMap<MlflowError, { retryAfterMs?: number }>();

export class HttpClient {
  /** The base URL without credentials, for display. */
  readonly displayUrl: string;
  private readonly base: URL;
  /** The base URL's path prefix without a trailing slash (`''` or `/mlflow`). */
  private readonly basePath: string;
  private readonly auth?: HttpAuth;
  private readonly agent: http.Agent;
  /** TLS options for a request made outside the pool (the retry on a fresh socket). */
  private readonly tls: { rejectUnauthorized?: boolean; ca?: Buffer };
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly maxBodyBytes: number;
  private readonly extraHeaders: Readonly<Record<string, string>>;
  private readonly hostPort: string;

  constructor(options: HttpClientOptions) {
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw new MlflowError(`Not a valid server URL: ${redactUrlText(options.baseUrl)}`, 'INVALID_PARAMETER_VALUE');
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new MlflowError(`A tracking server URL must start with http:// or https:// (got ${base.protocol}//)`, 'INVALID_PARAMETER_VALUE');
    }
    let auth = options.auth;
    if (base.username || base.password) {
      auth ??= { kind: 'basic', username: decodeURIComponent(base.username), password: decodeURIComponent(base.password) };
      base.username = '';
      base.password = '';
    }
    base.search = '';
    base.hash = '';
    this.base = base;
    this.basePath = base.pathname.replace(/\/+$/, '');
    this.auth = auth;
    this.displayUrl = base.toString().replace(/\/$/, '');
    this.hostPort = `${base.hostname}:${base.port || (base.protocol === 'https:' ? '443' : '80')}`;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.retry = { ...DEFAULT_RETRY, ...options.retry };
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.extraHeaders = options.headers ?? {};
    this.tls = base.protocol === 'https:' ? { rejectUnauthorized: !options.insecureTls, ca: options.caCertPath ? readCaCert(options.caCertPath) : undefined } : {};
    this.agent = base.protocol === 'https:' ? new https.Agent({ keepAlive: true, ...this.tls }) : new http.Agent({ keepAlive: true });
  }

  /** The parsed JSON answer; an empty body is `{}` (MLflow's "nothing to say"). */
  async json(request: HttpRequest): Promise<unknown> {
    const { body, contentType } = await this.buffered(request);
    return parseJsonBody(body, contentType, describe(request));
  }

  async bytes(request: HttpRequest): Promise<Uint8Array> {
    return new Uint8Array((await this.buffered(request)).body);
  }

  async text(request: HttpRequest): Promise<string> {
    return (await this.buffered(request)).body.toString('utf8');
  }

  /**
   * Streams a 2xx body into `destinationFile`: written to a temporary file next to it and renamed at the
   * end, so a failed or cancelled download never leaves a truncated file under the real name.
   */
  async download(request: HttpRequest, destinationFile: string): Promise<void> {
    await this.withRetries(request, async () => {
      const partFile = `${destinationFile}.${randomBytes(4).toString('hex')}.part`;
      let out: WriteStream | undefined;
      try {
        await this.attempt(request, 'idle', async (res) => {
          out = createWriteStream(partFile);
          await pipeline(res, out);
        });
        await rename(partFile, destinationFile);
      } catch (error) {
        // The attempt can fail (a dropped connection) while the file is still being opened: close it
        // first, or it would appear after the unlink below.
        if (out) await closeStream(out);
        await unlink(partFile).catch(() => undefined);
        throw error;
      }
    });
  }

  /** Closes pooled connections. */
  dispose(): void {
    this.agent.destroy();
  }

  private async buffered(request: HttpRequest): Promise<{ body: Buffer; contentType: string }> {
    return this.withRetries(request, () =>
      this.attempt(request, 'total', async (res) => ({
        body: await readCapped(res, this.maxBodyBytes, () => tooLarge(request, this.maxBodyBytes)),
        contentType: headerText(res.headers['content-type']),
      })),
    );
  }

  private async withRetries<T>(request: HttpRequest, run: () => Promise<T>): Promise<T> {
    const retryable = request.method === 'GET' || request.idempotent === true;
    for (let attempt = 1; ; attempt++) {
      try {
        return await run();
      } catch (error) {
        const delay = retryable && attempt < this.retry.maxAttempts ? this.retryDelay(error, attempt) : undefined;
        if (delay === undefined) throw error;
        await abortableDelay(delay, request);
      }
    }
  }

  private retryDelay(error: unknown, attempt: number): number | undefined {
    if (!(error instanceof MlflowError)) return undefined;
    const hint = retryHints.get(error);
    if (!hint) return undefined;
    if (hint.retryAfterMs !== undefined) return hint.retryAfterMs <= this.retry.maxDelayMs ? hint.retryAfterMs : undefined;
    const exponential = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
    // Jitter spreads the retries of several windows that hit the same busy server at once.
    return exponential / 2 + Math.random() * (exponential / 2);
  }

  /**
   * One request/response exchange. `consume` reads a 2xx body; anything else becomes an MlflowError.
   * `deadline` is either the whole exchange (`total`) or the silence between chunks (`idle`, downloads).
   */
  private attempt<T>(request: HttpRequest, deadline: 'total' | 'idle', consume: (res: http.IncomingMessage) => Promise<T>): Promise<T> {
    if (request.signal?.aborted) return Promise.reject(cancelled(request));
    const controller = new AbortController();
    const timeoutMs = request.timeoutMs ?? this.timeoutMs;
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, timeoutMs);
    };
    const onAbort = (): void => controller.abort();
    request.signal?.addEventListener('abort', onAbort, { once: true });
    arm();

    const translate = (error: unknown): MlflowError => {
      if (error instanceof MlflowError) return error;
      if (request.signal?.aborted) return cancelled(request);
      if (timedOut) return new MlflowError(`${describe(request)} timed out after ${formatSeconds(timeoutMs)} (${this.hostPort})`, 'TIMEOUT');
      return this.connectionError(error, request);
    };

    const exchange = async (): Promise<T> => {
      const res = await this.open(request, controller.signal);
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) {
        // Safe beside the consumer's pipe: both only listen to 'data'.
        if (deadline === 'idle') res.on('data', arm);
        return consume(res);
      }
      const body = await readCapped(res, MAX_ERROR_BODY_BYTES, undefined);
      const error = httpErrorFromResponse({
        status,
        statusText: res.statusMessage || http.STATUS_CODES[status] || '',
        contentType: headerText(res.headers['content-type']),
        body,
        what: describe(request),
      });
      if (RETRYABLE_STATUS.has(status)) retryHints.set(error, { retryAfterMs: parseRetryAfter(headerText(res.headers['retry-after'])) });
      throw error;
    };

    return exchange()
      .catch((error: unknown) => {
        // Drops a half-read response (cap exceeded, consumer failed) instead of leaving it on the socket.
        controller.abort();
        throw translate(error);
      })
      .finally(() => {
        clearTimeout(timer);
        request.signal?.removeEventListener('abort', onAbort);
      });
  }

  /**
   * Sends the request and resolves with the response head. A pooled keep-alive socket may have been
   * closed by the server while idle (its keep-alive timeout) just as the request went out on it: the
   * write then fails with ECONNRESET ("socket hang up") before any byte of an answer. The server never
   * read that request, so it is sent again, once, on a fresh socket, whatever the method (a write
   * too). Never when the socket was new, nor when any byte of an answer arrived: then the server may
   * have acted on it.
   */
  private open(request: HttpRequest, signal: AbortSignal, fresh = false): Promise<http.IncomingMessage> {
    const url = this.url(request);
    const payload = request.body === undefined ? undefined : Buffer.from(JSON.stringify(request.body), 'utf8');
    const headers: Record<string, string> = { Accept: 'application/json, */*;q=0.5', 'User-Agent': 'mlflow-workbench', ...this.extraHeaders };
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    if (this.auth) headers.Authorization = authorizationHeader(this.auth);
    const transport = url.protocol === 'https:' ? https : http;
    // Outside the pool (agent: false), so the retry cannot be handed another stale socket.
    const connection: https.RequestOptions = fresh ? { agent: false, ...this.tls } : { agent: this.agent };
    return new Promise((resolve, reject) => {
      let bytesReadBefore: number | undefined;
      const req = transport.request(url, { method: request.method, headers, ...connection, signal }, resolve);
      req.on('socket', (socket) => (bytesReadBefore = socket.bytesRead));
      req.on('error', (error) => {
        const nothingAnswered = bytesReadBefore !== undefined && req.socket?.bytesRead === bytesReadBefore;
        if (!fresh && req.reusedSocket && errorCode(error) === 'ECONNRESET' && nothingAnswered && !signal.aborted) {
          this.open(request, signal, true).then(resolve, reject);
        } else {
          reject(error);
        }
      });
      req.end(payload);
    });
  }

  private url(request: HttpRequest): URL {
    const url = new URL(this.base.toString());
    url.pathname = `${this.basePath}${request.path}`;
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value === undefined) continue;
      const values = Array.isArray(value) ? value : [value];
      for (const v of values) url.searchParams.append(key, String(v));
    }
    return url;
  }

  private connectionError(error: unknown, request: HttpRequest): MlflowError {
    const code = errorCode(error);
    // Node's HTTP parser (llhttp) failing on the first bytes: something answered, but not in HTTP.
    if (code.startsWith('HPE_')) {
      return new MlflowError(
        `The server at ${this.hostPort} is not an HTTP server: its answer to ${describe(request)} was not HTTP. Check the tracking URI's host and port.`,
        'BAD_RESPONSE',
        undefined,
        { cause: error },
      );
    }
    const reason = CONNECTION_REASONS[code] ?? (code ? code : 'connection failed');
    const tls = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_VERIFY/i.test(code);
    const advice = tls ? ' Set MLFLOW_TRACKING_SERVER_CERT_PATH to the CA certificate, or MLFLOW_TRACKING_INSECURE_TLS=true for a trusted test server.' : '';
    const result = new MlflowError(`Cannot reach the MLflow server at ${this.hostPort} (${reason}) for ${describe(request)}.${advice}`, 'UNREACHABLE', undefined, {
      cause: error,
    });
    if (RETRYABLE_SOCKET_CODES.has(code)) retryHints.set(result, {});
    return result;
  }
}

const CONNECTION_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused: is the server running?',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'DNS lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed TLS certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed TLS certificate in the chain',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'TLS certificate cannot be verified',
  CERT_HAS_EXPIRED: 'TLS certificate expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'TLS certificate is for another host name',
};

function authorizationHeader(auth: HttpAuth): string {
  return auth.kind === 'basic' ? `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}` : `Bearer ${auth.token}`;
}

function readCaCert(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new MlflowError(`Cannot read the CA certificate file ${path} (MLFLOW_TRACKING_SERVER_CERT_PATH): ${errorCode(error) || 'unreadable'}`, 'UNREACHABLE', undefined, {
      cause: error,
    });
  }
}

/** `GET /api/2.0/mlflow/runs/get`: what a message names (no query string: it may carry filter text). */
function describe(request: HttpRequest): string {
  return `${request.method} ${request.path}`;
}

function cancelled(request: HttpRequest): MlflowError {
  return new MlflowError(`${describe(request)} was cancelled`, 'CANCELLED');
}

function tooLarge(request: HttpRequest, cap: number): MlflowError {
  return new MlflowError(`The answer to ${describe(request)} is larger than ${Math.round(cap / (1024 * 1024))} MB; not read into memory`, 'BAD_RESPONSE');
}

/**
 * The body, at most `cap` bytes. With a declared Content-Length (MLflow's servers send one) the chunks
 * are copied into one buffer of that size as they arrive instead of being gathered and concatenated at
 * the end; a body that runs past what it declared is gathered the general way. A connection that
 * closes before the end of the body is an error, as is one that errors.
 */
function readCapped(res: http.IncomingMessage, cap: number, onTooLarge: (() => MlflowError) | undefined): Promise<Buffer> {
  const declared = Number(res.headers['content-length']);
  if (onTooLarge && Number.isFinite(declared) && declared > cap) return Promise.reject(onTooLarge());
  return new Promise<Buffer>((resolve, reject) => {
    let whole = Number.isSafeInteger(declared) && declared > 0 && declared <= cap ? Buffer.allocUnsafe(declared) : undefined;
    let filled = 0;
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      res.off('data', onData);
      outcome();
    };
    const body = (): Buffer => (whole ? whole.subarray(0, filled) : Buffer.concat(chunks));
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > cap) {
        if (onTooLarge) {
          finish(() => reject(onTooLarge()));
        } else {
          // Error bodies: keep what fits, the message needs no more.
          const fits = chunk.subarray(0, chunk.length - (size - cap));
          finish(() => resolve(whole ? Buffer.concat([body(), fits]) : Buffer.concat([...chunks, fits])));
        }
        res.destroy();
        return;
      }
      if (whole && filled + chunk.length <= whole.length) {
        chunk.copy(whole, filled);
        filled += chunk.length;
        return;
      }
      if (whole) {
        chunks.push(whole.subarray(0, filled));
        whole = undefined;
      }
      chunks.push(chunk);
    };
    res.on('data', onData);
    res.once('end', () => finish(() => resolve(body())));
    res.once('error', (error) => finish(() => reject(error)));
    res.once('close', () => finish(() => reject(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }))));
  });
}

/**
 * JSON from a 2xx answer. Python's json module writes bare NaN/Infinity (not JSON); MLflow's protobuf
 * path writes "NaN" strings. Both are accepted, so that values.ts sees one form.
 */
export function parseJsonBody(body: Buffer, contentType: string, what: string): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    try {
      return JSON.parse(quoteBareNonFinite(text)) as unknown;
    } catch {
      if (isHtml(contentType, text)) {
        throw new MlflowError(
          `${what} answered with an HTML page (${summariseHtml(text)}) where MLflow JSON was expected: is the tracking URI an MLflow server (and not its web UI behind a login page)?`,
          'BAD_RESPONSE',
        );
      }
      throw new MlflowError(`${what} answered with invalid or truncated JSON (${body.length} bytes)`, 'BAD_RESPONSE');
    }
  }
}

function quoteBareNonFinite(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"|-?\bInfinity\b|\bNaN\b/g, (token) => (token.startsWith('"') ? token : `"${token}"`));
}

/** `Retry-After` as delta-seconds or an HTTP date, in milliseconds. */
export function parseRetryAfter(value: string): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The wait between attempts, cut short (as CANCELLED) when the request's signal aborts. */
function abortableDelay(ms: number, request: HttpRequest): Promise<void> {
  const signal = request.signal;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(cancelled(request));
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(cancelled(request));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function headerText(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(', ') : (value ?? '');
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return '';
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

/** A URL as text with anything that may be `user:password@` masked, for messages about malformed input. */
function redactUrlText(text: string): string {
  return text.replace(/[^\s/@]+@/g, '***@');
}

/** Resolves once the stream's file is closed (or was never opened), destroying the stream if needed. */
function closeStream(stream: WriteStream): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve) => {
    stream.once('close', () => resolve());
    stream.destroy();
  });
}
