import type {
  DatasetInput,
  Experiment,
  FileInfo,
  LifecycleStage,
  LoggedModel,
  LoggedModelStatus,
  Metric,
  ModelVersion,
  ModelVersionStatus,
  RegisteredModel,
  Run,
  RunInfo,
  RunMetric,
  RunStatus,
  Stage,
} from '../types';
import { arrayField, isRecord, keyValueList, modelIdFromSource, parseInt64, parseMetricValue, parseString, parseTimestamp } from '../values';

/**
 * MLflow REST JSON (snake_case, protobuf JSON mapping: defaults omitted, int64 maybe strings) → the
 * domain types. Every reader tolerates missing fields, because the server leaves out empty and default
 * values, and every value goes through values.ts so quirks are handled once.
 */

type Json = Record<string, unknown>;

/** A nested object, `{}` when absent: protobuf JSON drops empty messages. */
export function obj(value: unknown, key?: string): Json {
  const inner = key === undefined ? value : isRecord(value) ? value[key] : undefined;
  return isRecord(inner) ? inner : {};
}

function optionalString(value: unknown): string | undefined {
  const s = parseString(value);
  return s === '' ? undefined : s;
}

function lifecycleStage(value: unknown): LifecycleStage {
  return value === 'deleted' ? 'deleted' : 'active';
}

export function toExperiment(json: unknown): Experiment {
  const e = obj(json);
  return {
    experimentId: parseString(e.experiment_id),
    name: parseString(e.name),
    artifactLocation: parseString(e.artifact_location),
    lifecycleStage: lifecycleStage(e.lifecycle_stage),
    creationTime: parseTimestamp(e.creation_time),
    lastUpdateTime: parseTimestamp(e.last_update_time),
    tags: keyValueList(e.tags),
  };
}

const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

export function toRunInfo(json: unknown, tags: Record<string, string> = {}): RunInfo {
  const i = obj(json);
  const status = RUN_STATUSES.find((s) => s === i.status);
  return {
    // run_uuid is the pre-1.0 name; servers still send both.
    runId: parseString(i.run_id) || parseString(i.run_uuid),
    experimentId: parseString(i.experiment_id),
    runName: parseString(i.run_name) || (tags['mlflow.runName'] ?? ''),
    userId: parseString(i.user_id),
    // RUNNING is the proto enum's first value, which protobuf JSON leaves out.
    status: status ?? 'RUNNING',
    startTime: parseTimestamp(i.start_time),
    endTime: parseTimestamp(i.end_time),
    artifactUri: parseString(i.artifact_uri),
    lifecycleStage: lifecycleStage(i.lifecycle_stage),
  };
}

export function toMetric(json: unknown): Metric {
  const m = obj(json);
  return { key: parseString(m.key), value: parseMetricValue(m.value), timestamp: parseInt64(m.timestamp), step: parseInt64(m.step) };
}

/** One literal rather than a spread of toMetric: sampled histories map 100,000 points at a time. */
export function toRunMetric(json: unknown): RunMetric {
  const m = obj(json);
  return { key: parseString(m.key), value: parseMetricValue(m.value), timestamp: parseInt64(m.timestamp), step: parseInt64(m.step), runId: parseString(m.run_id) };
}

function toDatasetInput(json: unknown): DatasetInput {
  const dataset = obj(json, 'dataset');
  return {
    name: parseString(dataset.name),
    digest: parseString(dataset.digest),
    sourceType: optionalString(dataset.source_type),
    source: optionalString(dataset.source),
    context: keyValueList(obj(json).tags)['mlflow.data.context'],
  };
}

export function toRun(json: unknown): Run {
  const r = obj(json);
  const data = obj(r, 'data');
  const inputs = obj(r, 'inputs');
  const tags = keyValueList(data.tags);
  return {
    info: toRunInfo(r.info, tags),
    data: { metrics: arrayField(data, 'metrics').map(toMetric), params: keyValueList(data.params), tags },
    inputs: {
      datasets: arrayField(inputs, 'dataset_inputs').map(toDatasetInput),
      modelInputs: arrayField(inputs, 'model_inputs').map((m) => parseString(obj(m).model_id)),
    },
    outputs: {
      modelOutputs: arrayField(obj(r, 'outputs'), 'model_outputs').map((m) => ({ modelId: parseString(obj(m).model_id), step: parseInt64(obj(m).step) })),
    },
  };
}

