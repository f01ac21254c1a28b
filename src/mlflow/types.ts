/**
 * The MLflow domain as the rest of the extension sees it: camelCase, numbers as numbers, maps as maps.
 * Every backend (REST, SQLite store, file store) returns exactly these shapes, so views never care
 * where the data came from. Value quirks (NaN as "NaN", ±1.797e308 meaning ±∞, int64 timestamps as
 * strings) are normalised by the backends before anything here is built.
 */

export type LifecycleStage = 'active' | 'deleted';
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime?: number;
  lastUpdateTime?: number;
  tags: Record<string, string>;
}

export interface RunInfo {
  runId: string;
  experimentId: string;
  runName: string;
  userId: string;
  status: RunStatus;
  startTime?: number;
  endTime?: number;
  artifactUri: string;
  lifecycleStage: LifecycleStage;
}

/** One logged metric value. `value` is a JS number: NaN, Infinity and -Infinity are real values here. */
export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

export interface DatasetInput {
  name: string;
  digest: string;
  sourceType?: string;
  source?: string;
  context?: string;
}

export interface Run {
  info: RunInfo;
  data: {
    /** Latest value of each metric (what MLflow's run view shows). */
    metrics: Metric[];
    params: Record<string, string>;
    tags: Record<string, string>;
  };
  inputs: {
    datasets: DatasetInput[];
    /** MLflow 3: logged models this run consumed. */
    modelInputs: string[];
  };
  outputs: {
    /** MLflow 3: logged models this run produced, with the step they were logged at. */
    modelOutputs: { modelId: string; step: number }[];
  };
}

export interface Page<T> {
  items: T[];
  /** Absent on the last page. Opaque: pass it back unchanged. */
  nextPageToken?: string;
}

export interface ExperimentQuery {
  filter?: string;
  orderBy?: string[];
  viewType?: ViewType;
  maxResults?: number;
  pageToken?: string;
}

export interface RunQuery {
  experimentIds: string[];
  filter?: string;
  orderBy?: string[];
  runViewType?: ViewType;
  maxResults?: number;
  pageToken?: string;
}

/** A metric point of one run, as returned by get-history-bulk-interval. */
export interface RunMetric extends Metric {
  runId: string;
}

export interface SampledHistoryQuery {
  runIds: string[];
  metricKey: string;
  /** Points per run; MLflow always keeps the first and the last step of the window. */
  maxResults: number;
  startStep?: number;
  endStep?: number;
}

export interface FileInfo {
  /** Relative to the run's (or model's) artifact root, with `/` separators. */
  path: string;
  isDir: boolean;
  fileSize?: number;
}

export type ModelVersionStatus = 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';
export type Stage = 'None' | 'Staging' | 'Production' | 'Archived';

/** A new version of an MLflow 3 prompt: a model version carrying the prompt tags (what `register_prompt` writes). */
export interface NewPromptVersion {
  name: string;
  /** `{{var}}` template; for chat prompts the JSON list of messages, as MLflow stores it. */
  template: string;
  type: 'text' | 'chat';
  /** Stored as the version's description. */
  commitMessage?: string;
}

export interface ModelVersion {
  name: string;
  version: string;
  creationTimestamp: number;
  lastUpdatedTimestamp?: number;
  currentStage: Stage;
  description: string;
  source: string;
  runId?: string;
  runLink?: string;
  status: ModelVersionStatus;
  statusMessage?: string;
  tags: Record<string, string>;
  aliases: string[];
  /** MLflow 3: the logged model behind this version, derived from `source` (`models:/m-…`) when the server leaves it empty. */
  modelId?: string;
}

export interface RegisteredModel {
  name: string;
  creationTimestamp: number;
  lastUpdatedTimestamp?: number;
  description: string;
  latestVersions: ModelVersion[];
  tags: Record<string, string>;
  aliases: { alias: string; version: string }[];
}

export type LoggedModelStatus = 'LOGGED_MODEL_PENDING' | 'LOGGED_MODEL_READY' | 'LOGGED_MODEL_UPLOAD_FAILED' | 'UNSPECIFIED';

/** MLflow 3 LoggedModel (`models:/m-…`). */
export interface LoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  artifactUri: string;
  status: LoggedModelStatus;
  modelType?: string;
  sourceRunId?: string;
  creationTimestamp: number;
  lastUpdatedTimestamp?: number;
  tags: Record<string, string>;
  params: Record<string, string>;
  metrics: Metric[];
}

export interface RegistryQuery {
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
}

/** What a backend can do; views hide what is missing and say why. */
export interface Capabilities {
  readOnly: boolean;
  registry: boolean;
  loggedModels: boolean;
  sampledHistory: boolean;
  stages: boolean;
  /** The server's MLflow version (`2.17.2`), when it tells; for the status bar and bug reports. */
  serverVersion?: string;
}

/** A cancellation and timeout budget for one call. */
export interface CallOptions {
  signal?: AbortSignal;
}
