import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { DatasetBuilder } from '../support/mlflowServer/dataset';
import { startMlflowServer, type MlflowServer } from '../support/mlflowServer/server';
import { demoWorkspace, Workbench } from './workbench';

const EPOCHS = 100;
const RUN_NAME = 'e2e-training';
const EXPERIMENT = 'tracked-scripts';
const LAUNCH_ID_TAG = 'mlflow.workbench.launchId';

/**
 * Issue 12's "done when" for running a script: in the real VS Code with the packaged extension, a
 * training script (test/fixtures/tracked-run/train.py, `import mlflow` — the stand-in package beside it
 * speaks MLflow's REST protocol, as MLflow cannot be installed in CI) is started with "MLflow: Run
 * Python File with Tracking" by a real python3, logging to the test's MLflow server on 127.0.0.1. The
 * run it starts is found by its launch-id tag, selected in the Runs view, and charted live beside the
 * editor: the chart drawn by chart.js gains points while the script is still logging. Then, beside the
 * code (src/besideCode), train.py's first-line CodeLens counts the new run with the accuracy it logged
 * last, and a hover on `log_metric("accuracy", …)` lists that run's value: the run's
 * `mlflow.source.name` (the script path, as MLflow's client records it) matches the open file.
 */
describe('Run a training script with tracking: found, revealed and charted live (packaged extension, real python3) @smoke', () => {
  let workbench: Workbench;
  let server: MlflowServer;
  let script: string;

  before(async () => {
    const folder = demoWorkspace('tracked-run');
    const b = new DatasetBuilder();
    b.experiment('Default');
    server = await startMlflowServer({ dataset: b.build() });
    fs.cpSync(path.resolve('test/fixtures/tracked-run'), path.join(folder, 'training'), { recursive: true });
    script = path.join(folder, 'training', 'train.py');
    fs.mkdirSync(path.join(folder, '.vscode'), { recursive: true });
    fs.writeFileSync(
      path.join(folder, '.vscode', 'settings.json'),
      `${JSON.stringify({ 'mlflow.trackingUri': server.baseUrl, 'mlflow.runs.refreshInterval': 1 }, null, 2)}\n`,
    );
    workbench = await Workbench.open(folder);
    await workbench.openMlflowContainer();
    // The Runs view gets the side bar: the tree only renders the rows that fit.
    const models = workbench.viewPane('Models');
    if ((await models.getAttribute('aria-expanded')) === 'true') await models.locator('.title').click();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await workbench.screenshot(`tracked-run-failed-${this.currentTest.title.replace(/\W+/g, '-').slice(0, 50)}`);
  });

  after(async () => {
    await workbench?.close();
    await server?.close();
  });

  it('runs train.py from its editor, selects its run in the Runs view and draws its metric as it is logged', async function () {
    this.timeout(300_000);
    const page = workbench.page;
    const quickInput = page.locator('.quick-input-widget');

    // Open the script in the editor (Quick Open), then run it from the palette.
    await page.keyboard.press('Control+P');
    await quickInput.locator('.quick-input-box input').fill('training/train.py');
    await quickInput.locator('.quick-input-list .monaco-list-row', { hasText: 'train.py' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.tabs-container .tab', { hasText: 'train.py' }).waitFor();
    await page.locator('.editor-instance .view-lines', { hasText: 'mlflow.log_metric' }).waitFor();
    await workbench.runCommand('MLflow: Run Python File with Tracking');

    // Asked once for this file: the arguments (split without a shell), then the experiment (a new one).
    await quickInput.locator('.quick-input-title', { hasText: 'Arguments for train.py' }).waitFor();
    await quickInput.locator('.quick-input-box input').fill(`--epochs ${EPOCHS} --interval 0.3 --run-name ${RUN_NAME}`);
    await page.keyboard.press('Enter');
    await quickInput.locator('.quick-input-title', { hasText: 'Experiment for the runs of train.py' }).waitFor();
    await quickInput.locator('.quick-input-box input').fill(EXPERIMENT);
    await quickInput.locator('.quick-input-list .monaco-list-row', { hasText: 'new experiment' }).first().waitFor();
    await page.keyboard.press('Enter');
    await quickInput.waitFor({ state: 'hidden' });

    // The script runs in a terminal named after it.
    await page.locator('.xterm-rows', { hasText: 'epoch 0: accuracy' }).first().waitFor({ timeout: 120_000 });

    // Found by its launch id and selected in the Runs view, under the experiment the script created.
    const selected = page.locator('.part.sidebar [role="treeitem"][aria-selected="true"]', { hasText: RUN_NAME });
    await selected.waitFor({ timeout: 120_000 });
    await page.locator('.part.sidebar [role="treeitem"][aria-level="1"]', { hasText: EXPERIMENT }).waitFor();

    // Its charts open beside the editor, and chart.js gains points while the script is still logging.
    await page.getByRole('tab', { name: new RegExp(`Charts: ${RUN_NAME}`) }).waitFor({ timeout: 120_000 });
    const view = workbench.webview();
    const accuracy = view.locator('figure.chart[data-metric="accuracy"]');
    await view.locator('figure.chart[data-metric="accuracy"][data-loading="false"]').waitFor({ timeout: 120_000 });
    const first = Number(await accuracy.getAttribute('data-points'));
    assert.ok(first >= 1 && first < EPOCHS, `a first part of the line is drawn while the script runs: ${first} of ${EPOCHS}`);
    await view.locator(`figure.chart[data-metric="accuracy"][data-loading="false"]:not([data-points="${first}"])`).waitFor({ timeout: 120_000 });
    const second = Number(await accuracy.getAttribute('data-points'));
    assert.ok(second > first, `the chart gained points: ${first} → ${second}`);
    if (second < EPOCHS) await workbench.screenshot('tracked-run-live');
    await view.locator(`figure.chart[data-metric="accuracy"][data-points="${EPOCHS}"][data-last-step="${EPOCHS - 1}"]`).waitFor({ timeout: 180_000 });
    // The script's `with mlflow.start_run()` block ends the run: the legend and the Live mark follow.
    await view.locator('.legend-list li[data-status="FINISHED"]').waitFor({ timeout: 60_000 });
    assert.strictEqual(await view.locator('.legend-list .badge').count(), 0, 'no "running" badge on the finished run');
    await view.locator('.live[hidden]').waitFor({ state: 'attached' });

    // What the server saw: the run carries the launch id from MLFLOW_RUN_CONTEXT and the script's path.
    const run = server.data.runs.find((r) => r.info.runName === RUN_NAME);
    assert.ok(run, 'the run is on the server');
    assert.match(run.data.tags[LAUNCH_ID_TAG] ?? '', /^[0-9a-f]{32}$/);
    assert.strictEqual(run.data.tags['mlflow.source.name'], script);
    assert.strictEqual(run.data.tags['mlflow.source.type'], 'LOCAL');
    assert.strictEqual(server.data.experiments.find((e) => e.experimentId === run.info.experimentId)?.name, EXPERIMENT);
    assert.ok(
      server.count((r) => r.path.endsWith('/runs/search') && JSON.stringify(r.body).includes(`tags.\`${LAUNCH_ID_TAG}\``)) >= 1,
      'the extension looked for the run by its launch-id tag',
    );
  });

  it('shows the new run on the first line of train.py and its accuracy values on hover', async function () {
    this.timeout(180_000);
    const page = workbench.page;
    // What the lens must show, from the server's state: the runs whose source is this script, and the
    // accuracy the script logged last (the lens and hovers show 4 significant digits).
    const runsOfScript = server.data.runs.filter((r) => r.data.tags['mlflow.source.name'] === script);
    const run = runsOfScript.find((r) => r.info.runName === RUN_NAME);
    assert.ok(run, 'the run is on the server');
    const accuracy = run.data.metrics.find((m) => m.key === 'accuracy');
    assert.ok(accuracy && accuracy.step === EPOCHS - 1, `the last accuracy is the last epoch's: ${JSON.stringify(accuracy)}`);
    const shown = String(Number(accuracy.value.toPrecision(4)));
    const count = `${runsOfScript.length} run${runsOfScript.length === 1 ? '' : 's'}`;
    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

    // The editor of train.py (the charts took the other group); the terminal panel gives it its height back.
    const editor = page.locator('.editor-group-container', { has: page.locator('.tab.active', { hasText: 'train.py' }) }).locator('.editor-instance');
    await workbench.runCommand('View: Hide Panel');
    await page.locator('.part.panel').waitFor({ state: 'hidden' });

    // The first-line lens: the run count and the latest accuracy (refreshed from the store while visible).
    const lens = editor.locator('.codelens-decoration', { hasText: new RegExp(`MLflow: ${escape(count)} · last .+ · accuracy ${escape(shown)}(?![\\d.])`) });
    await lens.waitFor({ timeout: 120_000 });

    // The hover on log_metric("accuracy", …): the last runs of this file with their values, newest first.
    // In a narrow window (VS Code 1.139's wider side bar beside the charts group) the word sits under the
    // minimap and scrollbar, which take the pointer: the user widens train.py's group first.
    await page.locator('.tab.active', { hasText: 'train.py' }).click();
    await workbench.runCommand('View: Toggle Maximize Editor Group');
    await editor.locator('.view-line span', { hasText: /^"accuracy"$/ }).first().hover();
    const hover = page.locator('.monaco-hover', { hasText: 'MLflow metric' }).filter({ visible: true }).first();
    await hover.getByText(RUN_NAME, { exact: false }).first().waitFor({ timeout: 60_000 });
    // Spaces in the hover may render as other spaces (no-break): read them as plain ones.
    const text = (await hover.innerText()).replace(/[^\S\n]/g, ' ');
    assert.match(text, new RegExp(`accuracy.*last ${runsOfScript.length} runs? of this file`), text);
    const rows = text.split('\n').filter((line) => line.includes(RUN_NAME));
    assert.strictEqual(rows.length, 1, text);
    assert.ok(new RegExp(`(^|\\s)${escape(shown)}\\s`).test(rows[0]!), `the hover shows the last accuracy ${shown}: ${rows[0]}`);
    await workbench.screenshot('tracked-run-beside-code');
  });
});
