import * as assert from 'assert';
import * as path from 'path';
import type { FrameLocator, Locator } from 'playwright-core';
import { appendMetricPoints, lastMetricStep, renameRun, runIdByName } from './storeEdits';
import { demoWorkspace, Workbench } from './workbench';

/** A run name a careless webview would turn into markup (and a script). */
const XSS_NAME = '<img src=x onerror=alert(1)>';
const XSS_ITEM = /^<img src=x onerror=alert\(1\)>/;
const LOGREG_C1 = /^logreg-C1\.0-lbfgs/;
const LOGREG_C10 = /^logreg-C10\.0-saga/;
const RUNNING_RUN = 'a624eb75d72e4f39884a8593b06bd3ab';

/**
 * The charts and compare webviews as a user reaches them: from the Runs view's context menu and inline
 * button, with clicks on the webviews' own controls. Each chart's figure carries what it draws as data
 * attributes (x axis, scale, smoothing, lines, points, zoom window), so the assertions read the page
 * the user looks at, and the canvas pixels are compared to see that the picture itself changed.
 */
describe('Charts and compare from the Runs view (packaged extension)', () => {
  let workbench: Workbench;
  let store: string;
  let xssRunId: string;
  const dialogs: string[] = [];

  before(async () => {
    const folder = demoWorkspace('charts');
    store = path.join(folder, 'mlflow.db');
    // Renamed in the copy before the workbench opens, as if the training script had named it so.
    xssRunId = await runIdByName(store, 'logreg-C0.1-lbfgs');
    await renameRun(store, xssRunId, XSS_NAME);
    workbench = await Workbench.open(folder);
    workbench.page.on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await workbench.openMlflowContainer();
    await setExpanded('iris-classification', true);
    await workbench.treeItem(LOGREG_C1).waitFor();
  });

  beforeEach(async () => {
    await closeEditors();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await workbench.screenshot(`charts-failed-${this.currentTest.title.replace(/\W+/g, '-').slice(0, 60)}`);
    assert.deepStrictEqual(dialogs, [], 'no dialog opened');
  });

  after(async () => {
    await workbench?.close();
  });

  /** Closes every editor, so the one webview on screen is the next test's. */
  async function closeEditors(): Promise<void> {
    await workbench.runCommand('View: Close All Editors');
    await workbench.page.locator('iframe.webview').first().waitFor({ state: 'detached' });
  }

  /** Clicks an experiment open or closed (the Runs view is virtualised: rows out of sight aren't there). */
  async function setExpanded(name: string, expanded: boolean): Promise<void> {
    const item = workbench.treeItem(name);
    await item.waitFor();
    if ((await item.getAttribute('aria-expanded')) !== String(expanded)) await workbench.clickWithoutHover(item);
    await workbench.page.locator(`[role="treeitem"][aria-expanded="${expanded}"]`, { hasText: name }).first().waitFor();
  }

  /** Plain click on the first, Ctrl+click on the rest: the multi-selection a user makes. */
  async function selectRuns(names: readonly RegExp[]): Promise<void> {
    await workbench.treeItem(names[0]).click();
    for (const name of names.slice(1)) await workbench.treeItem(name).click({ modifiers: ['Control'] });
    for (const name of names) await workbench.page.getByRole('treeitem', { name, selected: true }).first().waitFor();
  }

  /**
   * Right-click on a tree item, then a context menu entry. The entry is pointed at and taken with Enter:
   * the menu drops a click that lands while it is still opening, which a pointer and a key never race.
   */
  async function contextMenu(item: RegExp, entry: string): Promise<void> {
    await workbench.treeItem(item).click({ button: 'right' });
    const menuItem = workbench.page.getByRole('menuitem', { name: entry, exact: true });
    await menuItem.hover();
    await workbench.page.locator('.monaco-menu .action-item.focused', { hasText: entry }).waitFor();
    await workbench.page.keyboard.press('Enter');
    await menuItem.waitFor({ state: 'detached' });
  }

  function chart(view: FrameLocator, metricKey: string, attributes = ''): Locator {
    return view.locator(`figure.chart[data-metric="${metricKey}"]${attributes}`);
  }

  /** The chart's canvas as PNG data: what the user sees of it. */
  function picture(view: FrameLocator, metricKey: string): Promise<string> {
    return chart(view, metricKey).locator('canvas').evaluate((canvas) => (canvas as HTMLCanvasElement).toDataURL('image/png'));
  }

  /** Opens a toolbar select and clicks the option, as a user does. */
  async function choose(view: FrameLocator, select: string, option: string): Promise<void> {
    await view.locator(select).click();
    await view.locator(select).getByRole('option', { name: option, exact: true }).click();
  }

  /** Neither the webview page nor the frame around it holds an element made from the run name. */
  async function assertNoInjectedMarkup(view: FrameLocator): Promise<void> {
    assert.strictEqual(await view.locator('img[src="x"]').count(), 0, 'no <img src=x> in the webview page');
    assert.strictEqual(await view.locator('img').count(), 0, 'no <img> at all in the webview page');
    assert.strictEqual(await workbench.page.frameLocator('iframe.webview.ready').locator('img[src="x"]').count(), 0, 'none in the webview host frame');
    assert.strictEqual(await workbench.page.locator('img[src="x"]').count(), 0, 'none in the workbench');
  }

  it('charts one run from its context menu: a chart per metric, one line each @smoke', async () => {
    await contextMenu(LOGREG_C1, 'Chart Metrics');
    await workbench.page.getByRole('tab', { name: /Charts: logreg-C1\.0-lbfgs/ }).waitFor();
    const view = workbench.webview();
    for (const [metricKey, points] of [['accuracy', 200], ['test_accuracy', 1], ['train_loss', 200], ['val_loss', 200]] as const) {
      await chart(view, metricKey, `[data-loading="false"][data-datasets="1"][data-points="${points}"]`).waitFor();
    }
    assert.strictEqual(await view.locator('figure.chart').count(), 4);
    assert.deepStrictEqual(await view.locator('.legend-list li').allTextContents(), ['logreg-C1.0-lbfgs']);
  });

  it('charts several selected runs, a line and a colour per run, a markup name shown as text', async () => {
    await selectRuns([LOGREG_C1, XSS_ITEM, LOGREG_C10]);
    await contextMenu(LOGREG_C10, 'Chart Metrics');
    await workbench.page.getByRole('tab', { name: /Charts: 3 runs/ }).waitFor();
    const view = workbench.webview();
    await chart(view, 'val_loss', '[data-loading="false"][data-datasets="3"][data-points="600"]').waitFor();
    await chart(view, 'accuracy', '[data-loading="false"][data-datasets="3"]').waitFor();

    const legend = view.locator('.legend-list li');
    assert.strictEqual(await legend.count(), 3);
    const xssRow = await view.locator(`.legend-list li[data-run="${xssRunId}"]`).textContent();
    assert.ok(xssRow?.includes(XSS_NAME), `the legend shows the name literally: ${xssRow}`);
    const swatches = await view.locator('.legend-list .swatch').evaluateAll((els) => els.map((e) => getComputedStyle(e).backgroundColor));
    assert.strictEqual(new Set(swatches).size, 3, `three distinct run colours: ${swatches.join(' ')}`);
    await assertNoInjectedMarkup(view);
    await workbench.page.mouse.move(1150, 16); // no tree hover in the picture
    await workbench.screenshot('charts');
  });

  it('redraws for the x axis (step, wall time, relative), log scale and smoothing controls', async () => {
    await selectRuns([LOGREG_C1, LOGREG_C10]);
    await contextMenu(LOGREG_C10, 'Chart Metrics');
    const view = workbench.webview();
    const metric = 'train_loss';
    await chart(view, metric, '[data-loading="false"][data-datasets="2"][data-x-axis="step"][data-y-scale="linear"][data-smoothing="0"]').waitFor();
    let before = await picture(view, metric);
    const changed = async (what: string): Promise<void> => {
      const now = await picture(view, metric);
      assert.notStrictEqual(now, before, `the chart looks different after ${what}`);
      before = now;
    };

    await choose(view, '#x-axis', 'Wall time');
    await chart(view, metric, '[data-x-axis="wall"]').waitFor();
    await changed('switching to wall time');

    await choose(view, '#x-axis', 'Relative time');
    await chart(view, metric, '[data-x-axis="relative"]').waitFor();
    await changed('switching to relative time');

    await choose(view, '#y-scale', 'Log');
    await chart(view, metric, '[data-y-scale="logarithmic"]').waitFor();
    await changed('switching to a log scale');

    await view.locator('#smoothing').fill('0.6');
    // Each run keeps a faint raw line and gains a smoothed one.
    await chart(view, metric, '[data-smoothing="0.6"][data-datasets="4"]').waitFor();
    assert.strictEqual(await view.locator('output[for="smoothing"]').textContent(), '0.60');
    await changed('smoothing');
    // The options are the panel's, so every chart follows.
    await chart(view, 'val_loss', '[data-x-axis="relative"][data-y-scale="logarithmic"][data-smoothing="0.6"][data-datasets="4"]').waitFor();
  });

  it('compares selected runs with equal params hidden until asked, a markup name shown as text', async () => {
    await selectRuns([LOGREG_C1, XSS_ITEM, LOGREG_C10]);
    await contextMenu(LOGREG_C10, 'Compare Runs');
    await workbench.page.getByRole('tab', { name: /Compare: 3 runs/ }).waitFor();
    const view = workbench.webview();
    await view.locator('tr[data-param="C"]').waitFor();
    const header = await view.locator(`th[data-run="${xssRunId}"]`).textContent();
    assert.ok(header?.includes(XSS_NAME), `the header shows the name literally: ${header}`);
    // C and solver differ; max_iter, random_state and test_size are equal in all three.
    assert.deepStrictEqual((await view.locator('tr[data-param]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-param')))).sort(), ['C', 'solver']);
    assert.match((await view.locator('tbody[data-section="parameters"] .note').textContent()) ?? '', /3 equal hidden/);
    await assertNoInjectedMarkup(view);
    await workbench.page.mouse.move(1150, 16);
    await workbench.screenshot('compare');

    await view.locator('#only-differences').click();
    await view.locator('tr[data-param="max_iter"]').waitFor();
    assert.strictEqual(await view.locator('tr[data-param]').count(), 5);
    await view.locator('#only-differences').click();
    await view.locator('tr[data-param="max_iter"]').waitFor({ state: 'detached' });
  });

  it('shows the points a RUNNING run logs while its chart is open, keeping the zoom', async function () {
    // The panel polls running runs every 5 s.
    this.timeout(180_000);
    await setExpanded('iris-classification', false);
    await setExpanded('wine-regression', true);
    const row = workbench.treeItem(/^running-run/);
    await row.hover();
    await row.getByRole('button', { name: 'Chart Metrics' }).click();
    await workbench.page.getByRole('tab', { name: /Charts: running-run/ }).waitFor();
    const view = workbench.webview();
    await view.locator('.live:not([hidden])').waitFor();
    const rmse = chart(view, 'rmse');
    await chart(view, 'rmse', '[data-loading="false"][data-datasets="1"][data-points="120"]').waitFor();

    // Zoom with the mouse wheel over the middle of the chart, as a user does.
    const box = await rmse.locator('canvas').boundingBox();
    assert.ok(box, 'the chart is on screen');
    await workbench.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await workbench.page.mouse.wheel(0, -300);
    await chart(view, 'rmse', '[data-zoom]').waitFor();
    const zoom = await rmse.getAttribute('data-zoom');
    const [min, max] = (zoom ?? '').split(':').map(Number);
    assert.ok(min > 0 && max < 119 && min < max, `zoomed inside the run's steps: ${zoom}`);

    // A training script logs ten more steps into the store under the open panel.
    // data-points and data-last-step are read from chart.js's laid-out points, not the page's data model.
    const total = await appendMetricPoints(store, RUNNING_RUN, 'rmse', 10);
    assert.strictEqual(total, 130);
    const lastStep = await lastMetricStep(store, RUNNING_RUN, 'rmse');
    await chart(view, 'rmse', `[data-points="${total}"][data-last-step="${lastStep}"]`).waitFor({ timeout: 60_000 });
    assert.strictEqual(await rmse.getAttribute('data-zoom'), zoom, 'the zoom window is where the user left it');

    const more = await appendMetricPoints(store, RUNNING_RUN, 'rmse', 5);
    await chart(view, 'rmse', `[data-points="${more}"][data-last-step="${await lastMetricStep(store, RUNNING_RUN, 'rmse')}"]`).waitFor({ timeout: 60_000 });
    assert.strictEqual(await rmse.getAttribute('data-zoom'), zoom, 'still where the user left it');
  });

  // Last in the suite: the reloaded workbench has none of the view state the tests above set up.
  it('comes back after a window reload with every control as the user left it', async function () {
    this.timeout(240_000);
    await setExpanded('wine-regression', false);
    await setExpanded('iris-classification', true);
    await selectRuns([LOGREG_C1, LOGREG_C10]);
    await contextMenu(LOGREG_C10, 'Chart Metrics');
    await workbench.page.getByRole('tab', { name: /Charts: 2 runs/ }).waitFor();
    let view = workbench.webview();
    await chart(view, 'train_loss', '[data-loading="false"][data-datasets="2"]').waitFor();
    const c10 = await runIdByName(store, 'logreg-C10.0-saga');

    // Every control the panel's saved state holds, changed the way a user changes it.
    await choose(view, '#x-axis', 'Relative time');
    await choose(view, '#y-scale', 'Log');
    await view.locator('#smoothing').fill('0.6');
    await view.locator(`.legend-list vscode-checkbox[data-run="${c10}"]`).click();
    for (const metricKey of ['accuracy', 'test_accuracy']) {
      await view.locator(`.metric-list vscode-checkbox[data-metric="${metricKey}"]`).click();
      await chart(view, metricKey).waitFor({ state: 'detached' });
    }
    await chart(view, 'train_loss', '[data-x-axis="relative"][data-y-scale="logarithmic"][data-smoothing="0.6"][data-datasets="2"]').waitFor();
    // And a zoom, with the mouse wheel over the middle of one chart.
    const box = await chart(view, 'val_loss').locator('canvas').boundingBox();
    assert.ok(box, 'the chart is on screen');
    await workbench.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await workbench.page.mouse.wheel(0, -300);
    await chart(view, 'val_loss', '[data-zoom]').waitFor();
    const zoom = await chart(view, 'val_loss').getAttribute('data-zoom');

    // Until the reload navigates, the old page (its workbench, tab and drawn charts) is still there to be
    // found: wait for the new page's load event, armed before the command runs.
    const reloaded = workbench.page.waitForEvent('load', { timeout: 120_000 });
    await workbench.runCommand('Developer: Reload Window');
    await reloaded;
    await workbench.page.locator('.monaco-workbench').waitFor();
    await workbench.page.getByRole('tab', { name: /Charts: 2 runs/ }).waitFor();
    // The panel is the reopened one only once its page drew from the restored state.
    view = workbench.webview();
    const restored = chart(view, 'train_loss', '[data-loading="false"]');
    await restored.waitFor({ timeout: 120_000 });
    assert.deepStrictEqual(
      await view.locator('figure.chart').evaluateAll((figures) => figures.map((f) => [
        f.getAttribute('data-metric'), f.getAttribute('data-x-axis'), f.getAttribute('data-y-scale'), f.getAttribute('data-smoothing'), f.getAttribute('data-datasets'),
      ])),
      [
        ['train_loss', 'relative', 'logarithmic', '0.6', '2'],
        ['val_loss', 'relative', 'logarithmic', '0.6', '2'],
      ],
      'the charts: the chosen metrics, x axis, log scale, smoothing, one run hidden (a raw and a smoothed line left)',
    );
    assert.strictEqual(await chart(view, 'val_loss', '[data-zoom]').getAttribute('data-zoom'), zoom, 'zoomed where the user left it');
    assert.strictEqual(await chart(view, 'train_loss').getAttribute('data-zoom'), null, 'the other chart was not zoomed');
    // The controls the user sees say the same.
    assert.strictEqual(await view.locator('#x-axis').evaluate((e) => (e as HTMLElement & { value: string }).value), 'relative');
    assert.strictEqual(await view.locator('#y-scale').evaluate((e) => (e as HTMLElement & { value: string }).value), 'log');
    assert.strictEqual(await view.locator('#smoothing').inputValue(), '0.6');
    assert.strictEqual(await view.locator('output[for="smoothing"]').textContent(), '0.60');
    assert.strictEqual(await view.locator(`.legend-list vscode-checkbox[data-run="${c10}"]`).evaluate((e) => (e as HTMLElement & { checked: boolean }).checked), false, 'the hidden run stays unticked');
    assert.strictEqual(await view.locator('.metric-list vscode-checkbox[data-metric="accuracy"]').evaluate((e) => (e as HTMLElement & { checked: boolean }).checked), false);
    assert.strictEqual(await view.locator('.metric-list vscode-checkbox[data-metric="val_loss"]').evaluate((e) => (e as HTMLElement & { checked: boolean }).checked), true);
  });
});
