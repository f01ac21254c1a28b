import * as path from 'node:path';
import type { LoggedModel, LoggedModelStatus } from '../types';
import type { FileStoreCache } from './fileStoreCache';
import { type Yaml, listDirs, listKeys, num, str } from './fileStoreFiles';
import { type ExperimentDir, readKeyValues } from './fileStoreTracking';
import { LOGGED_MODEL_STATUS_CODES } from './loggedModelQuery';

/**
 * MLflow 3's logged models in a FileStore: `<exp>/models/<m-id>/meta.yaml` (status as the protobuf
 * number, as the SQL store keeps it), with `params/`, `tags/` and `metrics/` laid out as a run's
 * (metric lines carry the run id after the step) and the model files in `artifacts/`. A run names what
 * it produced in `<run>/outputs/<m-id>/meta.yaml` (see fileStoreTracking.ts). Deleted models are
 * hidden, as the server hides them.
 */

const MODELS = 'models';
const STATUS_BY_CODE = new Map<string, LoggedModelStatus>(
  Object.entries(LOGGED_MODEL_STATUS_CODES).map(([name, code]) => [String(code), name as LoggedModelStatus]),
);

function statusOf(value: unknown): LoggedModelStatus {
  const s = str(value);
  if (STATUS_BY_CODE.has(s)) return STATUS_BY_CODE.get(s) as LoggedModelStatus;
  return s in LOGGED_MODEL_STATUS_CODES ? (s as LoggedModelStatus) : 'UNSPECIFIED';
}

/** Model ids name folders: anything else (`..`, separators) names no model. */
export function isModelId(modelId: string): boolean {
  return /^[\w-]+$/.test(modelId);
}

const asRecord = (meta: Yaml): Yaml => meta;

export async function readLoggedModel(cache: FileStoreCache, experiment: ExperimentDir, modelId: string): Promise<LoggedModel | undefined> {
  if (!isModelId(modelId)) return undefined;
  const dir = path.join(experiment.dir, MODELS, modelId);
  const meta = await cache.meta(path.join(dir, 'meta.yaml'), 'yaml', false, asRecord);
  if (!meta || str(meta.lifecycle_stage) === 'deleted') return undefined;
  const metricDir = path.join(dir, 'metrics');
  const [tags, params, metricKeys] = await Promise.all([
    readKeyValues(cache, path.join(dir, 'tags')),
    readKeyValues(cache, path.join(dir, 'params')),
    listKeys(metricDir),
  ]);
  const histories = await Promise.all(metricKeys.sort().map((key) => cache.metricHistory(metricDir, key)));
  const model: LoggedModel = {
    // The folder name, as for experiments and runs: it is what `models:/<id>` and the run's outputs name.
    modelId,
    experimentId: experiment.id,
    name: str(meta.name),
    artifactUri: str(meta.artifact_location),
    status: statusOf(meta.status),
    creationTimestamp: num(meta.creation_timestamp) ?? 0,
    lastUpdatedTimestamp: num(meta.last_updated_timestamp),
    tags,
    params,
    metrics: histories.flat(),
  };
  const modelType = str(meta.model_type);
  const sourceRunId = str(meta.source_run_id);
  if (modelType) model.modelType = modelType;
  if (sourceRunId) model.sourceRunId = sourceRunId;
  return model;
}

/** Every active logged model of `experiments`. */
export async function readLoggedModels(cache: FileStoreCache, experiments: readonly ExperimentDir[]): Promise<LoggedModel[]> {
  const models: LoggedModel[] = [];
  for (const experiment of experiments) {
    const ids = await listDirs(path.join(experiment.dir, MODELS));
    const read = await Promise.all(ids.map((id) => readLoggedModel(cache, experiment, id)));
    for (const model of read) if (model) models.push(model);
  }
  return models;
}
