import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import type * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { inspect } from 'node:util';
import { MlflowError } from '../../src/mlflow/errors';
import { HttpClient, parseRetryAfter } from '../../src/mlflow/http';
import type { HttpClientOptions } from '../../src/mlflow/http';
import { startLoopbackServer } from '../support/replayServer';
import type { LoopbackServer } from '../support/replayServer';

/**
 * HttpClient against a loopback server whose answers each test scripts: retries, timeouts,
 * cancellation, error pages, credentials. Tests wait for events (a request arrived), never for time.
 */

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Script = (req: http.IncomingMessage, res: http.ServerResponse, seen: Seen) => void;

const FLASK_500 =
  '<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n' +
  '<p>The server encountered an internal error and was unable to complete your request.</p>\n';

/** Answers with a status, a JSON or text body and headers. */
function answer(status: number, body: unknown, headers: Record<string, string> = {}): Script {
  return (_req, res) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': typeof body === 'string' ? 'text/plain' : 'application/json', ...headers });
    res.end(text);
  };
}

/** One script per request, in order; the last repeats. */
function sequence(...scripts: Script[]): Script {
  let next = 0;
  return (req, res, seen) => (scripts[Math.min(next++, scripts.length - 1)] as Script)(req, res, seen);
}

const hangUp: Script = (req) => req.socket.destroy();
/** Never answers; the test ends it by aborting, timing out or closing the server. */
const hang: Script = () => undefined;

