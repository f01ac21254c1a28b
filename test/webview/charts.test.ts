import * as assert from 'node:assert';
import type { ChartsWebviewMessage, StepWindow } from '../../src/charts/protocol';
import { buildSeries } from '../../src/charts/series';
import { contentSecurityPolicy } from '../../src/vscode/webviewHtml';
import type { RunMetric } from '../../src/mlflow/types';
import { init, isRendered, lossPoints, lossSeries, renderedWhere, RUNS, START, state, XSS_NAME } from './fixtures';
import { unnamedControls } from './accessibility';
import { type OpenOptions, pageSuite, postedBy, type WebviewPage } from './harness';

const posted = postedBy<ChartsWebviewMessage>();

describe('charts webview (built bundle in Chromium, real CSP)', function () {
  const pages = pageSuite('charts');
  let view: WebviewPage;

  /** A page that said ready and drew the loss chart of the three fixture runs. */
  async function openLoaded(options: OpenOptions = {}): Promise<WebviewPage> {
    const page = await pages.open(options);
    await page.post(init());
    await page.post(lossSeries());
    await page.waitFor(renderedWhere('loss', (c) => !c.loading), { what: 'loss drawn' });
    return page;
  }

  it('says ready first and runs under exactly the policy webviewHtml produces', async () => {
    view = await pages.open();
    assert.deepStrictEqual(view.received[0], { type: 'ready' }, 'ready is the first message');
    const meta = await view.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    const scriptNonce = await view.page.locator('script[src]').evaluate((s) => (s as HTMLScriptElement).nonce);
    assert.strictEqual(scriptNonce, view.nonce);
    assert.strictEqual(meta, contentSecurityPolicy(view.cspSource, view.nonce));
  });

  it('draws one line per run and marks NaN and +∞ instead of plotting them', async () => {
    view = await openLoaded();
    const rendered = await view.waitFor(renderedWhere('loss', (c) => !c.loading));
    const chart = rendered.summary.charts[0];
    assert.strictEqual(chart.datasets, 3);
    assert.deepStrictEqual(chart.points, { 'run-a': 100, 'run-b': 100, 'run-c': 100 });
    assert.deepStrictEqual(chart.nonFinite, { nan: 1, posInf: 1, negInf: 0 });
    assert.strictEqual(chart.yScale, 'linear');
  });

  it('changes the x axis, y scale and smoothing from the toolbar, by keyboard and slider', async () => {
    view = await openLoaded();
    let since = view.mark();
    await chooseByKeyboard(view, '#x-axis', 2); // step → wall → relative
    await view.waitFor(renderedWhere('loss', (c) => c.xAxis === 'relative'), { since, what: 'relative time axis' });
    await view.waitFor(posted('viewState', (m) => m.state.xAxis === 'relative'), { since });

    since = view.mark();
    await chooseByKeyboard(view, '#y-scale', 1);
    await view.waitFor(renderedWhere('loss', (c) => c.yScale === 'logarithmic'), { since, what: 'log scale' });

    since = view.mark();
    await view.page.locator('#smoothing').fill('0.6');
    const smoothed = await view.waitFor(renderedWhere('loss', (c) => c.smoothing === 0.6), { since, what: 'smoothing' });
    // Each run keeps its faint raw line and gains a smoothed one.
    assert.strictEqual(smoothed.summary.charts[0].datasets, 6);
    const saved = view.savedStates.at(-1) as { xAxis: string; yScale: string; smoothing: number };
    assert.deepStrictEqual([saved.xAxis, saved.yScale, saved.smoothing], ['relative', 'log', 0.6], 'persisted with setState');
  });

  it('shows a run named like markup as text, and nothing in it runs', async () => {
    view = await openLoaded();
    await view.post({ type: 'error', message: `failed for ${XSS_NAME}` });
    await view.page.locator('.notice').filter({ hasText: XSS_NAME }).waitFor();
    await view.page.waitForLoadState('networkidle');
    const legendText = await view.page.locator('.legend-list li[data-run="run-b"]').textContent();
    assert.ok(legendText?.includes(XSS_NAME), `legend shows the name literally: ${legendText}`);
    assert.strictEqual(await view.page.locator('img').count(), 0, 'no <img> element was created');
    assert.deepStrictEqual(view.dialogs, [], 'no dialog opened');
  });

  it("draws a run named like markup in chart.js's tooltip as that very text, and nothing is made from it", async () => {
    // Only the hostile run on the chart, so wherever the pointer is, the nearest point is one of its.
    view = await pages.open();
    await view.post(init({ hiddenRunIds: ['run-a', 'run-c'] }));
    await view.post(lossSeries());
    await view.waitFor(renderedWhere('loss', (c) => !c.loading && c.datasets === 1), { what: 'run-b alone drawn' });
    const figure = view.page.locator('figure.chart[data-metric="loss"]');
    const box = await figure.locator('canvas').boundingBox();
    assert.ok(box, 'the chart is on screen');
    await view.page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await view.page.mouse.move(box.x + box.width / 2 + 3, box.y + box.height / 2);
    await view.page.locator('figure.chart[data-metric="loss"][data-tooltip]').waitFor();
    const drawn = JSON.parse((await figure.getAttribute('data-tooltip')) ?? 'null') as { title: string[]; body: string[] };
    assert.deepStrictEqual(drawn.title, [XSS_NAME], "the tooltip's title is the run name, raw");
    assert.match(drawn.body[0] ?? '', /^step \d+$/);
    assert.ok(drawn.body.some((line) => /^value \S+/.test(line)), JSON.stringify(drawn.body));
    // chart.js paints the tooltip on the canvas: no element anywhere holds or was built from the name.
    const built = await view.page.evaluate(`[document.querySelectorAll('img').length, [...document.body.querySelectorAll('*')].filter((e) => e.children.length === 0 && e.textContent === ${JSON.stringify(XSS_NAME)} && e.closest('.legend-list') === null).length]`);
    assert.deepStrictEqual(built, [0, 0], 'no <img> made, and the name sits in no element outside the legend');
  });

  it('fetches full resolution for a zoomed window and keeps the zoom while live points arrive', async () => {
    view = await pages.open();
    await view.post(init());
    // An overview sampled every 5th step, like getSampledHistories returns for long runs.
    const overview = lossPoints(100).filter((p) => p.step % 5 === 0 || p.step === 99);
    await view.post({ type: 'series', metricKey: 'loss', series: buildSeries(overview, RUNS.map((r) => r.runId)) });
    await view.waitFor(renderedWhere('loss', (c) => c.points['run-a'] === 21), { what: 'overview' });

    let since = view.mark();
    await view.page.locator('vscode-button[aria-label="Zoom in on loss"]').click();
    const zoomed = await view.waitFor(renderedWhere('loss', (c) => c.zoom !== undefined), { since, what: 'zoomed' });
    const zoom = zoomed.summary.charts[0].zoom!;
    const request = await view.waitFor(posted('requestWindow'), { since, what: 'window request' });
    assert.ok(request.window.startStep <= zoom.min && request.window.endStep >= zoom.max, `window ${JSON.stringify(request.window)} covers ${JSON.stringify(zoom)}`);

    since = view.mark();
    const window: StepWindow = request.window;
    const detail = lossPoints(100).filter((p) => p.step >= window.startStep && p.step <= window.endStep);
    await view.post({ type: 'series', metricKey: 'loss', window, series: buildSeries(detail, RUNS.map((r) => r.runId)) });
    const inside = window.endStep - window.startStep + 1;
    const outside = overview.filter((p) => p.runId === 'run-a' && (p.step < window.startStep || p.step > window.endStep)).length;
    const detailed = await view.waitFor(renderedWhere('loss', (c) => c.points['run-a'] === inside + outside), { since, what: 'window merged' });
    assert.deepStrictEqual(detailed.summary.charts[0].zoom, zoom, 'zoom kept after the window merged');

    since = view.mark();
    const live = lossPoints(105).filter((p) => p.runId === 'run-c' && p.step >= 100);
    await view.post({ type: 'append', metricKey: 'loss', series: buildSeries(live, ['run-c']) });
    // Counted from chart.js's laid-out points: the appended steps are drawn, up to the last one.
    const appended = await view.waitFor(renderedWhere('loss', (c) => c.points['run-c'] === inside + outside + 5), { since, what: 'appended' });
    assert.strictEqual(appended.summary.charts[0].lastSteps?.['run-c'], Math.max(...live.map((p) => p.step)), 'the last appended step is drawn');
    assert.deepStrictEqual(appended.summary.charts[0].zoom, zoom, 'zoom kept after live points arrived');
    assert.strictEqual(appended.summary.charts[0].points['run-a'], inside + outside, 'other runs untouched');

    since = view.mark();
    await view.page.locator('vscode-button[aria-label="Reset zoom of loss"]').click();
    await view.waitFor(renderedWhere('loss', (c) => c.zoom === undefined), { since, what: 'zoom reset' });
  });

  it('persists a zoom with the panel state and comes back zoomed from it (a window reload)', async () => {
    view = await openLoaded();
    let since = view.mark();
    await view.page.locator('vscode-button[aria-label="Zoom in on loss"]').click();
    const zoomed = await view.waitFor(renderedWhere('loss', (c) => c.zoom !== undefined), { since, what: 'zoomed' });
    const zoom = zoomed.summary.charts[0].zoom!;
    const saved = await view.waitFor(posted('viewState', (m) => m.state.zoom?.loss !== undefined), { since, what: 'the zoom told to the host' });
    assert.deepStrictEqual(saved.state.zoom, { loss: zoom });
    assert.deepStrictEqual((view.savedStates.at(-1) as { zoom?: unknown }).zoom, { loss: zoom }, 'persisted with setState');

    // A new page (what VS Code makes after a reload) given that state by the host.
    await view.close();
    view = await pages.open();
    await view.post(init({ zoom: { loss: zoom } }));
    await view.post(lossSeries());
    const restored = await view.waitFor(renderedWhere('loss', (c) => !c.loading && c.zoom !== undefined), { what: 'drawn zoomed' });
    assert.deepStrictEqual(restored.summary.charts[0].zoom, zoom, 'the same x range as before the reload');
    const request = await view.waitFor(posted('requestWindow'), { what: 'the zoomed window fetched at full resolution' });
    assert.ok(request.window.startStep <= zoom.min && request.window.endStep >= zoom.max, JSON.stringify(request.window));

    since = view.mark();
    await view.page.locator('vscode-button[aria-label="Reset zoom of loss"]').click();
    await view.waitFor(posted('viewState', (m) => m.state.zoom === undefined), { since, what: 'the reset told to the host' });
    await view.page.locator('vscode-button[aria-label="Zoom in on loss"]').click();
    await view.waitFor(posted('viewState', (m) => m.state.zoom !== undefined), { since, what: 'zoomed again' });
    since = view.mark();
    await chooseByKeyboard(view, '#x-axis', 1);
    const wall = await view.waitFor(posted('viewState', (m) => m.state.xAxis === 'wall'), { since });
    assert.strictEqual(wall.state.zoom, undefined, 'a step range means nothing on the wall-clock axis');
  });

  it('zooms and resets from the keyboard on the focused chart', async () => {
    view = await openLoaded();
    let since = view.mark();
    await view.page.locator('canvas').focus();
    await view.page.keyboard.press('+');
    await view.waitFor(renderedWhere('loss', (c) => c.zoom !== undefined), { since, what: 'keyboard zoom' });
    since = view.mark();
    await view.page.keyboard.press('0');
    await view.waitFor(renderedWhere('loss', (c) => c.zoom === undefined), { since, what: 'keyboard reset' });
  });

  it('hides, shows and highlights runs from the legend, in every chart', async () => {
    view = await openLoaded();
    let since = view.mark();
    await view.page.locator('vscode-checkbox[data-run="run-b"]').click();
    const hidden = await view.waitFor(renderedWhere('loss', (c, s) => c.datasets === 2 && s.hiddenRunIds.includes('run-b')), { since });
    assert.strictEqual(hidden.summary.charts[0].points['run-b'], undefined);
    await view.waitFor(posted('viewState', (m) => m.state.hiddenRunIds.includes('run-b')), { since });

    since = view.mark();
    await view.page.locator('.legend-list li[data-run="run-a"]').hover();
    await view.waitFor(renderedWhere('loss', (_c, s) => s.highlightedRunId === 'run-a'), { since, what: 'highlight' });

    since = view.mark();
    await view.page.locator('vscode-button', { hasText: 'Show all' }).click();
    await view.waitFor(renderedWhere('loss', (c) => c.datasets === 3), { since, what: 'all shown' });
  });

  it('adds a chart from the metric search and asks the host for it', async () => {
    view = await openLoaded();
    const since = view.mark();
    await view.page.locator('#metric-search input').fill('acc');
    await view.page.locator('.metric-list vscode-checkbox[data-metric="loss"]').waitFor();
    assert.strictEqual(await view.page.locator('.metric-list vscode-checkbox').count(), 2, 'the chosen metric stays listed');
    await view.page.locator('.metric-list vscode-checkbox[data-metric="accuracy"]').click();
    await view.waitFor(posted('viewState', (m) => m.state.metricKeys.join() === 'loss,accuracy'), { since });
    await view.waitFor(renderedWhere('accuracy', (c) => c.loading), { since, what: 'accuracy loading' });
    const accuracy = buildSeries([{ runId: 'run-a', key: 'accuracy', step: 0, timestamp: 0, value: 0.5 }], RUNS.map((r) => r.runId));
    await view.post({ type: 'series', metricKey: 'accuracy', series: accuracy });
    await view.waitFor(renderedWhere('accuracy', (c) => !c.loading && c.datasets === 1), { since, what: 'accuracy drawn' });
  });

  it('follows a run from no metrics to its first charts and to its end: badge, Live mark, new charts', async () => {
    view = await pages.open();
    const live = RUNS.filter((r) => r.runId === 'run-c');
    await view.post({ type: 'init', runs: live, metricKeys: [], state: state({ target: { runIds: ['run-c'] }, metricKeys: [] }) });
    const first = await view.waitFor(isRendered((s) => s.live && s.badges['run-c'] === 'running'), { what: 'running badge' });
    assert.deepStrictEqual(first.summary.charts, []);
    await view.page.locator('.charts-empty', { hasText: 'No metrics logged yet' }).waitFor();
    await view.page.locator('.live:not([hidden])').waitFor();

    // The host found the run's first metric keys and charts them: the page adds the charts and says so.
    let since = view.mark();
    await view.post({ type: 'runs', runs: live, metricKeys: ['acc', 'loss'], added: ['acc', 'loss'] });
    await view.waitFor(posted('viewState', (m) => m.state.metricKeys.join() === 'acc,loss'), { since });
    assert.deepStrictEqual((view.savedStates.at(-1) as { metricKeys: string[] }).metricKeys, ['acc', 'loss'], 'kept in the panel state');
    await view.post({ type: 'series', metricKey: 'loss', series: buildSeries(lossPoints(5).filter((p) => p.runId === 'run-c'), ['run-c']) });
    await view.waitFor(renderedWhere('loss', (c) => !c.loading && c.points['run-c'] === 5), { since, what: 'loss drawn' });
    await view.page.locator('.charts-empty').waitFor({ state: 'hidden' });

    // The run ends: no badge for a finished run, "failed" for a failed one; the Live mark goes.
    since = view.mark();
    await view.post({ type: 'runs', runs: [{ ...live[0], status: 'FINISHED' }], metricKeys: ['acc', 'loss'], added: [] });
    const finished = await view.waitFor(renderedWhere('loss', (_c, s) => !s.live), { since, what: 'finished' });
    assert.deepStrictEqual(finished.summary.badges, {});
    await view.page.locator('.live[hidden]').waitFor({ state: 'attached' });
    assert.strictEqual(await view.page.locator('.legend-list li[data-run="run-c"]').getAttribute('data-status'), 'FINISHED');
    since = view.mark();
    await view.post({ type: 'runs', runs: [{ ...live[0], status: 'FAILED' }], metricKeys: ['acc', 'loss'], added: [] });
    await view.waitFor(isRendered((s) => s.badges['run-c'] === 'failed'), { since, what: 'failed badge' });
    assert.strictEqual(await view.page.locator('.legend-list li[data-run="run-c"] .badge').textContent(), 'failed');
  });

  it('redraws with the new theme colours when VS Code switches theme', async () => {
    view = await openLoaded();
    for (const [kind, foreground] of [['light', '#3b3b3b'], ['high-contrast', '#ffffff'], ['high-contrast-light', '#292929']] as const) {
      const since = view.mark();
      await view.setTheme(kind);
      await view.waitFor(renderedWhere('loss', (_c, s) => s.theme === kind && s.foreground === foreground), { since, what: kind });
    }
  });

  it('exports the chart as PNG and asks the host for CSV', async () => {
    view = await openLoaded();
    const since = view.mark();
    await view.page.locator('vscode-button[aria-label="Export loss as PNG"]').click();
    const png = await view.waitFor(posted('exportPng'), { since });
    assert.ok(png.dataUrl.startsWith('data:image/png;base64,') && png.dataUrl.length > 1000);
    await view.page.locator('#export-csv').click();
    const csv = await view.waitFor(posted('exportCsv'), { since });
    assert.deepStrictEqual(csv.metricKeys, ['loss']);
  });

  it('gives every control an accessible name (as Chromium computes it for screen readers)', async () => {
    view = await openLoaded();
    assert.deepStrictEqual(await unnamedControls(view.page), []);
  });
});

