import * as assert from 'node:assert';
import { buildCompareModel } from '../../src/charts/compareModel';
import type { CompareRenderSummary, CompareWebviewMessage } from '../../src/charts/protocol';
import type { Metric, Run } from '../../src/mlflow/types';
import { contentSecurityPolicy } from '../../src/vscode/webviewHtml';
import { START, XSS_NAME } from './fixtures';
import { unnamedControls } from './accessibility';
import { pageSuite, postedBy, type WebviewPage } from './harness';

const posted = postedBy<CompareWebviewMessage>();
const rendered = (test: (s: CompareRenderSummary) => boolean) => posted('rendered', (m) => test(m.summary));

function run(id: string, name: string, params: Record<string, string>, loss: number[], accuracy: number): Run {
  const history = loss.map((value, step): Metric => ({ key: 'loss', value, step, timestamp: START + step * 1000 }));
  return {
    info: { runId: id, experimentId: '1', runName: name, userId: 'u', status: 'FINISHED', startTime: START, endTime: START + 90_000, artifactUri: '', lifecycleStage: 'active' },
    data: {
      metrics: [history[history.length - 1], { key: 'accuracy', value: accuracy, step: 0, timestamp: START }],
      params,
      tags: { 'mlflow.runName': name, team: 'vision' },
    },
    inputs: { datasets: [], modelInputs: [] },
    outputs: { modelOutputs: [] },
  };
}

const RUNS = [
  run('run-a', 'baseline', { lr: '0.1', batch_size: '32', optimizer: 'sgd', seed: '1' }, [1, 0.5, 0.4], 0.8),
  run('run-b', XSS_NAME, { lr: '0.01', batch_size: '32', optimizer: 'adam', seed: '1' }, [1, 0.3, 0.35], 0.9),
  run('run-c', 'wide', { lr: '0.001', batch_size: '32', optimizer: 'adam', seed: '1' }, [1, 0.6, 0.45], 0.85),
];
const HISTORIES = new Map(
  RUNS.map((r) => [r.info.runId, new Map([['loss', [1, 0.5, 0.4].map((value, step) => ({ key: 'loss', value, step, timestamp: 0 }))]])]),
);
const MODEL = buildCompareModel(RUNS, HISTORIES, START + 100_000);

