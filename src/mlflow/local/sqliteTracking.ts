import type { Database, SqlValue } from './sqliteRows';
import { MlflowError } from '../errors';
import type { DatasetInput, Experiment, LifecycleStage, Metric, Run, RunInfo, RunMetric, RunStatus, ViewType } from '../types';
import { MAX_POINTS_PER_RUN, type SampleWindow, chooseSampledSteps } from '../sampling';
import { parseMetricValue, setEntry } from '../values';
import { hasColumn, hasIndexOn, hasTable, inChunks, numberOr, optionalNumber, placeholders, queryMap, queryRows, text } from './sqliteRows';

/**
 * Experiments, runs and metrics as MLflow's SQL store keeps them (`experiments`, `runs`, `params`,
 * `tags`, `latest_metrics`, `metrics`, `inputs`/`datasets`), for the 2.x and 3.x schemas alike.
 * Pure functions over one snapshot.
 */

/** In this order: runInfoOf reads them by position. */
const RUN_COLUMNS =
  'run_uuid, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri, experiment_id';
/** In this order: metricAt reads them by position. */
const METRIC_COLUMNS = 'key, value, timestamp, step, is_nan';
const RUN_NAME_TAG = 'mlflow.runName';
const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

export function lifecycle(value: SqlValue | undefined): LifecycleStage {
  return value === 'deleted' ? 'deleted' : 'active';
}

export function viewTypeCondition(column: string, viewType: ViewType | undefined): string {
  if (viewType === 'ALL') return '1 = 1';
  return viewType === 'DELETED_ONLY' ? `${column} = 'deleted'` : `${column} = 'active'`;
}

export function experiments(db: Database, where = '1 = 1', params: SqlValue[] = []): Experiment[] {
  const rows = queryRows(
    db,
    `SELECT experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time
     FROM experiments WHERE ${where}`,
    params,
  );
  const tags = new Map<string, Record<string, string>>();
  for (const t of queryRows(db, 'SELECT experiment_id, key, value FROM experiment_tags')) {
    const id = text(t.experiment_id);
    const record = tags.get(id) ?? {};
    record[text(t.key)] = text(t.value);
    tags.set(id, record);
  }
  return rows.map((r) => ({
    experimentId: text(r.experiment_id),
    name: text(r.name),
    artifactLocation: text(r.artifact_location),
    lifecycleStage: lifecycle(r.lifecycle_stage),
    creationTime: optionalNumber(r.creation_time),
    lastUpdateTime: optionalNumber(r.last_update_time),
    tags: tags.get(text(r.experiment_id)) ?? {},
  }));
}

export function experimentArtifactLocations(db: Database): string[] {
  return queryRows(db, 'SELECT artifact_location FROM experiments').map((r) => text(r.artifact_location));
}

/** A run's info from a row of RUN_COLUMNS. */
function runInfoOf(v: SqlValue[]): RunInfo {
  const status = text(v[3]) as RunStatus;
  return {
    runId: text(v[0]),
    experimentId: text(v[8]),
    runName: text(v[1]),
    userId: text(v[2]),
    status: RUN_STATUSES.includes(status) ? status : 'RUNNING',
    startTime: optionalNumber(v[4]),
    endTime: optionalNumber(v[5]),
    artifactUri: text(v[7]),
    lifecycleStage: lifecycle(v[6]),
  };
}

export function runInfos(db: Database, where: string, params: SqlValue[], suffix = ''): RunInfo[] {
  return queryMap(db, `SELECT ${RUN_COLUMNS} FROM runs WHERE ${where} ${suffix}`, params, runInfoOf);
}

export function runInfosByIds(db: Database, runIds: readonly string[]): RunInfo[] {
  return inChunks(runIds, (chunk) => runInfos(db, `run_uuid IN ${placeholders(chunk.length)}`, chunk));
}

/** Which per-run data to load: everything, or just the keys a filter and ordering read. */
export interface DataSelection {
  metrics?: ReadonlySet<string>;
  params?: ReadonlySet<string>;
  tags?: ReadonlySet<string>;
  datasets?: boolean;
}

