import type { Experiment, FileInfo, Metric, Run, RunInfo } from '../../../src/mlflow/types';
import type { DatasetModel, DatasetVersion } from './dataset';

/**
 * The domain types written back as MLflow 2.17.2's REST JSON: snake_case, fields in the protobuf's
 * order (the captures' order), empty lists and absent values left out as protobuf JSON does, NaN as
 * the string "NaN" and ±∞ as ±1.7976931348623157e+308 (what the SQL store keeps in their place).
 */

export type Json = { [key: string]: unknown };

const MAX_DOUBLE = 1.7976931348623157e308;

/** Protobuf JSON drops empty repeated fields; so does MLflow. */
function putList(target: Json, key: string, list: readonly unknown[]): void {
  if (list.length > 0) target[key] = list;
}

function keyValues(record: Readonly<Record<string, string>>): { key: string; value: string }[] {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}

export function metricValueJson(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return MAX_DOUBLE;
  if (value === Number.NEGATIVE_INFINITY) return -MAX_DOUBLE;
  return value;
}

export function metricJson(m: Metric): Json {
  return { key: m.key, value: metricValueJson(m.value), timestamp: m.timestamp, step: m.step };
}

export function experimentJson(e: Experiment): Json {
  const json: Json = {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
  };
  if (e.lastUpdateTime !== undefined) json.last_update_time = e.lastUpdateTime;
  if (e.creationTime !== undefined) json.creation_time = e.creationTime;
  putList(json, 'tags', keyValues(e.tags));
  return json;
}

export function runInfoJson(info: RunInfo): Json {
  const json: Json = {
    run_uuid: info.runId,
    experiment_id: info.experimentId,
    run_name: info.runName,
    user_id: info.userId,
    status: info.status,
  };
  if (info.startTime !== undefined) json.start_time = info.startTime;
  if (info.endTime !== undefined) json.end_time = info.endTime;
  json.artifact_uri = info.artifactUri;
  json.lifecycle_stage = info.lifecycleStage;
  json.run_id = info.runId;
  return json;
}

/** A run as runs/get and runs/search write it (`inputs` is always there, if only as `{}`). */
export function runJson(run: Run): Json {
  const data: Json = {};
  putList(data, 'metrics', run.data.metrics.map(metricJson));
  putList(data, 'params', keyValues(run.data.params));
  putList(data, 'tags', keyValues(run.data.tags));
  const inputs: Json = {};
  putList(
    inputs,
    'dataset_inputs',
    run.inputs.datasets.map((d) => {
      const dataset: Json = { name: d.name, digest: d.digest };
      if (d.sourceType !== undefined) dataset.source_type = d.sourceType;
      if (d.source !== undefined) dataset.source = d.source;
      const input: Json = {};
      if (d.context !== undefined) input.tags = [{ key: 'mlflow.data.context', value: d.context }];
      input.dataset = dataset;
      return input;
    }),
  );
  putList(inputs, 'model_inputs', run.inputs.modelInputs.map((modelId) => ({ model_id: modelId })));
  const json: Json = { info: runInfoJson(run.info), data, inputs };
  if (run.outputs.modelOutputs.length) json.outputs = { model_outputs: run.outputs.modelOutputs.map((m) => ({ model_id: m.modelId, step: m.step })) };
  return json;
}

export function fileInfoJson(file: FileInfo): Json {
  return file.isDir ? { path: file.path, is_dir: true } : { path: file.path, is_dir: false, file_size: file.fileSize ?? 0 };
}

/**
 * A model version. `aliases` only where 2.17.2 sends them: model-versions/get, update and the alias
 * lookup; searches, `latest_versions` and stage transitions leave them out.
 */
export function modelVersionJson(v: DatasetVersion, aliases?: readonly string[]): Json {
  const json: Json = {
    name: v.name,
    version: v.version,
    creation_timestamp: v.creationTimestamp,
  };
  if (v.lastUpdatedTimestamp !== undefined) json.last_updated_timestamp = v.lastUpdatedTimestamp;
  json.current_stage = v.currentStage;
  // Written through the REST API, description and run_link are stored as "" and sent back as such.
  json.description = v.description;
  json.source = v.source;
  if (v.runId) json.run_id = v.runId;
  json.status = v.status;
  if (v.statusMessage) json.status_message = v.statusMessage;
  putList(json, 'tags', keyValues(v.tags));
  json.run_link = v.runLink ?? '';
  if (aliases) putList(json, 'aliases', [...aliases]);
  return json;
}

export function registeredModelJson(m: DatasetModel, latestVersions: readonly DatasetVersion[]): Json {
  const json: Json = { name: m.name, creation_timestamp: m.creationTimestamp };
  if (m.lastUpdatedTimestamp !== undefined) json.last_updated_timestamp = m.lastUpdatedTimestamp;
  if (m.description) json.description = m.description;
  putList(json, 'latest_versions', latestVersions.map((v) => modelVersionJson(v)));
  putList(json, 'tags', keyValues(m.tags));
  putList(json, 'aliases', m.aliases.map((a) => ({ alias: a.alias, version: a.version })));
  return json;
}
