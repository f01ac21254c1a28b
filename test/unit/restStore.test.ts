import assert from 'node:assert/strict';
import type * as http from 'node:http';
import { HttpClient } from '../../src/mlflow/http';
import { RestStore } from '../../src/mlflow/rest/restStore';
import { startLoopbackServer } from '../support/replayServer';
import type { LoopbackServer } from '../support/replayServer';

/**
 * RestStore behaviour no capture shows (chunking, paging loops, fallbacks, capability rules), against a
 * loopback server whose answers each test scripts by path.
 */

interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}
interface Reply {
  status?: number;
  json?: unknown;
  text?: string;
  contentType?: string;
}
type Route = (seen: Seen) => Reply | Promise<Reply>;

describe('RestStore', () => {
  let server: LoopbackServer;
  let routes: Record<string, Route> = {};
  let seen: Seen[] = [];
  let store: RestStore;

  before(async () => {
    server = await startLoopbackServer((req: http.IncomingMessage, res: http.ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://loopback.invalid');
        const text = Buffer.concat(chunks).toString('utf8');
        const entry: Seen = { method: req.method ?? '', path: url.pathname, query: url.searchParams, body: text ? (JSON.parse(text) as unknown) : null };
        seen.push(entry);
        const route = routes[url.pathname];
        void Promise.resolve(route ? route(entry) : { status: 404, text: '<title>404 Not Found</title>', contentType: 'text/html' }).then((reply) => {
          res.writeHead(reply.status ?? 200, { 'Content-Type': reply.contentType ?? (reply.text === undefined ? 'application/json' : 'text/plain') });
          res.end(reply.text ?? JSON.stringify(reply.json ?? {}));
        });
      });
    });
  });
  beforeEach(() => {
    routes = {};
    seen = [];
    store = new RestStore(new HttpClient({ baseUrl: server.baseUrl, retry: { maxAttempts: 1 } }));
  });
  afterEach(() => store.dispose());
  after(() => server.close());

  const metric = (runId: string, step: number): Record<string, unknown> => ({ key: 'loss', value: step / 10, timestamp: 1000 + step, step, run_id: runId });

  describe('getSampledHistories', () => {
    it('asks for at most 100 runs per request and keeps the caller’s run order', async () => {
      routes['/api/2.0/mlflow/metrics/get-history-bulk-interval'] = ({ query }) => ({ json: { metrics: query.getAll('run_ids').map((id) => metric(id, 0)) } });
      const runIds = Array.from({ length: 250 }, (_, i) => `run-${i}`);
      const points = await store.getSampledHistories({ runIds, metricKey: 'loss', maxResults: 20 });
      assert.deepEqual(
        seen.map((s) => s.query.getAll('run_ids').length),
        [100, 100, 50],
      );
      assert.deepEqual(
        points.map((p) => p.runId),
        runIds,
      );
      assert.ok(seen.every((s) => s.query.get('metric_key') === 'loss' && s.query.get('max_results') === '20' && !s.query.has('start_step')));
    });

    it('sends both ends of a step window, filling an open end (the server rejects one end alone)', async () => {
      routes['/api/2.0/mlflow/metrics/get-history-bulk-interval'] = () => ({ json: {} });
      await store.getSampledHistories({ runIds: ['a'], metricKey: 'loss', maxResults: 20, startStep: 1000, endStep: 2000 });
      await store.getSampledHistories({ runIds: ['a'], metricKey: 'loss', maxResults: 20, startStep: 10 });
      await store.getSampledHistories({ runIds: ['a'], metricKey: 'loss', maxResults: 20, endStep: 50 });
      assert.deepEqual(
        seen.map((s) => [s.query.get('start_step'), s.query.get('end_step')]),
        [
          ['1000', '2000'],
          ['10', String(Number.MAX_SAFE_INTEGER)],
          ['0', '50'],
        ],
      );
    });

    it('does not fall back when the endpoint exists but the run does not (an MLflow 404)', async () => {
      routes['/api/2.0/mlflow/metrics/get-history-bulk-interval'] = () => ({ status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'Run x not found' } });
      await assert.rejects(store.getSampledHistories({ runIds: ['x'], metricKey: 'loss', maxResults: 5 }), { errorCode: 'RESOURCE_DOES_NOT_EXIST' });
      assert.equal(seen.length, 1);
    });

    it('falls back to paged full histories of every run when the route is missing', async () => {
      routes['/api/2.0/mlflow/metrics/get-history'] = ({ query }) => {
        const runId = query.get('run_id') ?? '';
        return { json: { metrics: Array.from({ length: 11 }, (_, step) => metric(runId, step)) } };
      };
      const points = await store.getSampledHistories({ runIds: ['a', 'b'], metricKey: 'loss', maxResults: 3 });
      assert.deepEqual(
        seen.map((s) => s.path),
        ['/api/2.0/mlflow/metrics/get-history-bulk-interval', '/api/2.0/mlflow/metrics/get-history', '/api/2.0/mlflow/metrics/get-history'],
      );
      assert.ok(seen.slice(1).every((s) => s.query.get('max_results') === '25000'));
      for (const runId of ['a', 'b']) {
        const steps = points.filter((p) => p.runId === runId).map((p) => p.step);
        assert.equal(steps[0], 0);
        assert.equal(steps.at(-1), 10);
      }
    });
  });

  describe('getMetricHistory', () => {
    it('follows next_page_token with max_results on every page and returns the points in step order', async () => {
      routes['/api/2.0/mlflow/metrics/get-history'] = ({ query }) =>
        query.get('page_token') === 'page-2'
          ? { json: { metrics: [metric('r', 1), metric('r', 0)] } }
          : { json: { metrics: [metric('r', 3), metric('r', 2)], next_page_token: 'page-2' } };
      const history = await store.getMetricHistory('r', 'loss');
      assert.deepEqual(
        history.map((m) => m.step),
        [0, 1, 2, 3],
      );
      assert.deepEqual(
        seen.map((s) => [s.query.get('max_results'), s.query.get('page_token')]),
        [
          ['25000', null],
          ['25000', 'page-2'],
        ],
      );
    });

    it('stops with BAD_RESPONSE when the server repeats a page token', async () => {
      routes['/api/2.0/mlflow/metrics/get-history'] = () => ({ json: { metrics: [], next_page_token: 'same' } });
      await assert.rejects(store.getMetricHistory('r', 'loss'), { errorCode: 'BAD_RESPONSE' });
      assert.equal(seen.length, 2);
    });

    it('uses a configured page size', async () => {
      const small = new RestStore(new HttpClient({ baseUrl: server.baseUrl }), { historyPageSize: 25 });
      routes['/api/2.0/mlflow/metrics/get-history'] = () => ({ json: {} });
      assert.deepEqual(await small.getMetricHistory('r', 'loss'), []);
      small.dispose();
      assert.equal(seen[0]?.query.get('max_results'), '25');
    });
  });

  describe('artifacts and paths', () => {
    it('follows artifact listing pages where a server pages them', async () => {
      routes['/api/2.0/mlflow/artifacts/list'] = ({ query }) =>
        query.get('page_token') ? { json: { files: [{ path: 'b.txt', file_size: '12' }] } } : { json: { files: [{ path: 'a.txt', file_size: 3 }], next_page_token: 't' } };
      assert.deepEqual(await store.listArtifacts('r'), [
        { path: 'a.txt', isDir: false, fileSize: 3 },
        { path: 'b.txt', isDir: false, fileSize: 12 },
      ]);
    });

    it('percent-encodes ids and artifact path segments in routes', async () => {
      // Keys are the paths as sent: a space and a `#` must not end or split the path.
      routes['/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/my%20plots/a%23b.png'] = () => ({ text: 'png' });
      routes['/api/2.0/mlflow/logged-models/m-1/artifacts/directories'] = () => ({ json: {} });
      await store.readArtifactAtUri('mlflow-artifacts:/1/r/artifacts', 'my plots/a#b.png');
      await store.listLoggedModelArtifacts('m-1', 'sub dir');
      assert.equal(seen[1]?.query.get('artifact_directory_path'), 'sub dir');
      await assert.rejects(store.readArtifactAtUri('s3://bucket/1/r/artifacts', 'a.txt'), { errorCode: 'NOT_SUPPORTED' });
    });
  });

  describe('capabilities', () => {
    const probe = async (version: Route | undefined, serverInfo: Route | undefined): Promise<Awaited<ReturnType<RestStore['capabilities']>>> => {
      if (version) routes['/version'] = version;
      if (serverInfo) routes['/api/3.0/mlflow/server-info'] = serverInfo;
      return store.capabilities();
    };

    it('marks servers before 2.11 as without sampled history, and before 3 as without logged models', async () => {
      const old = await probe(() => ({ text: '2.9.2' }), undefined);
      assert.deepEqual([old.sampledHistory, old.loggedModels, old.serverVersion], [false, false, '2.9.2']);
    });

    it('treats a server-info answer as 3.x even when /version is hidden', async () => {
      const caps = await probe(undefined, () => ({ json: { store_type: 'SqlStore' } }));
      assert.deepEqual([caps.loggedModels, caps.sampledHistory, caps.serverVersion], [true, true, undefined]);
    });

    it('assumes a current server when /version answers something that is not a version (a proxy page)', async () => {
      const caps = await probe(() => ({ text: '<html>welcome</html>', contentType: 'text/html' }), undefined);
      assert.deepEqual([caps.loggedModels, caps.sampledHistory, caps.serverVersion], [true, true, undefined]);
    });

    it('lets one caller stop waiting without cancelling the probe another caller waits for', async () => {
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      routes['/version'] = async () => {
        await gate;
        return { text: '3.1.0' };
      };
      const controller = new AbortController();
      const impatient = store.capabilities({ signal: controller.signal });
      const patient = store.capabilities();
      controller.abort();
      await assert.rejects(impatient, { errorCode: 'CANCELLED' });
      release();
      assert.equal((await patient).serverVersion, '3.1.0');
      assert.equal(seen.filter((s) => s.path === '/version').length, 1);
    });

    it('propagates authentication failures, and probes again on the next call', async () => {
      routes['/version'] = () => ({ status: 401, text: 'Unauthorized' });
      await assert.rejects(store.capabilities(), { errorCode: 'UNAUTHENTICATED' });
      routes['/version'] = () => ({ text: '3.1.0' });
      const caps = await store.capabilities();
      assert.equal(caps.serverVersion, '3.1.0');
    });
  });

  it('describes itself by URL, without credentials', () => {
    const withCredentials = new RestStore(new HttpClient({ baseUrl: server.baseUrl.replace('http://', 'http://user:secret@') }));
    assert.equal(withCredentials.description, `MLflow server ${server.baseUrl}`);
    withCredentials.dispose();
  });
});
