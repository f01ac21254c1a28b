import { MlflowError, isMlflowError } from '../errors';
import type { HttpClient } from '../http';
import type { TrackingStore } from '../store';
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
} from '../types';
import { parseString } from '../values';
import { answerList } from './answers';
import type { TraceStore } from '../traceStore';
import { proxyFilePath, proxyListPath } from './artifactUris';
import { capabilitiesFrom, probeServer } from './capabilities';
import { endpoint, message, MlflowApi, page, registryQuery } from './mlflowApi';
import { HISTORY_PAGE_SIZE, fetchFullHistory, fetchHistoryPage, fetchSampledHistories, sampleFullHistories } from './metricHistory';
import type { HistoryPageRequest } from './metricHistory';
import { RestTraceStore } from './restTraces';
import {
  obj,
  toExperiment,
  toFileInfo,
  toKeyValueList,
  toLoggedModel,
  toLoggedModelOrderBy,
  toModelVersion,
  toRegisteredModel,
  toRun,
} from './mapping';

/** experiments/search without max_results is a 400 ("Invalid value 0"); this is the Python client's default. */
const DEFAULT_EXPERIMENT_PAGE_SIZE = 1000;

export interface RestStoreOptions {
  /** get-history page size: the Python client's 25000 unless a test wants small pages. */
  historyPageSize?: number;
}

/** TrackingStore over MLflow's REST API 2.0 (and the few 3.x and UI routes that have no /api twin). */
export class RestStore implements TrackingStore {
  readonly description: string;
  readonly traces: TraceStore;
  private readonly historyPageSize: number;
  private readonly api: MlflowApi;
  private capabilitiesPromise?: Promise<Capabilities>;
  /** Learnt at call time: this server has no get-history-bulk-interval. */
  private bulkIntervalMissing = false;

  constructor(
    private readonly http: HttpClient,
    options: RestStoreOptions = {},
  ) {
    this.api = new MlflowApi(http);
    this.description = `MLflow server ${http.displayUrl}`;
    this.historyPageSize = options.historyPageSize ?? HISTORY_PAGE_SIZE;
    this.traces = new RestTraceStore(http, (o) => this.capabilities(o));
  }

  /**
   * Probed once and shared. The probe runs on its own (the HTTP timeout bounds it): one caller's
   * cancellation ends that caller's wait, not the probe the others wait for.
   */
  async capabilities(options?: CallOptions): Promise<Capabilities> {
    this.capabilitiesPromise ??= probeServer(this.http)
      .then(capabilitiesFrom)
      .catch((error: unknown) => {
        // A failed probe (server down, bad credentials) must not stick: the next call probes again.
        this.capabilitiesPromise = undefined;
        throw error;
      });
    const capabilities = await untilAborted(this.capabilitiesPromise, options?.signal);
    return this.bulkIntervalMissing ? { ...capabilities, sampledHistory: false } : capabilities;
  }

  // Experiments

  async searchExperiments(query: ExperimentQuery, options?: CallOptions): Promise<Page<Experiment>> {
    const json = await this.api.search(
      '/experiments/search',
      {
        max_results: query.maxResults ?? DEFAULT_EXPERIMENT_PAGE_SIZE,
        filter: query.filter,
        order_by: query.orderBy,
        view_type: query.viewType,
        page_token: query.pageToken,
      },
      options,
    );
    return page(json, 'experiments', toExperiment, endpoint('POST', '/experiments/search'));
  }

  async getExperiment(experimentId: string, options?: CallOptions): Promise<Experiment> {
    return toExperiment(message(await this.api.get('/experiments/get', { experiment_id: experimentId }, options), 'experiment', endpoint('GET', '/experiments/get')));
  }

