import * as assert from 'node:assert';
import type { WireValue } from '../../src/charts/protocol';
import { appendAfterLastStep, buildSeries, chunk, encodeValue, lastSteps } from '../../src/charts/series';
import type { RunMetric } from '../../src/mlflow/types';
import {
  appendSeries,
  decodeSeries,
  ema,
  linePoints,
  mergeWindow,
  nonFinitePoints,
  smoothedPoints,
  stepWindowFor,
  timeOrigin,
  xValue,
  type RunSeries,
} from '../../webview/charts/series';
import { decodeValue } from '../../webview/shared/wire';

const point = (runId: string, step: number, value: number, timestamp = 1000 + step * 10): RunMetric => ({ runId, key: 'loss', step, value, timestamp });
const series = (steps: number[], values = steps.map((s) => s / 10), timestamps = steps.map((s) => 1000 + s * 10)): RunSeries => ({ steps, timestamps, values });

describe('charts data shaping: host side', () => {
  it('spells NaN and ±∞ out so they survive JSON, and reads them back', () => {
    const values = [1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0, -2];
    const wire = JSON.parse(JSON.stringify(values.map(encodeValue))) as WireValue[];
    assert.deepStrictEqual(wire, [1.5, 'NaN', 'Infinity', '-Infinity', 0, -2]);
    assert.deepStrictEqual(wire.map(decodeValue), values);
    assert.ok(!JSON.stringify(values.map(encodeValue)).includes('e+308'));
  });

  it('builds step-ordered columns per run, in the given run order, with empty series for runs without points', () => {
    const built = buildSeries([point('b', 2, 0.2), point('a', 1, 0.1), point('b', 1, Number.NaN), point('x', 0, 9)], ['a', 'b', 'c']);
    assert.deepStrictEqual(built, [
      { runId: 'a', steps: [1], timestamps: [1010], values: [0.1] },
      { runId: 'b', steps: [1, 2], timestamps: [1010, 1020], values: ['NaN', 0.2] },
      { runId: 'c', steps: [], timestamps: [], values: [] },
    ]);
  });

  it('merges a poll: keeps only steps after the last one held per run', () => {
    const held = buildSeries([point('a', 0, 1), point('a', 5, 1), point('b', 0, 1), point('b', 2, 1)], ['a', 'b']);
    assert.deepStrictEqual([...lastSteps(held)], [['a', 5], ['b', 2]]);
    // The poll window starts at the smaller next step (3), so run a's step 3 and 5 come back too.
    const fetched = buildSeries([point('a', 3, 1), point('a', 5, 1), point('a', 6, 2), point('b', 3, 3), point('b', 4, 4)], ['a', 'b']);
    const { added, merged } = appendAfterLastStep(held, fetched);
    assert.deepStrictEqual(added.map((s) => [s.runId, s.steps, s.values]), [['a', [6], [2]], ['b', [3, 4], [3, 4]]]);
    assert.deepStrictEqual(merged.map((s) => s.steps), [[0, 5, 6], [0, 2, 3, 4]]);
    assert.deepStrictEqual(appendAfterLastStep(merged, fetched).added, [], 'the same poll twice adds nothing');
  });

  it('splits run ids into requests of at most 100', () => {
    assert.deepStrictEqual(chunk([...Array(250).keys()], 100).map((c) => c.length), [100, 100, 50]);
    assert.deepStrictEqual(chunk([], 100), []);
  });
});

