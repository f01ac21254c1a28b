import * as assert from 'assert';
import { type ChildProcess, spawn } from 'child_process';
import * as path from 'path';
import type { FrameLocator, Locator } from 'playwright-core';
import { finishRun, startRun } from './storeEdits';
import { demoWorkspace, Workbench } from './workbench';

const RUNNING_RUN = 'a624eb75d72e4f39884a8593b06bd3ab';
const LOGGER = path.resolve(__dirname, '../support/metricLogger.py');
const POINTS = 100;
const WINE_EXPERIMENT_ID = '2';
const FRESH_RUN = 'fresh-run';

/**
 * A chart of a RUNNING run from the workspace's mlflow.db while a training script (real SQLite, Python's
 * sqlite3, one transaction per point at 10 Hz as MLflow writes) logs to it: the chart gains the points
 * while the script is still writing, then all of them. The assertions read what chart.js itself laid out
 * (data-points and data-last-step count its point elements), not the webview's data model.
 */
describe('A chart of a local store while a script logs to it (packaged extension)', () => {
  let workbench: Workbench;
  let store: string;
  let logger: ChildProcess | undefined;
  let freshRunId: string;

  before(async () => {
    const folder = demoWorkspace('live-sqlite');
    store = path.join(folder, 'mlflow.db');
    // A run as mlflow.start_run() leaves it before the script logs anything.
    freshRunId = await startRun(store, WINE_EXPERIMENT_ID, FRESH_RUN);
    workbench = await Workbench.open(folder);
    await workbench.openMlflowContainer();
  });

  afterEach(async function () {
    if (logger && logger.exitCode === null && logger.signalCode === null) logger.kill();
    if (this.currentTest?.state === 'failed') await workbench.screenshot(`live-sqlite-failed-${this.currentTest.title.replace(/\W+/g, '-').slice(0, 60)}`);
  });

  after(async () => {
    await workbench?.close();
  });

  function chart(view: FrameLocator, metricKey: string, attributes = ''): Locator {
    return view.locator(`figure.chart[data-metric="${metricKey}"]${attributes}`);
  }

  it('draws the points a script logs at 10 Hz while it is still logging, then every point @smoke', async function () {
    this.timeout(240_000);
    const experiment = workbench.treeItem('wine-regression');
    await experiment.waitFor();
    if ((await experiment.getAttribute('aria-expanded')) !== 'true') await workbench.clickWithoutHover(experiment);
    const row = workbench.treeItem(/^running-run/);
    await row.hover();
    await row.getByRole('button', { name: 'Chart Metrics' }).click();
    await workbench.page.getByRole('tab', { name: /Charts: running-run/ }).waitFor();
    const view = workbench.webview();
    await view.locator('.live:not([hidden])').waitFor();
    const rmse = chart(view, 'rmse');
    // The demo's running run has logged rmse at steps 0–119.
    await chart(view, 'rmse', '[data-loading="false"][data-points="120"][data-last-step="119"]').waitFor();

    let written = 0;
    logger = spawn('python3', [LOGGER, store, RUNNING_RUN, 'rmse', '10', String(POINTS)], { stdio: ['pipe', 'pipe', 'pipe'] });
    logger.stdout?.on('data', (chunk: Buffer) => {
      for (const match of chunk.toString().matchAll(/^wrote (\d+)/gm)) written = Math.max(written, Number(match[1]));
    });
    const exited = new Promise<number | null>((resolve) => logger!.on('exit', resolve));

    // Chart.js gains points while the script is still writing (the panel polls running runs every 5 s,
    // the script writes for 10 s): the first redraw holds part of them, as a whole line 0…n.
    await chart(view, 'rmse', ':not([data-points="120"])').waitFor({ timeout: 60_000 });
    const drawn = Number(await rmse.getAttribute('data-points'));
    const lastX = Number(await rmse.getAttribute('data-last-step'));
    assert.ok(drawn > 120 && drawn < 120 + POINTS, `the chart gained some points while the script was logging: ${drawn} drawn, ${written} written`);
    assert.strictEqual(lastX, drawn - 1, 'the drawn line is whole: steps 0…n, nothing missing or half-written');
    assert.strictEqual(await exited, 0, 'the logger finished');
    await chart(view, 'rmse', `[data-points="${120 + POINTS}"][data-last-step="${119 + POINTS}"]`).waitFor({ timeout: 60_000 });
  });

  it('charts the metric a run logs after its chart opened with none, then follows the run to its end', async function () {
    this.timeout(240_000);
    await workbench.runCommand('View: Close All Editors');
    await workbench.page.locator('iframe.webview').first().waitFor({ state: 'detached' });
    const experiment = workbench.treeItem('wine-regression');
    if ((await experiment.getAttribute('aria-expanded')) !== 'true') await workbench.clickWithoutHover(experiment);
    const row = workbench.treeItem(new RegExp(`^${FRESH_RUN}`));
    await row.hover();
    await row.getByRole('button', { name: 'Chart Metrics' }).click();
    await workbench.page.getByRole('tab', { name: new RegExp(`Charts: ${FRESH_RUN}`) }).waitFor();
    const view = workbench.webview();
    const legendRow = view.locator(`.legend-list li[data-run="${freshRunId}"]`);
    await legendRow.locator('.badge', { hasText: 'running' }).waitFor();
    await view.locator('.charts-empty', { hasText: 'No metrics logged yet' }).waitFor();
    assert.strictEqual(await view.locator('figure.chart').count(), 0, 'nothing to chart yet');

    logger = spawn('python3', [LOGGER, store, freshRunId, 'loss', '10', String(POINTS)], { stdio: ['pipe', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => logger!.on('exit', resolve));
    // Its chart appears with the first points while the script is still writing (polls every 5 s, it writes for 10 s).
    const loss = chart(view, 'loss', '[data-loading="false"]');
    await loss.waitFor({ timeout: 60_000 });
    await view.locator('.charts-empty').waitFor({ state: 'hidden' });
    const first = Number(await loss.getAttribute('data-points'));
    assert.ok(first >= 1, `points drawn: ${first}`);
    assert.strictEqual(await exited, 0, 'the logger finished');
    await chart(view, 'loss', `[data-points="${POINTS}"][data-last-step="${POINTS - 1}"]`).waitFor({ timeout: 60_000 });
    assert.strictEqual(await view.locator('.metric-list vscode-checkbox[data-metric="loss"]').evaluate((e) => (e as HTMLElement & { checked: boolean }).checked), true, 'ticked in the metric list');

    // mlflow.end_run(): the "running" badge and the Live mark go; the chart keeps every point.
    await view.locator('.live:not([hidden])').waitFor();
    await finishRun(store, freshRunId);
    await view.locator(`.legend-list li[data-run="${freshRunId}"][data-status="FINISHED"]`).waitFor({ timeout: 60_000 });
    assert.strictEqual(await legendRow.locator('.badge').count(), 0, 'no badge on a finished run');
    await view.locator('.live[hidden]').waitFor({ state: 'attached' });
    assert.strictEqual(await chart(view, 'loss').getAttribute('data-points'), String(POINTS));
  });
});
