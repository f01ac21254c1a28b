import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { MlflowError } from '../../src/mlflow/errors';
import { FileStore } from '../../src/mlflow/local/fileStore';

/**
 * MLflow 3 objects in a FileStore written by MLflow 3.11 (test/fixtures/mlflow-3.x/file-store): the
 * logged model under `<exp>/models/<m-id>/`, the run's `outputs/<m-id>/meta.yaml` naming it, and the
 * registered version whose source is `models:/<m-id>`. Expected values are read from the files here.
 */

const FIXTURE = path.resolve(__dirname, '../fixtures/mlflow-3.x/file-store');
const ROOT = path.join(FIXTURE, 'mlruns');
const ids = JSON.parse(readFileSync(path.join(FIXTURE, 'filestore_ids.json'), 'utf8')) as {
  experiment_id: string;
  runs: Record<string, string>;
  logged_model: { model_id: string; source_run_id: string };
  registered_model: { name: string; version: number; alias: string };
};
const EXP = ids.experiment_id;
const MODEL_ID = ids.logged_model.model_id;
const MODEL_DIR = path.join(ROOT, EXP, 'models', MODEL_ID);
const modelMeta = parseYaml(readFileSync(path.join(MODEL_DIR, 'meta.yaml'), 'utf8')) as Record<string, unknown>;
const fileText = (...parts: string[]) => readFileSync(path.join(MODEL_DIR, ...parts), 'utf8');

describe('FileStore over an MLflow 3 mlruns/ folder: logged models', () => {
  const store = new FileStore(ROOT);
  after(() => store.dispose());

  it('says it reads logged models and lists the experiment\'s one model with its params, tags and metrics', async () => {
    assert.equal((await store.capabilities()).loggedModels, true);
    const page = await store.searchLoggedModels([EXP]);
    assert.equal(page.items.length, 1);
    const [model] = page.items;
    assert.deepEqual(
      { ...model, metrics: [...model.metrics].sort((a, b) => (a.key < b.key ? -1 : 1)) },
      {
        modelId: MODEL_ID,
        experimentId: EXP,
        name: modelMeta.name,
        artifactUri: modelMeta.artifact_location,
        status: 'LOGGED_MODEL_READY',
        sourceRunId: ids.logged_model.source_run_id,
        creationTimestamp: modelMeta.creation_timestamp,
        lastUpdatedTimestamp: modelMeta.last_updated_timestamp,
        params: { C: fileText('params', 'C'), solver: fileText('params', 'solver'), max_iter: fileText('params', 'max_iter') },
        tags: Object.fromEntries(readdirSync(path.join(MODEL_DIR, 'tags')).map((key) => [key, fileText('tags', key)])),
        metrics: ['accuracy', 'loss', 'val/accuracy'].map((key) => {
          const [timestamp, value, step] = fileText('metrics', ...key.split('/')).trim().split(' ');
          return { key, value: Number(value), timestamp: Number(timestamp), step: Number(step) };
        }),
      },
    );
    assert.equal(model.modelType, undefined, 'model_type: null is no type');
    assert.deepEqual((await store.searchLoggedModels(['0'])).items, []);
  });

  it('filters and orders logged models with the logged-models/search grammar', async () => {
    const found = async (filter: string) => (await store.searchLoggedModels([EXP], { filter })).items.map((m) => m.modelId);
    assert.deepEqual(await found("name = 'model'"), [MODEL_ID]);
    assert.deepEqual(await found("params.solver = 'lbfgs'"), [MODEL_ID]);
    assert.deepEqual(await found('metrics.accuracy > 0.9'), [MODEL_ID]);
    assert.deepEqual(await found(`source_run_id = '${ids.logged_model.source_run_id}'`), [MODEL_ID]);
    assert.deepEqual(await found("name = 'other'"), []);
  });

  it('gets a model by id, and answers 404 for unknown ids and ids that are not folder names', async () => {
    assert.equal((await store.getLoggedModel(MODEL_ID)).name, 'model');
    for (const id of ['m-00000000000000000000000000000000', '../models', 'm-1/../../x', '']) {
      await assert.rejects(store.getLoggedModel(id), (e: unknown) => e instanceof MlflowError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST', id);
    }
  });

  it('lists and reads the model\'s artifacts inside the store although the recorded /srv path is gone', async () => {
    const names = (await store.listLoggedModelArtifacts(MODEL_ID)).map((f) => f.path).sort();
    assert.deepEqual(names, readdirSync(path.join(MODEL_DIR, 'artifacts')).sort());
    assert.equal(Buffer.from(await store.readLoggedModelArtifact(MODEL_ID, 'MLmodel')).toString(), fileText('artifacts', 'MLmodel'));
    await assert.rejects(store.readLoggedModelArtifact(MODEL_ID, '../meta.yaml'), (e: unknown) => e instanceof MlflowError);
  });

  it('shows the model as the output of the run that logged it, and of no other run', async () => {
    const producer = await store.getRun(ids.runs['fs3-run-1']);
    assert.deepEqual(producer.outputs.modelOutputs, [{ modelId: MODEL_ID, step: 0 }]);
    assert.deepEqual(producer.inputs.modelInputs, []);
    for (const name of ['fs3-run-0', 'fs3-run-2']) assert.deepEqual((await store.getRun(ids.runs[name])).outputs.modelOutputs, []);
    const page = await store.searchRuns({ experimentIds: [EXP] });
    const withModels = page.items.filter((r) => r.outputs.modelOutputs.length > 0).map((r) => r.info.runName);
    assert.deepEqual(withModels, ['fs3-run-1']);
  });

  it('links the registered version to the logged model it was registered from', async () => {
    const version = await store.getModelVersionByAlias(ids.registered_model.name, ids.registered_model.alias);
    assert.equal(version.source, `models:/${MODEL_ID}`);
    assert.equal(version.modelId, MODEL_ID);
    const model = await store.getLoggedModel(version.modelId ?? '');
    assert.equal(model.sourceRunId, version.runId);
  });
});
