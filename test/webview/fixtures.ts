import { buildSeries } from '../../src/charts/series';
import type { ChartRun, ChartsHostMessage, ChartsRenderSummary, ChartsViewState, ChartSummary } from '../../src/charts/protocol';
import type { RunMetric } from '../../src/mlflow/types';
import { isType } from './harness';

/** Typed builders for the page tests: host messages as the real host shapes them (buildSeries). */

export const XSS_NAME = '<img src=x onerror=alert(1)>';
export const START = Date.UTC(2025, 0, 1, 12, 0, 0);

export const RUNS: ChartRun[] = [
  { runId: 'run-a', runName: 'baseline', status: 'FINISHED', startTime: START, colorSlot: 0 },
  { runId: 'run-b', runName: XSS_NAME, status: 'FINISHED', startTime: START + 60_000, colorSlot: 1 },
  { runId: 'run-c', runName: 'live one', status: 'RUNNING', startTime: START + 120_000, colorSlot: 2 },
];

/** `steps` points per run of a decaying loss; run-a has a NaN at step 10 and +∞ at step 20. */
export function lossPoints(steps: number, from = 0): RunMetric[] {
  return RUNS.flatMap((run, r) =>
    Array.from({ length: steps }, (_, i) => {
      const step = from + i;
      let value = (1 + r) / (1 + step / 10);
      if (run.runId === 'run-a' && step === 10) value = Number.NaN;
      if (run.runId === 'run-a' && step === 20) value = Number.POSITIVE_INFINITY;
      return { runId: run.runId, key: 'loss', step, timestamp: (run.startTime ?? START) + step * 1000, value };
    }),
  );
}

export function state(patch: Partial<ChartsViewState> = {}): ChartsViewState {
  return { target: { runIds: RUNS.map((r) => r.runId) }, metricKeys: ['loss'], xAxis: 'step', yScale: 'linear', smoothing: 0, hiddenRunIds: [], ...patch };
}

export function init(patch: Partial<ChartsViewState> = {}): ChartsHostMessage {
  return { type: 'init', runs: RUNS, metricKeys: ['accuracy', 'loss'], state: state(patch) };
}

export function lossSeries(steps = 100, from = 0): ChartsHostMessage {
  return { type: 'series', metricKey: 'loss', series: buildSeries(lossPoints(steps, from), RUNS.map((r) => r.runId)) };
}

export type Rendered = { type: 'rendered'; summary: ChartsRenderSummary };

/** A `rendered` message whose chart for `metric` satisfies `test`. */
export function renderedWhere(metric: string, test: (chart: ChartSummary, summary: ChartsRenderSummary) => boolean) {
  return (m: unknown): m is Rendered => {
    if (!isType(m, 'rendered')) return false;
    const summary = (m as Rendered).summary;
    const chart = summary.charts.find((c) => c.metricKey === metric);
    return chart !== undefined && test(chart, summary);
  };
}

/** A `rendered` message whose summary satisfies `test`, charts or none. */
export function isRendered(test: (summary: ChartsRenderSummary) => boolean) {
  return (m: unknown): m is Rendered => isType(m, 'rendered') && test((m as Rendered).summary);
}
