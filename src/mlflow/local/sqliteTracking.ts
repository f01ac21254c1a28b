import type { Database, SqlValue } from 'sql.js';
import { MlflowError } from '../errors';
import type { DatasetInput, Experiment, LifecycleStage, Metric, Run, RunInfo, RunStatus, ViewType } from '../types';
import { parseMetricValue } from '../values';
import { type Row, hasColumn, hasTable, inChunks, numberOr, optionalNumber, placeholders, queryRows, text } from './sqliteRows';

/**
 * Experiments, runs and metrics as MLflow's SQL store keeps them (`experiments`, `runs`, `params`,
 * `tags`, `latest_metrics`, `metrics`, `inputs`/`datasets`), for the 2.x and 3.x schemas alike.
 * Pure functions over one snapshot.
 */

const RUN_COLUMNS =
  'run_uuid, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri, experiment_id';
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

function runInfo(row: Row): RunInfo {
  const status = text(row.status) as RunStatus;
  return {
    runId: text(row.run_uuid),
    experimentId: text(row.experiment_id),
    runName: text(row.name),
    userId: text(row.user_id),
    status: RUN_STATUSES.includes(status) ? status : 'RUNNING',
    startTime: optionalNumber(row.start_time),
    endTime: optionalNumber(row.end_time),
    artifactUri: text(row.artifact_uri),
    lifecycleStage: lifecycle(row.lifecycle_stage),
  };
}

export function runInfos(db: Database, where: string, params: SqlValue[], suffix = ''): RunInfo[] {
  return queryRows(db, `SELECT ${RUN_COLUMNS} FROM runs WHERE ${where} ${suffix}`, params).map(runInfo);
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

export function metricValue(row: Row): number {
  return Number(row.is_nan) === 1 ? Number.NaN : parseMetricValue(row.value);
}

/** Attaches params, tags, latest metrics and inputs to run infos, keeping their order. */
export function hydrateRuns(db: Database, infos: readonly RunInfo[], selection?: DataSelection): Run[] {
  const runs = new Map<string, Run>();
  for (const info of infos) {
    runs.set(info.runId, {
      info: { ...info },
      data: { metrics: [], params: {}, tags: {} },
      inputs: { datasets: [], modelInputs: [] },
      outputs: { modelOutputs: [] },
    });
  }
  const ids = [...runs.keys()];
  // The run-name tag is always read: runs from MLflow ≤ 1.29 only have their name there.
  const tagKeys = selection ? new Set([...(selection.tags ?? []), RUN_NAME_TAG]) : undefined;
  const none = new Set<string>();
  for (const row of keyedRows(db, 'tags', 'key, value', ids, tagKeys)) {
    const run = runs.get(text(row.run_uuid));
    if (run) run.data.tags[text(row.key)] = text(row.value);
  }
  for (const row of keyedRows(db, 'params', 'key, value', ids, selection ? (selection.params ?? none) : undefined)) {
    const run = runs.get(text(row.run_uuid));
    if (run) run.data.params[text(row.key)] = text(row.value);
  }
  for (const row of keyedRows(db, 'latest_metrics', 'key, value, timestamp, step, is_nan', ids, selection ? (selection.metrics ?? none) : undefined)) {
    const run = runs.get(text(row.run_uuid));
    if (run) run.data.metrics.push(metricOf(row));
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

function metricOf(row: Row): Metric {
  return { key: text(row.key), value: metricValue(row), timestamp: numberOr(row.timestamp, 0), step: numberOr(row.step, 0) };
}

/**
 * Rows of a `(run_uuid, key, …)` table: by run id when the runs are few, by key when only some keys
 * are wanted (then one query covers thousands of runs; unknown run ids are skipped by the caller).
 */
function keyedRows(db: Database, table: string, columns: string, runIds: string[], keys?: ReadonlySet<string>): Row[] {
  if (keys && keys.size === 0) return [];
  const base = `SELECT run_uuid, ${columns} FROM ${table}`;
  if (keys && runIds.length > 200) {
    return inChunks([...keys], (chunk) => queryRows(db, `${base} WHERE key IN ${placeholders(chunk.length)}`, chunk));
  }
  const keyList = keys ? [...keys] : [];
  const keyFilter = keys ? ` AND key IN ${placeholders(keyList.length)}` : '';
  return inChunks(runIds, (chunk) =>
    queryRows(db, `${base} WHERE run_uuid IN ${placeholders(chunk.length)}${keyFilter} ORDER BY rowid`, [...chunk, ...keyList]),
  );
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
  const [info] = runInfos(db, 'run_uuid = ?', [runId]);
  if (!info) throw new MlflowError(`Run with id=${runId} not found`, 'RESOURCE_DOES_NOT_EXIST', 404);
  return hydrateRuns(db, [info])[0];
}

/**
 * One metric's full history in step order (then timestamp, then value, as MLflow's SQL store sorts).
 * `+key` keeps SQLite off the primary key (key first): MLflow's schema has no statistics, and with it the
 * planner scans every point of that key across all runs instead of the run's own rows (≈12× slower).
 */
export function metricHistory(db: Database, runId: string, key: string): Metric[] {
  return queryRows(
    db,
    'SELECT key, value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ? AND +key = ? ORDER BY step, timestamp, value',
    [runId, key],
  ).map(metricOf);
}

export function artifactUriOfRun(db: Database, runId: string): { artifactUri: string; experimentId: string } {
  const [row] = queryRows(db, 'SELECT artifact_uri, experiment_id FROM runs WHERE run_uuid = ?', [runId]);
  if (!row) throw new MlflowError(`Run with id=${runId} not found`, 'RESOURCE_DOES_NOT_EXIST', 404);
  return { artifactUri: text(row.artifact_uri), experimentId: text(row.experiment_id) };
}
