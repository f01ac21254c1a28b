import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { SqliteStore } from '../../src/mlflow/local/sqliteStore';
import type { ModelVersion } from '../../src/mlflow/types';
import { loadModelDetails, locateModel, versionLocation } from '../../src/modelServing/modelSource';
import { MODEL_DIRS } from '../support/fake-mlflow/modelFixtures';
import { SQLITE_ENGINE } from '../support/sqliteEngine';

const ROOT = path.resolve(__dirname, '../..');
const WINE_RUN = '3e56eb1ebbc048908c2e6c1176332f77';

function version(patch: Partial<ModelVersion>): ModelVersion {
  return { name: 'm', version: '1', creationTimestamp: 0, currentStage: 'None', description: '', source: '', status: 'READY', tags: {}, aliases: [], ...patch };
}

/** A copy of the 2.17.2 iris model with its MLmodel edited, for the cases no logged model has. */
function editedModel(edit: (mlmodel: string) => string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-model-'));
  fs.cpSync(MODEL_DIRS.run2x, dir, { recursive: true });
  const file = path.join(dir, 'MLmodel');
  fs.writeFileSync(file, edit(fs.readFileSync(file, 'utf8')));
  return dir;
}

describe('Serve: the model shown in the launcher (modelSource, demo store and fixtures)', () => {
  let store: SqliteStore;

  before(async () => {
    store = await SqliteStore.open(path.join(ROOT, 'demo', 'mlflow.db'), { engine: SQLITE_ENGINE });
  });
  after(() => store?.dispose());

  it('reads a run model: flavors, signature, and the serving_input_example.json as the body', async () => {
    const { model, payload } = await loadModelDetails(store, `runs:/${WINE_RUN}/model`);
    assert.equal(model.status, 'loaded');
    assert.equal(model.detail, `run ${WINE_RUN}, artifact path model`);
    assert.deepEqual(model.flavors, ['python_function', 'sklearn']);
    assert.equal(model.servable, true);
    assert.equal(model.inputs.length, 13);
    assert.deepEqual(model.inputs[0], { name: 'alcohol', type: 'double', required: true });
    assert.deepEqual(model.outputs, [{ name: '', type: 'tensor float64 [-1]', required: true }]);
    assert.equal(model.mlflowVersion, '2.17.2');
    assert.deepEqual(model.problems, []);
    assert.equal(payload.source, 'serving_input_example.json');
    assert.equal(payload.format, 'dataframe_split');
    const file = fs.readFileSync(path.join(ROOT, 'demo/artifacts/2', WINE_RUN, 'artifacts/model/serving_input_example.json'), 'utf8');
    assert.equal(payload.body, file.trim(), 'MLflow\'s own text, whole-number floats (`127.0`) included');
    assert.match(payload.body, /\d\.0,?$/m);
  });

  it('follows registered versions and aliases to the run that logged them', async () => {
    const v1 = await locateModel(store, 'models:/iris-classifier/1');
    assert.deepEqual(v1, { ok: true, location: { kind: 'run', runId: '459191d6afe44e408cc618beff3a1e37', path: 'model' } });
    const champion = await locateModel(store, 'models:/iris-classifier@champion');
    assert.deepEqual(champion, { ok: true, location: { kind: 'run', runId: 'b6018b06ee1d4ca0b0b9c15450bf3092', path: 'model' } });
    const latest = await locateModel(store, 'models:/wine-regressor/latest');
    assert.deepEqual(latest, { ok: true, location: { kind: 'run', runId: WINE_RUN, path: 'model' } });
    const { model } = await loadModelDetails(store, 'models:/iris-classifier@champion');
    assert.deepEqual(model.inputs.map((row) => row.name), ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
  });

  it('says why a model cannot be read instead of failing', async () => {
    const missing = await loadModelDetails(store, 'models:/iris-classifier@no-such-alias');
    assert.equal(missing.model.status, 'unavailable');
    assert.match(missing.model.detail, /^Could not look up models:\/iris-classifier@no-such-alias: /);
    assert.equal(missing.payload.source, 'none');
    const remote = await loadModelDetails(store, 's3://bucket/model');
    assert.match(remote.model.detail, /cannot be read from here; mlflow downloads them/);
    const offline = await loadModelDetails(undefined, 'models:/iris-classifier/1');
    assert.match(offline.model.detail, /Not connected to a tracking store/);
    const bad = await loadModelDetails(store, 'runs:/');
    assert.equal(bad.model.status, 'unavailable');
  });

  it('converts input_example.json when there is no serving example', async () => {
    const dir = editedModel((text) => text.replace(/\n\s*serving_input_path: serving_input_example.json/, ''));
    try {
      const { model, payload } = await loadModelDetails(undefined, pathToFileURL(dir).toString());
      assert.equal(model.exampleSource, 'input_example.json');
      assert.equal(payload.format, 'dataframe_split');
      const example = JSON.parse(fs.readFileSync(path.join(dir, 'input_example.json'), 'utf8'));
      assert.deepEqual(JSON.parse(payload.body), { dataframe_split: example });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds placeholders from the signature when the model has no example at all', async () => {
    const dir = editedModel((text) => text.replace(/saved_input_example_info:\n(  .*\n)+/, ''));
    try {
      const { model, payload } = await loadModelDetails(undefined, dir);
      assert.equal(model.exampleSource, 'signature');
      assert.deepEqual(JSON.parse(payload.body), { dataframe_split: { columns: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'], data: [[0, 0, 0, 0]] } });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('marks a model without a pyfunc flavor as not servable (MLflow 3 external model)', async () => {
    const { model, payload } = await loadModelDetails(undefined, MODEL_DIRS.external3x);
    assert.equal(model.servable, false);
    assert.deepEqual(model.flavors, []);
    assert.equal(payload.source, 'signature');
    assert.deepEqual(JSON.parse(payload.body), { inputs: [[false]] }, 'one row of the unnamed boolean column');
  });

  it('reports an unreadable example as a problem and falls back', async () => {
    const dir = editedModel((text) => text.replace('serving_input_path: serving_input_example.json', 'serving_input_path: gone.json'));
    try {
      const { model } = await loadModelDetails(undefined, dir);
      assert.equal(model.exampleSource, 'input_example.json');
      assert.equal(model.problems.length, 1);
      assert.match(model.problems[0], /^gone\.json could not be read/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('locates version sources of every shape', () => {
    const runId = 'abc123';
    assert.deepEqual(versionLocation(version({ source: `runs:/${runId}/deep/model` })), { kind: 'run', runId, path: 'deep/model' });
    assert.deepEqual(versionLocation(version({ source: 'models:/m-8a56e736fef14ed487ab931712344172' })), { kind: 'loggedModel', modelId: 'm-8a56e736fef14ed487ab931712344172' });
    assert.deepEqual(versionLocation(version({ source: 'mlflow-artifacts:/1/x/artifacts', modelId: 'm-1' })), { kind: 'loggedModel', modelId: 'm-1' });
    assert.deepEqual(versionLocation(version({ source: `s3://b/1/${runId}/artifacts/model/`, runId })), { kind: 'run', runId, path: 'model' });
    assert.deepEqual(versionLocation(version({ source: `C:\\mlruns\\1\\${runId}\\artifacts\\model`, runId })), { kind: 'run', runId, path: 'model' });
    assert.deepEqual(versionLocation(version({ source: '/srv/models/iris' })), { kind: 'local', dir: '/srv/models/iris' });
    assert.equal(versionLocation(version({ source: 'gs://bucket/model' })), undefined);
  });
});
