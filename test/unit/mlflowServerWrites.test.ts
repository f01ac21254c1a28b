import assert from 'node:assert/strict';
import { MlflowError } from '../../src/mlflow/errors';
import { HttpClient } from '../../src/mlflow/http';
import { RestStore } from '../../src/mlflow/rest/restStore';
import { DatasetBuilder, type Dataset } from '../support/mlflowServer/dataset';
import { startMlflowServer, type MlflowServer } from '../support/mlflowServer/server';

/**
 * Writes through the test server's API, read back through the extension's RestStore, over a small
 * dataset made with DatasetBuilder: experiments, runs and the registry change like on MLflow 2.17.2,
 * with its error codes, and the caller's dataset is never touched.
 */

function tinyDataset(): { dataset: Dataset; exp: string; runA: string; runB: string } {
  const b = new DatasetBuilder();
  b.experiment('Default');
  const exp = b.experiment('iris', { tags: { team: 'vision' } });
  const runA = b.run(exp, { runName: 'lbfgs', params: { solver: 'lbfgs' } });
  const runB = b.run(exp, { runName: 'saga', status: 'FAILED', params: { solver: 'saga' }, parentRunId: runA });
  b.history(runA, 'loss', [0.9, 0.5, 0.25]).history(runB, 'loss', [1, Number.NaN, Number.POSITIVE_INFINITY]);
  b.artifact(runA, 'model/MLmodel', 'flavors: {}\n').artifact(runA, 'model/data/weights.bin', new Uint8Array([1, 2, 3])).artifact(runA, 'notes.txt', 'hi');
  b.registeredModel('iris-model', { description: 'Iris' });
  b.modelVersion('iris-model', { runId: runA, stage: 'Production' });
  b.alias('iris-model', 'champion', '1');
  return { dataset: b.build(), exp, runA, runB };
}

async function rejectsWith(call: Promise<unknown>, errorCode: string, status: number, message?: RegExp): Promise<void> {
  await assert.rejects(call, (error: unknown) => {
    assert.ok(error instanceof MlflowError, String(error));
    assert.equal(error.errorCode, errorCode);
    assert.equal(error.status, status);
    if (message) assert.match(error.message, message);
    return true;
  });
}