/** Attaches params, tags, latest metrics and inputs to run infos (which become the runs'), keeping their order. */
export function hydrateRuns(db: Database, infos: readonly RunInfo[], selection?: DataSelection): Run[] {
  const runs = new Map<string, Run>();
  for (const info of infos) {
    runs.set(info.runId, {
      info,
      data: { metrics: [], params: {}, tags: {} },
      inputs: { datasets: [], modelInputs: [] },
      outputs: { modelOutputs: [] },
    });
  }
  const ids = [...runs.keys()];
  // The run-name tag is always read: runs from MLflow ≤ 1.29 only have their name there.
  const tagKeys = selection ? new Set([...(selection.tags ?? []), RUN_NAME_TAG]) : undefined;
  const none = new Set<string>();
  // One row per run: [run_uuid, its rows as JSON built by SQLite]; ~3× faster than a row per value, and
  // JSON.parse makes plain own properties, so a key such as `__proto__` stays data. Unknown run ids (a
  // query by key) are skipped.
  for (const [id, json] of keyedJson(db, 'tags', KEY_VALUE_OBJECT, ids, tagKeys)) {
    const run = runs.get(text(id));
    if (run) run.data.tags = mergeRecord(run.data.tags, json);
  }
  for (const [id, json] of keyedJson(db, 'params', KEY_VALUE_OBJECT, ids, selection ? (selection.params ?? none) : undefined)) {
    const run = runs.get(text(id));
    if (run) run.data.params = mergeRecord(run.data.params, json);
  }
  for (const [id, json] of keyedJson(db, 'latest_metrics', METRICS_ARRAY, ids, selection ? (selection.metrics ?? none) : undefined)) {
    // SQLite writes REALs to JSON with 17 significant digits and ±∞ as ±9e999: JSON.parse gets them back exactly.
    for (const values of JSON.parse(text(json)) as SqlValue[][]) runs.get(text(id))?.data.metrics.push(metricAt(values, 0));
  }
  if (!selection || selection.datasets) attachDatasets(db, runs, ids);
  if (!selection) attachModelIo(db, runs, ids);
  for (const run of runs.values()) {
    // Runs logged by MLflow ≤ 1.29 have no name column value; the tag carries it.
    if (!run.info.runName) run.info.runName = run.data.tags[RUN_NAME_TAG] ?? '';
    if (selection && !selection.tags?.has(RUN_NAME_TAG)) delete run.data.tags[RUN_NAME_TAG];
  }
  return [...runs.values()];
}

/** A metric from the METRIC_COLUMNS of a row, starting at `at`. */
function metricAt(v: SqlValue[], at: number): Metric {
  return {
    key: text(v[at]),
    value: Number(v[at + 4]) === 1 ? Number.NaN : parseMetricValue(v[at + 1]),
    timestamp: numberOr(v[at + 2], 0),
    step: numberOr(v[at + 3], 0),
  };
}

/** A `(run_uuid, key, value)` table's rows of one run as one JSON object (NULL values read as ''). */
const KEY_VALUE_OBJECT = "json_group_object(key, ifnull(value, ''))";
/** A run's latest_metrics rows as one JSON array of METRIC_COLUMNS arrays. */
const METRICS_ARRAY = `json_group_array(json_array(${METRIC_COLUMNS}))`;

/** A run's tags or params with those of one more row of KEY_VALUE_OBJECT. */
function mergeRecord(record: Record<string, string>, json: SqlValue): Record<string, string> {
  const parsed = JSON.parse(text(json)) as Record<string, string>;
  if (Object.keys(record).length === 0) return parsed;
  // Only when keys came in several chunks.
  for (const [key, value] of Object.entries(parsed)) setEntry(record, key, value);
  return record;
}

/**
 * `[run_uuid, aggregate]` rows of a `(run_uuid, key, …)` table, one per run and chunk: by run id when
 * the runs are few, by key when only some keys are wanted (then one query covers thousands of runs;
 * unknown run ids are skipped by the caller). Key order within a run's JSON follows SQLite's scan.
 */
function keyedJson(db: Database, table: string, aggregate: string, runIds: string[], keys?: ReadonlySet<string>): SqlValue[][] {
  if (keys && keys.size === 0) return [];
  const base = `SELECT run_uuid, ${aggregate} FROM ${table}`;
  if (keys && runIds.length > 200) {
    return inChunks([...keys], (chunk) => queryMap(db, `${base} WHERE key IN ${placeholders(chunk.length)} GROUP BY run_uuid`, chunk, asIs));
  }
  const keyList = keys ? [...keys] : [];
  const keyFilter = keys ? ` AND key IN ${placeholders(keyList.length)}` : '';
  return inChunks(runIds, (chunk) =>
    queryMap(db, `${base} WHERE run_uuid IN ${placeholders(chunk.length)}${keyFilter} GROUP BY run_uuid`, [...chunk, ...keyList], asIs),
  );
}