describe('HttpClient', () => {
  let server: LoopbackServer;
  let script: Script = answer(200, {});
  let seen: Seen[] = [];
  let arrived: (() => void) | undefined;
  const clients: HttpClient[] = [];
  let scratch = '';

  const client = (options: Partial<HttpClientOptions> = {}): HttpClient => {
    const created = new HttpClient({ baseUrl: server.baseUrl, retry: { baseDelayMs: 1 }, ...options });
    clients.push(created);
    return created;
  };
  /** Resolves when the next request reaches the server. */
  const nextRequest = (): Promise<void> => new Promise((resolve) => (arrived = resolve));

  before(async () => {
    server = await startLoopbackServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        seen.push(entry);
        arrived?.();
        script(req, res, entry);
      });
    });
    scratch = await mkdtemp(path.join(tmpdir(), 'mlflow-http-'));
  });
  beforeEach(() => {
    seen = [];
    script = answer(200, {});
  });
  afterEach(() => {
    clients.splice(0).forEach((c) => c.dispose());
  });
  after(async () => {
    await server.close();
    await rm(scratch, { recursive: true, force: true });
  });

  describe('requests', () => {
    it('sends a JSON body, repeated query parameters and keeps the base URL path prefix', async () => {
      script = answer(200, { ok: true });
      const result = await client({ baseUrl: `${server.baseUrl}/mlflow/` }).json({
        method: 'POST',
        path: '/api/2.0/mlflow/runs/search',
        query: { run_ids: ['a', 'b'], max_results: 10, skipped: undefined },
        body: { experiment_ids: ['1'] },
        idempotent: true,
      });
      assert.deepEqual(result, { ok: true });
      assert.equal(seen[0]?.url, '/mlflow/api/2.0/mlflow/runs/search?run_ids=a&run_ids=b&max_results=10');
      assert.equal(seen[0]?.headers['content-type'], 'application/json');
      assert.deepEqual(JSON.parse(seen[0]?.body ?? ''), { experiment_ids: ['1'] });
    });

    it('reads an empty 200 body as {} and Python-style bare NaN/Infinity as strings', async () => {
      script = sequence(answer(200, ''), answer(200, '{"metrics": [{"value": NaN}, {"value": Infinity}, {"value": -Infinity}, {"value": "NaN in a string"}]}'));
      assert.deepEqual(await client().json({ method: 'GET', path: '/empty' }), {});
      assert.deepEqual(await client().json({ method: 'GET', path: '/python' }), {
        metrics: [{ value: 'NaN' }, { value: 'Infinity' }, { value: '-Infinity' }, { value: 'NaN in a string' }],
      });
    });

    it('sends basic auth, from the options or from credentials in the URL (which are not displayed)', async () => {
      await client({ auth: { kind: 'basic', username: 'alice', password: 'pa:ss' } }).json({ method: 'GET', path: '/x' });
      assert.equal(seen[0]?.headers.authorization, `Basic ${Buffer.from('alice:pa:ss').toString('base64')}`);
      const fromUrl = client({ baseUrl: server.baseUrl.replace('http://', 'http://bob:s%40cret@') });
      assert.equal(fromUrl.displayUrl, server.baseUrl);
      await fromUrl.json({ method: 'GET', path: '/x' });
      assert.equal(seen[1]?.headers.authorization, `Basic ${Buffer.from('bob:s@cret').toString('base64')}`);
    });

    it('sends a bearer token and extra headers', async () => {
      await client({ auth: { kind: 'bearer', token: 'tok-123' }, headers: { 'CF-Access-Client-Id': 'id' } }).json({ method: 'GET', path: '/x' });
      assert.equal(seen[0]?.headers.authorization, 'Bearer tok-123');
      assert.equal(seen[0]?.headers['cf-access-client-id'], 'id');
    });

    it('keeps credentials out of error messages, stacks and causes', async () => {
      const secrets = ['hunter2-password', 'tok-secret-456', Buffer.from('alice:hunter2-password').toString('base64')];
      script = answer(500, FLASK_500, { 'Content-Type': 'text/html' });
      const basic = await client({ auth: { kind: 'basic', username: 'alice', password: 'hunter2-password' }, retry: { maxAttempts: 1 } })
        .json({ method: 'GET', path: '/x' })
        .catch((e: unknown) => e);
      const closed = await closedPort();
      const unreachable = await client({ baseUrl: `http://127.0.0.1:${closed}`, auth: { kind: 'bearer', token: 'tok-secret-456' }, retry: { maxAttempts: 1 } })
        .json({ method: 'GET', path: '/x' })
        .catch((e: unknown) => e);
      for (const error of [basic, unreachable]) {
        assert.ok(error instanceof MlflowError);
        const everything = `${error.message}\n${error.stack ?? ''}\n${inspect(error, { depth: 10 })}`;
        for (const secret of secrets) assert.ok(!everything.includes(secret), `error text contains ${secret}`);
      }
    });
  });

  describe('retries', () => {
    it('retries a GET on 503 when Retry-After says so (not the much longer backoff)', async () => {
      script = sequence(answer(503, 'busy', { 'Retry-After': '0' }), answer(200, { ok: 1 }));
      // With a one-minute backoff, only honouring Retry-After: 0 lets this finish within the test timeout.
      const result = await client({ retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 } }).json({ method: 'GET', path: '/x' });
      assert.deepEqual(result, { ok: 1 });
      assert.equal(seen.length, 2);
    });

    it('retries 429, 502, 504 and a dropped connection, then succeeds', async () => {
      script = sequence(answer(429, 'slow down'), answer(502, 'bad gateway'), hangUp, answer(504, 'gateway timeout'), answer(200, { ok: 1 }));
      assert.deepEqual(await client({ retry: { maxAttempts: 5, baseDelayMs: 1 } }).json({ method: 'GET', path: '/x' }), { ok: 1 });
      assert.equal(seen.length, 5);
    });

    it('gives up after maxAttempts with the last error', async () => {
      script = answer(503, 'still busy');
      const error = await client({ retry: { maxAttempts: 3, baseDelayMs: 1 } })
        .json({ method: 'GET', path: '/x' })
        .catch((e: unknown) => e);
      assert.ok(error instanceof MlflowError);
      assert.equal(error.errorCode, 'SERVER_ERROR');
      assert.equal(error.status, 503);
      assert.equal(seen.length, 3);
    });

    it('does not wait for a Retry-After longer than the longest allowed wait', async () => {
      script = answer(429, 'come back in an hour', { 'Retry-After': '3600' });
      const error = await client().json({ method: 'GET', path: '/x' }).catch((e: unknown) => e);
      assert.ok(error instanceof MlflowError);
      assert.equal(error.errorCode, 'REQUEST_LIMIT_EXCEEDED');
      assert.equal(seen.length, 1);
    });

    it('never retries writes (POST, PATCH, DELETE), even on 503 or a dropped connection', async () => {
      for (const method of ['POST', 'PATCH', 'DELETE'] as const) {
        seen = [];
        script = sequence(answer(503, 'busy', { 'Retry-After': '0' }), answer(200, {}));
        await assert.rejects(client().json({ method, path: '/api/2.0/mlflow/runs/delete', body: { run_id: 'r' } }), { errorCode: 'SERVER_ERROR' });
        assert.equal(seen.length, 1, `${method} was retried`);
      }
      seen = [];
      script = hangUp;
      await assert.rejects(client().json({ method: 'POST', path: '/api/2.0/mlflow/runs/create', body: {} }), { errorCode: 'UNREACHABLE' });
      assert.equal(seen.length, 1);
    });

    it('retries a POST marked idempotent (a search)', async () => {
      script = sequence(answer(503, 'busy'), answer(200, { runs: [] }));
      assert.deepEqual(await client().json({ method: 'POST', path: '/api/2.0/mlflow/runs/search', body: {}, idempotent: true }), { runs: [] });
      assert.equal(seen.length, 2);
    });

    it('does not retry client errors (4xx) or MLflow errors', async () => {
      script = answer(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Run with id=x not found' });
      await assert.rejects(client().json({ method: 'GET', path: '/x' }), { errorCode: 'RESOURCE_DOES_NOT_EXIST', status: 404 });
      assert.equal(seen.length, 1);
    });

    it('parses Retry-After as seconds or as an HTTP date', () => {
      assert.equal(parseRetryAfter('7'), 7000);
      assert.equal(parseRetryAfter(''), undefined);
      assert.equal(parseRetryAfter('soon'), undefined);
      assert.equal(parseRetryAfter(new Date(0).toUTCString()), 0, 'a date in the past means now');
    });
  });

  describe('stale keep-alive sockets', () => {
    /** The sockets the server answered a request on, in order. */
    let answeredOn: Socket[] = [];
    beforeEach(() => {
      answeredOn = [];
    });

    /**
     * A server whose keep-alive timeout closes idle connections: the request the client sends on a
     * socket the server already answered on meets a socket the server has just closed, and is never
     * answered (`onReuse`: the server's side of that race). Requests on new sockets are answered.
     */
    const closesIdleSockets = (onReuse: Script = hangUp): Script => (req, res, entry) => {
      if (answeredOn.includes(req.socket)) {
        onReuse(req, res, entry);
        return;
      }
      answeredOn.push(req.socket);
      answer(200, { answer: answeredOn.length })(req, res, entry);
    };

    /** Resolves once the client's agent holds an idle keep-alive socket (the previous answer is read). */
    const pooled = async (c: HttpClient): Promise<void> => {
      const agent = (c as unknown as { agent: http.Agent }).agent;
      while (Object.values(agent.freeSockets).every((list) => !list?.length)) await new Promise((resolve) => setImmediate(resolve));
    };

    it('sends a write again, once, on a fresh socket when the idle keep-alive socket it went out on was closed', async () => {
      script = closesIdleSockets();
      const c = client();
      assert.deepEqual(await c.json({ method: 'GET', path: '/api/2.0/mlflow/experiments/get' }), { answer: 1 });
      await pooled(c);
      const created = await c.json({ method: 'POST', path: '/api/2.0/mlflow/runs/create', body: { experiment_id: '1' } });
      assert.deepEqual(created, { answer: 2 }, 'answered on a second connection');
      assert.deepEqual(seen.map((r) => r.method), ['GET', 'POST', 'POST'], 'the POST reached the server twice: once on the closed socket, once fresh');
      assert.notEqual(answeredOn[1], answeredOn[0]);
    });

    it('does not send it again when any byte of an answer arrived before the reset', async () => {
      // The server had begun answering: it may have acted on the request.
      script = closesIdleSockets((req) => {
        req.socket.end('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n');
      });
      const c = client();
      await c.json({ method: 'GET', path: '/x' });
      await pooled(c);
      await assert.rejects(c.json({ method: 'POST', path: '/api/2.0/mlflow/runs/delete', body: { run_id: 'r' } }), MlflowError);
      assert.deepEqual(seen.map((r) => r.method), ['GET', 'POST']);
    });

    it('does not send it again when the socket was new', async () => {
      script = hangUp;
      await assert.rejects(client().json({ method: 'POST', path: '/api/2.0/mlflow/runs/delete', body: { run_id: 'r' } }), { errorCode: 'UNREACHABLE' });
      assert.equal(seen.length, 1);
    });

    it('sends it again only once: a fresh socket that fails too is the error', async () => {
      let requests = 0;
      script = (req, res, entry) => (++requests === 1 ? answer(200, {})(req, res, entry) : hangUp(req, res, entry));
      const c = client();
      await c.json({ method: 'GET', path: '/x' });
      await pooled(c);
      await assert.rejects(c.json({ method: 'POST', path: '/api/2.0/mlflow/runs/create', body: {} }), { errorCode: 'UNREACHABLE' });
      assert.deepEqual(seen.map((r) => r.method), ['GET', 'POST', 'POST']);
    });
  });

  describe('timeouts and cancellation', () => {
    it('times out a request the server never answers', async () => {
      script = hang;
      const error = await client({ timeoutMs: 50, retry: { maxAttempts: 1 } })
        .json({ method: 'GET', path: '/slow' })
        .catch((e: unknown) => e);
      assert.ok(error instanceof MlflowError);
      assert.equal(error.errorCode, 'TIMEOUT');
      assert.match(error.message, /^GET \/slow timed out after 50 ms \(127\.0\.0\.1:\d+\)$/);
    });

    it('cancels an in-flight request when the signal aborts', async () => {
      script = hang;
      const controller = new AbortController();
      const arrival = nextRequest();
      const call = client().json({ method: 'GET', path: '/slow', signal: controller.signal });
      await arrival;
      controller.abort();
      await assert.rejects(call, { errorCode: 'CANCELLED' });
    });

    it('cancels while waiting between retries', async () => {
      script = answer(503, 'busy');
      const controller = new AbortController();
      const arrival = nextRequest();
      const call = client({ retry: { baseDelayMs: 60_000, maxDelayMs: 60_000 } }).json({ method: 'GET', path: '/x', signal: controller.signal });
      await arrival;
      controller.abort();
      await assert.rejects(call, { errorCode: 'CANCELLED' });
      assert.equal(seen.length, 1);
    });

    it('sends nothing when the signal is already aborted', async () => {
      const controller = new AbortController();
      controller.abort();
      await assert.rejects(client().json({ method: 'GET', path: '/x', signal: controller.signal }), { errorCode: 'CANCELLED' });
      assert.equal(seen.length, 0);
    });
  });

  describe('error answers', () => {
    const failure = async (script_: Script, options: Partial<HttpClientOptions> = {}): Promise<MlflowError> => {
      script = script_;
      const error = await client({ retry: { maxAttempts: 1 }, ...options })
        .json({ method: 'GET', path: '/api/2.0/mlflow/x' })
        .catch((e: unknown) => e);
      assert.ok(error instanceof MlflowError, `expected an MlflowError, got ${inspect(error)}`);
      return error;
    };

    it('keeps MLflow error JSON: error_code, message, status', async () => {
      const error = await failure(answer(400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'bad filter', sqlstate: 'KAM00', error_class: 'X' }));
      assert.deepEqual([error.errorCode, error.status, error.message], ['INVALID_PARAMETER_VALUE', 400, 'bad filter']);
    });

    it('turns an HTML error page into a one-line message with its title', async () => {
      const error = await failure(answer(500, FLASK_500, { 'Content-Type': 'text/html; charset=utf-8' }));
      assert.deepEqual([error.errorCode, error.status], ['SERVER_ERROR', 500]);
      assert.equal(error.message, 'Server answered 500 Internal Server Error (HTML page): 500 Internal Server Error');
      const proxy = await failure(answer(502, '<html><body><h1>Bad&nbsp;Gateway &amp; co</h1></body></html>', { 'Content-Type': 'text/html' }));
      assert.equal(proxy.message, 'Server answered 502 Bad Gateway (HTML page): Bad Gateway & co');
    });

    it('maps 401 to UNAUTHENTICATED (with what to set) and 403 to PERMISSION_DENIED', async () => {
      const unauthenticated = await failure(answer(401, 'You are not authenticated. Please see the docs.'));
      assert.equal(unauthenticated.errorCode, 'UNAUTHENTICATED');
      assert.match(unauthenticated.message, /^Server answered 401 Unauthorized: You are not authenticated\. .*MLFLOW_TRACKING_USERNAME/);
      const denied = await failure(answer(403, { error_code: 'PERMISSION_DENIED', message: 'Permission denied' }));
      assert.deepEqual([denied.errorCode, denied.message], ['PERMISSION_DENIED', 'Permission denied']);
      const blocked = await failure(answer(403, 'Cross-origin request blocked'));
      assert.equal(blocked.errorCode, 'PERMISSION_DENIED');
    });

    it('reports truncated JSON as BAD_RESPONSE', async () => {
      const error = await failure(answer(200, '{"experiments": [{"experiment_id": "1", "na', { 'Content-Type': 'application/json' }));
      assert.equal(error.errorCode, 'BAD_RESPONSE');
      assert.match(error.message, /^GET \/api\/2\.0\/mlflow\/x answered with invalid or truncated JSON/);
    });

    it('reports an HTML page answered with 200 (a login page, the web UI) as BAD_RESPONSE naming the page', async () => {
      const error = await failure(answer(200, '<!DOCTYPE html><html><head><title>Sign in</title></head></html>', { 'Content-Type': 'text/html' }));
      assert.equal(error.errorCode, 'BAD_RESPONSE');
      assert.match(error.message, /HTML page \(Sign in\)/);
    });

    it('reads a body of declared length that comes in several writes whole, and its multi-byte characters', async () => {
      const text = JSON.stringify({ name: 'é'.repeat(40_000), tail: '✓' });
      script = (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
        const bytes = Buffer.from(text);
        // Split inside a two-byte character, across several socket reads.
        res.write(bytes.subarray(0, 33_333));
        setImmediate(() => res.end(bytes.subarray(33_333)));
      };
      assert.deepEqual(await client().json({ method: 'GET', path: '/api/2.0/mlflow/x' }), JSON.parse(text));
    });

    it('fails a body that stops short of its declared length instead of answering part of it', async () => {
      const text = JSON.stringify({ runs: [{ info: { run_id: 'r'.repeat(8_000) } }] });
      const error = await failure((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
        res.write(text.slice(0, 5_000));
        setImmediate(() => res.destroy());
      });
      assert.notEqual(error.errorCode, 'BAD_RESPONSE', `a cut answer is a connection failure, not a bad JSON answer: ${error.message}`);
    });

    it('refuses bodies over the cap, declared or streamed', async () => {
      const declared = await failure(answer(200, { blob: 'x'.repeat(4096) }), { maxBodyBytes: 1024 });
      assert.equal(declared.errorCode, 'BAD_RESPONSE');
      assert.match(declared.message, /larger than/);
      const streamed = await failure(
        (_req, res) => {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.write(`{"blob": "${'x'.repeat(2048)}`);
          res.end('"}');
        },
        { maxBodyBytes: 1024 },
      );
      assert.equal(streamed.errorCode, 'BAD_RESPONSE');
    });

    it('reports a closed port as UNREACHABLE with host:port, after retrying', async () => {
      const port = await closedPort();
      const error = await client({ baseUrl: `http://127.0.0.1:${port}`, retry: { maxAttempts: 2, baseDelayMs: 1 } })
        .json({ method: 'GET', path: '/api/2.0/mlflow/experiments/get' })
        .catch((e: unknown) => e);
      assert.ok(error instanceof MlflowError);
      assert.equal(error.errorCode, 'UNREACHABLE');
      assert.equal(error.message, `Cannot reach the MLflow server at 127.0.0.1:${port} (connection refused: is the server running?) for GET /api/2.0/mlflow/experiments/get.`);
    });

    it('rejects a base URL that is not http(s)', () => {
      assert.throws(() => new HttpClient({ baseUrl: 'ftp://host' }), { errorCode: 'INVALID_PARAMETER_VALUE' });
      assert.throws(() => new HttpClient({ baseUrl: 'not a url user:pw@' }), (e: unknown) => e instanceof MlflowError && !e.message.includes('pw@'));
    });
  });

  describe('downloads', () => {
    it('streams the body into the file', async () => {
      const body = Buffer.alloc(3 * 1024 * 1024, 7);
      script = (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
        res.end(body);
      };
      const destination = path.join(scratch, 'big.bin');
      // Larger than the in-memory cap: downloads are not held in memory.
      await client({ maxBodyBytes: 1024 }).download({ method: 'GET', path: '/get-artifact' }, destination);
      assert.ok((await readFile(destination)).equals(body));
    });

    it('leaves neither the file nor a partial file when the connection drops mid-way', async () => {
      script = (req, res) => {
        res.writeHead(200, { 'Content-Length': '100000' });
        res.write(Buffer.alloc(1000));
        setImmediate(() => req.socket.destroy());
      };
      const destination = path.join(scratch, 'dropped.bin');
      await assert.rejects(client({ retry: { maxAttempts: 1 } }).download({ method: 'GET', path: '/get-artifact' }, destination), { errorCode: 'UNREACHABLE' });
      assert.ok(!(await readdir(scratch)).some((f) => f.startsWith('dropped.bin')));
    });

    it('does not replace an existing file when the download fails', async () => {
      script = answer(404, { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'No such artifact' });
      const destination = path.join(scratch, 'kept.txt');
      await writeFile(destination, 'old');
      await assert.rejects(client().download({ method: 'GET', path: '/get-artifact' }, destination), { errorCode: 'RESOURCE_DOES_NOT_EXIST' });
      assert.equal(await readFile(destination, 'utf8'), 'old');
    });

    it('times out when the body stalls, and can be cancelled', async () => {
      let release: (() => void) | undefined;
      script = (_req, res) => {
        res.writeHead(200);
        res.write('first chunk');
        release = () => res.destroy();
      };
      await assert.rejects(client({ timeoutMs: 50, retry: { maxAttempts: 1 } }).download({ method: 'GET', path: '/stall' }, path.join(scratch, 'stall.bin')), {
        errorCode: 'TIMEOUT',
      });
      release?.();
      const controller = new AbortController();
      const arrival = nextRequest();
      const call = client().download({ method: 'GET', path: '/stall', signal: controller.signal }, path.join(scratch, 'cancelled.bin'));
      await arrival;
      controller.abort();
      await assert.rejects(call, { errorCode: 'CANCELLED' });
      release?.();
      assert.ok(!(await readdir(scratch)).some((f) => f.startsWith('stall.bin') || f.startsWith('cancelled.bin')));
    });
  });

  describe('TLS', () => {
    let tlsServer: https.Server;
    let tlsUrl = '';
    let caFile = '';
    before(async () => {
      tlsServer = https.createServer({ cert: TEST_CERT, key: TEST_KEY }, (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"tls": true}');
      });
      await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
      tlsUrl = `https://127.0.0.1:${(tlsServer.address() as AddressInfo).port}`;
      caFile = path.join(scratch, 'ca.pem');
      await writeFile(caFile, TEST_CERT);
    });
    after(async () => {
      tlsServer.closeAllConnections();
      await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
    });

    it('rejects a self-signed certificate as UNREACHABLE, saying which settings help', async () => {
      const error = await client({ baseUrl: tlsUrl, retry: { maxAttempts: 1 } })
        .json({ method: 'GET', path: '/x' })
        .catch((e: unknown) => e);
      assert.ok(error instanceof MlflowError);
      assert.equal(error.errorCode, 'UNREACHABLE');
      assert.match(error.message, /self-signed TLS certificate.*MLFLOW_TRACKING_SERVER_CERT_PATH/);
    });

    it('trusts it with caCertPath, or with insecureTls', async () => {
      assert.deepEqual(await client({ baseUrl: tlsUrl, caCertPath: caFile }).json({ method: 'GET', path: '/x' }), { tls: true });
      assert.deepEqual(await client({ baseUrl: tlsUrl, insecureTls: true }).json({ method: 'GET', path: '/x' }), { tls: true });
    });

    it('names an unreadable CA file', () => {
      assert.throws(() => new HttpClient({ baseUrl: tlsUrl, caCertPath: path.join(scratch, 'missing.pem') }), /Cannot read the CA certificate file .*missing\.pem/);
    });
  });
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const probe = await startLoopbackServer(() => undefined);
  await probe.close();
  return probe.port;
}

