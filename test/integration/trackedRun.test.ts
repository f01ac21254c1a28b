import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ExplorerNode } from '../../src/explorer/nodes';
import { LAUNCH_ID_TAG } from '../../src/trackedRun/core/scriptLaunch';
import type { TrackedLaunch, TrackedRunFeature } from '../../src/trackedRun/trackedRunFeature';
import type { Workbench } from '../../src/workbench';
import { DatasetBuilder } from '../support/mlflowServer/dataset';
import { startMlflowServer, type MlflowServer } from '../support/mlflowServer/server';
import { activateExtension, EXTENSION_ID, waitFor } from './support';

const EXPERIMENT = 'tracked-run-it';
const FAST = ['--epochs', '3', '--interval', '0'];

type Notify = 'showErrorMessage' | 'showWarningMessage' | 'showInformationMessage';

/** Records notifications and answers them with `answer` (undefined: dismissed), so nothing waits for a click. */
function captureMessages(answer: (kind: Notify, message: string, items: string[]) => string | undefined = () => undefined) {
  const window = vscode.window as unknown as Record<Notify, unknown>;
  const originals = { showErrorMessage: window.showErrorMessage, showWarningMessage: window.showWarningMessage, showInformationMessage: window.showInformationMessage };
  const messages: string[] = [];
  for (const name of Object.keys(originals) as Notify[]) {
    window[name] = async (message: string, ...items: unknown[]) => {
      messages.push(`${name}: ${message}`);
      return answer(name, message, items.filter((i): i is string => typeof i === 'string'));
    };
  }
  return { messages, restore: () => Object.assign(window, originals) };
}

/**
 * "Run Python File with Tracking" in the real extension host: a real python3 runs the fixture training
 * script (test/fixtures/tracked-run) against the test MLflow server on 127.0.0.1; the run it starts is
 * found by the launch id in MLFLOW_RUN_CONTEXT, selected in the Runs view and charted beside the editor.
 */