function asIs(values: SqlValue[]): SqlValue[] {
  return values;
}

function attachDatasets(db: Database, runs: Map<string, Run>, ids: string[]): void {
  if (!hasTable(db, 'inputs') || !hasTable(db, 'datasets')) return;
  const rows = inChunks(ids, (chunk) =>
    queryRows(
      db,
      `SELECT i.destination_id AS run_uuid, d.name, d.digest, d.dataset_source_type, d.dataset_source,
              (SELECT t.value FROM input_tags t WHERE t.input_uuid = i.input_uuid AND t.name = 'mlflow.data.context') AS context
       FROM inputs i JOIN datasets d ON d.dataset_uuid = i.source_id
       WHERE i.source_type = 'DATASET' AND i.destination_type = 'RUN' AND i.destination_id IN ${placeholders(chunk.length)}
       ORDER BY i.rowid`,
      chunk,
    ),
  );
  for (const row of rows) {
    const dataset: DatasetInput = { name: text(row.name), digest: text(row.digest) };
    if (row.dataset_source_type !== null) dataset.sourceType = text(row.dataset_source_type);
    if (row.dataset_source !== null) dataset.source = text(row.dataset_source);
    if (row.context !== null) dataset.context = text(row.context);
    runs.get(text(row.run_uuid))?.inputs.datasets.push(dataset);
  }
}

/** MLflow 3 links runs to logged models through `inputs` rows of type RUN_INPUT / RUN_OUTPUT. */
function attachModelIo(db: Database, runs: Map<string, Run>, ids: string[]): void {
  if (!hasTable(db, 'inputs')) return;
  const step = hasColumn(db, 'inputs', 'step') ? 'step' : '0 AS step';
  const rows = inChunks(ids, (chunk) =>
    queryRows(
      db,
      `SELECT source_type, source_id, destination_id, ${step} FROM inputs
       WHERE source_type IN ('RUN_INPUT', 'RUN_OUTPUT') AND source_id IN ${placeholders(chunk.length)} ORDER BY rowid`,
      chunk,
    ),
  );
  for (const row of rows) {
    const run = runs.get(text(row.source_id));
    if (!run) continue;
    if (row.source_type === 'RUN_INPUT') run.inputs.modelInputs.push(text(row.destination_id));
    else run.outputs.modelOutputs.push({ modelId: text(row.destination_id), step: numberOr(row.step, 0) });
  }
}

export function getRunOrThrow(db: Database, runId: string): Run {
  const [run] = runsByIds(db, [runId]);
  if (!run) throw new MlflowError(`Run with id=${runId} not found`, 'RESOURCE_DOES_NOT_EXIST', 404);
  return run;
}

/**
 * Whole runs (info, tags, params, latest metrics, inputs) by id, in no particular order; unknown ids
 * are left out. SQLite builds each chunk of runs as one JSON document, which one JSON.parse turns into
 * objects: far less work than a row per value crossing from WebAssembly (see docs/PERFORMANCE.md).
 * Stores without run_uuid indexes (MLflow < 1.x) take the row-by-row path, which scans once per chunk.
 */
export function runsByIds(db: Database, runIds: readonly string[]): Run[] {
  if (!WHOLE_RUN_TABLES.every((table) => hasIndexOn(db, table, 'run_uuid'))) return hydrateRuns(db, runInfosByIds(db, runIds));
  const runs = new Map<string, Run>();
  const sql = (count: number): string => `SELECT json_group_array(${WHOLE_RUN_JSON}) FROM runs r WHERE r.run_uuid IN ${placeholders(count)}`;
  const rows = inChunks(runIds, (chunk) => queryMap(db, sql(chunk.length), chunk, (v) => JSON.parse(text(v[0])) as unknown[][]).flat());
  for (const row of rows) {
    const info = runInfoOf(row as SqlValue[]);
    const metrics = (row[11] as SqlValue[][]).map((m) => metricAt(m, 0));
    runs.set(info.runId, {
      info,
      data: { metrics, params: row[10] as Record<string, string>, tags: row[9] as Record<string, string> },
      inputs: { datasets: [], modelInputs: [] },
      outputs: { modelOutputs: [] },
    });
  }
  const ids = [...runs.keys()];
  attachDatasets(db, runs, ids);
  attachModelIo(db, runs, ids);
  for (const run of runs.values()) {
    if (!run.info.runName) run.info.runName = run.data.tags[RUN_NAME_TAG] ?? '';
  }
  return [...runs.values()];
}