  async getExperimentByName(name: string, options?: CallOptions): Promise<Experiment | undefined> {
    try {
      return toExperiment(message(await this.api.get('/experiments/get-by-name', { experiment_name: name }, options), 'experiment', endpoint('GET', '/experiments/get-by-name')));
    } catch (error) {
      if (isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST')) return undefined;
      throw error;
    }
  }

  async createExperiment(name: string, tags?: Record<string, string>, options?: CallOptions): Promise<string> {
    const json = await this.api.write('POST', '/experiments/create', { name, tags: tags && toKeyValueList(tags) }, options);
    return parseString(obj(json).experiment_id);
  }

  async renameExperiment(experimentId: string, newName: string, options?: CallOptions): Promise<void> {
    await this.api.write('POST', '/experiments/update', { experiment_id: experimentId, new_name: newName }, options);
  }

  async deleteExperiment(experimentId: string, options?: CallOptions): Promise<void> {
    await this.api.write('POST', '/experiments/delete', { experiment_id: experimentId }, options);
  }

  async restoreExperiment(experimentId: string, options?: CallOptions): Promise<void> {
    await this.api.write('POST', '/experiments/restore', { experiment_id: experimentId }, options);
  }

  async setExperimentTag(experimentId: string, key: string, value: string, options?: CallOptions): Promise<void> {
    await this.api.write('POST', '/experiments/set-experiment-tag', { experiment_id: experimentId, key, value }, options);
  }

  // Runs

  async searchRuns(query: RunQuery, options?: CallOptions): Promise<Page<Run>> {
    const json = await this.api.search(
      '/runs/search',
      {
        experiment_ids: query.experimentIds,
        filter: query.filter,
        run_view_type: query.runViewType,
        max_results: query.maxResults,
        order_by: query.orderBy,
        page_token: query.pageToken,
      },
      options,
    );
    return page(json, 'runs', toRun, endpoint('POST', '/runs/search'));
  }

  async getRun(runId: string, options?: CallOptions): Promise<Run> {
    return toRun(message(await this.api.get('/runs/get', { run_id: runId }, options), 'run', endpoint('GET', '/runs/get')));
  }

  async updateRun(runId: string, update: { runName?: string; status?: RunStatus; endTime?: number }, options?: CallOptions): Promise<void> {
    await this.api.write('POST', '/runs/update', { run_id: runId, run_name: update.runName, status: update.status, end_time: update.endTime }, options);
  }

  async deleteRun(runId: string, options?: CallOptions): Promise<void> {
    await this.api.write('POST', '/runs/delete', { run_id: runId }, options);
  }

  async restoreRun(runId: string, options?: CallOptions): Promise<void> {
    await this.api.write('POST', '/runs/restore', { run_id: runId }, options);
  }

  async setRunTag(runId: string, key: string, value: string, options?: CallOptions): Promise<void> {
    await this.api.write('POST', '/runs/set-tag', { run_id: runId, key, value }, options);
  }

  async deleteRunTag(runId: string, key: string, options?: CallOptions): Promise<void> {
    await this.api.write('POST', '/runs/delete-tag', { run_id: runId, key }, options);
  }

  // Metrics

  getMetricHistory(runId: string, metricKey: string, options?: CallOptions): Promise<Metric[]> {
    return fetchFullHistory(this.http, runId, metricKey, this.historyPageSize, options);
  }

  /** One page of get-history, for callers that page themselves (getMetricHistory follows all pages). */
  getMetricHistoryPage(runId: string, metricKey: string, request: HistoryPageRequest, options?: CallOptions): Promise<Page<Metric>> {
    return fetchHistoryPage(this.http, runId, metricKey, request, options);
  }

  async getSampledHistories(query: SampledHistoryQuery, options?: CallOptions): Promise<RunMetric[]> {
    if (query.runIds.length === 0) return [];
    if (!this.bulkIntervalMissing) {
      const sampled = await fetchSampledHistories(this.http, query, options);
      if (sampled) return sampled;
      this.bulkIntervalMissing = true;
    }
    return sampleFullHistories(this.http, query, this.historyPageSize, options);
  }

  // Artifacts

  async listArtifacts(runId: string, path?: string, options?: CallOptions): Promise<FileInfo[]> {
    return this.api.listAll(
      (pageToken) => this.api.get('/artifacts/list', { run_id: runId, path: path || undefined, page_token: pageToken }, options),
      path ?? '',
      endpoint('GET', '/artifacts/list'),
    );
  }

  /**
   * Through `/get-artifact`, the route MLflow's own UI uses: the server reads the file wherever the run's
   * artifacts live (local root, S3, proxied), which the client could not reach itself.
   */
  readArtifact(runId: string, path: string, options?: CallOptions): Promise<Uint8Array> {
    return this.http.bytes({ method: 'GET', path: '/get-artifact', query: { path, run_uuid: runId }, signal: options?.signal });
  }

  downloadArtifact(runId: string, path: string, destinationFile: string, options?: CallOptions): Promise<void> {
    return this.http.download({ method: 'GET', path: '/get-artifact', query: { path, run_uuid: runId }, signal: options?.signal }, destinationFile);
  }

  /**
   * A listing of an `mlflow-artifacts:` URI (3.x default artifact roots, model version download URIs)
   * through the server's artifact proxy. Paths come back relative to `artifactUri`.
   */
  async listArtifactsAtUri(artifactUri: string, path?: string, options?: CallOptions): Promise<FileInfo[]> {
    const json = await this.http.json({
      method: 'GET',
      path: '/api/2.0/mlflow-artifacts/artifacts',
      query: { path: proxyListPath(artifactUri, path ?? '') },
      signal: options?.signal,
    });
    return answerList(json, 'files', 'GET /api/2.0/mlflow-artifacts/artifacts').map((f) => toFileInfo(f, path ?? ''));
  }

  /** One file under an `mlflow-artifacts:` URI, through the artifact proxy. */
  async readArtifactAtUri(artifactUri: string, path: string, options?: CallOptions): Promise<Uint8Array> {
    return this.http.bytes({ method: 'GET', path: proxyFilePath(artifactUri, path), signal: options?.signal });
  }

  async downloadArtifactAtUri(artifactUri: string, path: string, destinationFile: string, options?: CallOptions): Promise<void> {
    return this.http.download({ method: 'GET', path: proxyFilePath(artifactUri, path), signal: options?.signal }, destinationFile);
  }

  // MLflow 3 logged models

  async searchLoggedModels(experimentIds: string[], query: RegistryQuery = {}, options?: CallOptions): Promise<Page<LoggedModel>> {
    const json = await this.api.search(
      '/logged-models/search',
      {
        experiment_ids: experimentIds,
        filter: query.filter,
        order_by: query.orderBy?.map(toLoggedModelOrderBy),
        max_results: query.maxResults,
        page_token: query.pageToken,
      },
      options,
    );
    return page(json, 'models', toLoggedModel, endpoint('POST', '/logged-models/search'));
  }

  async getLoggedModel(modelId: string, options?: CallOptions): Promise<LoggedModel> {
    return toLoggedModel(message(await this.api.get(`/logged-models/${encodeURIComponent(modelId)}`, {}, options), 'model', endpoint('GET', '/logged-models/{model_id}')));
  }

  async listLoggedModelArtifacts(modelId: string, path?: string, options?: CallOptions): Promise<FileInfo[]> {
    return this.api.listAll(
      (pageToken) =>
        this.api.get(`/logged-models/${encodeURIComponent(modelId)}/artifacts/directories`, { artifact_directory_path: path || undefined, page_token: pageToken }, options),
      path ?? '',
      endpoint('GET', '/logged-models/{model_id}/artifacts/directories'),
    );
  }

  /** The file route exists only under /ajax-api (MLflow's UI prefix); there is no /api twin. */
  readLoggedModelArtifact(modelId: string, path: string, options?: CallOptions): Promise<Uint8Array> {
    return this.http.bytes({
      method: 'GET',
      path: `/ajax-api/2.0/mlflow/logged-models/${encodeURIComponent(modelId)}/artifacts/files`,
      query: { artifact_file_path: path },
      signal: options?.signal,
    });
  }

  // Model registry

  async searchRegisteredModels(query: RegistryQuery, options?: CallOptions): Promise<Page<RegisteredModel>> {
    const json = await this.api.get('/registered-models/search', registryQuery(query), options);
    return page(json, 'registered_models', toRegisteredModel, endpoint('GET', '/registered-models/search'));
  }

  async getRegisteredModel(name: string, options?: CallOptions): Promise<RegisteredModel> {
    return toRegisteredModel(message(await this.api.get('/registered-models/get', { name }, options), 'registered_model', endpoint('GET', '/registered-models/get')));
  }

  async createRegisteredModel(name: string, description?: string, options?: CallOptions): Promise<RegisteredModel> {
    return toRegisteredModel(message(await this.api.write('POST', '/registered-models/create', { name, description }, options), 'registered_model', endpoint('POST', '/registered-models/create')));
  }

  async renameRegisteredModel(name: string, newName: string, options?: CallOptions): Promise<void> {
    await this.api.write('POST', '/registered-models/rename', { name, new_name: newName }, options);
  }

  async updateRegisteredModelDescription(name: string, description: string, options?: CallOptions): Promise<void> {
    await this.api.write('PATCH', '/registered-models/update', { name, description }, options);
  }

  async deleteRegisteredModel(name: string, options?: CallOptions): Promise<void> {
    await this.api.write('DELETE', '/registered-models/delete', { name }, options);
  }

  async setRegisteredModelTag(name: string, key: string, value: string, options?: CallOptions): Promise<void> {
    await this.api.write('POST', '/registered-models/set-tag', { name, key, value }, options);
  }

  async deleteRegisteredModelTag(name: string, key: string, options?: CallOptions): Promise<void> {
    await this.api.write('DELETE', '/registered-models/delete-tag', { name, key }, options);
  }

  async searchModelVersions(query: RegistryQuery, options?: CallOptions): Promise<Page<ModelVersion>> {
    const json = await this.api.get('/model-versions/search', registryQuery(query), options);
    return page(json, 'model_versions', toModelVersion, endpoint('GET', '/model-versions/search'));
  }

  async getModelVersion(name: string, version: string, options?: CallOptions): Promise<ModelVersion> {
    return toModelVersion(message(await this.api.get('/model-versions/get', { name, version }, options), 'model_version', endpoint('GET', '/model-versions/get')));
  }

  async createModelVersion(name: string, source: string, runId?: string, options?: CallOptions): Promise<ModelVersion> {
    return toModelVersion(message(await this.api.write('POST', '/model-versions/create', { name, source, run_id: runId }, options), 'model_version', endpoint('POST', '/model-versions/create')));
  }

  /**
   * Tags and order as MLflow 3's `register_prompt` sends them (captured from the real client): the
   * version carries `mlflow.prompt.is_prompt`, `_mlflow_prompt_type` and the template in
   * `mlflow.prompt.text`; `source` is MLflow's placeholder; the commit message is the description.
   */
  async createPromptVersion(version: NewPromptVersion, options?: CallOptions): Promise<ModelVersion> {
    const body: Record<string, unknown> = {
      name: version.name,
      source: 'dummy-source',
      tags: [
        { key: 'mlflow.prompt.is_prompt', value: 'true' },
        { key: '_mlflow_prompt_type', value: version.type },
        { key: 'mlflow.prompt.text', value: version.template },
      ],
    };
    if (version.commitMessage) body.description = version.commitMessage;
    return toModelVersion(message(await this.api.write('POST', '/model-versions/create', body, options), 'model_version', endpoint('POST', '/model-versions/create')));
  }

  async updateModelVersionDescription(name: string, version: string, description: string, options?: CallOptions): Promise<void> {
    await this.api.write('PATCH', '/model-versions/update', { name, version, description }, options);
  }

  async deleteModelVersion(name: string, version: string, options?: CallOptions): Promise<void> {
    await this.api.write('DELETE', '/model-versions/delete', { name, version }, options);
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string, options?: CallOptions): Promise<void> {
    await this.api.write('POST', '/model-versions/set-tag', { name, version, key, value }, options);
  }

  async deleteModelVersionTag(name: string, version: string, key: string, options?: CallOptions): Promise<void> {
    await this.api.write('DELETE', '/model-versions/delete-tag', { name, version, key }, options);
  }

  async getModelVersionDownloadUri(name: string, version: string, options?: CallOptions): Promise<string> {
    return parseString(obj(await this.api.get('/model-versions/get-download-uri', { name, version }, options)).artifact_uri);
  }

  /**
   * A file of a model version, wherever its artifacts live (run artifacts on 2.x, a logged model on
   * 3.x): the UI route `/model-versions/get-artifact` resolves the version's source on the server.
   */
  readModelVersionArtifact(name: string, version: string, path: string, options?: CallOptions): Promise<Uint8Array> {
    return this.http.bytes({ method: 'GET', path: '/model-versions/get-artifact', query: { path, name, version }, signal: options?.signal });
  }

  async transitionModelVersionStage(name: string, version: string, stage: Stage, archiveExisting: boolean, options?: CallOptions): Promise<ModelVersion> {
    const json = await this.api.write('POST', '/model-versions/transition-stage', { name, version, stage, archive_existing_versions: archiveExisting }, options);
    return toModelVersion(message(json, 'model_version', endpoint('POST', '/model-versions/transition-stage')));
  }

  async setAlias(name: string, alias: string, version: string, options?: CallOptions): Promise<void> {
    await this.api.write('POST', '/registered-models/alias', { name, alias, version }, options);
  }

  async deleteAlias(name: string, alias: string, options?: CallOptions): Promise<void> {
    await this.api.write('DELETE', '/registered-models/alias', { name, alias }, options);
  }

  async getModelVersionByAlias(name: string, alias: string, options?: CallOptions): Promise<ModelVersion> {
    return toModelVersion(message(await this.api.get('/registered-models/alias', { name, alias }, options), 'model_version', endpoint('GET', '/registered-models/alias')));
  }

  dispose(): void {
    this.http.dispose();
  }
}

/** `promise`, or CANCELLED as soon as `signal` aborts (the promise itself keeps running). */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  const cancelled = (): MlflowError => new MlflowError('Detecting the server capabilities was cancelled', 'CANCELLED');
  if (signal.aborted) return Promise.reject(cancelled());
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(cancelled());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
