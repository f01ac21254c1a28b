import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { MlflowError } from '../errors';
import { validateSampleWindow } from '../sampling';
import { parseRunFilter, referencedKeys, runMatchesFilter } from '../searchFilter';
import { compareByKeys, parseRunOrderBy, runSortValue, withRunTieBreakers } from '../searchOrder';
import type { TrackingStore } from '../store';
import type {
  CallOptions,
  Capabilities,
  Experiment,
  ExperimentQuery,
  FileInfo,
  LoggedModel,
  Metric,
  Page,
  RegistryQuery,
  Run,
  RunInfo,
  RunMetric,
  RunQuery,
  SampledHistoryQuery,
  ViewType,
} from '../types';
import { copyArtifactFile, listArtifactDir, readArtifactFile, throwIfAborted } from './artifactFiles';
import { originRootsOf, resolveArtifactUri } from './artifactLocations';
import { searchExperimentsIn } from './experimentQuery';
import { DEFAULT_CACHE_BUDGET, FileStoreCache, type FileStoreCacheOptions } from './fileStoreCache';
import { mapLimit } from './fileStoreFiles';
import { isModelId, readLoggedModel, readLoggedModels } from './fileStoreLoggedModels';
import { type FileRegistry, readFileRegistry } from './fileStoreRegistry';
import { type ExperimentDir, experimentDirs, readExperiment, readRun, readRunInfo, runIdsIn } from './fileStoreTracking';
import { searchLoggedModelsIn } from './loggedModelQuery';
import { type MetricColumns, sampleColumns } from './metricFile';
import { checkMaxResults, pageOfOrdered } from './paging';
import { LocalRegistryReads } from './localRegistryReads';
import { FileTraceStore } from './fileStoreTraces';
import type { TraceStore } from '../traceStore';

/** How many run folders are read at once: enough to hide latency, few enough not to exhaust handles. */
const PARALLEL_READS = 32;

/** Runs with nothing but their info share these: filters and orders on attributes only read them. */
const NO_DATA: Run['data'] = Object.freeze({ metrics: Object.freeze([]) as unknown as Run['data']['metrics'], params: Object.freeze({}), tags: Object.freeze({}) });
const NO_INPUTS: Run['inputs'] = Object.freeze({ datasets: Object.freeze([]) as unknown as Run['inputs']['datasets'], modelInputs: Object.freeze([]) as unknown as string[] });
const NO_OUTPUTS: Run['outputs'] = Object.freeze({ modelOutputs: Object.freeze([]) as unknown as Run['outputs']['modelOutputs'] });

/** A run for matching and ordering on attributes only (one object, not six, for each of 100,000 runs). */
function attributesOnly(info: RunInfo): Run {
  return { info, data: NO_DATA, inputs: NO_INPUTS, outputs: NO_OUTPUTS };
}

function inView(stage: 'active' | 'deleted', viewType: ViewType | undefined): boolean {
  if (viewType === 'ALL') return true;
  return viewType === 'DELETED_ONLY' ? stage === 'deleted' : stage === 'active';
}

/**
 * A legacy MLflow FileStore (`mlruns/`, `file:` tracking URI) read directly and read-only, with the
 * same filter, order and paging semantics as the SQLite store and the server. Every read is
 * asynchronous; meta files caught mid-write are re-read (see fileStoreFiles.ts). What was parsed is
 * kept while its file is unchanged (fileStoreCache.ts), so paging through a large experiment costs a
 * `stat` per run rather than a read and a YAML parse per run, and a live metric file only its new lines.
 */
export class FileStore extends LocalRegistryReads implements TrackingStore {
  readonly description: string;
  readonly traces: TraceStore;
  private readonly root: string;
  private readonly cache: FileStoreCache;

  constructor(mlrunsDir: string, options: { cache?: FileStoreCacheOptions } = {}) {
    super();
    this.root = path.resolve(mlrunsDir);
    this.description = `the file store ${this.root}`;
    this.traces = new FileTraceStore(this.root, this.description);
    this.cache = new FileStoreCache({ budgetBytes: DEFAULT_CACHE_BUDGET, ...options.cache });
  }

  /** How much the store keeps and how often it was reused (for benches and tests). */
  cacheStats(): ReturnType<FileStoreCache['stats']> {
    return this.cache.stats();
  }

  async capabilities(options?: CallOptions): Promise<Capabilities> {
    throwIfAborted(options);
    const rootStat = await stat(this.root).catch(() => undefined);
    if (!rootStat?.isDirectory()) throw new MlflowError(`No MLflow file store at ${this.root}`, 'RESOURCE_DOES_NOT_EXIST', 404);
    return { readOnly: true, registry: true, loggedModels: true, sampledHistory: true, stages: true };
  }

  // ---- experiments ----