const WHOLE_RUN_TABLES = ['tags', 'params', 'latest_metrics'];
/** RUN_COLUMNS, then tags, params and latest metrics (SQLite writes REALs with 17 digits, ±∞ as ±9e999). */
const WHOLE_RUN_JSON =
  `json_array(${RUN_COLUMNS.split(', ')
    .map((column) => `r.${column}`)
    .join(', ')}, ` +
  "json((SELECT json_group_object(key, ifnull(value, '')) FROM tags WHERE run_uuid = r.run_uuid)), " +
  "json((SELECT json_group_object(key, ifnull(value, '')) FROM params WHERE run_uuid = r.run_uuid)), " +
  `json((SELECT json_group_array(json_array(${METRIC_COLUMNS})) FROM latest_metrics WHERE run_uuid = r.run_uuid)))`;

/** One metric's full history in step order (then timestamp, then value, as MLflow's SQL store sorts). */
export function metricHistory(db: Database, runId: string, key: string): Metric[] {
  return historyPoints(db, historySql(keyTerm(db, runId, key)), [runId, key]);
}

/**
 * The points of a historySql statement, handed over by SQLite as one JSON array of METRIC_COLUMNS arrays:
 * a row per point crossing from WebAssembly costs several times more than JSON.parse of the same data
 * (REALs are written with 17 significant digits, ±∞ as ±9e999, so they come back exactly).
 */
function historyPoints(db: Database, sql: string, params: SqlValue[]): Metric[] {
  const [json] = queryMap(db, `SELECT json_group_array(json_array(${METRIC_COLUMNS})) AS points FROM (${sql})`, params, (v) => text(v[0]));
  return inMlflowOrder((JSON.parse(json || '[]') as SqlValue[][]).map((v) => metricAt(v, 0)));
}

/** The aggregates take their subquery's rows in its ORDER BY order; checked, as SQLite does not promise it. */
function inMlflowOrder(points: Metric[]): Metric[] {
  for (let i = 1; i < points.length; i++) {
    if (compareStored(points[i - 1]!, points[i]!) > 0) return points.sort(compareStored);
  }
  return points;
}

/** MLflow's SQL order of a history: step, timestamp, then the stored value (NaN is stored as 0). */
function compareStored(a: Metric, b: Metric): number {
  const value = (m: Metric): number => (Number.isNaN(m.value) ? 0 : m.value);
  return a.step - b.step || a.timestamp - b.timestamp || (value(a) < value(b) ? -1 : value(a) > value(b) ? 1 : 0);
}

/** How many index entries the plan choice below counts at most, on each side. */
const PLAN_PROBE = 4096;

/**
 * How the statements of one run's points of one metric name the key. MLflow's schema has no statistics,
 * so SQLite cannot tell which index reads fewer rows:
 * - MLflow 3's (run_uuid, key, step) index answers exactly: plain `key`;
 * - otherwise either the run's rows (index_metrics_run_uuid, all its metrics) or the key's rows (the
 *   primary key, key first, every run's points of it). Counting up to PLAN_PROBE entries of each (a few
 *   thousand index entries) picks the smaller: `+key` keeps SQLite on the run's rows (a 20,000-step
 *   history among 100 runs: ≈12× faster), a plain `key` takes the key's rows (a metric logged a few
 *   hundred times in a run that logged millions of points of others: thousands of times faster);
 * - a store without the run_uuid index (older than MLflow 1.x's migrations): plain `key`.
 */
