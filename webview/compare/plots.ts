import type { CompareModel, CompareRow, WireValue } from '../../src/charts/protocol';

/**
 * Data for the compare panel's two plots, pure (unit-tested in Node): a parallel-coordinates view of
 * params → one metric, and a scatter of one metric against one param.
 */

export interface Dimension {
  key: string;
  kind: 'numeric' | 'categorical';
  /** Numeric range, for the axis labels. */
  min: number;
  max: number;
  /** Categorical values in axis order (sorted). */
  categories: string[];
}

export interface ParallelLine {
  runIndex: number;
  /** Positions on each axis in [0, 1]; null where the run has no value (a gap). */
  positions: (number | null)[];
  /** The values as shown in the tooltip. */
  labels: string[];
}

/** More axes than this get too narrow to read; params beyond it are left out (key order). */
export const MAX_PARALLEL_PARAMS = 12;

export function wireNumber(value: WireValue | undefined): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/** A param axis is numeric when every present value parses as a finite number. */
export function dimensionOf(key: string, values: readonly (string | number | null)[]): Dimension {
  const present = values.filter((v): v is string | number => v !== null);
  const numbers = present.map((v) => (typeof v === 'number' ? v : v.trim() === '' ? Number.NaN : Number(v)));
  if (present.length > 0 && numbers.every(Number.isFinite)) {
    return { key, kind: 'numeric', min: Math.min(...numbers), max: Math.max(...numbers), categories: [] };
  }
  const categories = [...new Set(present.map(String))].sort();
  return { key, kind: 'categorical', min: 0, max: Math.max(0, categories.length - 1), categories };
}

/** Where a value sits on its axis, in [0, 1]; a one-value axis puts everything in the middle. */
export function position(dimension: Dimension, value: string | number | null): number | null {
  if (value === null) return null;
  if (dimension.kind === 'numeric') {
    const n = Number(value);
    if (!Number.isFinite(n)) return null;
    return dimension.max === dimension.min ? 0.5 : (n - dimension.min) / (dimension.max - dimension.min);
  }
  const index = dimension.categories.indexOf(String(value));
  if (index < 0) return null;
  return dimension.categories.length === 1 ? 0.5 : index / (dimension.categories.length - 1);
}

/**
 * One axis per param that differs between the runs (an axis where every line meets in one point says
 * nothing), then the metric's last value. Runs without a finite value of the metric still get a line,
 * with a gap on the metric axis.
 */
export function parallelData(model: CompareModel, metricKey: string | undefined): { dimensions: Dimension[]; lines: ParallelLine[] } {
  const params = model.params.filter((row) => row.differs).slice(0, MAX_PARALLEL_PARAMS);
  const metricRow = model.metrics.find((m) => m.key === metricKey);
  const columns: { key: string; values: (string | number | null)[] }[] = params.map((row) => ({ key: row.key, values: row.values }));
  if (metricRow) {
    columns.push({ key: metricRow.key, values: metricRow.stats.map((s) => wireNumber(s?.last) ?? null).map(finiteOrNull) });
  }
  const dimensions = columns.map((c) => dimensionOf(c.key, c.values));
  const lines = model.runs.map((_, runIndex) => ({
    runIndex,
    positions: dimensions.map((d, i) => position(d, columns[i].values[runIndex])),
    labels: columns.map((c) => {
      const v = c.values[runIndex];
      return v === null ? '—' : String(v);
    }),
  }));
  return { dimensions, lines };
}

export interface ScatterPoint {
  x: number;
  y: number;
  runIndex: number;
}

/**
 * A metric's last value against a param. A numeric param is plotted as is; a categorical one at the
 * index of its (sorted) category, labelled on the axis. Runs missing either value are left out.
 */
export function scatterData(model: CompareModel, paramKey: string | undefined, metricKey: string | undefined): { x: Dimension | undefined; points: ScatterPoint[] } {
  const param: CompareRow | undefined = model.params.find((p) => p.key === paramKey);
  const metric = model.metrics.find((m) => m.key === metricKey);
  if (!param || !metric) return { x: undefined, points: [] };
  const x = dimensionOf(param.key, param.values);
  const points = model.runs.flatMap((_, runIndex) => {
    const raw = param.values[runIndex];
    const y = wireNumber(metric.stats[runIndex]?.last);
    if (raw === null || y === undefined || !Number.isFinite(y)) return [];
    const xValue = x.kind === 'numeric' ? Number(raw) : x.categories.indexOf(raw);
    return [{ x: xValue, y, runIndex }];
  });
  return { x, points };
}

function finiteOrNull(v: number | null): number | null {
  return v !== null && Number.isFinite(v) ? v : null;
}
