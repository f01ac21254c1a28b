import assert from 'node:assert/strict';
import { MlflowError } from '../../src/mlflow/errors';
import { HttpClient, type HttpClientOptions } from '../../src/mlflow/http';
import { RestStore } from '../../src/mlflow/rest/restStore';
import { DatasetBuilder } from '../support/mlflowServer/dataset';
import { startMlflowServer, type MlflowServer, type MlflowServerOptions } from '../support/mlflowServer/server';

/**
 * The test server's hooks for hostile and failure suites: basic auth like `--app-name basic-auth`,
 * per-request faults (delay, status, body, dropped connection), the request log, and Werkzeug's
 * answers for unknown routes and methods.
 */

const dataset = (() => {
  const b = new DatasetBuilder();
  b.experiment('Default');
  b.run(b.experiment('iris'), { runName: 'only' });
  return b.build();
})();

async function failure(call: Promise<unknown>): Promise<MlflowError> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof MlflowError, String(error));
    return error;
  }
  assert.fail('expected the call to fail');
}

describe('test MLflow server: auth, faults and the request log', () => {
  const servers: MlflowServer[] = [];
  const stores: RestStore[] = [];
  const start = async (options: Omit<MlflowServerOptions, 'dataset'> = {}): Promise<MlflowServer> => {
    const server = await startMlflowServer({ dataset, ...options });
    servers.push(server);
    return server;
  };
  const storeFor = (server: MlflowServer, options: Omit<HttpClientOptions, 'baseUrl'> = {}): RestStore => {
    const store = new RestStore(new HttpClient({ baseUrl: server.baseUrl, retry: { maxAttempts: 1 }, ...options }));
    stores.push(store);
    return store;
  };

  afterEach(async () => {
    stores.splice(0).forEach((s) => s.dispose());
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('asks for basic auth like MLflow: 401, its text and WWW-Authenticate; /health stays open', async () => {
    const server = await start({ auth: { username: 'alice', password: 's3cret' } });
    const answer = await fetch(`${server.baseUrl}/api/2.0/mlflow/experiments/search?max_results=10`);
    assert.equal(answer.status, 401);
    assert.equal(answer.headers.get('www-authenticate'), 'Basic realm="mlflow"');
    assert.equal(
      await answer.text(),
      'You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate.',
    );
    assert.equal((await fetch(`${server.baseUrl}/health`)).status, 200);
    assert.equal((await fetch(`${server.baseUrl}/version`)).status, 401);

    const error = await failure(storeFor(server).searchExperiments({}));
    assert.equal(error.errorCode, 'UNAUTHENTICATED');
    const wrong = await failure(storeFor(server, { auth: { kind: 'basic', username: 'alice', password: 'nope' } }).searchExperiments({}));
    assert.equal(wrong.errorCode, 'UNAUTHENTICATED');
    const page = await storeFor(server, { auth: { kind: 'basic', username: 'alice', password: 's3cret' } }).searchExperiments({});
    assert.deepEqual(page.items.map((e) => e.name).sort(), ['Default', 'iris']);
    assert.deepEqual(server.requests.filter((r) => r.path.endsWith('experiments/search')).map((r) => r.status), [401, 401, 401, 200]);
  });

  it('answers a faulted request with the status and body asked for, the HTML page by default', async () => {
    const server = await start({ faults: (r) => (r.path.endsWith('/runs/search') ? { status: 500 } : undefined) });
    const store = storeFor(server);
    const error = await failure(store.searchRuns({ experimentIds: ['1'] }));
    assert.equal(error.errorCode, 'SERVER_ERROR');
    assert.equal(error.message, 'Server answered 500 Internal Server Error (HTML page): 500 Internal Server Error');
    assert.equal((await store.searchExperiments({})).items.length, 2, 'other routes answer normally');

    server.faults = () => ({ status: 429, body: { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' }, headers: { 'Retry-After': '0' } });
    const limited = await failure(store.getExperiment('1'));
    assert.deepEqual([limited.errorCode, limited.message, limited.status], ['REQUEST_LIMIT_EXCEEDED', 'slow down', 429]);
    server.faults = () => ({ status: 502, body: 'upstream down', contentType: 'text/plain' });
    assert.match((await failure(store.getExperiment('1'))).message, /502 Bad Gateway: upstream down/);
  });

  it('delays, drops the connection, and close() ends requests still waiting', async () => {
    const server = await start();
    const store = storeFor(server);
    server.faults = () => ({ delayMs: 200 });
    const started = Date.now();
    await store.getExperiment('1');
    assert.ok(Date.now() - started >= 190, 'the answer waited for the delay');

    server.faults = () => ({ drop: true });
    const dropped = await failure(store.getExperiment('1'));
    assert.equal(dropped.errorCode, 'UNREACHABLE');
    assert.equal(server.requests.at(-1)?.dropped, true);

    server.faults = () => ({ delayMs: 60_000 });
    const hanging = failure(store.getExperiment('1'));
    await waitUntil(() => server.requests.length === 3);
    await server.close();
    assert.equal((await hanging).errorCode, 'UNREACHABLE');
  });

  it('logs every request with its query, body and status, and counts them by route', async () => {
    const server = await start();
    const store = storeFor(server);
    await store.searchRuns({ experimentIds: ['1'], filter: "params.solver = 'saga'" });
    await fetch(`${server.baseUrl}/ajax-api/2.0/mlflow/runs/search`, { method: 'POST', body: '{}' });
    await store.getExperiment('1');
    assert.equal(server.count(), 3);
    assert.equal(server.count('runs/search'), 2);
    assert.equal(server.count('/api/2.0/mlflow/runs/search'), 1);
    assert.equal(server.count(/^\/ajax-api\//), 1);
    assert.equal(server.count((r) => r.status === 200 && r.method === 'GET'), 1);
    const [search] = server.requests;
    assert.deepEqual(search.body, { experiment_ids: ['1'], filter: "params.solver = 'saga'" });
    assert.deepEqual(server.requests[2].query, { experiment_id: ['1'] });
    server.clearRequests();
    assert.equal(server.count(), 0);
  });

  it("answers unknown routes with Flask's 404 page and wrong methods with 405", async () => {
    const server = await start();
    const unknown = await fetch(`${server.baseUrl}/api/2.0/mlflow/does/not/exist`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(await unknown.text(), /<title>404 Not Found<\/title>/);
    assert.equal((await fetch(`${server.baseUrl}/api/2.0/mlflow/%zz`)).status, 404, 'a malformed escape is just an unknown route');
    const notJson = await fetch(`${server.baseUrl}/api/2.0/mlflow/runs/search`, { method: 'POST', body: 'not json' });
    assert.deepEqual([notJson.status, ((await notJson.json()) as { error_code: string }).error_code], [400, 'MALFORMED_REQUEST']);
    const wrongMethod = await fetch(`${server.baseUrl}/api/2.0/mlflow/runs/search`);
    assert.equal(wrongMethod.status, 405);
    assert.equal(wrongMethod.headers.get('allow'), 'OPTIONS, POST');
    const error = await failure(storeFor(server).listLoggedModelArtifacts('m-1'));
    assert.equal(error.errorCode, 'NOT_SUPPORTED', 'MLflow 3 routes do not exist on this 2.17.2 server');
  });
});

/** Polls a condition the server sets (a request arrived); no fixed sleeps. */
async function waitUntil(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