function keyTerm(db: Database, runId: string, key: string): string {
  if (hasRunKeyStepIndex(db) || !hasIndexOn(db, 'metrics', 'run_uuid')) return 'key';
  const [counts] = queryMap(
    db,
    `SELECT (SELECT count(*) FROM (SELECT 1 FROM metrics WHERE key = ?2 LIMIT ${PLAN_PROBE})) AS byKey,
            (SELECT count(*) FROM (SELECT 1 FROM metrics WHERE run_uuid = ?1 LIMIT ${PLAN_PROBE})) AS byRun`,
    [runId, key],
    (v) => ({ byKey: numberOr(v[0], 0), byRun: numberOr(v[1], 0) }),
  );
  return counts && counts.byKey < PLAN_PROBE && counts.byKey <= counts.byRun ? 'key' : '+key';
}

/**
 * MLflow 3's `index_metrics_run_uuid_key_step` (run_uuid, key, step): with it, a plain `key =` lets SQLite
 * answer a run's steps of one metric from that index alone (no table rows, already in order), and the
 * points at chosen steps by seeks instead of scans.
 */
function hasRunKeyStepIndex(db: Database): boolean {
  return hasIndexOn(db, 'metrics', 'run_uuid', ['key', 'step']);
}

function historySql(keyTermSql: string, stepFilter = ''): string {
  return `SELECT ${METRIC_COLUMNS} FROM metrics WHERE run_uuid = ? AND ${keyTermSql} = ?${stepFilter} ORDER BY step, timestamp, value`;
}

/**
 * Which rows a sampled history reads (MLflow 2.x has no (run_uuid, key, step) index, and its schema
 * keeps no statistics, so SQLite cannot tell):
 * - `byKey`: the primary key's entries of the key (key first; it covers step, run_uuid and the point),
 *   one scan for all the requested runs at once (`+run_uuid IN (…)` keeps SQLite off the run index);
 * - `byRun`: each run's rows (index_metrics_run_uuid, then the table: all the run's metrics).
 * `steps` is how the steps are read, `points` how the points at the chosen steps are. With MLflow 3's
 * (run_uuid, key, step) index both are per run (`indexed`): that index answers exactly. A store without
 * the run index reads a large key's steps per run from the key's entries (`keyPerRun`: one scan of them
 * per run, holding only that run's steps).
 */
export interface SampledPlan {
  steps: 'byKey' | 'byRun' | 'indexed' | 'keyPerRun';
  points: 'byKey' | 'byRun' | 'indexed';
}

/**
 * Counting up to this many index entries of the key, and of each run, is the probe: a few milliseconds,
 * and exact whenever one side is small. The steps are read by key only below it: grouping the key's
 * entries by run holds them all in memory at once (the wasm engine's memory never shrinks), while a
 * run's steps are read one run at a time.
 */
export const SAMPLED_PROBE = 4096;

export function sampledPlan(db: Database, runIds: readonly string[], key: string): SampledPlan {
  if (hasRunKeyStepIndex(db)) return { steps: 'indexed', points: 'indexed' };
  const counts = probeCounts(db, runIds, key);
  // Without the run index (older than MLflow 1.x's migrations) a run's rows are found through the key's.
  if (!hasIndexOn(db, 'metrics', 'run_uuid')) return { steps: counts.byKey < SAMPLED_PROBE ? 'byKey' : 'keyPerRun', points: 'byKey' };
  const byRun = counts.byRun.reduce((sum, n) => sum + n, 0);
  // Exact on the small side: the key's entries are fewer than the runs' rows (live metrics, rare keys).
  if (counts.byKey < SAMPLED_PROBE && counts.byKey <= byRun) return { steps: 'byKey', points: 'byKey' };
  // The requested runs are small (a few short runs among many that logged the key).
  if (counts.byRun.every((n) => n < SAMPLED_PROBE) && byRun <= counts.byKey) return { steps: 'byRun', points: 'byRun' };
  // Both large: the points at the chosen steps (a result of ~1,000 per run) are read by the cheaper side,
  // estimated from latest_metrics (one row per run and key, with the run's last step of it).
  const steps = counts.byKey < SAMPLED_PROBE ? 'byKey' : 'byRun';
  return { steps, points: keyCheaperThanRuns(db, runIds, key) ? 'byKey' : 'byRun' };
}