/** A self-signed certificate for 127.0.0.1 valid 2020–2120 (test only). */
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBXDCCAQKgAwIBAgIBATAKBggqhkjOPQQDAjAUMRIwEAYDVQQDDAkxMjcuMC4w
LjEwIBcNMjAwMTAxMDAwMDAwWhgPMjEyMDAxMDEwMDAwMDBaMBQxEjAQBgNVBAMM
CTEyNy4wLjAuMTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABAB0CTKJI/m2uMgr
jsz4DsXpQ0AlRNEwGNLA4VeDXYamqqAIUUqpneegSgbl7n9ZCmVGIZvtYmzwNCa3
Zg6N+3KjQzBBMA8GA1UdEQQIMAaHBH8AAAEwDwYDVR0TAQH/BAUwAwEB/zAdBgNV
HQ4EFgQUGJmN9WqYYy7p4SsBAx0NR+F8Nc8wCgYIKoZIzj0EAwIDSAAwRQIhAIZf
Fb1/QTCSDJqraMAZh/k3o9KV46eg7wIxpY4drbkvAiB9h9MkxNKKtbhhSEI49Cy9
cEH9V5qRwhq5uf0kUv4GoQ==
-----END CERTIFICATE-----
`;
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg1qvPZ961jIqZ0PvL
9q68qHa585oiTZqZwWs1LN1baw2hRANCAAQAdAkyiSP5trjIK47M+A7F6UNAJUTR
MBjSwOFXg12GpqqgCFFKqZ3noEoG5e5/WQplRiGb7WJs8DQmt2YOjfty
-----END PRIVATE KEY-----
`;
