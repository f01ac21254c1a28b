import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ExperimentNode, ExplorerNode, MessageNode, RunNode } from '../../src/explorer/nodes';
import { bundledEngineFile } from '../../src/mlflow/local/sqliteEngine';
import { SqliteStore } from '../../src/mlflow/local/sqliteStore';
import type { Workbench } from '../../src/workbench';
import type { Dataset } from '../support/mlflowServer/dataset';
import { datasetFromStore } from '../support/mlflowServer/fromStore';
import { startMlflowServer, type MlflowServer } from '../support/mlflowServer/server';
import { EXTENSION_ID, activateExtension } from './support';

/**
 * The Runs view connected to a tracking server over HTTP: the test MLflow server runs in the extension
 * host, serving the demo workspace's real MLflow store, and the extension talks to it through its
 * RestStore like to any server (connection, search, filter, artifacts, failures, sign-in prompt).
 */

type Notify = (message: string, ...rest: unknown[]) => Thenable<unknown>;
const NOTIFICATIONS = ['showErrorMessage', 'showWarningMessage', 'showInformationMessage'] as const;

/**
 * Records the message boxes the extension shows (the extension and these tests share one `vscode`
 * API object), passing every call through; `modal` ones would block the user.
 */
function recordMessages(): { shown: { message: string; modal: boolean }[]; restore(): void } {
  const window = vscode.window as unknown as Record<(typeof NOTIFICATIONS)[number], Notify>;
  const originals = NOTIFICATIONS.map((name) => window[name]);
  const shown: { message: string; modal: boolean }[] = [];
  const isModal = (option: unknown): boolean => typeof option === 'object' && option !== null && (option as { modal?: unknown }).modal === true;
  NOTIFICATIONS.forEach((name, i) => {
    window[name] = (message, ...rest) => {
      shown.push({ message, modal: rest.some(isModal) });
      return originals[i].call(vscode.window, message, ...rest);
    };
  });
  return { shown, restore: () => NOTIFICATIONS.forEach((name, i) => (window[name] = originals[i])) };
}