describe('compare webview (built bundle in Chromium, real CSP)', function () {
  const pages = pageSuite('compare');
  let view: WebviewPage;

  async function openLoaded(): Promise<CompareRenderSummary> {
    view = await pages.open();
    await view.post({ type: 'init', model: MODEL, state: { runIds: RUNS.map((r) => r.info.runId), onlyDifferences: true } });
    return (await view.waitFor(rendered(() => true), { what: 'table' })).summary;
  }

  it('says ready first and runs under exactly the policy webviewHtml produces', async () => {
    await openLoaded();
    assert.deepStrictEqual(view.received[0], { type: 'ready' });
    const meta = await view.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.strictEqual(meta, contentSecurityPolicy(view.cspSource, view.nonce));
  });

  it('hides equal params by default and shows them when asked', async () => {
    const summary = await openLoaded();
    assert.strictEqual(summary.onlyDifferences, true);
    assert.deepStrictEqual([summary.paramRows, summary.hiddenEqualParams], [2, 2]);
    assert.strictEqual(await view.page.locator('tr[data-param="batch_size"]').count(), 0, 'equal param hidden');
    assert.strictEqual(await view.page.locator('tr[data-param="lr"]').count(), 1);

    const since = view.mark();
    await view.page.locator('#only-differences').click();
    const all = await view.waitFor(rendered((s) => !s.onlyDifferences), { since });
    assert.deepStrictEqual([all.summary.paramRows, all.summary.hiddenEqualParams], [4, 0]);
    await view.waitFor(posted('viewState', (m) => m.state.onlyDifferences === false), { since });
    assert.strictEqual(await view.page.locator('tr[data-param="batch_size"]').count(), 1);
  });

  it('marks the best run per metric: lowest loss, highest accuracy', async () => {
    const summary = await openLoaded();
    const bestLoss = view.page.locator('tr[data-metric="loss"][data-stat="last"] td.best');
    assert.strictEqual(await bestLoss.count(), 1);
    // Columns: th, run-a, run-b, run-c; run-b's last loss 0.35 is the lowest.
    assert.strictEqual(await view.page.locator('tr[data-metric="loss"][data-stat="last"] td').nth(1).getAttribute('class'), 'best');
    assert.strictEqual(await view.page.locator('tr[data-metric="accuracy"][data-stat="last"] td').nth(1).getAttribute('class'), 'best');
    assert.ok(summary.bestCells >= 3, `best cells: ${summary.bestCells}`);
  });

  it('draws parallel coordinates over the differing params and scatters a metric against a param', async () => {
    const summary = await openLoaded();
    assert.deepStrictEqual(summary.parallel, { metric: 'accuracy', dimensions: ['lr', 'optimizer', 'accuracy'], lines: 3 });
    assert.deepStrictEqual(summary.scatter, { param: 'lr', metric: 'accuracy', points: 3 });
    const since = view.mark();
    await view.page.locator('#parallel-metric').focus();
    await view.page.keyboard.press('ArrowDown');
    await view.page.keyboard.press('ArrowDown');
    await view.page.keyboard.press('Enter');
    await view.waitFor(rendered((s) => s.parallel.dimensions.at(-1) === 'loss'), { since, what: 'parallel on loss' });
  });

  /** What each axis of a plot reads, as chart.js laid it out (the plot box carries it, as a chart's figure does). */
  async function ticks(plot: 'parallel' | 'scatter'): Promise<{ x: string[]; y: string[] }> {
    const box = view.page.locator('.plot-box[data-x-ticks]').nth(plot === 'parallel' ? 0 : 1);
    await box.waitFor();
    const read = async (axis: 'x' | 'y'): Promise<string[]> => JSON.parse((await box.getAttribute(`data-${axis}-ticks`)) ?? 'null') as string[];
    return { x: await read('x'), y: await read('y') };
  }

  it("labels the plots' axes like the charts: the param names, and numeric ticks each once even when values differ past six digits", async () => {
    // Accuracies that formatValue's six significant digits would all print as "0.8".
    const close = [
      run('run-a', 'baseline', { lr: '0.1', optimizer: 'sgd' }, [1, 0.5], 0.8000001),
      run('run-b', 'second', { lr: '0.01', optimizer: 'adam' }, [1, 0.3], 0.8000002),
      run('run-c', 'third', { lr: '0.001', optimizer: 'adam' }, [1, 0.6], 0.8000004),
    ];
    view = await pages.open();
    const state = { runIds: close.map((r) => r.info.runId), onlyDifferences: true, scatterParam: 'lr', scatterMetric: 'accuracy', parallelMetric: 'accuracy' };
    await view.post({ type: 'init', model: buildCompareModel(close, HISTORIES, START + 100_000), state });
    await view.waitFor(rendered((s) => s.scatter.points === 3), { what: 'the scatter drawn' });
    const parallel = await ticks('parallel');
    assert.deepStrictEqual(parallel.x, ['lr', 'optimizer', 'accuracy'], 'one category tick per axis');
    const scatter = await ticks('scatter');
    for (const [axis, labels] of [['x', scatter.x], ['y', scatter.y]] as const) {
      assert.ok(labels.length >= 2, `${axis}: several labels: ${JSON.stringify(labels)}`);
      assert.strictEqual(new Set(labels).size, labels.length, `${axis}: each label once, got ${JSON.stringify(labels)}`);
      for (const label of labels) assert.ok(Number.isFinite(Number(label)), `${axis}: a number: ${label}`);
    }
    const ys = scatter.y.map(Number);
    assert.ok(Math.min(...ys) <= 0.8000001 && Math.max(...ys) >= 0.8000004, `the y labels span the values: ${JSON.stringify(scatter.y)}`);
  });

  it('asks the host for a params diff and for charts of these runs', async () => {
    await openLoaded();
    const since = view.mark();
    await view.page.locator('#diff-params').click();
    const diff = await view.waitFor(posted('diffParams'), { since });
    assert.deepStrictEqual([diff.runIdA, diff.runIdB], ['run-a', 'run-b']);
    await view.page.locator('#open-charts').click();
    const charts = await view.waitFor(posted('openCharts'), { since });
    assert.deepStrictEqual(charts.runIds, ['run-a', 'run-b', 'run-c']);
  });

  it('shows a run named like markup as text in the header, and nothing in it runs', async () => {
    await openLoaded();
    await view.page.waitForLoadState('networkidle');
    const header = await view.page.locator('th[data-run="run-b"]').textContent();
    assert.ok(header?.includes(XSS_NAME), `header: ${header}`);
    assert.strictEqual(await view.page.locator('img').count(), 0);
    assert.deepStrictEqual(view.dialogs, []);
  });

  it('gives every control an accessible name (as Chromium computes it for screen readers)', async () => {
    await openLoaded();
    assert.deepStrictEqual(await unnamedControls(view.page), []);
  });
});
