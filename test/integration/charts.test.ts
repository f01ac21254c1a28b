import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ChartsPanel } from '../../src/charts/chartsPanel';
import type { ComparePanel } from '../../src/charts/comparePanel';
import type { ChartSummary, ChartsRenderSummary, ChartsViewState, CompareViewState } from '../../src/charts/protocol';
import type { ExperimentNode, ExplorerNode, RunNode } from '../../src/explorer/nodes';
import type { Workbench } from '../../src/workbench';
import { type ChildProcess, spawn } from 'child_process';
import { appendMetricPoints, finishRun, removeRun, startRun } from '../e2e/storeEdits';
import { activateExtension, waitFor } from './support';

/**
 * Charts, compare and params diff driven the way the Runs view drives them (its commands with its own
 * tree nodes), asserting on what each webview reports drawing. The workspace is a copy of demo/: the
 * real MLflow 2.17.2 SQLite store.
 */

const RUNNING_RUN = 'a624eb75d72e4f39884a8593b06bd3ab';
const FINETUNE_0 = '93a9dcf673e44f0daec73cfc6b810ef0';
const FINETUNE_LONG = 'd14dfcac3efd453c84070fd4d3be2b0b';
/** The metrics every logreg-* run of iris-classification logged, with their point counts. */
const LOGREG_METRICS: Record<string, number> = { accuracy: 200, test_accuracy: 1, train_loss: 200, val_loss: 200 };
const LOGREG_RUNS = ['logreg-C0.1-lbfgs', 'logreg-C1.0-lbfgs', 'logreg-C10.0-saga'];
/** MLflow's stored stand-in for ±∞ (±Double.MAX_VALUE); a chart must never plot it. */
const MAX_DOUBLE = 1.7976931348623157e308;

const chartOf = (summary: ChartsRenderSummary, metricKey: string): ChartSummary | undefined =>
  summary.charts.find((c) => c.metricKey === metricKey);

/** Every listed metric has a chart, in this order, with its data in. */
const drawn =
  (metricKeys: readonly string[], also: (summary: ChartsRenderSummary) => boolean = () => true) =>
  (summary: ChartsRenderSummary): boolean =>
    summary.charts.map((c) => c.metricKey).join('\n') === metricKeys.join('\n') && summary.charts.every((c) => !c.loading) && also(summary);

