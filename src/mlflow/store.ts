import type {
  CallOptions,
  Capabilities,
  Experiment,
  ExperimentQuery,
  FileInfo,
  LoggedModel,
  Metric,
  ModelVersion,
  NewPromptVersion,
  Page,
  RegisteredModel,
  RegistryQuery,
  Run,
  RunMetric,
  RunQuery,
  RunStatus,
  SampledHistoryQuery,
  Stage,
} from './types';
import type { TraceStore } from './traceStore';

/**
 * One interface over the three places MLflow data lives: a tracking server (REST), a local SQLite
 * store (`mlflow.db`) and a legacy file store (`mlruns/`). Local stores are read-only: their write
 * methods reject with `ReadOnlyStoreError`, which names the way out (a server for that store).
 *
 * Every method accepts an AbortSignal; REST calls also carry a timeout. Errors are `MlflowError`s.
 */
export interface TrackingStore {
  /** A human description for logs and the status bar (never contains credentials). */
  readonly description: string;
  /** MLflow 3 GenAI traces and assessments, where this kind of backend can hold them. */
  readonly traces?: TraceStore;
  capabilities(options?: CallOptions): Promise<Capabilities>;

  // Experiments
  searchExperiments(query: ExperimentQuery, options?: CallOptions): Promise<Page<Experiment>>;
  getExperiment(experimentId: string, options?: CallOptions): Promise<Experiment>;
  getExperimentByName(name: string, options?: CallOptions): Promise<Experiment | undefined>;
  createExperiment(name: string, tags?: Record<string, string>, options?: CallOptions): Promise<string>;
  renameExperiment(experimentId: string, newName: string, options?: CallOptions): Promise<void>;
  deleteExperiment(experimentId: string, options?: CallOptions): Promise<void>;
  restoreExperiment(experimentId: string, options?: CallOptions): Promise<void>;
  setExperimentTag(experimentId: string, key: string, value: string, options?: CallOptions): Promise<void>;

  // Runs
  searchRuns(query: RunQuery, options?: CallOptions): Promise<Page<Run>>;
  getRun(runId: string, options?: CallOptions): Promise<Run>;
  updateRun(runId: string, update: { runName?: string; status?: RunStatus; endTime?: number }, options?: CallOptions): Promise<void>;
  deleteRun(runId: string, options?: CallOptions): Promise<void>;
  restoreRun(runId: string, options?: CallOptions): Promise<void>;
  setRunTag(runId: string, key: string, value: string, options?: CallOptions): Promise<void>;
  deleteRunTag(runId: string, key: string, options?: CallOptions): Promise<void>;

  // Metrics
  /** The full history of one metric of one run, in step order (follows pages where the server pages). */
  getMetricHistory(runId: string, metricKey: string, options?: CallOptions): Promise<Metric[]>;
  /**
   * Sampled histories of up to 100 runs (MLflow's get-history-bulk-interval semantics: at most
   * `maxResults` steps per run, always including the first and last step of the window).
   * Backends without the endpoint fall back to sampling full histories themselves.
   */
  getSampledHistories(query: SampledHistoryQuery, options?: CallOptions): Promise<RunMetric[]>;

  // Artifacts
  listArtifacts(runId: string, path?: string, options?: CallOptions): Promise<FileInfo[]>;
  readArtifact(runId: string, path: string, options?: CallOptions): Promise<Uint8Array>;
  /** Streams one artifact file into `destinationFile` (large files never sit in memory). */
  downloadArtifact(runId: string, path: string, destinationFile: string, options?: CallOptions): Promise<void>;

  // MLflow 3 logged models
  searchLoggedModels(experimentIds: string[], query?: RegistryQuery, options?: CallOptions): Promise<Page<LoggedModel>>;
  getLoggedModel(modelId: string, options?: CallOptions): Promise<LoggedModel>;
  listLoggedModelArtifacts(modelId: string, path?: string, options?: CallOptions): Promise<FileInfo[]>;
  readLoggedModelArtifact(modelId: string, path: string, options?: CallOptions): Promise<Uint8Array>;

  // Model registry
  searchRegisteredModels(query: RegistryQuery, options?: CallOptions): Promise<Page<RegisteredModel>>;
  getRegisteredModel(name: string, options?: CallOptions): Promise<RegisteredModel>;
  createRegisteredModel(name: string, description?: string, options?: CallOptions): Promise<RegisteredModel>;
  renameRegisteredModel(name: string, newName: string, options?: CallOptions): Promise<void>;
  updateRegisteredModelDescription(name: string, description: string, options?: CallOptions): Promise<void>;
  deleteRegisteredModel(name: string, options?: CallOptions): Promise<void>;
  setRegisteredModelTag(name: string, key: string, value: string, options?: CallOptions): Promise<void>;
  deleteRegisteredModelTag(name: string, key: string, options?: CallOptions): Promise<void>;

  searchModelVersions(query: RegistryQuery, options?: CallOptions): Promise<Page<ModelVersion>>;
  getModelVersion(name: string, version: string, options?: CallOptions): Promise<ModelVersion>;
  createModelVersion(name: string, source: string, runId?: string, options?: CallOptions): Promise<ModelVersion>;
  /** MLflow 3 prompt registry: the request MLflow's own `register_prompt` sends for a new version. */
  createPromptVersion(version: NewPromptVersion, options?: CallOptions): Promise<ModelVersion>;
  updateModelVersionDescription(name: string, version: string, description: string, options?: CallOptions): Promise<void>;
  deleteModelVersion(name: string, version: string, options?: CallOptions): Promise<void>;
  setModelVersionTag(name: string, version: string, key: string, value: string, options?: CallOptions): Promise<void>;
  deleteModelVersionTag(name: string, version: string, key: string, options?: CallOptions): Promise<void>;
  getModelVersionDownloadUri(name: string, version: string, options?: CallOptions): Promise<string>;
  transitionModelVersionStage(name: string, version: string, stage: Stage, archiveExisting: boolean, options?: CallOptions): Promise<ModelVersion>;

  setAlias(name: string, alias: string, version: string, options?: CallOptions): Promise<void>;
  deleteAlias(name: string, alias: string, options?: CallOptions): Promise<void>;
  getModelVersionByAlias(name: string, alias: string, options?: CallOptions): Promise<ModelVersion>;

  /** Releases file handles, caches and timers. */
  dispose(): void;
}
