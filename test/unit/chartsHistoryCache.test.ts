import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ChartsSession } from '../../src/charts/chartsSession';
import { SampledHistoryCache } from '../../src/charts/core/historyCache';
import type { ChartsHostMessage, ChartsViewState, WireSeries } from '../../src/charts/protocol';
import { HttpClient } from '../../src/mlflow/http';
import { RestStore } from '../../src/mlflow/rest/restStore';
import { fixtureDataset } from '../support/mlflowServer/fixtureStore';
import { type MlflowServer, startMlflowServer } from '../support/mlflowServer/server';

/**
 * Charts over a loopback MLflow server: the sampled histories of finished runs are kept across panels,
 * so a second panel on the same finished runs sends no request at all, while live runs, changed runs and
 * other windows still reach the server. Requests are counted by the server itself.
 */

const ids = JSON.parse(readFileSync(path.resolve(__dirname, '../fixtures/mlflow-2.17.2/ids.json'), 'utf8')) as { runs: Record<string, string> };
const FINISHED = ['long-sgd-0', 'long-sgd-1', 'baseline-0', 'baseline-1'].map((name) => ids.runs[name]);
const RUNNING = ids.runs['running-run'];

interface Opened {
  session: ChartsSession;
  series: Promise<WireSeries[]>;
}

/** A panel's session, ready, resolving with the first overview series of `metricKey`. */
function open(store: RestStore, cache: SampledHistoryCache, runIds: string[], metricKey: string): Opened {
  let resolveSeries: (s: WireSeries[]) => void = () => undefined;
  let rejectSeries: (e: Error) => void = () => undefined;
  const series = new Promise<WireSeries[]>((resolve, reject) => {
    resolveSeries = resolve;
    rejectSeries = reject;
  });
  const post = (m: ChartsHostMessage): void => {
    if (m.type === 'series' && m.metricKey === metricKey && !m.window) resolveSeries(m.series);
    if (m.type === 'error') rejectSeries(new Error(m.message));
  };
  const state: ChartsViewState = { target: { runIds }, metricKeys: [metricKey], xAxis: 'step', yScale: 'linear', smoothing: 0, hiddenRunIds: [] };
  const session = new ChartsSession(
    { post, save: async () => undefined, setTitle: () => undefined, log: { info: () => undefined, error: () => undefined } },
    state,
    // Polling is driven by nothing here: the schedule never fires.
    { store: () => store, histories: cache, schedule: () => ({ cancel: () => undefined }) },
  );
  session.receive({ type: 'ready' });
  return { session, series };
}

async function chart(store: RestStore, cache: SampledHistoryCache, runIds: string[], metricKey: string): Promise<WireSeries[]> {
  const { session, series } = open(store, cache, runIds, metricKey);
  try {
    return await series;
  } finally {
    session.dispose();
  }
}

describe('charts: finished runs\' sampled histories kept across panels (loopback server)', () => {
  let server: MlflowServer;
  let store: RestStore;
  beforeEach(async () => {
    server = await startMlflowServer({ dataset: await fixtureDataset() });
    store = new RestStore(new HttpClient({ baseUrl: server.baseUrl }));
  });
  afterEach(async () => {
    store.dispose();
    await server.close();
  });

  const paths = (from: number) => server.requests.slice(from).map((r) => r.path.replace('/api/2.0/mlflow/', ''));

  it('reopening the charts of finished runs sends no request and shows the same lines', async () => {
    const cache = new SampledHistoryCache();
    const first = await chart(store, cache, FINISHED, 'loss');
    assert.ok(paths(0).includes('metrics/get-history-bulk-interval'), 'the first panel asks the server');
    assert.ok(first.some((s) => s.steps.length > 100), 'a long history is charted');
    const before = server.requests.length;
    const again = await chart(store, cache, FINISHED, 'loss');
    assert.deepEqual(paths(before), [], 'no request for the second panel');
    assert.deepEqual(again, first);
  });

  it('without the shared cache every panel asks again (what the cache saves)', async () => {
    await chart(store, new SampledHistoryCache(), FINISHED, 'loss');
    const before = server.requests.length;
    await chart(store, new SampledHistoryCache(), FINISHED, 'loss');
    assert.ok(paths(before).filter((p) => p === 'runs/get').length === FINISHED.length);
    assert.ok(paths(before).includes('metrics/get-history-bulk-interval'));
  });

  it('asks again only for the live run beside finished ones', async () => {
    const cache = new SampledHistoryCache();
    await chart(store, cache, [...FINISHED, RUNNING], 'loss');
    const before = server.requests.length;
    await chart(store, cache, [...FINISHED, RUNNING], 'loss');
    const asked = server.requests.slice(before);
    assert.deepEqual(asked.filter((r) => r.path.endsWith('runs/get')).map((r) => r.query.run_id?.[0]), [RUNNING]);
    const sampled = asked.filter((r) => r.path.endsWith('get-history-bulk-interval'));
    assert.equal(sampled.length, 1);
    assert.deepEqual(sampled[0].query.run_ids, [RUNNING]);
  });

  it('fetches again a finished run whose latest point moved, once the Runs view reloaded it', async () => {
    const cache = new SampledHistoryCache();
    const [runId] = FINISHED;
    const first = await chart(store, cache, [runId], 'loss');
    const lastStep = first[0].steps.at(-1) ?? 0;
    // A point logged to the finished run by someone else (MLflow allows it), straight into the server's data.
    const point = { key: 'loss', value: 0.125, timestamp: Date.now(), step: lastStep + 1 };
    // The dataset is shared with other test files (fixtureDataset is read once): put it back afterwards.
    const history = server.data.histories[runId].loss;
    const run = server.data.runs.find((r) => r.info.runId === runId);
    assert.ok(run);
    const metrics = run.data.metrics;
    history.push(point);
    run.data.metrics = [...metrics.filter((m) => m.key !== 'loss'), point];
    try {
      // Until the run is read again, the kept copy answers (no request)…
      let before = server.requests.length;
      assert.deepEqual(await chart(store, cache, [runId], 'loss'), first);
      assert.deepEqual(paths(before), []);
      // …the Runs view reloading its experiment makes the charts read the run, see the new latest point and refetch.
      cache.forgetRuns(run.info.experimentId);
      before = server.requests.length;
      const after = await chart(store, cache, [runId], 'loss');
      assert.deepEqual(paths(before), ['runs/get', 'metrics/get-history-bulk-interval']);
      assert.equal(after[0].steps.at(-1), lastStep + 1);
    } finally {
      history.splice(history.indexOf(point), 1);
      run.data.metrics = metrics;
    }
  });

  it('keys histories by window: a zoomed step range asks the server', async () => {
    const cache = new SampledHistoryCache();
    await chart(store, cache, FINISHED.slice(0, 1), 'loss');
    const before = server.requests.length;
    const { session, series } = open(store, cache, FINISHED.slice(0, 1), 'loss');
    await series;
    session.receive({ type: 'requestWindow', metricKey: 'loss', window: { startStep: 10, endStep: 20 } });
    await waitFor(() => paths(before).includes('metrics/get-history-bulk-interval'));
    session.dispose();
  });

  it('stays within its point budget', async () => {
    const cache = new SampledHistoryCache({ maxPoints: 1500 });
    await chart(store, cache, FINISHED, 'loss');
    assert.ok(cache.pointsKept(store) <= 1500, `${cache.pointsKept(store)} points kept`);
    assert.ok(cache.pointsKept(store) > 0);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(condition(), 'condition never became true');
}
