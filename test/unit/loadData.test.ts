import assert from 'node:assert/strict';
import { longHistories, loadRunId, manyArtifacts, manyExperiments, manyRuns, syntheticValue } from '../support/hostile';
import type { Dataset } from '../support/mlflowServer/dataset';
import { startMlflowServer, type MlflowServer } from '../support/mlflowServer/server';

/**
 * The load suites' datasets (test/integration/load.test.ts) are built in-process, and 100 runs × 100,000
 * steps exist only as a formula behind a hook on MLflow's sampled endpoint. That hook is only evidence
 * if it answers exactly what the server's own route answers for the same histories: compared here on
 * histories small enough to hold.
 */

const RUNS = 3;
const STEPS = 3_000;

describe('load datasets: the synthetic sampled histories answer like the server route', () => {
  let synthetic: MlflowServer;
  let real: MlflowServer;
  const long = longHistories(RUNS, STEPS);

  before(async () => {
    // The same runs, with every point held, served by the route itself.
    const full: Dataset = structuredClone(long.dataset);
    for (const [i, runId] of long.runIds.entries()) {
      const base = 1_790_000_000_000;
      full.histories[runId] = { loss: Array.from({ length: STEPS }, (_, step) => ({ key: 'loss', value: syntheticValue(i, step), timestamp: base + step * 1000, step })) };
    }
    synthetic = await startMlflowServer({ dataset: long.dataset, faults: long.faults });
    real = await startMlflowServer({ dataset: full });
  });
  after(async () => {
    await synthetic?.close();
    await real?.close();
  });

  const get = async (server: MlflowServer, query: string): Promise<{ status: number; body: string }> => {
    const response = await fetch(`${server.baseUrl}/api/2.0/mlflow/metrics/get-history-bulk-interval?${query}`);
    return { status: response.status, body: await response.text() };
  };

  const runIds = (ids: readonly string[]): string => ids.map((id) => `run_ids=${id}`).join('&');
  const queries = [
    ['all runs, 1000 per run', `${runIds(long.runIds)}&metric_key=loss&max_results=1000`],
    ['one run, default max_results', `${runIds(long.runIds.slice(0, 1))}&metric_key=loss`],
    ['a window, 200 per run', `${runIds(long.runIds)}&metric_key=loss&max_results=200&start_step=100&end_step=2500`],
    ['a window past the end', `${runIds(long.runIds.slice(1))}&metric_key=loss&max_results=50&start_step=2990&end_step=9000000`],
    ['more than every step', `${runIds(long.runIds)}&metric_key=loss&max_results=2500&start_step=0&end_step=1000`],
    ['a bad max_results (the route validates)', `${runIds(long.runIds)}&metric_key=loss&max_results=0`],
    ['another metric (the route answers)', `${runIds(long.runIds)}&metric_key=accuracy`],
  ];
  for (const [what, query] of queries) {
    it(`${what}: the same status and JSON`, async () => {
      const [mine, route] = await Promise.all([get(synthetic, query), get(real, query)]);
      assert.equal(mine.status, route.status);
      assert.deepEqual(JSON.parse(mine.body), JSON.parse(route.body));
    });
  }

  it('counts the bytes it answered with', async () => {
    const before = long.sentBytes;
    const { body } = await get(synthetic, queries[0][1]);
    assert.equal(long.sentBytes - before, Buffer.byteLength(body));
  });

  it('builds 10,000 experiments, 100,000 runs and 5,000 artifacts in one folder with distinct ids', () => {
    const experiments = manyExperiments(10_000).experiments;
    assert.equal(new Set(experiments.map((e) => e.experimentId)).size, 10_000);
    const runs = manyRuns(100_000).runs;
    assert.equal(new Set(runs.map((r) => r.info.runId)).size, 100_000);
    assert.equal(runs[255].info.runId, loadRunId(255));
    const { dataset, runId } = manyArtifacts(5_000);
    const paths = dataset.artifacts[runId].map((f) => f.path);
    assert.equal(new Set(paths).size, 5_000);
    assert.ok(paths.every((p) => /^shards\/part-\d{5}\.bin$/.test(p)));
  });
});