/** Entries of the key, and rows of each run, counted up to SAMPLED_PROBE, in one statement. */
function probeCounts(db: Database, runIds: readonly string[], key: string): { byKey: number; byRun: number[] } {
  const capped = (where: string, i: number): string => `(SELECT count(*) FROM (SELECT 1 FROM metrics WHERE ${where} LIMIT ${SAMPLED_PROBE})) AS n${i}`;
  return inChunks(runIds, (chunk) => {
    const counts = [capped('key = ?', 0), ...chunk.map((_, i) => capped('run_uuid = ?', i + 1))];
    const [values] = queryMap(db, `SELECT ${counts.join(', ')}`, [key, ...chunk], (v) => v.map((n) => numberOr(n, 0)));
    return [{ byKey: values![0]!, byRun: values!.slice(1) }];
  }, 400).reduce((a, b) => ({ byKey: b.byKey, byRun: [...a.byRun, ...b.byRun] }), { byKey: 0, byRun: [] as number[] });
}

/**
 * Whether the key's entries are estimated to be no more than the requested runs' rows: each
 * latest_metrics row stands for (its step + 1) points, which is exact for a metric logged once per
 * step from 0 and the same rough guess on both sides otherwise. No latest_metrics table: by run.
 */
function keyCheaperThanRuns(db: Database, runIds: readonly string[], key: string): boolean {
  if (!hasTable(db, 'latest_metrics')) return false;
  const estimate = 'sum(max(step, 0) + 1)';
  const [byKey] = queryMap(db, `SELECT ${estimate} FROM latest_metrics WHERE key = ?`, [key], (v) => numberOr(v[0], 0));
  const byRun = inChunks(runIds, (chunk) =>
    queryMap(db, `SELECT ${estimate} FROM latest_metrics WHERE run_uuid IN ${placeholders(chunk.length)}`, chunk, (v) => numberOr(v[0], 0)),
  ).reduce((sum, n) => sum + n, 0);
  return (byKey ?? 0) <= byRun;
}

/** At most this many run ids in one `IN (…)` of a sampled-history statement (MLflow asks for ≤ 100). */
const RUNS_PER_STATEMENT = 500;

/**
 * Histories of one metric for several runs, sampled as get-history-bulk-interval samples them. SQL
 * hands over what the rule needs, as JSON (a row per value out of WebAssembly costs several times
 * more): each run's steps (their union is what the rule samples, their first and last are the run's
 * ends), then only the points at the chosen steps, read as sampledPlan says.
 */
export function sampledHistories(db: Database, requested: readonly string[], key: string, window: SampleWindow): RunMetric[] {
  const runIds = [...new Set(requested)];
  if (runIds.length === 0) return [];
  const plan = sampledPlan(db, runIds, key);
  const perRun = plan.steps === 'byKey' ? stepsByKey(db, runIds, key) : runIds.map((runId) => stepsOfRun(db, runId, key, plan.steps === 'byRun' ? '+key' : 'key'));
  const ranges = perRun.filter(({ steps }) => steps.length > 0).map(({ steps }) => ({ min: steps[0]!, max: steps[steps.length - 1]! }));
  const allSteps = perRun.map(({ steps }) => steps).reduce(mergeSortedUnique, new Float64Array(0));
  const chosen = chooseSampledSteps(allSteps, ranges, window);
  const steps = JSON.stringify([...chosen]);
  // By key, SQL cannot stop at MAX_POINTS_PER_RUN per run: only when no run can have more points at the
  // chosen steps (repeated steps are what could make them many).
  const bounded = perRun.every(({ steps: distinct, rows }) => Math.min(rows, rows - distinct.length + chosen.size) <= MAX_POINTS_PER_RUN);
  const points =
    plan.points === 'byKey' && bounded
      ? pointsByKey(db, runIds, key, steps)
      : new Map(runIds.map((runId) => [runId, pointsOfRun(db, runId, key, steps, plan.points === 'indexed' || !hasIndexOn(db, 'metrics', 'run_uuid') ? 'key' : '+key')]));
  return runIds.flatMap((runId) => (points.get(runId) ?? []).map((m) => ({ runId, key: m.key, value: m.value, timestamp: m.timestamp, step: m.step })));
}

/** A run's steps of one metric, ascending without repeats, and how many rows (points) it has. */
interface RunSteps {
  steps: Float64Array;
  rows: number;
}