  private async allExperiments(): Promise<Experiment[]> {
    const experiments = await mapLimit(await experimentDirs(this.root), PARALLEL_READS, (dir) => readExperiment(this.cache, dir));
    return experiments.filter((e): e is Experiment => e !== undefined);
  }

  async searchExperiments(query: ExperimentQuery, options?: CallOptions): Promise<Page<Experiment>> {
    throwIfAborted(options);
    const all = await this.allExperiments();
    return searchExperimentsIn(all.filter((e) => inView(e.lifecycleStage, query.viewType)), query);
  }

  /** The folder of an experiment id (active, else in `.trash`), if any. */
  private async experimentDir(experimentId: string): Promise<ExperimentDir | undefined> {
    if (!/^[\w-]+$/.test(experimentId)) return undefined;
    for (const base of [this.root, path.join(this.root, '.trash')]) {
      const dir = path.join(base, experimentId);
      if (await stat(path.join(dir, 'meta.yaml')).catch(() => undefined)) return { id: experimentId, dir };
    }
    return undefined;
  }

  async getExperiment(experimentId: string, options?: CallOptions): Promise<Experiment> {
    throwIfAborted(options);
    const dir = await this.experimentDir(experimentId);
    const experiment = dir && (await readExperiment(this.cache, dir));
    if (!experiment) throw new MlflowError(`No Experiment with id=${experimentId} exists`, 'RESOURCE_DOES_NOT_EXIST', 404);
    return experiment;
  }

  async getExperimentByName(name: string, options?: CallOptions): Promise<Experiment | undefined> {
    throwIfAborted(options);
    return (await this.allExperiments()).find((e) => e.name === name);
  }

  // ---- runs ----

  async searchRuns(query: RunQuery, options?: CallOptions): Promise<Page<Run>> {
    throwIfAborted(options);
    this.cache.beginPass();
    const maxResults = checkMaxResults(query.maxResults, 1000, 50000, 'fileStore');
    const clauses = parseRunFilter(query.filter);
    const keys = withRunTieBreakers(parseRunOrderBy(query.orderBy));
    const experiments = (await Promise.all(query.experimentIds.map((id) => this.experimentDir(id)))).filter(
      (e): e is ExperimentDir => e !== undefined,
    );
    const candidates: { experiment: ExperimentDir; info: RunInfo }[] = [];
    for (const experiment of experiments) {
      const infos = await mapLimit(await runIdsIn(experiment.dir), PARALLEL_READS, (id) => readRunInfo(this.cache, experiment, id));
      for (const info of infos) {
        if (info && inView(info.lifecycleStage, query.runViewType)) candidates.push({ experiment, info });
      }
      throwIfAborted(options);
    }
    // Only the keys the filter and ordering read are loaded for every run; the page is read in full.
    const wanted = referencedKeys([...clauses, ...keys]);
    const needsData = clauses.length > 0 || keys.some((k) => k.type !== 'attribute');
    const partial = needsData
      ? await mapLimit(candidates, PARALLEL_READS, async ({ experiment, info }) =>
          readRun(this.cache, experiment, info, {
            metrics: wanted.metric,
            params: wanted.parameter,
            tags: wanted.tag,
            datasets: clauses.some((c) => c.type === 'dataset'),
          }),
        )
      : candidates.map(({ info }) => attributesOnly(info));
    // Each run's sort values are computed once rather than in every comparison (100,000 runs make
    // some 1.7 million comparisons); the order is compareByKeys' own.
    const slot = new Map(keys.map((key, i) => [key, i]));
    const matching = [];
    for (let i = 0; i < partial.length; i++) {
      const run = partial[i];
      if (runMatchesFilter(run, clauses)) matching.push({ run, experiment: candidates[i].experiment, values: keys.map((key) => runSortValue(run, key)) });
    }
    const page = pageOfOrdered(matching, compareByKeys(keys, (entry, key) => entry.values[slot.get(key) ?? 0]), query.pageToken, maxResults);
    const items = await mapLimit(page.items, PARALLEL_READS, ({ run, experiment }) => readRun(this.cache, experiment, run.info));
    return { ...page, items };
  }

  /** The experiment folder holding a run, found by looking for `<exp>/<run>/meta.yaml`. */
  private async locateRun(runId: string): Promise<{ experiment: ExperimentDir; info: RunInfo } | undefined> {
    if (!/^[\w-]+$/.test(runId)) return undefined;
    for (const experiment of await experimentDirs(this.root)) {
      if (await stat(path.join(experiment.dir, runId, 'meta.yaml')).catch(() => undefined)) {
        const info = await readRunInfo(this.cache, experiment, runId, true);
        if (info) return { experiment, info };
      }
    }
    return undefined;
  }