describe('charts data shaping: webview side', () => {
  it('decodes wire series', () => {
    assert.deepStrictEqual(decodeSeries({ runId: 'a', steps: [0, 1], timestamps: [5, 6], values: ['NaN', 2] }).values, [Number.NaN, 2]);
  });

  it('replaces the overview inside a zoom window with its full-resolution points', () => {
    const overview = series([0, 10, 20, 30, 40]);
    const detail = series([9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 99]);
    const merged = mergeWindow(overview, detail, { startStep: 10, endStep: 20 });
    assert.deepStrictEqual(merged.steps, [0, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 30, 40]);
  });

  it('appends live points after the last step only', () => {
    const appended = appendSeries(series([0, 1, 2]), series([2, 3, 4]));
    assert.deepStrictEqual(appended.steps, [0, 1, 2, 3, 4]);
    assert.deepStrictEqual(appendSeries({ steps: [], timestamps: [], values: [] }, series([7])).steps, [7]);
  });

  it('puts points on step, wall-time and relative-time axes', () => {
    const s = series([0, 1], [1, 2], [5_000, 65_000]);
    assert.strictEqual(timeOrigin(s, 2_000), 2_000);
    assert.strictEqual(timeOrigin(s, undefined), 5_000, 'without a start time, the first point is the origin');
    assert.deepStrictEqual(linePoints(s, 'step', 2_000, 'linear').map((p) => p.x), [0, 1]);
    assert.deepStrictEqual(linePoints(s, 'wall', 2_000, 'linear').map((p) => p.x), [5_000, 65_000]);
    assert.deepStrictEqual(linePoints(s, 'relative', 2_000, 'linear').map((p) => p.x), [3, 63], 'seconds since start');
    assert.strictEqual(xValue(3, 9_000, 'relative', 4_000), 5);
  });

  it('draws NaN, ±∞ and (on a log axis) non-positive values as gaps, and lists markers for the non-finite', () => {
    const s = series([0, 1, 2, 3, 4], [1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0]);
    assert.deepStrictEqual(linePoints(s, 'step', 0, 'linear').map((p) => p.y), [1, null, null, null, 0]);
    assert.deepStrictEqual(linePoints(s, 'step', 0, 'log').map((p) => p.y), [1, null, null, null, null]);
    assert.deepStrictEqual(linePoints(s, 'step', 0, 'linear').map((p) => p.value).slice(1, 3), [Number.NaN, Number.POSITIVE_INFINITY], 'tooltips keep the real value');
    assert.deepStrictEqual(nonFinitePoints(s, 'step', 0), [{ x: 1, kind: 'nan' }, { x: 2, kind: 'posInf' }, { x: 3, kind: 'negInf' }]);
  });

  it('smooths with a debiased EMA that skips non-finite values', () => {
    assert.deepStrictEqual(ema([1, 2, 3], 0), [1, 2, 3], 'weight 0 is the raw line');
    const smoothed = ema([10, 10, 10], 0.9);
    assert.ok(smoothed.every((v) => v !== null && Math.abs(v - 10) < 1e-9), `debiased: a constant stays constant (${smoothed})`);
    const [a, b, gap, c] = ema([0, 10, Number.NaN, 10], 0.5);
    assert.deepStrictEqual([a, gap], [0, null]);
    assert.ok(b !== null && c !== null && c > b, 'NaN leaves the average where it was');
    const points = smoothedPoints(series([0, 1], [2, 4]), 'step', 0, 'linear', 0.5);
    assert.deepStrictEqual(points.map((p) => p.value), [2, 4], 'a smoothed point carries the raw value for the tooltip');
  });

  it('finds the step window behind a zoomed x range, one point wider on each side, on any axis', () => {
    const runs = [{ series: series([0, 10, 20, 30, 40]), origin: 1000 }, { series: series([5, 15, 25]), origin: 1000 }];
    assert.deepStrictEqual(stepWindowFor(runs, 'step', 12, 22), { startStep: 5, endStep: 30 });
    // Relative time: step s sits at (1000 + 10 s - 1000) / 1000 = s / 100 seconds.
    assert.deepStrictEqual(stepWindowFor(runs, 'relative', 0.12, 0.22), { startStep: 5, endStep: 30 });
    assert.strictEqual(stepWindowFor(runs, 'step', 41, 50), undefined);
  });
});
