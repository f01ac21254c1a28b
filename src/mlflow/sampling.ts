import { MlflowError } from './errors';
import type { Metric, RunMetric } from './types';

/** MLflow's cap on `max_results` for get-history-bulk-interval (MAX_RESULTS_PER_RUN). */
export const MAX_SAMPLED_RESULTS_PER_RUN = 2500;
/** MLflow's cap on run ids per get-history-bulk-interval request (MAX_RUNS_GET_METRIC_HISTORY_BULK). */
export const MAX_SAMPLED_RUNS = 100;
/** MLflow reads at most this many points per run for the chosen steps (MAX_RESULTS_GET_METRIC_HISTORY). */
export const MAX_POINTS_PER_RUN = 25000;

export interface SampleWindow {
  maxResults: number;
  startStep?: number;
  endStep?: number;
}

/**
 * MLflow's get-history-bulk-interval sampling, done locally: for stores without the endpoint and for
 * the local backends. Same semantics as the server (MLflow ≥ 2.18 / 3.x):
 *
 * - the candidate steps are the union of all the runs' steps;
 * - the window defaults to [0, largest step] (so negative steps only appear with an explicit window);
 * - when more than `maxResults` candidate steps fall in the window, `maxResults` of them are taken at
 *   an even index interval, plus the window's last step;
 * - each run's own first and last step are always kept when they lie in the window, so every line
 *   reaches its true ends;
 * - the result lists run after run in the order of `histories`, each ordered by (step, timestamp,
 *   value), every point logged at a chosen step included.
 *
 * MLflow 2.17 compared the sampling index against the window *length* instead of its end, so a window
 * not starting at the first step lost all but its first and last step; later servers fixed that and
 * this follows the fixed rule.
 */
export function sampleHistories(
  histories: ReadonlyMap<string, readonly Metric[]>,
  window: SampleWindow,
): RunMetric[] {
  validateSampleWindow(window);
  const steps = selectSampledSteps([...histories.values()], window);
  const out: RunMetric[] = [];
  for (const [runId, history] of histories) {
    const chosen = history.filter((m) => steps.has(m.step)).sort(comparePoints).slice(0, MAX_POINTS_PER_RUN);
    for (const m of chosen) out.push({ runId, key: m.key, value: m.value, timestamp: m.timestamp, step: m.step });
  }
  return out;
}

/** The request checks the server makes before reading any history, with its messages. */
export function validateSampleWindow(window: SampleWindow, runCount?: number): void {
  const { maxResults, startStep, endStep } = window;
  if (runCount !== undefined && runCount > MAX_SAMPLED_RUNS) {
    throw invalid(
      `GetMetricHistoryBulkInterval request must specify at most ${MAX_SAMPLED_RUNS} run_ids. Received ${runCount} run_ids.`,
    );
  }
  if (!Number.isInteger(maxResults) || maxResults < 1 || maxResults > MAX_SAMPLED_RESULTS_PER_RUN) {
    throw invalid(`max_results must be between 1 and ${MAX_SAMPLED_RESULTS_PER_RUN}.`);
  }
  if ((startStep === undefined) !== (endStep === undefined)) {
    throw invalid('If either start step or end step are specified, both must be specified.');
  }
  if (startStep !== undefined && endStep !== undefined && startStep > endStep) {
    throw invalid(
      `end_step must be greater than start_step. Found start_step=${startStep} and end_step=${endStep}.`,
    );
  }
}

/** The steps MLflow would return for these histories and window (exported for tests and charts). */
export function selectSampledSteps(histories: readonly (readonly Metric[])[], window: SampleWindow): Set<number> {
  const distinct = new Set<number>();
  const ranges: StepRange[] = [];
  for (const history of histories) {
    if (history.length === 0) continue;
    // A loop, not Math.min(...steps): a 1M-point history would overflow the argument stack.
    let min = history[0].step;
    let max = min;
    for (const { step } of history) {
      distinct.add(step);
      if (step < min) min = step;
      if (step > max) max = step;
    }
    ranges.push({ min, max });
  }
  // A typed array sorts numbers natively, several times faster than sort() with a comparator.
  return chooseSampledSteps(Float64Array.from(distinct).sort(), ranges, window);
}

/** The first and last step one run logged. */
export interface StepRange {
  min: number;
  max: number;
}

/**
 * The sampling rule itself, from the union of the runs' steps (sorted ascending, no repeats) and each
 * run's first and last step: what a store that can ask for those directly (SQL) hands over.
 */
export function chooseSampledSteps(allSteps: ArrayLike<number>, ranges: readonly StepRange[], window: SampleWindow): Set<number> {
  const start = window.startStep ?? 0;
  const end = window.endStep ?? (allSteps.length > 0 ? allSteps[allSteps.length - 1] : 0);
  const startIdx = bisectLeft(allSteps, start);
  const endIdx = bisectRight(allSteps, end);
  const sampled = new Set<number>();
  if (endIdx - startIdx <= window.maxResults) {
    for (let idx = startIdx; idx < endIdx; idx++) sampled.add(allSteps[idx]);
  } else {
    const interval = (endIdx - startIdx) / window.maxResults;
    for (let i = 0; i < window.maxResults; i++) {
      const idx = startIdx + Math.floor(i * interval);
      if (idx < endIdx) sampled.add(allSteps[idx]);
    }
    sampled.add(allSteps[endIdx - 1]);
  }
  for (const { min, max } of ranges) {
    for (const step of [min, max]) {
      if (step >= start && step <= end) sampled.add(step);
    }
  }
  return sampled;
}

/**
 * MLflow's SQL store orders by (step, timestamp, value); it stores NaN as 0 with an is_nan flag, so
 * NaN sorts where 0 would.
 */
export function comparePoints(a: Metric, b: Metric): number {
  return a.step - b.step || a.timestamp - b.timestamp || orderValue(a.value) - orderValue(b.value);
}

function orderValue(value: number): number {
  if (Number.isNaN(value)) return 0;
  // ±Infinity - ±Infinity is NaN; clamp so equal infinities compare equal.
  return Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, value));
}

function bisectLeft(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function bisectRight(sorted: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x < sorted[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function invalid(message: string): MlflowError {
  return new MlflowError(message, 'INVALID_PARAMETER_VALUE', 400);
}
