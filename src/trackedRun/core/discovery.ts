/**
 * Finds the runs a launch started by the launch-id tag MLflow copied from MLFLOW_RUN_CONTEXT onto them.
 * One look per call; the feature repeats it (with the Runs view's back-off) until a run is found or the
 * process has ended. Pure over the store's interface, so every backend is covered by the same code.
 */
import type { TrackingStore } from '../../mlflow/store';
import type { Run } from '../../mlflow/types';
import { launchIdFilter, type ExperimentTarget } from './scriptLaunch';

export type DiscoveryStore = Pick<TrackingStore, 'getExperimentByName' | 'searchExperiments' | 'searchRuns'>;

/** Experiments searched per runs/search request when the launch named none. */
const EXPERIMENTS_PER_SEARCH = 100;
/** Experiments looked through when the launch named none (the default experiment, or one the script set itself). */
const MAX_EXPERIMENTS = 1000;
const PARENT_RUN_TAG = 'mlflow.parentRunId';

/**
 * The launch's runs, oldest first. With an experiment named but not created yet (the script creates it
 * at its first start_run), none.
 */
export async function findLaunchRuns(store: DiscoveryStore, launchId: string, experiment: ExperimentTarget | undefined): Promise<Run[]> {
  const filter = launchIdFilter(launchId);
  const experimentIds = await experimentsToSearch(store, experiment);
  const runs: Run[] = [];
  for (let i = 0; i < experimentIds.length; i += EXPERIMENTS_PER_SEARCH) {
    const page = await store.searchRuns({
      experimentIds: experimentIds.slice(i, i + EXPERIMENTS_PER_SEARCH),
      filter,
      orderBy: ['attributes.start_time ASC'],
      maxResults: 100,
    });
    runs.push(...page.items);
  }
  return runs.sort((a, b) => (a.info.startTime ?? 0) - (b.info.startTime ?? 0));
}

/** The run to show: the first top-level run of the launch (a child run is reached through it). */
export function mainRun(runs: readonly Run[]): Run | undefined {
  return runs.find((run) => run.data.tags[PARENT_RUN_TAG] === undefined || !runs.some((r) => r.info.runId === run.data.tags[PARENT_RUN_TAG])) ?? runs[0];
}

async function experimentsToSearch(store: DiscoveryStore, experiment: ExperimentTarget | undefined): Promise<string[]> {
  if (experiment?.kind === 'id') return [experiment.experimentId];
  if (experiment?.kind === 'name') {
    const found = await store.getExperimentByName(experiment.name);
    return found ? [found.experimentId] : [];
  }
  const ids: string[] = [];
  let pageToken: string | undefined;
  do {
    const page = await store.searchExperiments({ viewType: 'ACTIVE_ONLY', maxResults: Math.min(MAX_EXPERIMENTS - ids.length, 1000), ...(pageToken ? { pageToken } : {}) });
    ids.push(...page.items.map((e) => e.experimentId));
    pageToken = page.nextPageToken;
  } while (pageToken && ids.length < MAX_EXPERIMENTS);
  return ids;
}