describe('Runs view against a tracking server (test MLflow server over the demo store)', () => {
  let workbench: Workbench;
  let dataset: Dataset;
  let server: MlflowServer;
  let original: string | undefined;
  const extraServers: MlflowServer[] = [];

  const children = (node?: ExplorerNode) => workbench.explorer.provider.getChildren(node);
  const labelOf = (node: ExplorerNode) => String(workbench.explorer.provider.getTreeItem(node).label);
  const messagesOf = (nodes: ExplorerNode[]) => nodes.filter((n): n is MessageNode => n.kind === 'message');
  const experimentNamed = async (name: string) => {
    const node = (await children()).find((n): n is ExperimentNode => n.kind === 'experiment' && n.experiment.name === name);
    assert.ok(node, `experiment ${name} is listed`);
    return node;
  };
  const runsOf = async (experiment: string) => (await children(await experimentNamed(experiment))).filter((n): n is RunNode => n.kind === 'run');

  before(async () => {
    workbench = await activateExtension();
    await workbench.ready;
    await workbench.explorer.applyFilter(undefined);
    original = workbench.connections.current?.name;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(folder && extension);
    const store = new SqliteStore(path.join(folder, 'mlflow.db'), { engine: bundledEngineFile(extension.extensionPath) });
    try {
      dataset = await datasetFromStore(store, { histories: false });
    } finally {
      store.dispose();
    }
    server = await startMlflowServer({ dataset });
    await workbench.connections.connectTo('test server', server.baseUrl);
  });

  after(async () => {
    await workbench?.explorer.applyFilter(undefined);
    if (original) await workbench?.connections.select(original);
    await Promise.all([server, ...extraServers].map((s) => s?.close()));
  });

  it('refreshes running runs without inventing a "Load more" on an exactly full page (MLflow 2.x tokens)', async () => {
    const before = await children(await experimentNamed('wine-regression'));
    assert.ok(before.some((n) => n.kind === 'run' && n.run.info.status === 'RUNNING'), 'wine-regression has a running run');
    assert.ok(!before.some((n) => n.kind === 'loadMore'));
    const wine = await experimentNamed('wine-regression');
    workbench.explorer.model.setExpanded(wine.experiment.experimentId, true);
    const searches = server.count('runs/search');
    try {
      await workbench.explorer.model.refreshLive(false);
    } finally {
      workbench.explorer.model.setExpanded(wine.experiment.experimentId, false);
    }
    assert.strictEqual(server.count('runs/search'), searches + 1, 'the expanded experiment with a running run was read again');
    const after = await children(await experimentNamed('wine-regression'));
    assert.deepStrictEqual(after.filter((n) => n.kind === 'run').map(labelOf), before.filter((n) => n.kind === 'run').map(labelOf));
    assert.ok(!after.some((n) => n.kind === 'loadMore'), 'no "Load more runs…" after a live refresh');
  });

  it('while a launch is in flight, a live refresh shows a run that started in an expanded experiment with no running run', async () => {
    const iris = await experimentNamed('iris-classification');
    const irisId = iris.experiment.experimentId;
    const shown = async () => (await children(await experimentNamed('iris-classification'))).filter((n): n is RunNode => n.kind === 'run').map((n) => n.run.info.runName);
    assert.ok(!(await children(iris)).some((n) => n.kind === 'run' && ['RUNNING', 'SCHEDULED'].includes(n.run.info.status)), 'nothing running in iris-classification');
    const template = server.data.runs.find((r) => r.info.experimentId === irisId && r.info.runName === 'baseline-3');
    assert.ok(template);
    const launched = structuredClone(template);
    launched.info = { ...launched.info, runId: 'f'.repeat(32), runName: 'launched-from-vscode', status: 'RUNNING', startTime: Date.now(), endTime: undefined };
    launched.data.tags = { ...launched.data.tags, 'mlflow.runName': 'launched-from-vscode' };
    server.data.runs.push(launched);
    workbench.explorer.model.setExpanded(irisId, true);
    try {
      await workbench.explorer.model.refreshLive(false);
      assert.ok(!(await shown()).includes('launched-from-vscode'), 'without a launch, an experiment with nothing running is not polled');
      await workbench.explorer.model.refreshLive(true);
      assert.ok((await shown()).includes('launched-from-vscode'), 'with a launch in flight, the new run appears');
    } finally {
      workbench.explorer.model.setExpanded(irisId, false);
      server.data.runs.splice(server.data.runs.indexOf(launched), 1);
      workbench.explorer.model.reloadExperiment(irisId);
    }
  });

  it('lists the experiments and runs the server serves, child runs nested, with status icons', async () => {
    assert.strictEqual(workbench.connections.current?.kind, 'rest');
    assert.strictEqual(workbench.connections.current?.trackingUri, server.baseUrl);
    const names = (await children()).filter((n) => n.kind === 'experiment').map(labelOf).sort();
    assert.deepStrictEqual(names, ['Default', 'api-captures', 'iris-classification', 'llm-finetune-sim', 'mlproject-demo', 'wine-regression']);
    const runs = await runsOf('iris-classification');
    assert.deepStrictEqual(runs.map((r) => r.run.info.runName).sort(), [
      'baseline-0', 'baseline-1', 'baseline-2', 'baseline-3', 'hyperparam-sweep', 'logreg-C0.1-lbfgs', 'logreg-C1.0-lbfgs', 'logreg-C10.0-saga',
    ]);
    const sweep = runs.find((r) => r.run.info.runName === 'hyperparam-sweep');
    assert.deepStrictEqual(sweep?.children.map((c) => c.run.info.runName).sort(), ['trial-0', 'trial-1', 'trial-2', 'trial-3']);
    const failed = (await runsOf('wine-regression')).find((r) => r.run.info.runName === 'failed-run');
    assert.ok(failed);
    assert.strictEqual((workbench.explorer.provider.getTreeItem(failed).iconPath as vscode.ThemeIcon).id, 'error');
    assert.ok(server.count('experiments/search') >= 1 && server.count('runs/search') >= 2, 'the view read them over HTTP');
  });

  it("expands a run into its details and its artifacts, listed by the server's artifacts/list", async () => {
    const run = (await runsOf('iris-classification')).find((r) => r.run.info.runName === 'logreg-C1.0-lbfgs');
    assert.ok(run);
    const sections = await children(run);
    assert.deepStrictEqual(sections.map(labelOf), ['Parameters', 'Metrics', 'Tags', 'Artifacts']);
    const artifacts = await children(sections[3]);
    assert.deepStrictEqual(artifacts.map(labelOf), ['config', 'model', 'notes', 'plots', 'results', 'tables']);
    assert.ok(artifacts.some((a) => a.kind === 'artifact' && a.file.path === 'model' && a.isModel), 'the model folder is recognised');
    const model = artifacts.find((a) => a.kind === 'artifact' && a.file.path === 'model');
    assert.ok(model);
    assert.ok((await children(model)).some((a) => labelOf(a) === 'MLmodel'));
    assert.ok(server.count('artifacts/list') >= 2);
  });

  it('narrows the runs with a filter evaluated by the server', async () => {
    assert.strictEqual(await workbench.explorer.applyFilter("params.solver = 'saga'"), true);
    assert.deepStrictEqual((await runsOf('iris-classification')).map(labelOf), ['logreg-C10.0-saga']);
    assert.ok(server.count((r) => (r.body as { filter?: unknown } | null)?.filter === "params.solver = 'saga'") >= 1);
    assert.strictEqual(await workbench.explorer.applyFilter('metrics.accuracy >>> 1'), false, "the server's 400 keeps the filter out");
    assert.strictEqual(await workbench.explorer.applyFilter(undefined), true);
    assert.strictEqual((await runsOf('iris-classification')).length, 8);
  });

  it('shows an unreachable server (a closed port) as an error item with Retry, without a modal dialog', async () => {
    const closed = await startMlflowServer();
    const url = closed.baseUrl;
    await closed.close();
    const recorder = recordMessages();
    try {
      await workbench.connections.connectTo('closed port', url);
      const items = messagesOf(await children());
      assert.strictEqual(items[0]?.text, 'Cannot reach the tracking server.');
      assert.strictEqual(items[0]?.severity, 'error');
      assert.match(items[0]?.detail ?? '', /connection refused/);
      assert.ok(items.some((i) => i.text === 'Retry' && i.command?.command === 'mlflow.refresh'), 'a Retry item');
      assert.strictEqual(recorder.shown.length, 0, 'the view says it; no message box');
      // The recorder does see the extension's message boxes: a filter checked against the dead server is refused in one.
      assert.strictEqual(await workbench.explorer.applyFilter("params.solver = 'saga'"), false);
      assert.deepStrictEqual(recorder.shown.map((m) => [m.message.startsWith('Filter not applied: Cannot reach'), m.modal]), [[true, false]]);
    } finally {
      recorder.restore();
    }
  });

  it("turns the server's HTML 500 page into a readable message item, and Retry recovers", async () => {
    server.faults = (r) => (r.path.endsWith('/experiments/search') ? { status: 500 } : undefined);
    await workbench.connections.connectTo('test server', server.baseUrl);
    const [error] = messagesOf(await children());
    assert.strictEqual(error?.text, 'The server failed (500).');
    assert.match(error.detail ?? '', /\(HTML page\): 500 Internal Server Error$/);
    assert.doesNotMatch(`${error.text} ${error.detail}`, /<[a-z!]/i, 'no markup reaches the view');
    server.faults = undefined;
    await vscode.commands.executeCommand(error.command?.command ?? 'missing');
    assert.ok((await children()).some((n) => n.kind === 'experiment' && n.experiment.name === 'iris-classification'));
  });

  it('connects to databricks://<profile> with the host and token of that profile in the Databricks config file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'databrickscfg-'));
    const file = path.join(dir, 'databrickscfg');
    fs.writeFileSync(file, `[DEFAULT]\nhost = http://127.0.0.1:9\ntoken = not-this-one\n\n[staging]\nhost = ${server.baseUrl}\ntoken = dapi-staging-7f3a\n`);
    const previous = process.env.DATABRICKS_CONFIG_FILE;
    process.env.DATABRICKS_CONFIG_FILE = file;
    try {
      server.clearRequests();
      await workbench.connections.connectTo('staging workspace', 'databricks://staging');
      assert.strictEqual(workbench.connections.current?.trackingUri, 'databricks://staging');
      await experimentNamed('iris-classification');
      const searches = server.requests.filter((r) => r.path.endsWith('/experiments/search'));
      assert.ok(searches.length > 0, 'the experiments came from the profile\'s host');
      assert.ok(searches.every((r) => r.headers.authorization === 'Bearer dapi-staging-7f3a'), 'with the profile\'s token');
      // The child processes get the URI; mlflow reads the same profile itself.
      assert.deepStrictEqual(await workbench.connections.current?.processEnv(), { MLFLOW_TRACKING_URI: 'databricks://staging' });

      await workbench.connections.connectTo('missing profile', 'databricks://prod');
      assert.strictEqual(workbench.connections.current, undefined, 'nothing half-connected');
    } finally {
      if (previous === undefined) delete process.env.DATABRICKS_CONFIG_FILE;
      else process.env.DATABRICKS_CONFIG_FILE = previous;
      fs.rmSync(dir, { recursive: true, force: true });
      await workbench.connections.connectTo('test server', server.baseUrl);
    }
  });

  it('asks for credentials when the server answers 401: an error item and "Sign in…"', async () => {
    const guarded = await startMlflowServer({ dataset, auth: { username: 'alice', password: 's3cret' } });
    extraServers.push(guarded);
    await workbench.connections.connectTo('guarded server', guarded.baseUrl);
    const items = messagesOf(await children());
    assert.deepStrictEqual(items.map((i) => i.text), ['The server needs credentials (401).', 'Sign in…']);
    assert.strictEqual(items[1].command?.command, 'mlflow.signIn');
    assert.ok(guarded.count((r) => r.status === 401) >= 1);
  });
});