function sortedSteps(json: SqlValue | undefined): RunSteps {
  const steps = Float64Array.from(JSON.parse(text(json) || '[]') as number[]);
  // Rows come in index order (mostly ascending already); a typed array sorts numbers natively.
  for (let i = 1; i < steps.length; i++) {
    if (steps[i]! < steps[i - 1]!) {
      steps.sort();
      break;
    }
  }
  let n = 0;
  for (let i = 0; i < steps.length; i++) if (n === 0 || steps[n - 1] !== steps[i]) steps[n++] = steps[i]!;
  return { steps: steps.subarray(0, n), rows: steps.length };
}

/**
 * One run's steps of the key, every row's (no DISTINCT: SQLite's b-tree of distinct values costs more
 * than handing the steps over and sorting them here).
 */
function stepsOfRun(db: Database, runId: string, key: string, keyTermSql: string): RunSteps {
  const [json] = queryMap(db, `SELECT json_group_array(step) AS steps FROM metrics WHERE run_uuid = ? AND ${keyTermSql} = ?`, [runId, key], (v) => v[0]);
  return sortedSteps(json);
}

/** Every requested run's steps of the key from one scan of the key's entries, in runIds' order. */
function stepsByKey(db: Database, runIds: readonly string[], key: string): RunSteps[] {
  const byRun = new Map<string, RunSteps>();
  inChunks(runIds, (chunk) => {
    const sql = `SELECT run_uuid, json_group_array(step) AS steps FROM metrics WHERE key = ? AND +run_uuid IN ${placeholders(chunk.length)} GROUP BY run_uuid`;
    for (const [runId, json] of queryMap(db, sql, [key, ...chunk], (v) => v)) byRun.set(text(runId), sortedSteps(json));
    return [];
  }, RUNS_PER_STATEMENT);
  return runIds.map((runId) => byRun.get(runId) ?? { steps: new Float64Array(0), rows: 0 });
}

/** One run's points at the chosen steps (a JSON array of numbers), in MLflow's order, at most MAX_POINTS_PER_RUN. */
function pointsOfRun(db: Database, runId: string, key: string, steps: string, keyTermSql: string): Metric[] {
  return historyPoints(db, `${historySql(keyTermSql, ' AND step IN (SELECT value FROM json_each(?))')} LIMIT ?`, [runId, key, steps, MAX_POINTS_PER_RUN]);
}

/**
 * Every requested run's points at the chosen steps from one scan of the key's entries (the primary key
 * covers them: no table row is read), each run's in MLflow's order, at most MAX_POINTS_PER_RUN.
 */
function pointsByKey(db: Database, runIds: readonly string[], key: string, steps: string): Map<string, Metric[]> {
  const byRun = new Map<string, Metric[]>();
  inChunks(runIds, (chunk) => {
    const sql =
      `SELECT json_group_array(json_array(run_uuid, ${METRIC_COLUMNS})) AS points FROM (SELECT run_uuid, ${METRIC_COLUMNS} FROM metrics ` +
      `WHERE key = ? AND +step IN (SELECT value FROM json_each(?)) AND +run_uuid IN ${placeholders(chunk.length)} ORDER BY run_uuid, step, timestamp, value)`;
    const [json] = queryMap(db, sql, [key, steps, ...chunk], (v) => v[0]);
    for (const values of JSON.parse(text(json) || '[]') as SqlValue[][]) {
      const runId = text(values[0]);
      let points = byRun.get(runId);
      if (!points) byRun.set(runId, (points = []));
      points.push(metricAt(values, 1));
    }
    return [];
  }, RUNS_PER_STATEMENT);
  for (const [runId, points] of byRun) byRun.set(runId, inMlflowOrder(points).slice(0, MAX_POINTS_PER_RUN));
  return byRun;
}

/** The union of two ascending arrays without repeats, ascending, without repeats. */
function mergeSortedUnique(a: Float64Array, b: Float64Array): Float64Array {
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && a[i]! <= b[j]!) ? a[i++]! : b[j++]!;
    if (n === 0 || out[n - 1] !== next) out[n++] = next;
  }
  return out.subarray(0, n);
}

export function artifactUriOfRun(db: Database, runId: string): { artifactUri: string; experimentId: string } {
  const [row] = queryRows(db, 'SELECT artifact_uri, experiment_id FROM runs WHERE run_uuid = ?', [runId]);
  if (!row) throw new MlflowError(`Run with id=${runId} not found`, 'RESOURCE_DOES_NOT_EXIST', 404);
  return { artifactUri: text(row.artifact_uri), experimentId: text(row.experiment_id) };
}