describe('test MLflow server: writes, paging quirks and the dataset builder', () => {
  let server: MlflowServer;
  let store: RestStore;
  let fixture: ReturnType<typeof tinyDataset>;

  beforeEach(async () => {
    fixture = tinyDataset();
    server = await startMlflowServer({ dataset: fixture.dataset });
    store = new RestStore(new HttpClient({ baseUrl: server.baseUrl }));
  });

  afterEach(async () => {
    store.dispose();
    await server.close();
  });

  it('serves what the builder made: latest metrics from histories, nested artifact folders, parent tags', async () => {
    const run = await store.getRun(fixture.runB);
    assert.equal(run.info.status, 'FAILED');
    assert.equal(run.data.tags['mlflow.parentRunId'], fixture.runA);
    assert.deepEqual(run.data.metrics.map((m) => [m.key, m.value, m.step]), [['loss', Number.POSITIVE_INFINITY, 2]]);
    assert.deepEqual(await store.listArtifacts(fixture.runA), [
      { path: 'model', isDir: true },
      { path: 'notes.txt', isDir: false, fileSize: 2 },
    ]);
    assert.deepEqual(await store.listArtifacts(fixture.runA, 'model'), [
      { path: 'model/MLmodel', isDir: false, fileSize: 12 },
      { path: 'model/data', isDir: true },
    ]);
    assert.deepEqual([...(await store.readArtifact(fixture.runA, 'model/data/weights.bin'))], [1, 2, 3]);
  });

  it('creates, renames, tags, deletes (with its runs) and restores experiments', async () => {
    const id = await store.createExperiment('wine', { team: 'tabular' });
    assert.equal(id, '2');
    const created = await store.getExperiment(id);
    assert.equal(created.artifactLocation, '/srv/mlflow/artifacts/2');
    assert.deepEqual(created.tags, { team: 'tabular' });
    await rejectsWith(store.createExperiment('wine'), 'RESOURCE_ALREADY_EXISTS', 400, /^Experiment\(name=wine\) already exists/);
    await store.renameExperiment(id, 'wine-2');
    await store.setExperimentTag(id, 'owner', 'bob');
    assert.deepEqual((await store.getExperimentByName('wine-2'))?.tags, { team: 'tabular', owner: 'bob' });

    await store.deleteExperiment(fixture.exp);
    const active = await store.searchExperiments({});
    assert.deepEqual(active.items.map((e) => e.name).sort(), ['Default', 'wine-2']);
    assert.equal((await store.getRun(fixture.runA)).info.lifecycleStage, 'deleted');
    await rejectsWith(store.setExperimentTag(fixture.exp, 'k', 'v'), 'INVALID_PARAMETER_VALUE', 400, /must be in the 'active' state/);
    await store.restoreExperiment(fixture.exp);
    assert.equal((await store.getRun(fixture.runA)).info.lifecycleStage, 'active');
    assert.deepEqual(fixture.dataset.experiments.map((e) => e.name), ['Default', 'iris'], "the caller's dataset is unchanged");
  });

  it('updates, tags, deletes and restores runs; an unknown status is ignored like 2.17.2 does', async () => {
    await store.updateRun(fixture.runA, { runName: 'renamed', status: 'KILLED', endTime: 42 });
    let run = await store.getRun(fixture.runA);
    assert.deepEqual([run.info.runName, run.data.tags['mlflow.runName'], run.info.status, run.info.endTime], ['renamed', 'renamed', 'KILLED', 42]);
    const raw = await fetch(`${server.baseUrl}/api/2.0/mlflow/runs/update`, { method: 'POST', body: JSON.stringify({ run_id: fixture.runA, status: 'DONE' }) });
    assert.equal(raw.status, 200);
    assert.equal(((await raw.json()) as { run_info: { status: string } }).run_info.status, 'KILLED');

    await store.setRunTag(fixture.runA, 'note', 'x');
    await store.setRunTag(fixture.runA, 'mlflow.runName', 'via-tag');
    run = await store.getRun(fixture.runA);
    assert.equal(run.info.runName, 'via-tag');
    assert.equal(run.data.tags.note, 'x');
    await store.deleteRunTag(fixture.runA, 'note');
    await rejectsWith(store.deleteRunTag(fixture.runA, 'note'), 'RESOURCE_DOES_NOT_EXIST', 404, new RegExp(`^No tag with name: note in run with id ${fixture.runA}$`));

    await store.deleteRun(fixture.runB);
    assert.deepEqual((await store.searchRuns({ experimentIds: [fixture.exp] })).items.map((r) => r.info.runName), ['via-tag']);
    await rejectsWith(store.setRunTag(fixture.runB, 'k', 'v'), 'INVALID_PARAMETER_VALUE', 400, /must be in the 'active' state. Current state is deleted/);
    await store.restoreRun(fixture.runB);
    await rejectsWith(store.deleteRun('f'.repeat(32)), 'RESOURCE_DOES_NOT_EXIST', 404, /^Run with id=f{32} not found$/);
  });

  it('manages the registry: models, versions, stages, tags, aliases', async () => {
    await store.createRegisteredModel('other', 'desc');
    await rejectsWith(store.createRegisteredModel('other'), 'RESOURCE_ALREADY_EXISTS', 400, /^Registered Model \(name=other\) already exists\.$/);
    const v2 = await store.createModelVersion('iris-model', 'runs:/abc/model', fixture.runB);
    assert.deepEqual([v2.version, v2.currentStage, v2.status], ['2', 'None', 'READY']);
    const promoted = await store.transitionModelVersionStage('iris-model', '2', 'Production', true);
    assert.equal(promoted.currentStage, 'Production');
    assert.equal((await store.getModelVersion('iris-model', '1')).currentStage, 'Archived');
    assert.deepEqual((await store.getRegisteredModel('iris-model')).latestVersions.map((v) => [v.version, v.currentStage]), [['1', 'Archived'], ['2', 'Production']]);

    await store.setAlias('iris-model', 'challenger', '2');
    assert.deepEqual((await store.getModelVersionByAlias('iris-model', 'challenger')).aliases, ['challenger']);
    await rejectsWith(store.setAlias('iris-model', 'Latest', '1'), 'INVALID_PARAMETER_VALUE', 400, /reserved/);
    await rejectsWith(store.setAlias('iris-model', 'x', '9'), 'RESOURCE_DOES_NOT_EXIST', 404);
    await store.deleteAlias('iris-model', 'challenger');
    await rejectsWith(store.getModelVersionByAlias('iris-model', 'challenger'), 'INVALID_PARAMETER_VALUE', 400, /^Registered model alias challenger not found\.$/);

    await store.setModelVersionTag('iris-model', '2', 'reviewed', 'yes');
    await store.updateModelVersionDescription('iris-model', '2', 'second');
    await store.setRegisteredModelTag('iris-model', 'task', 'cls');
    await store.updateRegisteredModelDescription('iris-model', 'Iris v2');
    await store.renameRegisteredModel('iris-model', 'iris');
    const renamed = await store.getRegisteredModel('iris');
    assert.deepEqual([renamed.description, renamed.tags, renamed.aliases], ['Iris v2', { task: 'cls' }, [{ alias: 'champion', version: '1' }]]);
    const version = await store.getModelVersion('iris', '2');
    assert.deepEqual([version.description, version.tags], ['second', { reviewed: 'yes' }]);
    assert.equal(await store.getModelVersionDownloadUri('iris', '2'), 'runs:/abc/model');

    await store.deleteModelVersion('iris', '2');
    assert.equal((await store.createModelVersion('iris', 's3://b/m')).version, '3', 'version numbers are never reused');
    await store.deleteRegisteredModel('iris');
    assert.deepEqual((await store.searchModelVersions({ filter: "name='iris'" })).items, []);
    await rejectsWith(store.getRegisteredModel('iris'), 'RESOURCE_DOES_NOT_EXIST', 404);
  });

  it('hands out a runs/search token for every full page, like 2.17.2: the page after may be empty', async () => {
    const first = await store.searchRuns({ experimentIds: [fixture.exp], maxResults: 2 });
    assert.equal(first.items.length, 2);
    assert.equal(first.nextPageToken, Buffer.from('{"offset": 2}').toString('base64'));
    const raw = await fetch(`${server.baseUrl}/api/2.0/mlflow/runs/search`, {
      method: 'POST',
      body: JSON.stringify({ experiment_ids: [fixture.exp], max_results: 2, page_token: first.nextPageToken }),
    });
    assert.equal(await raw.text(), '{}');
    // experiments/search and the registry searches give a token only when more follow.
    assert.equal((await store.searchExperiments({ maxResults: 2 })).nextPageToken, undefined);
  });

  it('ignores get-history paging like 2.17.2, or pages like MLflow 3 with historyPaging', async () => {
    const history = (query: string) => fetch(`${server.baseUrl}/api/2.0/mlflow/metrics/get-history?run_id=${fixture.runA}&metric_key=loss&${query}`).then((r) => r.json() as Promise<Record<string, unknown>>);
    assert.deepEqual(Object.keys(await history('max_results=2')), ['metrics']);
    assert.equal(((await history('max_results=2')).metrics as unknown[]).length, 3);

    const paging = await startMlflowServer({ dataset: fixture.dataset, historyPaging: true });
    const pagingStore = new RestStore(new HttpClient({ baseUrl: paging.baseUrl }), { historyPageSize: 2 });
    try {
      assert.deepEqual((await pagingStore.getMetricHistory(fixture.runA, 'loss')).map((m) => m.value), [0.9, 0.5, 0.25]);
      assert.deepEqual(paging.requests.map((r) => r.query.page_token?.[0]), [undefined, Buffer.from('{"offset": 2}').toString('base64')]);
    } finally {
      pagingStore.dispose();
      await paging.close();
    }
  });
});
