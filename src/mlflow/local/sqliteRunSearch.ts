import type { Database, SqlValue } from './sqliteRows';
import { parseRunFilter, referencedKeys, runMatchesFilter } from '../searchFilter';
import { type OrderKey, compareByKeys, parseRunOrderBy, runSortValue, withRunTieBreakers } from '../searchOrder';
import type { Page, Run, RunQuery } from '../types';
import { checkMaxResults, createPageToken, parsePageToken } from './paging';
import { placeholders, queryMap, text } from './sqliteRows';
import { hydrateRuns, runInfos, runsByIds, viewTypeCondition } from './sqliteTracking';

/** MLflow's default and largest `max_results` for runs/search. */
const DEFAULT_MAX_RESULTS = 1000;
const MAX_RESULTS = 50000;

const ATTRIBUTE_COLUMNS: Record<string, string> = {
  run_id: 'run_uuid',
  run_name: 'name',
  status: 'status',
  user_id: 'user_id',
  start_time: 'start_time',
  end_time: 'end_time',
  artifact_uri: 'artifact_uri',
  lifecycle_stage: 'lifecycle_stage',
};

/**
 * runs/search over one snapshot. Without a filter the ordering and the page are done in SQL (an
 * experiment may hold 10,000 runs and only one page of them is hydrated), with the same ORDER BY the
 * tracking server builds. With a filter, runs are matched in memory with searchFilter.ts after loading
 * only the keys the filter and ordering read, then only the page is hydrated fully.
 */
export function searchRunsInSnapshot(db: Database, query: RunQuery): Page<Run> {
  const maxResults = checkMaxResults(query.maxResults, DEFAULT_MAX_RESULTS, MAX_RESULTS, 'sqlStore');
  const clauses = parseRunFilter(query.filter);
  const keys = withRunTieBreakers(parseRunOrderBy(query.orderBy));
  const offset = parsePageToken(query.pageToken);
  if (query.experimentIds.length === 0) return { items: [] };

  const scope =
    `runs.experiment_id IN ${placeholders(query.experimentIds.length)} AND ` +
    viewTypeCondition('runs.lifecycle_stage', query.runViewType);
  if (clauses.length === 0) {
    const { joins, orderBy, params } = sqlOrdering(keys);
    // Only the ids are sorted and paged; sorting whole rows would carry every column through the sort.
    const ids = queryMap(
      db,
      `SELECT runs.run_uuid FROM runs ${joins} WHERE ${scope} ${orderBy} LIMIT ? OFFSET ?`,
      [...params, ...query.experimentIds, maxResults + 1, offset],
      (v) => text(v[0]),
    );
    return finish(db, ids.slice(0, maxResults), ids.length > maxResults, offset + maxResults);
  }

  const candidates = runInfos(db, scope, query.experimentIds);
  const wanted = referencedKeys([...clauses, ...keys]);
  const partial = hydrateRuns(db, candidates, {
    metrics: wanted.metric,
    params: wanted.parameter,
    tags: wanted.tag,
    datasets: clauses.some((c) => c.type === 'dataset'),
  });
  const matching = partial.filter((run) => runMatchesFilter(run, clauses, 'sql')).sort(compareByKeys(keys, runSortValue));
  const pageIds = matching.slice(offset, offset + maxResults).map((r) => r.info.runId);
  return finish(db, pageIds, offset + maxResults < matching.length, offset + maxResults);
}

function finish(db: Database, pageIds: string[], more: boolean, nextOffset: number): Page<Run> {
  const byId = new Map(runsByIds(db, pageIds).map((r) => [r.info.runId, r]));
  const page: Page<Run> = { items: pageIds.flatMap((id) => byId.get(id) ?? []) };
  if (more) page.nextPageToken = createPageToken(nextOffset);
  return page;
}

/**
 * The ORDER BY MLflow's SQL store builds: per key, absent values last (and NaN metrics after real
 * ones) whatever the direction, then the value; metric/param/tag keys come from joined subqueries.
 */
function sqlOrdering(keys: readonly OrderKey[]): { joins: string; orderBy: string; params: SqlValue[] } {
  const joins: string[] = [];
  const terms: string[] = [];
  const params: SqlValue[] = [];
  keys.forEach((key, i) => {
    const direction = key.ascending ? 'ASC' : 'DESC';
    if (key.type === 'attribute') {
      const column = `runs.${ATTRIBUTE_COLUMNS[key.key] ?? 'run_uuid'}`;
      terms.push(`(${column} IS NULL)`, `${column} ${direction}`);
      return;
    }
    const alias = `o${i}`;
    if (key.type === 'metric') {
      joins.push(`LEFT JOIN (SELECT run_uuid, value, is_nan FROM latest_metrics WHERE key = ?) ${alias} ON ${alias}.run_uuid = runs.run_uuid`);
      terms.push(`CASE WHEN ${alias}.is_nan = 1 THEN 1 WHEN ${alias}.value IS NULL THEN 2 ELSE 0 END`);
    } else {
      const table = key.type === 'parameter' ? 'params' : 'tags';
      joins.push(`LEFT JOIN (SELECT run_uuid, value FROM ${table} WHERE key = ?) ${alias} ON ${alias}.run_uuid = runs.run_uuid`);
      terms.push(`(${alias}.value IS NULL)`);
    }
    terms.push(`${alias}.value ${direction}`);
    params.push(key.key);
  });
  return { joins: joins.join(' '), orderBy: `ORDER BY ${terms.join(', ')}`, params };
}
