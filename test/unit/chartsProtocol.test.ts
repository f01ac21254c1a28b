import * as assert from 'node:assert';
import { parseChartsMessage, parseChartsState, parseCompareMessage, parseCompareState } from '../../src/charts/messages';
import type { ChartsRenderSummary, ChartsViewState } from '../../src/charts/protocol';

const state: ChartsViewState = { target: { runIds: ['r1'], title: 't' }, metricKeys: ['loss'], xAxis: 'wall', yScale: 'log', smoothing: 0.6, hiddenRunIds: [] };
const summary: ChartsRenderSummary = {
  charts: [{ metricKey: 'loss', datasets: 2, xAxis: 'step', yScale: 'logarithmic', smoothing: 0, zoom: { min: 1, max: 5 }, points: { r1: 10 }, lastSteps: { r1: 99 }, nonFinite: { nan: 1, posInf: 0, negInf: 0 }, loading: false }],
  live: true,
  badges: { r1: 'running' },
  hiddenRunIds: [],
  theme: 'dark',
  foreground: '#ccc',
};

describe('charts protocol validation (what the host accepts from a webview)', () => {
  it('accepts every well-formed charts message, round-tripped through JSON', () => {
    const messages = [
      { type: 'ready' },
      { type: 'viewState', state },
      { type: 'requestWindow', metricKey: 'loss', window: { startStep: 0, endStep: 10 } },
      { type: 'exportPng', metricKey: 'loss', dataUrl: 'data:image/png;base64,AAAA' },
      { type: 'exportCsv', metricKeys: ['loss'] },
      { type: 'rendered', summary },
    ];
    for (const message of messages) {
      const wire = JSON.parse(JSON.stringify(message));
      assert.deepStrictEqual(parseChartsMessage(wire), message, message.type);
    }
  });

  it('rejects unknown types, missing or mistyped fields and out-of-range values', () => {
    const bad: unknown[] = [
      undefined,
      null,
      [],
      'ready',
      { type: 'READY' },
      { type: 'requestWindow', metricKey: 'loss', window: { startStep: 10, endStep: 0 } },
      { type: 'requestWindow', metricKey: 'loss', window: { startStep: 0.5, endStep: 1 } },
      { type: 'requestWindow', metricKey: '', window: { startStep: 0, endStep: 1 } },
      { type: 'exportPng', metricKey: 'loss', dataUrl: 'javascript:alert(1)' },
      { type: 'exportPng', metricKey: 'loss', dataUrl: 'data:text/html;base64,AAAA' },
      { type: 'exportCsv', metricKeys: [1] },
      { type: 'viewState', state: { ...state, smoothing: 2 } },
      { type: 'viewState', state: { ...state, xAxis: 'time' } },
      { type: 'viewState', state: { ...state, target: { runIds: [] } } },
      { type: 'rendered', summary: { ...summary, theme: 'pink' } },
      { type: 'rendered', summary: { ...summary, charts: [{ ...summary.charts[0], datasets: -1 }] } },
      { type: 'rendered', summary: { ...summary, charts: [{ ...summary.charts[0], points: { r1: 'many' } }] } },
      { type: 'rendered', summary: { ...summary, charts: [{ ...summary.charts[0], lastSteps: { r1: 'last' } }] } },
      { type: 'rendered', summary: { ...summary, live: 'yes' } },
      { type: 'rendered', summary: { ...summary, badges: { r1: 1 } } },
      { type: 'rendered', summary: { ...summary, badges: ['running'] } },
      { type: 'rendered', summary: { ...summary, badges: undefined } },
    ];
    for (const raw of bad) assert.strictEqual(parseChartsMessage(raw), undefined, JSON.stringify(raw));
  });

  it('keeps only known fields of a persisted state (what the panel serializer restores)', () => {
    assert.deepStrictEqual(parseChartsState({ ...state, extra: 'dropped' }), state);
    assert.deepStrictEqual(parseChartsState({ ...state, target: { runIds: [], experimentId: '7' } })?.target, { runIds: [], experimentId: '7' });
    assert.strictEqual(parseChartsState(undefined), undefined, 'a panel persisted before any state was set');
  });

  it('keeps each chart\'s zoom in the persisted state, so a reloaded panel comes back zoomed', () => {
    const zoomed: ChartsViewState = { ...state, zoom: { loss: { min: 10.5, max: 40 }, accuracy: { min: -3, max: 2 } } };
    assert.deepStrictEqual(parseChartsState(JSON.parse(JSON.stringify(zoomed))), zoomed);
    assert.deepStrictEqual(parseChartsMessage({ type: 'viewState', state: zoomed }), { type: 'viewState', state: zoomed });
    assert.deepStrictEqual(parseChartsState({ ...state, zoom: {} }), state, 'no zoom: no field');
    // A metric named like an object's prototype is a key like any other.
    const proto = parseChartsState(JSON.parse(`{"target":{"runIds":["r1"]},"metricKeys":["__proto__"],"xAxis":"step","yScale":"linear","smoothing":0,"hiddenRunIds":[],"zoom":{"__proto__":{"min":1,"max":2}}}`));
    assert.deepStrictEqual(Object.entries(proto?.zoom ?? {}), [['__proto__', { min: 1, max: 2 }]]);
    for (const zoom of [[], 'loss', { loss: { min: 5, max: 5 } }, { loss: { min: 6, max: 5 } }, { loss: { min: 'a', max: 5 } }, { loss: { min: 0 } }, { '': { min: 0, max: 1 } }]) {
      assert.strictEqual(parseChartsState({ ...state, zoom }), undefined, JSON.stringify(zoom));
    }
  });

  it('validates compare messages and state the same way', () => {
    assert.deepStrictEqual(parseCompareMessage({ type: 'diffParams', runIdA: 'a', runIdB: 'b' }), { type: 'diffParams', runIdA: 'a', runIdB: 'b' });
    assert.deepStrictEqual(parseCompareMessage({ type: 'openCharts', runIds: ['a'], metricKeys: [] }), { type: 'openCharts', runIds: ['a'], metricKeys: [] });
    assert.strictEqual(parseCompareMessage({ type: 'openCharts', runIds: [], metricKeys: [] }), undefined);
    assert.strictEqual(parseCompareMessage({ type: 'diffParams', runIdA: 'a' }), undefined);
    assert.deepStrictEqual(parseCompareState({ runIds: ['a'], onlyDifferences: false, scatterParam: 'lr' }), { runIds: ['a'], onlyDifferences: false, scatterParam: 'lr' });
    assert.strictEqual(parseCompareState({ runIds: ['a'], onlyDifferences: 'yes' }), undefined);
    const compareSummary = { runs: 2, onlyDifferences: true, paramRows: 1, hiddenEqualParams: 1, tagRows: 0, metricRows: 1, bestCells: 2, parallel: { dimensions: ['lr'], lines: 2 }, scatter: { points: 2 }, theme: 'light' };
    assert.deepStrictEqual(parseCompareMessage({ type: 'rendered', summary: compareSummary })?.type, 'rendered');
    assert.strictEqual(parseCompareMessage({ type: 'rendered', summary: { ...compareSummary, bestCells: 'x' } }), undefined);
  });
});