describe('charts webview: the tick labels chart.js draws', function () {
  const pages = pageSuite('charts');
  let view: WebviewPage;

  /** A page showing `points` as the loss chart with these axis options; resolves once drawn. */
  async function draw(points: RunMetric[], patch: Parameters<typeof init>[0]): Promise<WebviewPage> {
    const page = await pages.open();
    await page.post(init(patch));
    await page.post({ type: 'series', metricKey: 'loss', series: buildSeries(points, RUNS.map((r) => r.runId)) });
    await page.waitFor(renderedWhere('loss', (c) => !c.loading && c.datasets > 0), { what: 'loss drawn' });
    return page;
  }

  /** What each axis of the loss chart reads, as chart.js laid it out (the figure carries it). */
  async function ticks(page: WebviewPage): Promise<{ x: string[]; y: string[] }> {
    const figure = page.page.locator('figure.chart[data-metric="loss"]');
    const read = async (axis: 'x' | 'y'): Promise<string[]> => JSON.parse((await figure.getAttribute(`data-${axis}-ticks`)) ?? 'null') as string[];
    return { x: await read('x'), y: await read('y') };
  }

  function assertDistinct(labels: readonly string[], what: string): void {
    assert.ok(labels.length >= 1, `${what}: some label shown`);
    assert.strictEqual(new Set(labels).size, labels.length, `${what}: each label once, got ${JSON.stringify(labels)}`);
  }

  it('a metric logged once says each tick once on every x axis (not "1s 1s 1s…")', async () => {
    const once = lossPoints(1); // step 0 of each run, the runs a minute apart
    for (const xAxis of ['step', 'relative', 'wall'] as const) {
      view = await draw(once, { xAxis });
      const { x, y } = await ticks(view);
      assertDistinct(x, `${xAxis} axis`);
      assertDistinct(y, `${xAxis}: y axis`);
      if (xAxis === 'step') assert.deepStrictEqual(x, ['0'], 'the one step, alone');
      if (xAxis === 'relative') assert.deepStrictEqual(x, ['0s'], 'the one time since start, alone');
      await view.close();
    }
  });

  it('a run of a few seconds on the wall-clock axis reads in seconds, each label once', async () => {
    const start = START + 19 * 60_000;
    const points: RunMetric[] = Array.from({ length: 6 }, (_, i) => ({ runId: 'run-a', key: 'loss', step: i, timestamp: start + i * 1500, value: 1 / (i + 1) }));
    view = await draw(points, { xAxis: 'wall' });
    const { x } = await ticks(view);
    assert.ok(x.length >= 3, `several ticks across the run: ${JSON.stringify(x)}`);
    assertDistinct(x, 'wall clock');
  });

  it('a log axis over five decades labels 1, 2, 5 or powers of ten only, with short exponents', async () => {
    const points: RunMetric[] = Array.from({ length: 100 }, (_, i) => ({ runId: 'run-a', key: 'loss', step: i, timestamp: START + i * 1000, value: 10 ** (-5 + i / 20) }));
    view = await draw(points, { yScale: 'log' });
    const { y } = await ticks(view);
    const height = await view.page.locator('figure.chart[data-metric="loss"] canvas').evaluate((c) => c.getBoundingClientRect().height);
    assertDistinct(y, 'log axis');
    assert.ok(y.length >= 3 && y.length <= Math.floor(height / 20), `${y.length} labels on ${height}px: ${JSON.stringify(y)}`);
    for (const label of y) {
      assert.doesNotMatch(label, /\.0+e|e\+?-?0\d/, `no padded exponent: ${label}`);
      assert.match(label, /^[125](e-?\d+|0*)?$|^0\.0*[125]$/, `a 1, 2 or 5 of its decade: ${label}`);
    }
    assert.ok(y.includes('1e-5') || y.includes('1e-4'), `the small end reads in short exponent form: ${JSON.stringify(y)}`);
  });
});

/** Opens a vscode-single-select with the keyboard, moves `down` options and picks with Enter. */
async function chooseByKeyboard(view: WebviewPage, selector: string, down: number): Promise<void> {
  await view.page.locator(selector).focus();
  await view.page.keyboard.press('ArrowDown');
  for (let i = 0; i < down; i++) await view.page.keyboard.press('ArrowDown');
  await view.page.keyboard.press('Enter');
}