describe('Run Python File with Tracking (real extension host, real python3, loopback MLflow server)', () => {
  let workbench: Workbench;
  let feature: TrackedRunFeature;
  let server: MlflowServer;
  let folder: string;
  let script: string;
  let original: string | undefined;
  let shown: ReturnType<typeof captureMessages>;

  before(async () => {
    workbench = await activateExtension();
    await workbench.ready;
    feature = workbench.trackedRun;
    original = workbench.connections.current?.name;
    const b = new DatasetBuilder();
    b.experiment('Default');
    server = await startMlflowServer({ dataset: b.build() });
    await workbench.connections.connectTo('tracked-run server', server.baseUrl);
    folder = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'tracked-run-it');
    fs.cpSync(path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'fixtures', 'tracked-run'), folder, { recursive: true });
    script = path.join(folder, 'train.py');
    await vscode.window.showTextDocument(vscode.Uri.file(script), { viewColumn: vscode.ViewColumn.One });
  });

  beforeEach(() => {
    shown = captureMessages();
  });

  afterEach(() => {
    shown.restore();
  });

  after(async () => {
    await feature?.stopAll();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (original) await workbench.connections.select(original);
    await server?.close();
    if (folder) fs.rmSync(folder, { recursive: true, force: true });
  });

  /** The run a launch found, checked against what the server holds. */
  async function foundRun(launch: TrackedLaunch) {
    assert.strictEqual(await launch.exitCode, 0, launch.output());
    const run = await launch.run;
    assert.ok(run, `the run was found (${launch.output()})`);
    assert.strictEqual(run.data.tags[LAUNCH_ID_TAG], launch.launch.launchId);
    return run;
  }

  it('runs the script with python3 and an argv array, finds its run by the launch id, selects it and charts it beside', async () => {
    // The Runs view has listed the experiments before the script creates its own.
    assert.ok(!(await workbench.explorer.model.getExperiments()).some((e) => e.experiment.name === EXPERIMENT));
    const launch = await feature.launch({ script, mode: 'run', args: [...FAST, '--run-name', "first $(id) 'run'"], experiment: { kind: 'name', name: EXPERIMENT } });
    assert.ok(launch, shown.messages.join('; '));
    assert.deepStrictEqual(launch.launch.argv, [script, ...FAST, '--run-name', "first $(id) 'run'"]);
    assert.strictEqual(launch.launch.env.MLFLOW_TRACKING_URI, server.baseUrl);
    assert.strictEqual(launch.launch.env.MLFLOW_EXPERIMENT_NAME, EXPERIMENT);
    assert.ok(/python3?$/.test(path.basename(launch.interpreter.path)), launch.interpreter.path);
    const run = await foundRun(launch);
    assert.strictEqual(run.info.runName, "first $(id) 'run'", 'the argument reached the script verbatim');
    assert.strictEqual(run.data.tags['mlflow.source.name'], script);
    const experiment = workbench.connections.current!.store.getExperimentByName(EXPERIMENT);
    assert.strictEqual(run.info.experimentId, (await experiment)?.experimentId, 'MLflow created the experiment by name');

    assert.strictEqual(await launch.revealed, true, 'selected in the Runs view');
    const selected = workbench.explorer.treeView.selection[0] as ExplorerNode | undefined;
    assert.ok(selected?.kind === 'run' && selected.run.info.runId === run.info.runId, 'the run row is selected');
    assert.strictEqual(await launch.charted, run.info.runId);
    const panel = await waitFor(() => workbench.charts.panels.charts.find((p) => p.session.state.target.runIds.includes(run.info.runId)), 'the charts panel');
    // The panel's own viewColumn is set once VS Code has placed it: read where its tab is.
    const column = await waitFor(() => vscode.window.tabGroups.all.find((g) => g.tabs.some((t) => t.label === panel.panel.title))?.viewColumn, 'the charts tab');
    assert.strictEqual(column, vscode.ViewColumn.Two, 'beside the editor of the script');
    assert.ok(vscode.window.tabGroups.all.find((g) => g.viewColumn === vscode.ViewColumn.One)?.tabs.some((t) => t.label === 'train.py'), 'the script stays in the first group');
    const summary = await panel.whenRendered((s) => s.charts.some((c) => c.metricKey === 'accuracy' && c.datasets > 0), 60_000);
    assert.ok(summary.charts.some((c) => c.metricKey === 'accuracy'));
    assert.ok(vscode.window.terminals.some((t) => t.name === 'MLflow: train.py'), 'in a terminal named after the script');
    assert.ok(launch.output().includes('epoch 2: accuracy'), launch.output());
  });

  it('the command runs the file with its remembered arguments and experiment; Run Again repeats the last launch', async () => {
    const before = feature.lastLaunch;
    const launched = await vscode.commands.executeCommand<TrackedLaunch | undefined>('mlflow.runPythonFile', vscode.Uri.file(script));
    assert.ok(launched && launched !== before, shown.messages.join('; '));
    assert.deepStrictEqual(launched.spec.args, [...FAST, '--run-name', "first $(id) 'run'"], 'asked once, remembered for the file');
    const run = await foundRun(launched);

    const again = await vscode.commands.executeCommand<TrackedLaunch | undefined>('mlflow.runPythonFileAgain');
    assert.ok(again && again !== launched);
    assert.notStrictEqual(again.launch.launchId, launched.launch.launchId, 'a new launch id per launch');
    const rerun = await foundRun(again);
    assert.notStrictEqual(rerun.info.runId, run.info.runId, 'each launch finds its own run, not the previous one');
  });

  it('Debug without the Python Debugger extension says so plainly and offers Run with Tracking', async () => {
    shown.restore();
    shown = captureMessages((kind, _message, items) => (kind === 'showWarningMessage' ? items.find((i) => i === 'Run with Tracking') : undefined));
    const launched = await feature.runFile(vscode.Uri.file(script), 'debug');
    assert.ok(shown.messages.some((m) => m.startsWith('showWarningMessage: Debugging train.py needs the Python Debugger extension (ms-python.debugpy)')), shown.messages.join('; '));
    assert.ok(launched, 'ran instead');
    assert.strictEqual(launched.spec.mode, 'run');
    await foundRun(launched);
  });

  it('an mlflow-python task runs the same process and finds its run', async () => {
    const tasks = await vscode.tasks.fetchTasks({ type: 'mlflow-python' });
    const task = tasks.find((t) => t.definition.file === 'tracked-run-it/train.py');
    assert.ok(task, `provided for the active Python file: ${tasks.map((t) => JSON.stringify(t.definition)).join(', ')}`);
    assert.deepStrictEqual(task.definition.args, [...FAST, '--run-name', "first $(id) 'run'"]);
    assert.strictEqual(task.definition.experiment, EXPERIMENT);
    const before = feature.lastLaunch;
    const ended = new Promise<number | undefined>((resolve) => {
      const listener = vscode.tasks.onDidEndTaskProcess((event) => {
        if (event.execution.task.definition.type !== 'mlflow-python') return;
        listener.dispose();
        resolve(event.exitCode);
      });
    });
    await vscode.tasks.executeTask(task);
    const launched = await waitFor(() => (feature.lastLaunch !== before ? feature.lastLaunch : undefined), 'the task to launch');
    await foundRun(launched);
    assert.strictEqual(await ended, 0, 'VS Code saw the task end with exit code 0');
  });

  it('without any Python interpreter says what to do and starts nothing', async () => {
    const path0 = process.env.PATH;
    const before = feature.lastLaunch;
    process.env.PATH = '';
    try {
      const launched = await feature.launch({ script, mode: 'run', args: [], experiment: { kind: 'name', name: EXPERIMENT } });
      assert.strictEqual(launched, undefined);
    } finally {
      process.env.PATH = path0;
    }
    assert.strictEqual(feature.lastLaunch, before);
    await waitFor(() => shown.messages.some((m) => m.startsWith("showErrorMessage: Can't run train.py: no Python interpreter was found")), `the message (${shown.messages.join('; ')})`);
  });
});
