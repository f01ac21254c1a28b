import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { HttpClient } from '../../src/mlflow/http';
import { RestStore } from '../../src/mlflow/rest/restStore';
import { findLaunchRuns, mainRun } from '../../src/trackedRun/core/discovery';
import { buildScriptLaunch, LAUNCH_ID_TAG } from '../../src/trackedRun/core/scriptLaunch';
import { DatasetBuilder } from '../support/mlflowServer/dataset';
import { startMlflowServer, type MlflowServer } from '../support/mlflowServer/server';
import { REPO_ROOT } from '../support/repoRoot';

const FIXTURE = path.join(REPO_ROOT, 'test', 'fixtures', 'tracked-run');
const LAUNCH_ID = 'feedc0de'.repeat(4);

/** Runs the launch (argv array, no shell) and resolves with its exit code and output. */
function run(launch: ReturnType<typeof buildScriptLaunch>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(launch.executable, [...launch.argv], { cwd: launch.cwd, env: launch.env, shell: false, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/**
 * The e2e's training script and its stand-in `mlflow` package (test/fixtures/tracked-run), launched
 * with the environment "Run Python File with Tracking" builds, against the test server: it sends the
 * requests MLflow's client sends, the run carries the launch-id tag from MLFLOW_RUN_CONTEXT, and the
 * discovery finds exactly that run.
 */
describe('Run Python File with Tracking: the fixture training script against the test server (python3)', function () {
  this.timeout(60_000);
  let server: MlflowServer;
  let store: RestStore;

  before(async () => {
    const b = new DatasetBuilder();
    b.experiment('Default');
    const other = b.experiment('other');
    b.run(other, { runName: 'not-ours', tags: { [LAUNCH_ID_TAG]: 'a'.repeat(32) } });
    server = await startMlflowServer({ dataset: b.build() });
    store = new RestStore(new HttpClient({ baseUrl: server.baseUrl }));
  });

  after(async () => {
    store?.dispose();
    await server?.close();
  });

  it('creates the experiment, logs params and a growing metric, ends FINISHED; the run is found by its launch id', async () => {
    const script = path.join(FIXTURE, 'train.py');
    const launch = buildScriptLaunch({
      interpreter: 'python3',
      script,
      args: ['--epochs', '4', '--interval', '0', '--run-name', "it's $(id)"],
      cwd: FIXTURE,
      experiment: { kind: 'name', name: 'tracked script' },
      launchId: LAUNCH_ID,
      connection: { kind: 'rest', trackingUri: server.baseUrl, env: { MLFLOW_TRACKING_URI: server.baseUrl } },
      // No __pycache__ beside the fixture in the repository.
      base: { PATH: process.env.PATH, HOME: process.env.HOME, PYTHONDONTWRITEBYTECODE: '1' },
      platform: process.platform,
    });
    const { code, output } = await run(launch);
    assert.equal(code, 0, output);

    const routes = server.requests.map((r) => `${r.method} ${r.path.replace('/api/2.0/mlflow/', '')} ${r.status}`);
    assert.deepEqual(routes.slice(0, 3), ['GET experiments/get-by-name 404', 'POST experiments/create 200', 'POST runs/create 200']);
    const create = server.requests.find((r) => r.path.endsWith('/runs/create'))!;
    const body = create.body as { experiment_id: string; user_id: string; start_time: number; tags: { key: string; value: string }[]; run_name: string };
    assert.deepEqual(Object.keys(body), ['experiment_id', 'user_id', 'start_time', 'tags', 'run_name']);
    assert.equal(create.headers['user-agent'], 'mlflow-python-client/2.17.2');
    const tags = Object.fromEntries(body.tags.map((t) => [t.key, t.value]));
    assert.equal(tags['mlflow.source.name'], script);
    assert.equal(tags['mlflow.source.type'], 'LOCAL');
    assert.equal(tags[LAUNCH_ID_TAG], LAUNCH_ID);
    assert.equal(body.run_name, "it's $(id)", 'the argument reached the script verbatim');

    const runs = await findLaunchRuns(store, LAUNCH_ID, { kind: 'name', name: 'tracked script' });
    assert.equal(runs.length, 1);
    const found = mainRun(runs)!;
    assert.equal(found.info.runName, "it's $(id)");
    assert.equal(found.info.status, 'FINISHED');
    assert.deepEqual(found.data.params, { learning_rate: '0.1', epochs: '4' });
    const accuracy = await store.getMetricHistory(found.info.runId, 'accuracy');
    assert.deepEqual(accuracy.map((m) => m.step), [0, 1, 2, 3]);
    assert.ok(accuracy.every((m, i) => i === 0 || m.value > accuracy[i - 1]!.value), 'accuracy grows');
    assert.deepEqual(await findLaunchRuns(store, 'b'.repeat(32), undefined), [], 'another launch id finds nothing');
  });
});
