import assert from 'node:assert/strict';
import { HttpClient } from '../../src/mlflow/http';
import { RestStore } from '../../src/mlflow/rest/restStore';
import { DatasetBuilder } from '../support/mlflowServer/dataset';
import { startMlflowServer, type MlflowServer } from '../support/mlflowServer/server';
import { getCapture } from '../support/replayServer';

/**
 * The test server takes what MLflow's Python client logs (`mlflow.start_run`, `log_param`,
 * `log_metric`, `log_batch`) like the real 2.17.2 server did in the captures: the same requests, the
 * same answers (ids aside), the same refusals, and what was logged reads back through the extension's
 * RestStore.
 */
describe('test MLflow server: logging like MLflow 2.17.2 (runs/create, log-*)', () => {
  let server: MlflowServer;
  let store: RestStore;
  const b = new DatasetBuilder();
  b.experiment('Default');
  const experimentId = b.experiment('api-captures');
  const existing = b.run(experimentId, { runName: 'old' });
  b.history(existing, 'loss', [0.5]);
  const dataset = b.build();

  async function post(path: string, body: unknown): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${server.baseUrl}${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
    return { status: response.status, json: await response.json() };
  }

  /** A capture's request body with the captured run's id replaced by one of this server's. */
  function bodyOf(name: string, runId: string): Record<string, unknown> {
    const body = structuredClone(getCapture('mlflow-2.17.2', name).request.body) as Record<string, unknown>;
    if ('run_id' in body) body.run_id = runId;
    if ('experiment_id' in body) body.experiment_id = experimentId;
    return body;
  }

  before(async () => {
    server = await startMlflowServer({ dataset });
    store = new RestStore(new HttpClient({ baseUrl: server.baseUrl }));
  });

  after(async () => {
    store?.dispose();
    await server?.close();
  });

  it('creates a run as the capture did: RUNNING, the given tags then mlflow.runName, same JSON keys in order', async () => {
    const capture = getCapture('mlflow-2.17.2', 'runs_create');
    const answer = await post('/api/2.0/mlflow/runs/create', bodyOf('runs_create', ''));
    assert.equal(answer.status, capture.status);
    const run = (answer.json as { run: { info: Record<string, unknown>; data: unknown } }).run;
    const expected = (capture.response as { run: { info: Record<string, unknown>; data: unknown } }).run;
    assert.deepEqual(Object.keys(run.info), Object.keys(expected.info));
    assert.match(String(run.info.run_id), /^[0-9a-f]{32}$/);
    assert.equal(run.info.run_uuid, run.info.run_id);
    const { run_uuid: _a, run_id: _b, artifact_uri: _c, experiment_id: _d, ...rest } = run.info;
    const { run_uuid: _e, run_id: _f, artifact_uri: _g, experiment_id: _h, ...expectedRest } = expected.info;
    assert.deepEqual(rest, expectedRest);
    assert.deepEqual(run.data, expected.data);
  });

  it('logs a batch, a metric and a parameter; the run, its latest metrics and histories read back through RestStore', async () => {
    const created = await post('/api/2.0/mlflow/runs/create', { experiment_id: experimentId, start_time: 1, tags: [] });
    const runId = (created.json as { run: { info: { run_id: string; run_name: string } } }).run.info.run_id;
    assert.ok((created.json as { run: { info: { run_name: string } } }).run.info.run_name, 'a generated name when none is given');
    for (const [name, path] of [['runs_log_batch', 'log-batch'], ['runs_log_metric', 'log-metric'], ['runs_log_parameter', 'log-parameter']] as const) {
      const capture = getCapture('mlflow-2.17.2', name);
      const answer = await post(`/api/2.0/mlflow/runs/${path}`, bodyOf(name, runId));
      assert.equal(answer.status, capture.status, name);
      assert.deepEqual(answer.json, capture.response, name);
    }
    const run = await store.getRun(runId);
    assert.deepEqual(run.data.params, { lr: '0.01', optimizer: 'adam', batch_size: '32' });
    assert.equal(run.data.tags.phase, 'train');
    assert.deepEqual(Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value])), { loss: 0.2, acc: 0.9, val_loss: 0.42 });
    assert.deepEqual((await store.getMetricHistory(runId, 'loss')).map((m) => m.step), [0, 1, 2, 3, 4]);
    // Logging the same value again is allowed (MLflow only refuses a change).
    assert.equal((await post('/api/2.0/mlflow/runs/log-parameter', { run_id: runId, key: 'lr', value: '0.01' })).status, 200);
  });

  it("refuses to change a logged param, with the SQL store's message", async () => {
    const created = await post('/api/2.0/mlflow/runs/create', { experiment_id: experimentId, tags: [] });
    const runId = (created.json as { run: { info: { run_id: string } } }).run.info.run_id;
    await post('/api/2.0/mlflow/runs/log-batch', bodyOf('runs_log_batch', runId));
    const capture = getCapture('mlflow-2.17.2', 'runs_log_batch_param_overwrite_400');
    const answer = await post('/api/2.0/mlflow/runs/log-batch', bodyOf('runs_log_batch_param_overwrite_400', runId));
    assert.equal(answer.status, capture.status);
    const expected = JSON.parse(JSON.stringify(capture.response).replaceAll('183bb890a4b244c89ed0b0b570d9d4c9', runId)) as unknown;
    assert.deepEqual(answer.json, expected);
  });

  it('refuses to log to a deleted run, like the capture', async () => {
    const created = await post('/api/2.0/mlflow/runs/create', { experiment_id: experimentId, tags: [] });
    const runId = (created.json as { run: { info: { run_id: string } } }).run.info.run_id;
    await store.deleteRun(runId);
    const capture = getCapture('mlflow-2.17.2', 'runs_log_metric_on_deleted_run_400');
    const answer = await post('/api/2.0/mlflow/runs/log-metric', bodyOf('runs_log_metric_on_deleted_run_400', runId));
    assert.equal(answer.status, capture.status);
    assert.deepEqual(answer.json, JSON.parse(JSON.stringify(capture.response).replaceAll('183bb890a4b244c89ed0b0b570d9d4c9', runId)));
  });

  it("appends to an existing run's history without touching the caller's dataset", async () => {
    await post('/api/2.0/mlflow/runs/log-metric', { run_id: existing, key: 'loss', value: 0.25, timestamp: 2, step: 1 });
    assert.deepEqual((await store.getMetricHistory(existing, 'loss')).map((m) => m.value), [0.5, 0.25]);
    assert.deepEqual(dataset.histories[existing]!.loss!.map((m) => m.value), [0.5]);
    assert.equal(dataset.runs.length, 1);
  });
});