describe('Charts, compare and params diff from the Runs view (real extension host)', () => {
  let workbench: Workbench;

  const children = (node?: ExplorerNode) => workbench.explorer.provider.getChildren(node);

  async function experimentNamed(name: string): Promise<ExperimentNode> {
    const node = (await children()).find((n): n is ExperimentNode => n.kind === 'experiment' && n.experiment.name === name);
    assert.ok(node, `experiment ${name} is listed`);
    return node;
  }

  async function runNamed(experiment: string, runName: string): Promise<RunNode> {
    const runs = await children(await experimentNamed(experiment));
    const node = runs.find((n): n is RunNode => n.kind === 'run' && n.run.info.runName === runName);
    assert.ok(node, `run ${runName} is listed under ${experiment}`);
    return node;
  }

  /** Runs `action` and resolves with the panel it opened (one that was not open before). */
  async function opened<P>(panels: () => readonly P[], action: () => Thenable<unknown>): Promise<P> {
    const before = new Set(panels());
    await action();
    return waitFor(() => panels().find((p) => !before.has(p)), 'a new panel');
  }

  const openedCharts = (action: () => Thenable<unknown>): Promise<ChartsPanel> => opened(() => workbench.charts.panels.charts, action);
  const openedCompare = (action: () => Thenable<unknown>): Promise<ComparePanel> => opened(() => workbench.charts.panels.compare, action);

  function storeFile(): string {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the demo workspace is open');
    const file = path.join(folder.uri.fsPath, 'mlflow.db');
    assert.ok(fs.existsSync(file), `${file} exists`);
    return file;
  }

  before(async () => {
    workbench = await activateExtension();
    await workbench.ready;
    await workbench.explorer.applyFilter(undefined);
  });

  afterEach(async () => {
    const { charts, compare } = workbench.charts.panels;
    for (const panel of [...charts, ...compare]) panel.dispose();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('charts one run from its tree node: a chart per metric, one line each', async () => {
    const node = await runNamed('iris-classification', 'logreg-C1.0-lbfgs');
    const runId = node.run.info.runId;
    const panel = await openedCharts(() => vscode.commands.executeCommand('mlflow.openCharts', node));
    const summary = await panel.whenRendered(drawn(Object.keys(LOGREG_METRICS)));
    for (const [metricKey, count] of Object.entries(LOGREG_METRICS)) {
      const chart = chartOf(summary, metricKey)!;
      assert.strictEqual(chart.datasets, 1, `${metricKey}: one line`);
      assert.deepStrictEqual(chart.points, { [runId]: count }, `${metricKey}: every logged point`);
      assert.deepStrictEqual([chart.xAxis, chart.yScale, chart.smoothing, chart.zoom], ['step', 'linear', 0, undefined]);
      assert.deepStrictEqual(chart.nonFinite, { nan: 0, posInf: 0, negInf: 0 });
    }
    assert.strictEqual(panel.panel.title, 'Charts: logreg-C1.0-lbfgs');
  });

  it('charts only the metric a metric node stands for', async () => {
    const run = await runNamed('iris-classification', 'logreg-C1.0-lbfgs');
    const metrics = (await children(run)).find((n) => n.kind === 'section' && n.section === 'metrics');
    assert.ok(metrics, 'the run has a Metrics section');
    const valLoss = (await children(metrics)).find((n) => n.kind === 'value' && n.key === 'val_loss');
    assert.ok(valLoss, 'val_loss is listed');
    const panel = await openedCharts(() => vscode.commands.executeCommand('mlflow.openCharts', valLoss));
    const summary = await panel.whenRendered(drawn(['val_loss']));
    assert.deepStrictEqual(summary.charts[0].points, { [run.run.info.runId]: 200 });
  });

  it('charts several selected runs: a line per run in every chart, each run in its own colour', async () => {
    const nodes = await Promise.all(LOGREG_RUNS.map((name) => runNamed('iris-classification', name)));
    const ids = nodes.map((n) => n.run.info.runId).sort();
    const panel = await openedCharts(() => vscode.commands.executeCommand('mlflow.openCharts', nodes[0], nodes));
    const summary = await panel.whenRendered(drawn(Object.keys(LOGREG_METRICS)));
    const firstColors = summary.charts[0].colors;
    assert.ok(firstColors, 'the charts report their colours');
    for (const chart of summary.charts) {
      assert.strictEqual(chart.datasets, 3, `${chart.metricKey}: three lines`);
      assert.deepStrictEqual(Object.keys(chart.points).sort(), ids, `${chart.metricKey}: one line per run`);
      for (const id of ids) assert.strictEqual(chart.points[id], LOGREG_METRICS[chart.metricKey], `${chart.metricKey} of ${id}`);
      assert.deepStrictEqual(chart.colors, firstColors, `${chart.metricKey}: a run has the same colour in every chart`);
    }
    assert.deepStrictEqual(Object.keys(firstColors).sort(), ids);
    assert.strictEqual(new Set(Object.values(firstColors)).size, 3, `distinct colours: ${JSON.stringify(firstColors)}`);
    assert.strictEqual(panel.panel.title, 'Charts: 3 runs');
  });

  it("charts an experiment's runs from its node", async () => {
    const experiment = await experimentNamed('iris-classification');
    const store = workbench.connections.current!.store;
    const runs = (await store.searchRuns({ experimentIds: [experiment.experiment.experimentId], runViewType: 'ACTIVE_ONLY', maxResults: 100 })).items;
    const withAccuracy = runs.filter((r) => r.data.metrics.some((m) => m.key === 'accuracy')).map((r) => r.info.runId).sort();
    // baseline-0..3, logreg-* (3) and the sweep's trial-0..3; the deleted run stays out.
    assert.strictEqual(withAccuracy.length, 11);

    const panel = await openedCharts(() => vscode.commands.executeCommand('mlflow.chartExperiment', experiment));
    const summary = await panel.whenRendered(drawn(['accuracy', 'best_accuracy', 'loss', 'test_accuracy']));
    const accuracy = chartOf(summary, 'accuracy')!;
    assert.strictEqual(accuracy.datasets, 11);
    assert.deepStrictEqual(Object.keys(accuracy.points).sort(), withAccuracy);
    assert.strictEqual(new Set(Object.values(accuracy.colors ?? {})).size, 11, 'eleven distinct colours');
    assert.deepStrictEqual(Object.keys(chartOf(summary, 'best_accuracy')!.points).map((id) => runs.find((r) => r.info.runId === id)?.info.runName), ['hyperparam-sweep']);
    assert.strictEqual(panel.panel.title, 'Charts: iris-classification');
  });

  it('draws the NaN and ±∞ of llm-finetune-sim as gaps with markers, never at ±1.8e308', async () => {
    const experiment = await experimentNamed('llm-finetune-sim');
    const panel = await openedCharts(() => vscode.commands.executeCommand('mlflow.chartExperiment', experiment));
    const summary = await panel.whenRendered(drawn(['eval/accuracy', 'eval/loss', 'train/learning_rate', 'train/loss']));
    const loss = chartOf(summary, 'train/loss')!;
    assert.strictEqual(loss.datasets, 8, 'finetune-0..6 and finetune-long');
    // finetune-0 logged NaN at step 50, +∞ at 51 and −∞ at 52: kept as points, drawn as markers.
    assert.deepStrictEqual(loss.nonFinite, { nan: 1, posInf: 1, negInf: 1 });
    assert.strictEqual(loss.points[FINETUNE_0], 200, 'the non-finite points are held, not dropped');
    assert.ok(loss.yRange, 'the y range is reported');
    assert.ok(Math.abs(loss.yRange.max) < 1e6 && Math.abs(loss.yRange.min) < 1e6, `y axis ${JSON.stringify(loss.yRange)} is the finite values' range`);
    assert.ok(loss.yRange.max < MAX_DOUBLE / 2);
    // 20,000 steps arrive as a sampled overview.
    const long = loss.points[FINETUNE_LONG];
    assert.ok(long >= 500 && long <= 1_002, `finetune-long sampled to ${long} points`);
    for (const chart of summary.charts.filter((c) => c.metricKey !== 'train/loss')) {
      assert.deepStrictEqual(chart.nonFinite, { nan: 0, posInf: 0, negInf: 0 }, chart.metricKey);
    }
  });

  it('compares three iris runs with the equal params hidden by default', async () => {
    const nodes = await Promise.all(LOGREG_RUNS.map((name) => runNamed('iris-classification', name)));
    const panel = await openedCompare(() => vscode.commands.executeCommand('mlflow.compareRuns', nodes[0], nodes));
    const summary = await panel.whenRendered((s) => s.runs === 3);
    assert.strictEqual(summary.onlyDifferences, true);
    // C and solver differ; max_iter, random_state and test_size are the same in all three.
    assert.deepStrictEqual([summary.paramRows, summary.hiddenEqualParams], [2, 3]);
    assert.strictEqual(summary.metricRows, 4);
    assert.ok(summary.bestCells >= 4, `best cells: ${summary.bestCells}`);
    assert.strictEqual(panel.panel.title, 'Compare: 3 runs');
  });

  it("opens two runs' params in VS Code's diff editor", async () => {
    const [a, b] = await Promise.all(LOGREG_RUNS.slice(0, 2).map((name) => runNamed('iris-classification', name)));
    await vscode.commands.executeCommand('mlflow.diffParams', a, [a, b]);
    const tab = await waitFor(
      () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputTextDiff && t.input.original.scheme === 'mlflow-diff'),
      'a params diff tab',
    );
    const input = tab.input as vscode.TabInputTextDiff;
    assert.match(tab.label, /logreg-C0\.1-lbfgs ↔ logreg-C1\.0-lbfgs/);
    const left = (await vscode.workspace.openTextDocument(input.original)).getText();
    const right = (await vscode.workspace.openTextDocument(input.modified)).getText();
    assert.match(left, /^C = 0\.1$/m);
    assert.match(right, /^C = 1\.0$/m);
    assert.match(left, /^solver = lbfgs$/m);
  });

  it('comes back from its saved state through the panel serializer', async () => {
    const node = await runNamed('iris-classification', 'logreg-C1.0-lbfgs');
    const first = await openedCharts(() => vscode.commands.executeCommand('mlflow.openCharts', node));
    await first.whenRendered(drawn(Object.keys(LOGREG_METRICS)));
    // The state as the page saves it (setState), after the user changed every option; JSON like VS Code keeps it.
    const saved: ChartsViewState = JSON.parse(
      JSON.stringify({ ...first.session.state, metricKeys: ['val_loss', 'accuracy'], xAxis: 'relative', yScale: 'log', smoothing: 0.5, zoom: { val_loss: { min: 0.25, max: 0.75 } } }),
    );
    first.dispose();
    assert.strictEqual(workbench.charts.panels.charts.length, 0);

    const panel = vscode.window.createWebviewPanel('mlflow.charts', 'Charts', vscode.ViewColumn.Active, { enableScripts: true });
    await workbench.charts.restore(panel, saved);
    const restored = workbench.charts.panels.lastCharts;
    assert.ok(restored && restored.panel === panel, 'the feature adopted the panel VS Code recreated');
    const summary = await restored.whenRendered((s) => drawn(['val_loss', 'accuracy'])(s) && s.charts.some((c) => c.zoom !== undefined));
    for (const chart of summary.charts) {
      assert.deepStrictEqual([chart.xAxis, chart.yScale, chart.smoothing], ['relative', 'logarithmic', 0.5], chart.metricKey);
      assert.strictEqual(chart.datasets, 2, `${chart.metricKey}: the raw line and the smoothed one`);
      assert.deepStrictEqual(chart.points, { [node.run.info.runId]: 200 });
      assert.deepStrictEqual(chart.zoom, chart.metricKey === 'val_loss' ? { min: 0.25, max: 0.75 } : undefined, `${chart.metricKey}: zoomed as saved`);
    }
    await waitFor(() => panel.title === 'Charts: logreg-C1.0-lbfgs', 'the restored title');

    const compareState: CompareViewState = { runIds: (await Promise.all(LOGREG_RUNS.map((n) => runNamed('iris-classification', n)))).map((n) => n.run.info.runId), onlyDifferences: false };
    const comparePanel = vscode.window.createWebviewPanel('mlflow.compare', 'Compare Runs', vscode.ViewColumn.Active, { enableScripts: true });
    await workbench.charts.restore(comparePanel, JSON.parse(JSON.stringify(compareState)));
    const compare = workbench.charts.panels.lastCompare;
    assert.ok(compare && compare.panel === comparePanel);
    const table = await compare.whenRendered((s) => s.runs === 3);
    assert.deepStrictEqual([table.onlyDifferences, table.paramRows, table.hiddenEqualParams], [false, 5, 0], 'the equal params shown, as saved');

    // A state this version can't read (an older page, a broken one) closes the panel instead of showing a broken one.
    const broken = vscode.window.createWebviewPanel('mlflow.charts', 'Charts', vscode.ViewColumn.Active, { enableScripts: true });
    const closed = new Promise<void>((resolve) => broken.onDidDispose(() => resolve()));
    await workbench.charts.restore(broken, { target: 'nothing', xAxis: 'sideways' });
    await closed;
    assert.ok(!workbench.charts.panels.charts.some((p) => p.panel === broken));
  });

  it('shows the points a running run logs while its chart is open', async function () {
    // The panel polls running runs every 5 s; two rounds of appends need a few polls.
    this.timeout(90_000);
    const node = await runNamed('wine-regression', 'running-run');
    assert.strictEqual(node.run.info.status, 'RUNNING');
    const db = storeFile();
    const store = workbench.connections.current!.store;
    const initial = (await store.getMetricHistory(RUNNING_RUN, 'rmse')).length;
    const panel = await openedCharts(() => vscode.commands.executeCommand('mlflow.openCharts', node));
    await panel.whenRendered(drawn(['rmse'], (s) => chartOf(s, 'rmse')!.points[RUNNING_RUN] === initial));

    // What a training script does: log more steps into the store under the open panel.
    const afterFirst = await appendMetricPoints(db, RUNNING_RUN, 'rmse', 10);
    assert.strictEqual(afterFirst, initial + 10);
    // points and lastSteps count what chart.js laid out, not the page's data model.
    const lastStep = async () => (await store.getMetricHistory(RUNNING_RUN, 'rmse')).at(-1)?.step;
    const firstEnd = await lastStep();
    const grown = await panel.whenRendered((s) => chartOf(s, 'rmse')?.points[RUNNING_RUN] === afterFirst && chartOf(s, 'rmse')?.lastSteps?.[RUNNING_RUN] === firstEnd, 30_000);
    assert.strictEqual(chartOf(grown, 'rmse')!.datasets, 1);

    // Polling goes on, and a second poll adds only what is new.
    const afterSecond = await appendMetricPoints(db, RUNNING_RUN, 'rmse', 5);
    const secondEnd = await lastStep();
    await panel.whenRendered((s) => chartOf(s, 'rmse')?.points[RUNNING_RUN] === afterSecond && chartOf(s, 'rmse')?.lastSteps?.[RUNNING_RUN] === secondEnd, 30_000);
    assert.ok(panel.session.isPolling, 'still polling while the run is RUNNING');
  });

  it('charts the metrics a run logs after its panel opened with none, and follows the run to its end', async function () {
    // Polls every 5 s: the run's first metric, its later points and its end each take a poll or two.
    this.timeout(120_000);
    const db = storeFile();
    const wine = await experimentNamed('wine-regression');
    // What mlflow.start_run() leaves in the store before the script logs anything.
    const runId = await startRun(db, wine.experiment.experimentId, 'charts-live-fresh');
    let logger: ChildProcess | undefined;
    try {
      const panel = await openedCharts(async () => workbench.charts.openCharts({ runIds: [runId] }));
      const empty = await panel.whenRendered((s) => s.live && s.badges[runId] === 'running');
      assert.deepStrictEqual([empty.charts, panel.session.state.metricKeys], [[], []], 'nothing to chart yet');

      // A training script (Python's sqlite3, one transaction per point at 10 Hz, as MLflow's SQL store
      // writes) logs its first metric into the store under the open panel.
      const POINTS = 20;
      logger = spawn('python3', [path.resolve(__dirname, '../../../test/support/metricLogger.py'), db, runId, 'loss', '10', String(POINTS)], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      logger.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const running = logger;
      const exited = new Promise<number | null>((resolve) => running.on('exit', resolve));
      assert.strictEqual(await exited, 0, `the logger finished: ${stderr}`);
      const logged = await panel.whenRendered(drawn(['loss'], (s) => chartOf(s, 'loss')!.points[runId] === POINTS && chartOf(s, 'loss')!.lastSteps?.[runId] === POINTS - 1), 60_000);
      assert.strictEqual(logged.badges[runId], 'running');
      assert.deepStrictEqual(panel.session.state.metricKeys, ['loss'], 'the new chart is part of the panel state');

      // More points reach the new chart like any live chart's.
      const more = await appendMetricPoints(db, runId, 'loss', 5);
      await panel.whenRendered((s) => chartOf(s, 'loss')?.points[runId] === more, 60_000);

      // mlflow.end_run(): the badge and the Live mark go, and the run is no longer polled.
      await finishRun(db, runId);
      const ended = await panel.whenRendered((s) => !s.live && s.badges[runId] === undefined, 60_000);
      assert.strictEqual(chartOf(ended, 'loss')?.points[runId], more, 'the chart keeps every point');
      await waitFor(() => !panel.session.isPolling, 'polling to stop', 30_000);
    } finally {
      if (logger && logger.exitCode === null && logger.signalCode === null) logger.kill();
      for (const panel of workbench.charts.panels.charts) panel.dispose();
      await removeRun(db, runId);
    }
  });
});