/**
 * A listed artifact, with `path` relative to the root. The runs and logged-model listings already give
 * root-relative paths (`plots/loss.png`); the mlflow-artifacts proxy gives names relative to the listed
 * directory (`loss.png`). Prefixing only what lacks the directory makes both read the same.
 */
export function toFileInfo(json: unknown, listedDirectory: string): FileInfo {
  const f = obj(json);
  const raw = parseString(f.path);
  const dir = listedDirectory.replace(/^\/+|\/+$/g, '');
  const path = dir && raw !== dir && !raw.startsWith(`${dir}/`) ? `${dir}/${raw}` : raw;
  const size = parseTimestamp(f.file_size);
  return f.is_dir === true ? { path, isDir: true } : { path, isDir: false, fileSize: size };
}

const STAGES: readonly Stage[] = ['None', 'Staging', 'Production', 'Archived'];
const VERSION_STATUSES: readonly ModelVersionStatus[] = ['PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY'];

export function toModelVersion(json: unknown): ModelVersion {
  const v = obj(json);
  const source = parseString(v.source);
  return {
    name: parseString(v.name),
    version: parseString(v.version),
    creationTimestamp: parseInt64(v.creation_timestamp),
    lastUpdatedTimestamp: parseTimestamp(v.last_updated_timestamp),
    // Stage names are case-insensitive on the server; the domain uses MLflow's capitalised spelling.
    currentStage: STAGES.find((s) => s.toLowerCase() === parseString(v.current_stage).toLowerCase()) ?? 'None',
    description: parseString(v.description),
    source,
    runId: optionalString(v.run_id),
    runLink: optionalString(v.run_link),
    status: VERSION_STATUSES.find((s) => s === v.status) ?? 'READY',
    statusMessage: optionalString(v.status_message),
    tags: keyValueList(v.tags),
    aliases: Array.isArray(v.aliases) ? v.aliases.map((a) => parseString(a)) : [],
    // The OSS SQL registry leaves model_id empty in 3.x; the source URI names the logged model.
    modelId: optionalString(v.model_id) ?? modelIdFromSource(source),
  };
}

export function toRegisteredModel(json: unknown): RegisteredModel {
  const m = obj(json);
  return {
    name: parseString(m.name),
    creationTimestamp: parseInt64(m.creation_timestamp),
    lastUpdatedTimestamp: parseTimestamp(m.last_updated_timestamp),
    description: parseString(m.description),
    latestVersions: arrayField(m, 'latest_versions').map(toModelVersion),
    tags: keyValueList(m.tags),
    aliases: arrayField(m, 'aliases').map((a) => ({ alias: parseString(obj(a).alias), version: parseString(obj(a).version) })),
  };
}

const LOGGED_MODEL_STATUSES: readonly LoggedModelStatus[] = ['LOGGED_MODEL_PENDING', 'LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED'];

export function toLoggedModel(json: unknown): LoggedModel {
  const info = obj(json, 'info');
  const data = obj(json, 'data');
  return {
    modelId: parseString(info.model_id),
    experimentId: parseString(info.experiment_id),
    name: parseString(info.name),
    artifactUri: parseString(info.artifact_uri),
    status: LOGGED_MODEL_STATUSES.find((s) => s === info.status) ?? 'UNSPECIFIED',
    modelType: optionalString(info.model_type),
    sourceRunId: optionalString(info.source_run_id),
    creationTimestamp: parseInt64(info.creation_timestamp_ms),
    lastUpdatedTimestamp: parseTimestamp(info.last_updated_timestamp_ms),
    tags: keyValueList(info.tags),
    params: keyValueList(data.params),
    metrics: arrayField(data, 'metrics').map(toMetric),
  };
}

/** `{key, value}` lists as MLflow's requests take them. */
export function toKeyValueList(record: Readonly<Record<string, string>>): { key: string; value: string }[] {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}

/**
 * `"metrics.acc DESC"` → logged-models/search's `{field_name, ascending}`: that endpoint takes objects
 * where every other search takes strings. Backticks around names with spaces or dots are kept, as the
 * server expects them in `field_name` too.
 */
export function toLoggedModelOrderBy(clause: string): { field_name: string; ascending: boolean } {
  const match = /^(.*?)(?:\s+(ASC|DESC))?\s*$/i.exec(clause.trim());
  const field = match?.[1]?.trim() ?? clause.trim();
  return { field_name: field, ascending: (match?.[2] ?? 'ASC').toUpperCase() === 'ASC' };
}
