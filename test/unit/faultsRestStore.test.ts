import assert from 'node:assert/strict';
import * as net from 'node:net';
import { MlflowError } from '../../src/mlflow/errors';
import { HttpClient, type HttpClientOptions } from '../../src/mlflow/http';
import { RestStore } from '../../src/mlflow/rest/restStore';
import { startWatchingProxy, type WatchingProxy } from '../support/hostile';
import { DatasetBuilder } from '../support/mlflowServer/dataset';
import { startMlflowServer, type Fault, type MlflowServer } from '../support/mlflowServer/server';

/**
 * RestStore (what every view reads through) against a tracking server that fails in each way a real
 * one does: refused connections, hangs, slow answers, connections dropped before or in the middle of a
 * body, 5xx and 429 with and without Retry-After, HTML or truncated JSON where JSON belongs, 50 MB of
 * nonsense. Each ends in a typed MlflowError (its code is what the views choose their message by), no
 * more attempts than the shipped retry policy (3 for reads, 1 for writes), no unhandled rejection, and
 * the same store works again once the server does. The HTTP client's own rules are in http.test.ts;
 * a local SQLite store written while read is covered by localConcurrency.test.ts.
 */

const dataset = (() => {
  const b = new DatasetBuilder();
  const exp = b.experiment('iris');
  b.history(b.run(exp, { runName: 'only' }), 'loss', [0.9, 0.5, 0.1]);
  return b.build();
})();

/** What a fault does to a call: its error code, a message pattern, and the attempts the server saw. */
interface Expectation {
  code: string;
  message: RegExp;
  attempts: number;
}

async function failure(call: Promise<unknown>): Promise<MlflowError> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof MlflowError, `a typed MlflowError, got ${String(error)}`);
    return error;
  }
  return assert.fail('expected the call to fail');
}

