import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MlflowError } from '../../src/mlflow/errors';
import { resolveArtifactUri } from '../../src/mlflow/local/artifactLocations';
import { SqliteStore } from '../../src/mlflow/local/sqliteStore';
import { toFileInfo } from '../../src/mlflow/rest/mapping';
import { CAPTURE_SETS, type CaptureSetName, getCapture } from '../support/replayServer';
import { SQLITE_ENGINE } from '../support/sqliteEngine';

/**
 * Artifacts of local stores whose recorded locations (`/srv/mlflow-ref/…`, `mlflow-artifacts:/…`)
 * do not exist on this machine: found again next to the store, listed and read like the servers did
 * (rest-captures), and never outside their root.
 */

const FIXTURES = path.resolve(__dirname, '../fixtures');

type Json = Record<string, unknown>;
const response = (set: CaptureSetName, name: string) => getCapture(set, name).response;
const query = (set: CaptureSetName, name: string) => (getCapture(set, name).request.query ?? {}) as Json;

function isInvalidPath(error: unknown): boolean {
  return error instanceof MlflowError && error.errorCode === 'INVALID_PARAMETER_VALUE' && /^Invalid path/.test(error.message);
}

for (const set of CAPTURE_SETS) {
  describe(`SqliteStore artifacts vs ${set} REST captures`, () => {
    let store: SqliteStore;
    before(() => {
      store = new SqliteStore(path.join(FIXTURES, set, 'server-store', 'mlflow.db'), { engine: SQLITE_ENGINE });
    });
    after(() => store.dispose());

    for (const name of ['artifacts_list_root', 'artifacts_list_model_dir', 'artifacts_list_plots', 'artifacts_list_nonexistent_path', 'artifacts_list_run_without_artifacts', 'ajax_artifacts_list']) {
      it(`lists like ${name}`, async () => {
        const q = query(set, name);
        const files = await store.listArtifacts(String(q.run_id), q.path as string | undefined);
        const expected = (((response(set, name) as Json).files as unknown[]) ?? []).map((f) => toFileInfo(f, String(q.path ?? '')));
        assert.deepEqual(files, JSON.parse(JSON.stringify(expected)));
      });
    }

    for (const name of ['get_artifact_json', 'get_artifact_text']) {
      it(`reads the file of ${name}`, async () => {
        const q = query(set, name);
        const text = Buffer.from(await store.readArtifact(String(q.run_uuid), String(q.path))).toString('utf8');
        const expected = response(set, name);
        if (typeof expected === 'string') assert.equal(text, expected);
        else assert.deepEqual(JSON.parse(text), expected);
      });
    }

    it('reads and downloads a binary artifact byte for byte (get_artifact_png)', async () => {
      const q = query(set, 'get_artifact_png');
      const expected = response(set, 'get_artifact_png') as { _binary_body_bytes: number; _first_bytes_hex: string };
      const bytes = await store.readArtifact(String(q.run_uuid), String(q.path));
      assert.equal(bytes.length, expected._binary_body_bytes);
      assert.equal(Buffer.from(bytes.subarray(0, 16)).toString('hex'), expected._first_bytes_hex);
      const dir = mkdtempSync(path.join(tmpdir(), 'mlflow-artifact-'));
      try {
        const target = path.join(dir, 'loss.png');
        await store.downloadArtifact(String(q.run_uuid), String(q.path), target);
        assert.deepEqual(new Uint8Array(readFileSync(target)), bytes);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('refuses a path that leaves the run root, as the server (artifacts_list_bad_path_traversal_400)', async () => {
      const q = query(set, 'artifacts_list_bad_path_traversal_400');
      await assert.rejects(store.listArtifacts(String(q.run_id), String(q.path)), isInvalidPath);
      await assert.rejects(store.readArtifact(String(q.run_id), '../../../mlflow.db'), isInvalidPath);
      await assert.rejects(store.readArtifact(String(q.run_id), '/etc/passwd'), isInvalidPath);
    });

    it('stops at an aborted signal with CANCELLED', async () => {
      const q = query(set, 'get_artifact_png');
      const controller = new AbortController();
      controller.abort();
      const cancelled = (e: unknown) => e instanceof MlflowError && e.errorCode === 'CANCELLED';
      await assert.rejects(store.readArtifact(String(q.run_uuid), String(q.path), { signal: controller.signal }), cancelled);
      await assert.rejects(store.listArtifacts(String(q.run_uuid), '', { signal: controller.signal }), cancelled);
      await assert.rejects(store.getRun(String(q.run_uuid), { signal: controller.signal }), cancelled);
    });

    it('answers a missing run and a missing file as not found', async () => {
      const q = query(set, 'artifacts_list_run_404');
      await assert.rejects(store.listArtifacts(String(q.run_id)), (e: unknown) => e instanceof MlflowError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST');
      const missing = query(set, set === 'mlflow-3.x' ? 'get_artifact_missing_file' : 'get_artifact_missing_file_500');
      await assert.rejects(store.readArtifact(String(missing.run_uuid), String(missing.path)), (e: unknown) => e instanceof MlflowError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST' && e.status === 404);
    });
  });
}

describe('SqliteStore logged model artifacts vs mlflow-3.x REST captures', () => {
  const set = 'mlflow-3.x';
  let store: SqliteStore;
  before(() => {
    store = new SqliteStore(path.join(FIXTURES, set, 'server-store', 'mlflow.db'), { engine: SQLITE_ENGINE });
  });
  after(() => store.dispose());
  const modelId = (name: string) => getCapture(set, name).request.path.split('/').at(-3) ?? '';

  it('lists a logged model root and a missing folder like the server', async () => {
    for (const name of ['logged_models_artifacts_list_root', 'logged_models_artifacts_list_nonexistent_dir']) {
      const q = query(set, name);
      const dir = String(q.artifact_directory_path ?? '');
      const expected = (((response(set, name) as Json).files as unknown[]) ?? []).map((f) => toFileInfo(f, dir));
      assert.deepEqual(await store.listLoggedModelArtifacts(modelId(name), dir || undefined), JSON.parse(JSON.stringify(expected)));
    }
  });

  it('reads a logged model file (ajax_logged_models_artifact_file_mlmodel)', async () => {
    const name = 'ajax_logged_models_artifact_file_mlmodel';
    const bytes = await store.readLoggedModelArtifact(modelId(name), String(query(set, name).artifact_file_path));
    assert.equal(Buffer.from(bytes).toString('utf8'), response(set, name));
  });

  it('does not find MLmodel under the run any more (get_artifact_mlmodel_not_in_run)', async () => {
    const q = query(set, 'get_artifact_mlmodel_not_in_run');
    await assert.rejects(store.readArtifact(String(q.run_uuid), String(q.path)), (e: unknown) => e instanceof MlflowError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST');
  });
});

describe('SqliteStore over MLflow 3 zero-setup store (local-default: mlflow.db beside mlruns/)', () => {
  const dir = path.join(FIXTURES, 'mlflow-3.x', 'local-default');
  let store: SqliteStore;
  before(async () => {
    store = await SqliteStore.open(path.join(dir, 'mlflow.db'), { engine: SQLITE_ENGINE });
  });
  after(() => store.dispose());

  it('reads the experiment, run, metrics, params, model and version the training script logged', async () => {
    const experiment = await store.getExperimentByName('local-default-demo');
    assert.ok(experiment);
    const [run] = (await store.searchRuns({ experimentIds: [experiment.experimentId] })).items;
    assert.equal(run.info.runName, 'tiny');
    assert.deepEqual(run.data.params, { max_iter: '300' });
    assert.deepEqual((await store.getMetricHistory(run.info.runId, 'loss')).map((m) => m.value), [1, 0.5, 1 / 3, 0.25, 0.2]);
    assert.equal(run.outputs.modelOutputs.length, 1);
    const model = await store.getLoggedModel(run.outputs.modelOutputs[0].modelId);
    const version = await store.getModelVersion('local-iris', '1');
    assert.equal(version.modelId, model.modelId);
    assert.equal(version.runId, run.info.runId);
  });

  it('finds run and logged model artifacts under ./mlruns although the recorded absolute paths are gone', async () => {
    const [run] = (await store.searchRuns({ experimentIds: ['1'] })).items;
    assert.match(run.info.artifactUri, /^\/srv\/mlflow3-ref\//);
    assert.deepEqual(await store.listArtifacts(run.info.runId, 'notes'), [{ path: 'notes/hello.txt', isDir: false, fileSize: 5 }]);
    assert.equal(Buffer.from(await store.readArtifact(run.info.runId, 'notes/hello.txt')).toString(), 'hello');
    const modelId = run.outputs.modelOutputs[0].modelId;
    const files = (await store.listLoggedModelArtifacts(modelId)).map((f) => f.path);
    assert.deepEqual(files, ['MLmodel', 'conda.yaml', 'input_example.json', 'model.pkl', 'python_env.yaml', 'requirements.txt', 'serving_input_example.json']);
    assert.match(Buffer.from(await store.readLoggedModelArtifact(modelId, 'MLmodel')).toString(), /flavors:/);
  });

  it('does not follow a symlink out of the artifact root', async () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'mlflow-local-default-'));
    const outside = mkdtempSync(path.join(tmpdir(), 'mlflow-outside-'));
    try {
      cpSync(dir, copy, { recursive: true });
      writeFileSync(path.join(outside, 'secret.txt'), 'secret');
      const copyStore = new SqliteStore(path.join(copy, 'mlflow.db'), { engine: SQLITE_ENGINE });
      try {
        const [run] = (await copyStore.searchRuns({ experimentIds: ['1'] })).items;
        symlinkSync(path.join(outside, 'secret.txt'), path.join(copy, 'mlruns', '1', run.info.runId, 'artifacts', 'notes', 'link.txt'));
        await assert.rejects(copyStore.readArtifact(run.info.runId, 'notes/link.txt'), isInvalidPath);
      } finally {
        copyStore.dispose();
      }
    } finally {
      rmSync(copy, { recursive: true, force: true });
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('artifact locations recorded in a store', () => {
  const storeDir = path.join(FIXTURES, 'mlflow-2.17.2', 'server-store');
  const context = { storeDir, originRoots: ['/srv/mlflow-ref/artifacts'] };

  it('remaps a missing absolute path or file:// URI below the store, keeps existing ones', async () => {
    const expected = path.join(storeDir, 'artifacts', '1', 'run', 'artifacts');
    assert.equal(await resolveArtifactUri('/srv/mlflow-ref/artifacts/1/run/artifacts', context), expected);
    assert.equal(await resolveArtifactUri('file:///srv/mlflow-ref/artifacts/1/run/artifacts', context), expected);
    assert.equal(await resolveArtifactUri(storeDir, context), storeDir);
  });

  it('puts mlflow-artifacts:/ URIs under the store’s artifact folder', async () => {
    assert.equal(await resolveArtifactUri('mlflow-artifacts:/1/r/artifacts', context), path.join(storeDir, 'artifacts', '1', 'r', 'artifacts'));
  });

  it('refuses stored locations that climb out of their root, and remote ones', async () => {
    await assert.rejects(resolveArtifactUri('mlflow-artifacts:/1/../../../../etc', context), isInvalidPath);
    await assert.rejects(resolveArtifactUri('/srv/mlflow-ref/artifacts/../../../../etc/x', { ...context, originRoots: ['/srv'] }), isInvalidPath);
    await assert.rejects(resolveArtifactUri('../../etc', context), isInvalidPath);
    await assert.rejects(resolveArtifactUri('s3://bucket/1/r/artifacts', context), (e: unknown) => e instanceof MlflowError && e.errorCode === 'NOT_SUPPORTED');
  });
});
