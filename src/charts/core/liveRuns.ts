import type { Run, RunStatus } from '../../mlflow/types';
import type { ChartRun } from '../protocol';

/**
 * What one live poll of a charts panel learns from fresh copies of its live runs (pure: the session in
 * ../chartsSession.ts does the reading and posting).
 *
 * - Statuses: a run that ended (FINISHED, FAILED, KILLED) while the panel was open takes its new status,
 *   so its "running" badge goes, and it leaves the live set: a finished run's history does not change.
 * - Names: a script may name its run at the end; the legend follows.
 * - Metric keys: MLflow lists a run's latest value per key (`run.data.metrics`), so a key logged for the
 *   first time shows up there, as MLflow's own UI finds new charts. New keys are charted while the panel
 *   shows fewer than `maxCharts`, as if they had been there when it opened; the rest are listed in the
 *   metric picker like any other key.
 */

/** A run whose history may still grow (MLflow's `RunStatus.is_terminated` is false). */
export function isLive(status: RunStatus): boolean {
  return status === 'RUNNING' || status === 'SCHEDULED';
}

export interface LivePanelState {
  runs: readonly ChartRun[];
  /** Every metric key the panel knows of (what the picker lists), sorted. */
  metricKeys: readonly string[];
  /** The keys charted, in the order shown. */
  charted: readonly string[];
}

export interface LiveUpdate {
  runs: ChartRun[];
  metricKeys: string[];
  /** Keys charted from now on (appended to `charted`), in sorted order. */
  added: string[];
  /** Runs that were live and are no longer. */
  ended: string[];
  /** Whether the page must hear of it: a status, a name or the set of keys changed. */
  changed: boolean;
}

export function applyLiveRuns(state: LivePanelState, fresh: readonly Run[], options: { maxCharts: number }): LiveUpdate {
  const freshById = new Map(fresh.map((run) => [run.info.runId, run]));
  const ended: string[] = [];
  let changed = false;
  const runs = state.runs.map((run): ChartRun => {
    const read = freshById.get(run.runId)?.info;
    if (!read) return run;
    const runName = read.runName || run.runId;
    if (read.status === run.status && runName === run.runName) return run;
    changed = true;
    if (isLive(run.status) && !isLive(read.status)) ended.push(run.runId);
    return { ...run, status: read.status, runName };
  });
  const known = new Set(state.metricKeys);
  const discovered = [...new Set(fresh.flatMap((run) => run.data.metrics.map((m) => m.key)))].filter((key) => !known.has(key)).sort();
  if (discovered.length > 0) changed = true;
  const metricKeys = [...state.metricKeys, ...discovered].sort();
  const room = Math.max(0, options.maxCharts - state.charted.length);
  const added = discovered.filter((key) => !state.charted.includes(key)).slice(0, room);
  return { runs, metricKeys, added, ended, changed };
}
