import type { TrackingStore } from '../../mlflow/store';
import type { CallOptions, Run } from '../../mlflow/types';
import { baseName, candidateFilter, sourceMatches, type LocalFile } from './sourceMatch';

export const SOURCE_NAME_TAG = 'mlflow.source.name';
export const SOURCE_COMMIT_TAG = 'mlflow.source.git.commit';

/** Experiment ids per search: REST servers take a list, and a long one makes a long request. */
const EXPERIMENTS_PER_SEARCH = 50;

export interface FileRunsQuery {
  file: LocalFile;
  /** Runs to look at per experiment batch, newest first: the lens shows the newest, hovers the last few. */
  maxRuns: number;
}

/**
 * The runs of one file on any backend, newest first: every active experiment is searched for runs whose
 * source name ends with the file's base name (`ILIKE '%train.py'`, which REST, SQLite and file stores
 * all evaluate), and the candidates are narrowed in JS by `sourceMatches` (path forms, checkout roots).
 */
export async function searchFileRuns(store: TrackingStore, query: FileRunsQuery, options?: CallOptions): Promise<Run[]> {
  const experimentIds: string[] = [];
  let pageToken: string | undefined;
  do {
    const page = await store.searchExperiments({ viewType: 'ACTIVE_ONLY', maxResults: 1000, pageToken }, options);
    experimentIds.push(...page.items.map((e) => e.experimentId));
    pageToken = page.nextPageToken;
  } while (pageToken);
  const filter = candidateFilter(baseName(query.file.absolutePath));
  const runs: Run[] = [];
  for (let i = 0; i < experimentIds.length; i += EXPERIMENTS_PER_SEARCH) {
    const page = await store.searchRuns({
      experimentIds: experimentIds.slice(i, i + EXPERIMENTS_PER_SEARCH),
      filter,
      orderBy: ['attributes.start_time DESC'],
      runViewType: 'ACTIVE_ONLY',
      maxResults: query.maxRuns,
    }, options);
    runs.push(...page.items.filter((run) => {
      const source = run.data.tags[SOURCE_NAME_TAG];
      return source !== undefined && sourceMatches(source, query.file);
    }));
  }
  return runs.sort(newestFirst).slice(0, query.maxRuns);
}

export function newestFirst(a: Run, b: Run): number {
  return (b.info.startTime ?? 0) - (a.info.startTime ?? 0) || a.info.runId.localeCompare(b.info.runId);
}

/** A run logged from a commit other than the one checked out (unknown when either side is missing). */
export function fromAnotherCommit(run: Run, head: string | undefined): boolean {
  const commit = run.data.tags[SOURCE_COMMIT_TAG];
  return head !== undefined && commit !== undefined && commit !== '' && commit.toLowerCase() !== head.toLowerCase();
}

/**
 * The Runs view filter that shows exactly these runs: the one source name they share (as MLflow stored
 * it), or their run ids when the file was run under several path forms (MLflow's search has no OR).
 */
export function runsViewFilter(runs: readonly Run[]): string | undefined {
  if (!runs.length) return undefined;
  const sources = new Set(runs.map((run) => run.data.tags[SOURCE_NAME_TAG] ?? ''));
  const [only] = sources;
  if (sources.size === 1 && only && !/['\\]/.test(only)) return `tags.\`${SOURCE_NAME_TAG}\` = '${only}'`;
  return `attributes.run_id IN (${runs.map((run) => `'${run.info.runId}'`).join(', ')})`;
}
