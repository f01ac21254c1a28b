import type { TrackingStore } from '../mlflow/store';
import type { Run } from '../mlflow/types';
import type { Logger } from './chartsSession';
import type { SampledHistoryCache } from './core/historyCache';
import type { ChartRun, ChartsTarget, ChartsViewState } from './protocol';
import { mapLimit } from './series';

/**
 * The runs a charts panel shows: the given ids (looked up one by one; an unreadable run is logged and
 * left out rather than failing the panel), or an experiment's most recently started runs. Finished
 * runs already seen (`cache`) are not asked for again; every run read is handed to the cache.
 */
export async function resolveRuns(
  store: TrackingStore,
  target: ChartsTarget,
  options: { maxRuns: number; signal: AbortSignal; log: Logger; cache?: SampledHistoryCache },
): Promise<{ runs: Run[]; notice?: string }> {
  const { maxRuns, signal, log, cache } = options;
  if (target.runIds.length === 0 && target.experimentId !== undefined) {
    const page = await store.searchRuns(
      { experimentIds: [target.experimentId], maxResults: maxRuns, orderBy: ['attributes.start_time DESC'], runViewType: 'ACTIVE_ONLY' },
      { signal },
    );
    for (const run of page.items) cache?.observe(store, run);
    return { runs: page.items };
  }
  const unique = [...new Set(target.runIds)];
  const notice = unique.length > maxRuns ? `Showing the first ${maxRuns} of ${unique.length} runs.` : undefined;
  const runs = await mapLimit(unique.slice(0, maxRuns), 8, async (id) => {
    const known = cache?.finishedRun(store, id);
    if (known) return known;
    try {
      const run = await store.getRun(id, { signal });
      cache?.observe(store, run);
      return run;
    } catch (error) {
      log.error(`Charts: run ${id} could not be read`, error);
      return undefined;
    }
  });
  return { runs: runs.filter((r): r is Run => r !== undefined), notice };
}

export function toChartRun(run: Run, slots: ReadonlyMap<string, number>): ChartRun {
  const { runId, runName, status, startTime } = run.info;
  return { runId, runName: runName || runId, status, startTime, colorSlot: slots.get(runId) ?? 0 };
}

export function metricKeysOf(runs: readonly Run[]): string[] {
  return [...new Set(runs.flatMap((r) => r.data.metrics.map((m) => m.key)))].sort();
}

export function chartsTitle(state: ChartsViewState, runs: readonly ChartRun[]): string {
  if (state.target.title) return state.target.title;
  return runs.length === 1 ? `Charts: ${runs[0].runName}` : `Charts: ${runs.length} runs`;
}