  private async runOrThrow(runId: string): Promise<{ experiment: ExperimentDir; info: RunInfo }> {
    const found = await this.locateRun(runId);
    if (!found) throw new MlflowError(`Run with id=${runId} not found`, 'RESOURCE_DOES_NOT_EXIST', 404);
    return found;
  }

  async getRun(runId: string, options?: CallOptions): Promise<Run> {
    throwIfAborted(options);
    this.cache.beginPass();
    const { experiment, info } = await this.runOrThrow(runId);
    return readRun(this.cache, experiment, info);
  }

  async getMetricHistory(runId: string, metricKey: string, options?: CallOptions): Promise<Metric[]> {
    throwIfAborted(options);
    const found = await this.locateRun(runId);
    // As the server: an unknown run has an empty history rather than an error.
    if (!found) return [];
    const history = await this.cache.metricHistory(path.join(found.experiment.dir, runId, 'metrics'), metricKey);
    return history.sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
  }

  async getSampledHistories(query: SampledHistoryQuery, options?: CallOptions): Promise<RunMetric[]> {
    this.cache.beginPass();
    const window = { maxResults: query.maxResults, startStep: query.startStep, endStep: query.endStep };
    validateSampleWindow(window, query.runIds.length);
    // The kept columns are sampled in place: no point object is built that is not returned.
    const histories = new Map<string, MetricColumns | undefined>();
    for (const runId of query.runIds) {
      throwIfAborted(options);
      const found = await this.locateRun(runId);
      histories.set(runId, found && (await this.cache.metricColumns(path.join(found.experiment.dir, runId, 'metrics'), query.metricKey)));
    }
    return sampleColumns(histories, query.metricKey, window);
  }

  // ---- artifacts ----

  private async resolve(uri: string): Promise<string> {
    const locations = (await this.allExperiments()).map((e) => e.artifactLocation);
    return resolveArtifactUri(uri, { storeDir: this.root, originRoots: originRootsOf(locations) });
  }

  private async runArtifactRoot(runId: string, options?: CallOptions): Promise<string> {
    throwIfAborted(options);
    const { info } = await this.runOrThrow(runId);
    return this.resolve(info.artifactUri);
  }

  async listArtifacts(runId: string, relPath?: string, options?: CallOptions): Promise<FileInfo[]> {
    return listArtifactDir(await this.runArtifactRoot(runId, options), relPath, options);
  }

  async readArtifact(runId: string, relPath: string, options?: CallOptions): Promise<Uint8Array> {
    return readArtifactFile(await this.runArtifactRoot(runId, options), relPath, `run ${runId}`, options);
  }

  async downloadArtifact(runId: string, relPath: string, destinationFile: string, options?: CallOptions): Promise<void> {
    await copyArtifactFile(await this.runArtifactRoot(runId, options), relPath, destinationFile, `run ${runId}`, options);
  }

  // ---- MLflow 3 logged models (`<exp>/models/<m-id>/`) ----

  async searchLoggedModels(experimentIds: string[], query?: RegistryQuery, options?: CallOptions): Promise<Page<LoggedModel>> {
    throwIfAborted(options);
    const experiments = (await Promise.all(experimentIds.map((id) => this.experimentDir(id)))).filter(
      (e): e is ExperimentDir => e !== undefined,
    );
    return searchLoggedModelsIn(await readLoggedModels(this.cache, experiments), query, 'file');
  }

  async getLoggedModel(modelId: string, options?: CallOptions): Promise<LoggedModel> {
    throwIfAborted(options);
    if (isModelId(modelId)) {
      for (const experiment of await experimentDirs(this.root)) {
        const model = await readLoggedModel(this.cache, experiment, modelId);
        if (model) return model;
      }
    }
    throw new MlflowError(`Logged model with ID '${modelId}' not found.`, 'RESOURCE_DOES_NOT_EXIST', 404);
  }

  private async loggedModelRoot(modelId: string, options?: CallOptions): Promise<string> {
    const model = await this.getLoggedModel(modelId, options);
    return this.resolve(model.artifactUri);
  }

  async listLoggedModelArtifacts(modelId: string, relPath?: string, options?: CallOptions): Promise<FileInfo[]> {
    return listArtifactDir(await this.loggedModelRoot(modelId, options), relPath, options);
  }

  async readLoggedModelArtifact(modelId: string, relPath: string, options?: CallOptions): Promise<Uint8Array> {
    return readArtifactFile(await this.loggedModelRoot(modelId, options), relPath, `model ${modelId}`, options);
  }

  // ---- model registry ----

  protected readonly registryBackend = 'file' as const;

  protected registry(options?: CallOptions): Promise<FileRegistry> {
    throwIfAborted(options);
    return readFileRegistry(this.root);
  }

  dispose(): void {
    // Nothing is held open between calls; what was parsed is let go.
    this.cache.clear();
  }
}
