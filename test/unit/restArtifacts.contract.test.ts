import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CAPTURE_SETS, captureIds, useReplayStore } from '../support/replayServer';

/** Run artifacts and the mlflow-artifacts proxy, replayed from both real servers' captures. */

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

for (const set of CAPTURE_SETS) {
  const v3 = set === 'mlflow-3.x';
  const runId = captureIds(set).runs['logreg-C1.0-lbfgs'] ?? '';

  describe(`RestStore artifacts (${set} captures)`, () => {
    const { replay, store } = useReplayStore(set);
    let downloads = '';
    before(async () => {
      downloads = await mkdtemp(path.join(tmpdir(), 'mlflow-rest-artifacts-'));
    });
    after(async () => {
      await rm(downloads, { recursive: true, force: true });
    });

    it('lists the artifact root: directories first-class, no sizes on directories', async () => {
      const files = await replay().expect(['artifacts_list_root'], () => store().listArtifacts(runId));
      assert.deepEqual(
        files.map((f) => [f.path, f.isDir]),
        (v3 ? ['config', 'notes', 'plots', 'results', 'tables'] : ['config', 'model', 'notes', 'plots', 'results', 'tables']).map((p) => [p, true]),
      );
      assert.ok(files.every((f) => f.fileSize === undefined));
    });

    it('lists a nested directory with root-relative paths and sizes', async () => {
      const files = await replay().expect(['artifacts_list_plots'], () => store().listArtifacts(runId, 'plots'));
      assert.deepEqual(files, [
        { path: 'plots/confusion_matrix.png', isDir: false, fileSize: 127 },
        { path: 'plots/loss_curve.png', isDir: false, fileSize: v3 ? 24796 : 23816 },
      ]);
    });

    it('lists the model directory (2.x: a run artifact; 3.x: empty, the model is a LoggedModel)', async () => {
      const files = await replay().expect(['artifacts_list_model_dir'], () => store().listArtifacts(runId, 'model'));
      if (v3) assert.deepEqual(files, []);
      else assert.ok(files.some((f) => f.path === 'model/MLmodel' && f.fileSize === 1059));
    });

    it('answers [] for a missing directory and for a run without artifacts ({} with only root_uri)', async () => {
      assert.deepEqual(await replay().expect(['artifacts_list_nonexistent_path'], () => store().listArtifacts(runId, 'nope')), []);
      const bare = captureIds(set).runs['baseline-0'] ?? '';
      assert.deepEqual(await replay().expect(['artifacts_list_run_without_artifacts'], () => store().listArtifacts(bare)), []);
    });

    it('reports an unknown run and a path traversal as the server does', async () => {
      const missing = await replay().expectError(['artifacts_list_run_404'], () => store().listArtifacts('0123456789abcdef0123456789abcdef'));
      assert.equal(missing.errorCode, 'RESOURCE_DOES_NOT_EXIST');
      const traversal = await replay().expectError(['artifacts_list_bad_path_traversal_400'], () => store().listArtifacts(runId, '../../etc'));
      assert.equal(traversal.errorCode, 'INVALID_PARAMETER_VALUE');
      assert.equal(traversal.message, 'Invalid path');
    });

    it('reads text and JSON artifacts through /get-artifact as bytes', async () => {
      const summary = await replay().expect(['get_artifact_text'], () => store().readArtifact(runId, 'notes/summary.txt'));
      assert.equal(text(summary), `Classification run ${runId}\nC=1.0 solver=lbfgs\naccuracy=0.9778\n`);
      const json = await replay().expect(['get_artifact_json'], () => store().readArtifact(runId, 'results/metrics.json'));
      assert.deepEqual(JSON.parse(text(json)), { C: 1.0, solver: 'lbfgs', accuracy: 0.9777777777777777, classes: ['setosa', 'versicolor', 'virginica'] });
    });

    it('reads a binary artifact byte for byte', async () => {
      const png = await replay().expect(['get_artifact_png'], () => store().readArtifact(runId, 'plots/loss_curve.png'));
      assert.equal(png.length, v3 ? 24796 : 23816);
      assert.deepEqual([...png.subarray(0, 8)], PNG_MAGIC);
    });

    it('streams a download to a file and leaves no temporary file behind', async () => {
      const destination = path.join(downloads, 'loss_curve.png');
      await replay().expect(['get_artifact_png'], () => store().downloadArtifact(runId, 'plots/loss_curve.png', destination));
      const written = await readFile(destination);
      assert.equal(written.length, v3 ? 24796 : 23816);
      assert.deepEqual([...written.subarray(0, 8)], PNG_MAGIC);
      assert.deepEqual(await readdir(downloads), ['loss_curve.png']);
    });

    if (v3) {
      it('reports a missing file as RESOURCE_DOES_NOT_EXIST (3.x: 404 JSON) and writes no file', async () => {
        const error = await replay().expectError(['get_artifact_missing_file'], () => store().readArtifact(runId, 'nope.txt'));
        assert.equal(error.errorCode, 'RESOURCE_DOES_NOT_EXIST');
        assert.equal(error.status, 404);
        const destination = path.join(downloads, 'nope.txt');
        // What the folder held before (the previous test's download, when it ran): nothing is added.
        const before = await readdir(downloads).catch(() => [] as string[]);
        await replay().expectError(['get_artifact_missing_file'], () => store().downloadArtifact(runId, 'nope.txt', destination));
        assert.deepEqual(await readdir(downloads).catch(() => [] as string[]), before);
      });

      it('finds no model/MLmodel among run artifacts in 3.x', async () => {
        const error = await replay().expectError(['get_artifact_mlmodel_not_in_run'], () => store().readArtifact(runId, 'model/MLmodel'));
        assert.equal(error.errorCode, 'RESOURCE_DOES_NOT_EXIST');
      });

      it('lists mlflow-artifacts: URIs through the artifact proxy, paths relative to the URI', async () => {
        const root = await replay().expect(['mlflow_artifacts_proxy_list_root'], () => store().listArtifactsAtUri('mlflow-artifacts:/'));
        assert.deepEqual(
          root.map((f) => f.path),
          ['1', '2', '5'],
        );
        const run = await replay().expect(['mlflow_artifacts_proxy_list_run'], () => store().listArtifactsAtUri(`mlflow-artifacts:/1/${runId}/artifacts`));
        assert.deepEqual(
          run.map((f) => f.path),
          ['config', 'notes', 'plots', 'results', 'tables'],
        );
        const modelUri = 'mlflow-artifacts:/1/models/m-a9e42abd727441048486c5e3060d9f80';
        // The proxy answers with names relative to the listed directory; they come back relative to the URI.
        const model = await replay().expect(['mlflow_artifacts_proxy_list_logged_model'], () => store().listArtifactsAtUri(modelUri, 'artifacts'));
        assert.deepEqual(model[0], { path: 'artifacts/MLmodel', isDir: false, fileSize: 1286 });
      });

      it('reads a file under an mlflow-artifacts: URI through the proxy', async () => {
        const uri = 'mlflow-artifacts:/1/models/m-a9e42abd727441048486c5e3060d9f80/artifacts';
        const mlmodel = await replay().expect(['mlflow_artifacts_proxy_download_mlmodel'], () => store().readArtifactAtUri(uri, 'MLmodel'));
        assert.match(text(mlmodel), /^artifact_path: mlflow-artifacts:\/1\/models\/m-a9e42abd/);
        const error = await replay().expectError(['mlflow_artifacts_proxy_download_missing_404'], () =>
          store().readArtifactAtUri(`mlflow-artifacts:/1/${runId}/artifacts`, 'nope.txt'),
        );
        assert.equal(error.errorCode, 'RESOURCE_DOES_NOT_EXIST');
        assert.match(error.message, /No such artifact/);
      });
    } else {
      it('reads the MLmodel of a run-artifact model (2.x)', async () => {
        const mlmodel = await replay().expect(['get_artifact_mlmodel'], () => store().readArtifact(runId, 'model/MLmodel'));
        assert.match(text(mlmodel), /^artifact_path: model\n/);
      });

      it('turns the 500 HTML page for a missing file (2.x) into a short SERVER_ERROR message', async () => {
        const error = await replay().expectError(['get_artifact_missing_file_500'], () => store().readArtifact(runId, 'nope.txt'));
        assert.equal(error.errorCode, 'SERVER_ERROR');
        assert.equal(error.status, 500);
        assert.equal(error.message, 'Server answered 500 Internal Server Error (HTML page): 500 Internal Server Error');
      });

      it('lists an empty artifact proxy root ({} → [])', async () => {
        assert.deepEqual(await replay().expect(['mlflow_artifacts_proxy_list'], () => store().listArtifactsAtUri('mlflow-artifacts:/')), []);
      });
    }
  });
}