describe('faults: RestStore against a failing tracking server', () => {
  let server: MlflowServer;
  let proxy: WatchingProxy;
  const stores: RestStore[] = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

  /** The shipped policy (3 attempts, 0.5 s base backoff) unless a test shortens the waits. */
  const storeFor = (options: Partial<HttpClientOptions> = {}, baseUrl = server.baseUrl): RestStore => {
    const store = new RestStore(new HttpClient({ baseUrl, ...options }));
    stores.push(store);
    return store;
  };
  /** What a recovered store reads: the dataset's experiment (a test may have created more). */
  const readsIris = async (store: RestStore): Promise<void> =>
    assert.ok((await store.searchExperiments({})).items.some((e) => e.name === 'iris'), 'the store reads the server again');
  const attempts = (route: string): number => server.count(route);

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    server = await startMlflowServer({ dataset });
    proxy = await startWatchingProxy(server.baseUrl);
  });
  afterEach(() => {
    server.faults = undefined;
    proxy.cutBody = undefined;
    server.clearRequests();
    proxy.requests.length = 0;
    stores.splice(0).forEach((s) => s.dispose());
    assert.deepEqual(unhandled, [], 'no unhandled promise rejection');
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await proxy?.close();
    await server?.close();
  });

  const readFaults: [string, Fault, Expectation][] = [
    ["500 with Flask's HTML page", { status: 500 }, { code: 'SERVER_ERROR', message: /\(HTML page\): 500 Internal Server Error$/, attempts: 1 }],
    ['502 from a gateway, Retry-After: 0', { status: 502, headers: { 'Retry-After': '0' } }, { code: 'SERVER_ERROR', message: /502 Bad Gateway/, attempts: 3 }],
    [
      '503 with an MLflow error body, Retry-After: 0',
      { status: 503, headers: { 'Retry-After': '0' }, body: { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'Database is locked' } },
      { code: 'TEMPORARILY_UNAVAILABLE', message: /^Database is locked$/, attempts: 3 },
    ],
    ['429 with Retry-After: 0', { status: 429, headers: { 'Retry-After': '0' }, body: 'slow down', contentType: 'text/plain' }, { code: 'REQUEST_LIMIT_EXCEEDED', message: /429.*slow down/, attempts: 3 }],
    ['429 asking for an hour (beyond the longest wait)', { status: 429, headers: { 'Retry-After': '3600' } }, { code: 'REQUEST_LIMIT_EXCEEDED', message: /429/, attempts: 1 }],
    ['200 with an HTML login page', { status: 200, body: '<html><head><title>Sign in · Corp SSO</title></head><body>…</body></html>' }, { code: 'BAD_RESPONSE', message: /HTML page \(Sign in · Corp SSO\)/, attempts: 1 }],
    ['200 with truncated JSON', { status: 200, body: '{"experiments": [{"experiment_id": "1", "na', contentType: 'application/json' }, { code: 'BAD_RESPONSE', message: /invalid or truncated JSON \(43 bytes\)/, attempts: 1 }],
    ['a connection dropped before answering', { drop: true }, { code: 'UNREACHABLE', message: /connection reset/, attempts: 3 }],
    [
      '200 with JSON of the wrong shape',
      { status: 200, body: '{"experiments": "not-a-list", "next_page_token": 42}', contentType: 'application/json' },
      { code: 'BAD_RESPONSE', message: /^The answer to POST \/api\/2\.0\/mlflow\/experiments\/search is not what an MLflow server sends \("experiments" is a string where MLflow sends a list\)/, attempts: 1 },
    ],
    [
      '200 with a page token that is a number',
      { status: 200, body: '{"experiments": [], "next_page_token": 42}', contentType: 'application/json' },
      { code: 'BAD_RESPONSE', message: /not what an MLflow server sends \("next_page_token" is a number where MLflow sends a string\)/, attempts: 1 },
    ],
    [
      '200 with a list of names instead of experiments',
      { status: 200, body: '{"experiments": ["iris"]}', contentType: 'application/json' },
      { code: 'BAD_RESPONSE', message: /\(item 0 of "experiments" is a string where MLflow sends an object\)/, attempts: 1 },
    ],
    ['200 with a JSON list for an answer', { status: 200, body: '[]', contentType: 'application/json' }, { code: 'BAD_RESPONSE', message: /\(the answer is a list, not a JSON object\)/, attempts: 1 }],
  ];

  for (const [what, fault, expected] of readFaults) {
    it(`${what}: ${expected.code} after ${expected.attempts} attempt(s), then the same store recovers`, async () => {
      const store = storeFor({ retry: { baseDelayMs: 1 } });
      server.faults = (r) => (r.path.endsWith('/experiments/search') ? fault : undefined);
      const error = await failure(store.searchExperiments({}));
      assert.equal(error.errorCode, expected.code, error.message);
      assert.match(error.message, expected.message);
      assert.doesNotMatch(error.message, /<[a-z!/]/i, 'no markup in the message');
      assert.equal(attempts('experiments/search'), expected.attempts);
      server.faults = undefined;
      await readsIris(store);
    });
  }

  it('503 without Retry-After backs off and stops at the policy’s 3 attempts; 504 then 200 succeeds on the 2nd', async () => {
    server.faults = () => ({ status: 503 });
    const started = Date.now();
    // The shipped backoff: 0.25–0.5 s, then 0.5–1 s.
    const error = await failure(storeFor().getRun(dataset.runs[0].info.runId));
    assert.equal(error.errorCode, 'SERVER_ERROR');
    assert.equal(attempts('runs/get'), 3);
    assert.ok(Date.now() - started >= 750, 'waited between attempts');
    server.clearRequests();
    server.faults = (r) => (r.index === 0 ? { status: 504 } : undefined);
    assert.equal((await storeFor({ retry: { baseDelayMs: 1 } }).getRun(dataset.runs[0].info.runId)).info.runName, 'only');
    assert.equal(attempts('runs/get'), 2);
  });

  it('never retries a write: a 503 and a connection dropped on a new socket each cost exactly one request', async () => {
    const store = storeFor({ retry: { baseDelayMs: 1 } });
    for (const [fault, client] of [[{ status: 503, headers: { 'Retry-After': '0' } }, store], [{ drop: true }, storeFor({ retry: { baseDelayMs: 1 } })]] as const) {
      server.clearRequests();
      server.faults = (r) => (r.method !== 'GET' && r.path.endsWith('/experiments/create') ? fault : undefined);
      await failure(client.createExperiment('new-one'));
      assert.equal(attempts('experiments/create'), 1, `retried after ${JSON.stringify(fault)}`);
    }
    // Dropped unanswered on a kept-alive socket looks like the server's idle timeout closing it: sent
    // once more on a fresh socket (HttpClient.open), and no more.
    server.clearRequests();
    server.faults = (r) => (r.method !== 'GET' && r.path.endsWith('/experiments/create') ? { drop: true } : undefined);
    await failure(store.createExperiment('new-one'));
    assert.equal(attempts('experiments/create'), 2, 'one resend on a fresh socket');
    server.faults = undefined;
    assert.match(await store.createExperiment('new-one'), /^\d+$/);
  });

  it('reads search POSTs as reads: runs/search is retried like a GET', async () => {
    server.faults = (r) => (r.path.endsWith('/runs/search') ? { status: 503, headers: { 'Retry-After': '0' } } : undefined);
    await failure(storeFor().searchRuns({ experimentIds: ['0'] }));
    assert.equal(attempts('runs/search'), 3);
  });

  it('a closed port is UNREACHABLE, naming the address and the likely cause', async () => {
    const closed = await startMlflowServer();
    const url = closed.baseUrl;
    await closed.close();
    const error = await failure(storeFor({ retry: { baseDelayMs: 1 } }, url).searchExperiments({}));
    assert.equal(error.errorCode, 'UNREACHABLE');
    assert.match(error.message, /^Cannot reach the MLflow server at 127\.0\.0\.1:\d+ \(connection refused: is the server running\?\)/);
  });

  it('a hanging server times out after the configured time, without retrying, and the store works after', async () => {
    server.faults = (r) => (r.path.endsWith('/experiments/search') && r.index === 0 ? { delayMs: 60_000 } : undefined);
    const store = storeFor({ timeoutMs: 200 });
    const started = Date.now();
    const error = await failure(store.searchExperiments({}));
    assert.equal(error.errorCode, 'TIMEOUT');
    assert.match(error.message, /timed out after 200 ms \(127\.0\.0\.1:\d+\)$/);
    assert.ok(Date.now() - started < 5_000, 'gave up near the timeout, not at the server’s pace');
    assert.equal(attempts('experiments/search'), 1);
    await readsIris(store);
  });

  it('a slow answer within the timeout is simply waited for', async () => {
    server.faults = (r) => (r.path.endsWith('/metrics/get-history') ? { delayMs: 300 } : undefined);
    const history = await storeFor({ timeoutMs: 5_000 }).getMetricHistory(dataset.runs[0].info.runId, 'loss');
    assert.deepEqual(history.map((m) => m.value), [0.9, 0.5, 0.1]);
  });

  it('a connection reset in the middle of a body is a typed error, retried like a drop, never half-parsed data', async () => {
    const runId = dataset.runs[0].info.runId;
    proxy.cutBody = (url) => (url.includes('/runs/get') ? 40 : undefined);
    const error = await failure(storeFor({ retry: { baseDelayMs: 1 } }, proxy.baseUrl).getRun(runId));
    assert.equal(error.errorCode, 'UNREACHABLE', error.message);
    assert.match(error.message, /\(connection reset\) for GET \/api\/2\.0\/mlflow\/runs\/get\.$/);
    assert.equal(proxy.requests.filter((r) => r.cut).length, 3, 'each of the 3 attempts was cut mid-body');
    proxy.cutBody = undefined;
    assert.equal((await storeFor({}, proxy.baseUrl).getRun(runId)).info.runName, 'only');
  });

  it('a get answered 200 without its object is an error, not an empty run or experiment', async () => {
    const store = storeFor();
    server.faults = (r) => (r.path.endsWith('/runs/get') ? { status: 200, body: '{}', contentType: 'application/json' } : undefined);
    const run = await failure(store.getRun('0123'));
    assert.equal(run.errorCode, 'BAD_RESPONSE');
    assert.match(run.message, /^The answer to GET \/api\/2\.0\/mlflow\/runs\/get is not what an MLflow server sends \(no "run" in it\)/);
    server.faults = (r) => (r.path.endsWith('/experiments/get') ? { status: 200, body: '{"experiment": "iris"}', contentType: 'application/json' } : undefined);
    const experiment = await failure(store.getExperiment('1'));
    assert.match(experiment.message, /\("experiment" is a string where MLflow sends an object\)/);
    server.faults = undefined;
    await readsIris(store);
  });

  it('an empty page, as MLflow sends it (no list, no token, or a null or empty token), is an empty page', async () => {
    const store = storeFor();
    for (const body of ['{}', '', '{"next_page_token": null}', '{"experiments": [], "next_page_token": ""}']) {
      server.faults = (r) => (r.path.endsWith('/experiments/search') ? { status: 200, body, contentType: 'application/json' } : undefined);
      assert.deepEqual(await store.searchExperiments({}), { items: [], nextPageToken: undefined }, body);
    }
  });

  for (const [what, greeting] of [
    ['an SSH server', 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'],
    ['a server answering in an HTTP version that does not exist', 'HTTP/9.7 200 OK\r\n\r\n'],
    ['binary garbage', '\u0000\u0001\u00ff\u00fe garbage'],
  ] as const) {
    it(`${what} on the port: "not an HTTP server", not a parser code`, async () => {
      const sockets = new Set<net.Socket>();
      const garbage = net.createServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.end(greeting);
      });
      await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
      try {
        const port = (garbage.address() as net.AddressInfo).port;
        const error = await failure(storeFor({ retry: { baseDelayMs: 1 } }, `http://127.0.0.1:${port}`).searchExperiments({}));
        assert.equal(error.errorCode, 'BAD_RESPONSE');
        assert.match(error.message, new RegExp(`^The server at 127\\.0\\.0\\.1:${port} is not an HTTP server: its answer to POST /api/2\\.0/mlflow/experiments/search was not HTTP\\.`));
        assert.doesNotMatch(error.message, /HPE_|Parse Error/);
      } finally {
        const closed = new Promise<void>((resolve) => garbage.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await closed;
      }
    });
  }

  it('50 MB of non-JSON where a page of experiments belongs: BAD_RESPONSE, and the store keeps working', async function () {
    this.timeout(30_000);
    const body = new Uint8Array(50 * 1024 * 1024).fill(0x61);
    server.faults = (r) => (r.path.endsWith('/experiments/search') ? { status: 200, body, contentType: 'application/octet-stream' } : undefined);
    const store = storeFor();
    const error = await failure(store.searchExperiments({}));
    assert.equal(error.errorCode, 'BAD_RESPONSE');
    assert.match(error.message, /invalid or truncated JSON \(52428800 bytes\)/);
    assert.equal(attempts('experiments/search'), 1);
    server.faults = undefined;
    await readsIris(store);
  });

  it('more than the body cap is refused while streaming, before it is all in memory', async () => {
    const body = new Uint8Array(8 * 1024 * 1024).fill(0x20);
    server.faults = (r) => (r.path.endsWith('/experiments/search') ? { status: 200, body, contentType: 'application/json' } : undefined);
    const error = await failure(storeFor({ maxBodyBytes: 1024 * 1024 }).searchExperiments({}));
    assert.equal(error.errorCode, 'BAD_RESPONSE');
    assert.match(error.message, /larger than 1 MB; not read into memory/);
  });

  it('cancelling a delayed request closes its connection: the server side sees the client hang up', async () => {
    server.faults = (r) => (r.path.endsWith('/metrics/get-history-bulk-interval') ? { delayMs: 60_000 } : undefined);
    const store = storeFor({}, proxy.baseUrl);
    const controller = new AbortController();
    const call = store.getSampledHistories({ runIds: [dataset.runs[0].info.runId], metricKey: 'loss', maxResults: 100 }, { signal: controller.signal });
    await waitUntil(() => server.count('metrics/get-history-bulk-interval') === 1, 'the request reached the server');
    controller.abort();
    const error = await failure(call);
    assert.equal(error.errorCode, 'CANCELLED');
    const request = await waitUntil(() => proxy.requests.find((r) => r.url.includes('get-history-bulk-interval') && r.closedEarly), 'the connection closed');
    assert.equal(request.finished, false);
    assert.equal(server.count('metrics/get-history-bulk-interval'), 1, 'not retried after the cancel');
  });

  it('a failed capability probe does not stick: the next call probes again and succeeds', async () => {
    server.faults = (r) => (r.path === '/version' || r.path.endsWith('/server-info') ? { drop: true } : undefined);
    const store = storeFor({ retry: { maxAttempts: 1 } });
    await failure(store.capabilities());
    server.faults = undefined;
    assert.equal((await store.capabilities()).sampledHistory, true);
  });
});

/** Polls a condition (no fixed sleeps): resolves with its first truthy value. */
async function waitUntil<T>(condition: () => T, what: string, timeoutMs = 5_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = condition();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
