import type { StepWindow, WireSeries, XAxisKind, YScaleKind } from '../../src/charts/protocol';
import { decodeValue } from '../shared/wire';

/**
 * The charts webview's pure data shaping: decoding the wire format, merging zoom windows and live
 * points, x values per axis kind, smoothing, and what to draw for NaN and ±∞. No DOM, no chart.js:
 * unit-tested in Node.
 */

/** One run's points of one metric, step-ordered, values as real numbers (NaN and ±∞ included). */
export interface RunSeries {
  steps: number[];
  timestamps: number[];
  values: number[];
}

/** A point as chart.js gets it: `y` null is a gap; the rest feeds the tooltip. */
export interface ChartPoint {
  x: number;
  y: number | null;
  step: number;
  time: number;
  /** The logged value (NaN and ±∞ included); for a smoothed line, the raw value behind the point. */
  value: number;
}

export type NonFiniteKind = 'nan' | 'posInf' | 'negInf';

export function decodeSeries(wire: WireSeries): RunSeries {
  return { steps: wire.steps, timestamps: wire.timestamps, values: wire.values.map(decodeValue) };
}

/** Full-resolution points of `window` replace the overview's points inside it; the rest stays. */
export function mergeWindow(base: RunSeries, detail: RunSeries, window: StepWindow): RunSeries {
  const before = indexesWhere(base, (step) => step < window.startStep);
  const after = indexesWhere(base, (step) => step > window.endStep);
  const inside = indexesWhere(detail, (step) => step >= window.startStep && step <= window.endStep);
  return concat([pick(base, before), pick(detail, inside), pick(base, after)]);
}

/** Live points: only steps after the last one held, so a repeated or overlapping poll adds nothing twice. */
export function appendSeries(base: RunSeries, extra: RunSeries): RunSeries {
  const last = base.steps.at(-1) ?? Number.NEGATIVE_INFINITY;
  return concat([base, pick(extra, indexesWhere(extra, (step) => step > last))]);
}

/**
 * Relative time counts from the run's start; a run without a start time (some file stores) counts
 * from its first point of this metric.
 */
export function timeOrigin(series: RunSeries, startTime: number | undefined): number {
  return startTime ?? series.timestamps[0] ?? 0;
}

/** Step as is, wall time in epoch ms, relative time in seconds since the origin. */
export function xValue(step: number, timestamp: number, axis: XAxisKind, origin: number): number {
  switch (axis) {
    case 'step':
      return step;
    case 'wall':
      return timestamp;
    case 'relative':
      return (timestamp - origin) / 1000;
  }
}

/** A value chart.js can place: non-finite values, and non-positive ones on a log axis, are gaps. */
export function plottable(value: number, scale: YScaleKind): number | null {
  if (!Number.isFinite(value)) return null;
  if (scale === 'log' && value <= 0) return null;
  return value;
}

export function linePoints(series: RunSeries, axis: XAxisKind, origin: number, scale: YScaleKind): ChartPoint[] {
  return series.steps.map((step, i) => {
    const time = series.timestamps[i];
    const value = series.values[i];
    return { x: xValue(step, time, axis, origin), y: plottable(value, scale), step, time, value };
  });
}

export function smoothedPoints(series: RunSeries, axis: XAxisKind, origin: number, scale: YScaleKind, weight: number): ChartPoint[] {
  const smoothed = ema(series.values, weight);
  return series.steps.map((step, i) => {
    const time = series.timestamps[i];
    const s = smoothed[i];
    return { x: xValue(step, time, axis, origin), y: s === null ? null : plottable(s, scale), step, time, value: series.values[i] };
  });
}

/**
 * TensorBoard's debiased exponential moving average: without the debias term the line would start at
 * zero and crawl up. Non-finite values leave the average untouched and show as gaps, so one NaN
 * doesn't poison the rest of the line.
 */
export function ema(values: readonly number[], weight: number): (number | null)[] {
  let last = 0;
  let count = 0;
  return values.map((v) => {
    if (!Number.isFinite(v)) return null;
    last = last * weight + (1 - weight) * v;
    count++;
    const debias = weight === 0 ? 1 : 1 - weight ** count;
    return last / debias;
  });
}

export function nonFiniteKind(value: number): NonFiniteKind | undefined {
  if (Number.isNaN(value)) return 'nan';
  if (value === Number.POSITIVE_INFINITY) return 'posInf';
  if (value === Number.NEGATIVE_INFINITY) return 'negInf';
  return undefined;
}

/** Where the markers go: the x of every non-finite value. */
export function nonFinitePoints(series: RunSeries, axis: XAxisKind, origin: number): { x: number; kind: NonFiniteKind }[] {
  const out: { x: number; kind: NonFiniteKind }[] = [];
  series.values.forEach((value, i) => {
    const kind = nonFiniteKind(value);
    if (kind) out.push({ x: xValue(series.steps[i], series.timestamps[i], axis, origin), kind });
  });
  return out;
}

/**
 * The step window behind an x range: the smallest and largest step of any run with a point inside,
 * widened by one point each side so lines still run to the chart's edges. Works for every x axis.
 */
export function stepWindowFor(
  runs: readonly { series: RunSeries; origin: number }[],
  axis: XAxisKind,
  min: number,
  max: number,
): StepWindow | undefined {
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  for (const { series, origin } of runs) {
    const n = series.steps.length;
    for (let i = 0; i < n; i++) {
      const x = xValue(series.steps[i], series.timestamps[i], axis, origin);
      if (x < min || x > max) continue;
      start = Math.min(start, series.steps[Math.max(0, i - 1)]);
      end = Math.max(end, series.steps[Math.min(n - 1, i + 1)]);
    }
  }
  return start <= end ? { startStep: start, endStep: end } : undefined;
}

function indexesWhere(series: RunSeries, test: (step: number) => boolean): number[] {
  const out: number[] = [];
  series.steps.forEach((step, i) => {
    if (test(step)) out.push(i);
  });
  return out;
}

function pick(series: RunSeries, indexes: readonly number[]): RunSeries {
  return {
    steps: indexes.map((i) => series.steps[i]),
    timestamps: indexes.map((i) => series.timestamps[i]),
    values: indexes.map((i) => series.values[i]),
  };
}

function concat(parts: readonly RunSeries[]): RunSeries {
  return {
    steps: parts.flatMap((p) => p.steps),
    timestamps: parts.flatMap((p) => p.timestamps),
    values: parts.flatMap((p) => p.values),
  };
}
