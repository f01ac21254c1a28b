import * as assert from 'assert';
import { type ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ExperimentNode, ExplorerNode, LoggedModelNode, RunNode, RunSectionNode } from '../../src/explorer/nodes';
import { nodeSqlite } from '../../src/mlflow/local/sqliteNodeEngine';
import type { SqliteStore } from '../../src/mlflow/local/sqliteStore';
import type { Workbench } from '../../src/workbench';
import { activateExtension, waitFor } from './support';

/**
 * The workspace store read in place by node:sqlite (Node ≥ 22.13 hosts) or the extension's bundled SQLite
 * engine (dist/sqlite/, Node 20 hosts): a store
 * larger than 2 GiB (which a copy into WebAssembly memory cannot hold), a store a separate process logs
 * to at 10 Hz while it is read, and MLflow 3's logged models labelled by name.
 */

const REPO = path.resolve(__dirname, '../../..');
const LOGGER = path.join(REPO, 'test/support/metricLogger.py');
const RUNNING_RUN = 'a624eb75d72e4f39884a8593b06bd3ab';

/** Runs python3 without blocking the extension host (the tests run inside it). */
function python(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`python3 failed (${code}): ${stderr}`))));
  });
}

describe('SQLite store read in place (real extension host)', function () {
  this.timeout(180_000);
  let workbench: Workbench;
  let original: string | undefined;
  let dir: string;
  const children: ChildProcess[] = [];

  const childrenOf = (node?: ExplorerNode) => workbench.explorer.provider.getChildren(node);

  before(async () => {
    workbench = await activateExtension();
    await workbench.ready;
    original = workbench.connections.current?.name;
  });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-inplace-it-'));
  });

  afterEach(async () => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill();
    if (original) await workbench.connections.select(original);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('opens a store larger than 2 GiB and lists its experiments and runs', async () => {
    const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const file = path.join(dir, 'mlflow.db');
    fs.copyFileSync(path.join(folder, 'mlflow.db'), file);
    // 2,100 blobs of 1 MiB in a table MLflow does not know: the file passes 2 GiB in seconds.
    await python([
      '-c',
      'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("CREATE TABLE padding (b BLOB)"); ' +
        'c.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2100) INSERT INTO padding SELECT zeroblob(1048576) FROM n"); c.commit()',
      file,
    ]);
    assert.ok(fs.statSync(file).size > 2 * 2 ** 30, 'the store is larger than 2 GiB');

    await workbench.connections.connectTo('large store', `sqlite:///${file}`);
    const experiments = await waitFor(
      async () => (await childrenOf()).filter((n): n is ExperimentNode => n.kind === 'experiment'),
      'the experiments of the large store',
    );
    const iris = experiments.find((e) => e.experiment.name === 'iris-classification');
    assert.ok(iris, `iris-classification is listed (got ${experiments.map((e) => e.experiment.name).join(', ')})`);
    const runs = (await childrenOf(iris)).filter((n): n is RunNode => n.kind === 'run');
    const logreg = runs.find((r) => r.run.info.runName === 'logreg-C1.0-lbfgs')!;
    const store = workbench.connections.current!.store as SqliteStore;
    const history = await store.getMetricHistory(logreg.run.info.runId, 'accuracy');
    assert.equal(history.length, 200);
    // The extension host's Node decides: node:sqlite on Node ≥ 22.13 (VS Code 1.139: Node 24), else the wasm engine.
    assert.equal(await store.engineKind(), nodeSqlite() ? 'node:sqlite' : 'wasm', `the engine for Node ${process.version}`);
  });

  it('keeps reading a store that a separate process logs to at 10 Hz, and sees every point', async () => {
    const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
    const file = path.join(dir, 'mlflow.db');
    fs.copyFileSync(path.join(folder, 'mlflow.db'), file);
    await workbench.connections.connectTo('live store', `sqlite:///${file}`);
    const store = workbench.connections.current!.store;
    const points = 30;
    const logger = spawn('python3', [LOGGER, file, RUNNING_RUN, 'live_loss', '10', String(points)], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(logger);
    let written = 0;
    logger.stdout?.on('data', (chunk: Buffer) => {
      for (const match of chunk.toString().matchAll(/^wrote (\d+)/gm)) written = Math.max(written, Number(match[1]));
    });
    const exited = new Promise<number | null>((resolve) => logger.on('exit', resolve));
    let reads = 0;
    let failures = 0;
    let seenWhileWriting = 0;
    let last = 0;
    while (logger.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const before = written;
      try {
        const history = await store.getMetricHistory(RUNNING_RUN, 'live_loss');
        reads++;
        assert.deepEqual(history.map((m) => m.step), history.map((_, i) => i), 'never half a write');
        assert.ok(history.length >= Math.max(last, before), 'never older than what was committed before the read');
        if (history.length > 0 && history.length < points) seenWhileWriting++;
        last = history.length;
      } catch (error) {
        failures++;
        assert.match(String(error), /being written/);
      }
    }
    assert.equal(await exited, 0);
    assert.ok(seenWhileWriting >= 5, `reads saw the history grow (${seenWhileWriting} of ${reads})`);
    assert.ok(failures <= (reads + failures) * 0.05, `≥ 95% of reads succeeded (${failures} failed of ${reads + failures})`);
    assert.equal((await store.getMetricHistory(RUNNING_RUN, 'live_loss')).length, points);
  });

  it("labels MLflow 3's logged models by their name, not their id", async () => {
    const file = path.join(dir, 'mlflow.db');
    fs.copyFileSync(path.join(REPO, 'test/fixtures/mlflow-3.x/server-store/mlflow.db'), file);
    await workbench.connections.connectTo('mlflow 3 store', `sqlite:///${file}`);
    const experiments = await waitFor(
      async () => (await childrenOf()).filter((n): n is ExperimentNode => n.kind === 'experiment'),
      'the experiments of the MLflow 3 store',
    );
    const iris = experiments.find((e) => e.experiment.name === 'iris-classification');
    assert.ok(iris, 'iris-classification is listed');
    const run = (await childrenOf(iris)).find((n): n is RunNode => n.kind === 'run' && n.run.info.runName === 'logreg-C0.1-lbfgs');
    assert.ok(run, 'logreg-C0.1-lbfgs is listed');
    const section = (await childrenOf(run)).find((n): n is RunSectionNode => n.kind === 'section' && n.section === 'models');
    assert.ok(section, 'the run has a models section');
    const models = (await childrenOf(section)).filter((n): n is LoggedModelNode => n.kind === 'loggedModel');
    // The run logged m-8a56… (logged_models.name "model") and used it as an input.
    assert.deepEqual(
      models.map((m) => [m.modelId, workbench.explorer.provider.getTreeItem(m).label]),
      [
        ['m-8a56e736fef14ed487ab931712344172', 'model'],
        ['m-8a56e736fef14ed487ab931712344172', 'model'],
      ],
    );
    assert.equal(workbench.explorer.provider.getTreeItem(models[0]!).tooltip, 'models:/m-8a56e736fef14ed487ab931712344172');
  });
});
