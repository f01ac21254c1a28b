import * as path from 'node:path';
import { MlflowError } from '../errors';
import { validateSampleWindow } from '../sampling';
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
  RunMetric,
  RunQuery,
  SampledHistoryQuery,
} from '../types';
import { copyArtifactFile, listArtifactDir, readArtifactFile, throwIfAborted } from './artifactFiles';
import { type ArtifactLocationContext, originRootsOf, resolveArtifactUri } from './artifactLocations';
import { searchExperimentsIn } from './experimentQuery';
import { searchLoggedModelsIn } from './loggedModelQuery';
import { LocalRegistryReads } from './localRegistryReads';
import { hasLoggedModels, readLoggedModels } from './sqliteLoggedModels';
import { type Registry, hasRegistry, readRegistry } from './sqliteRegistry';
import { searchRunsInSnapshot } from './sqliteRunSearch';
import { type SqlEngine, loadWasmSqlEngine } from './sqliteEngine';
import { nodeSqlEngine } from './sqliteNodeEngine';
import { type ReadOptions, SqliteReader } from './sqliteReader';
import type { Database } from './sqliteRows';
import { SqliteTraceStore } from './sqliteTraces';
import type { TraceStore } from '../traceStore';
import {
  artifactUriOfRun,
  experimentArtifactLocations,
  experiments,
  getRunOrThrow,
  metricHistory,
  sampledHistories,
  viewTypeCondition,
} from './sqliteTracking';

/** `auto`: node:sqlite where this Node has it, else the wasm engine. */
export type SqliteEngineKind = 'auto' | 'node:sqlite' | 'wasm';

export interface SqliteStoreOptions {
  /**
   * node-sqlite3-wasm's `node-sqlite3-wasm.js`, its `.wasm` beside it: the extension ships both in
   * `dist/sqlite/`; tests use `require.resolve('node-sqlite3-wasm')`. Used where node:sqlite is absent.
   */
  engine: string;
  /** Which engine reads the file (default `auto`); tests run both. */
  engineKind?: SqliteEngineKind;
  /** Retry budget for reading a store that a training script is writing. */
  retry?: ReadOptions;
}

let nodeEngine: SqlEngine | null | undefined;

/**
 * The engine a store reads with: Node's built-in `node:sqlite` (native SQLite, SQLite's own locks)
 * where the extension host's Node has it (VS Code 1.139's Node 24, Node ≥ 22.13), else node-sqlite3-wasm
 * from `wasmFile` (Node 20 hosts). One instance of each per process.
 */
export async function loadSqlEngine(wasmFile: string, kind: SqliteEngineKind = 'auto'): Promise<SqlEngine> {
  if (kind !== 'wasm') {
    if (nodeEngine === undefined) nodeEngine = nodeSqlEngine() ?? null;
    if (nodeEngine) return nodeEngine;
    if (kind === 'node:sqlite') throw new MlflowError(`node:sqlite is not available in Node ${process.version}`, 'INVALID_STATE');
  }
  return loadWasmSqlEngine(wasmFile);
}

/**
 * An MLflow SQLite store (`mlflow.db`, MLflow 2.x or 3.x schema) read in place by SQLite itself
 * (node:sqlite, or SQLite compiled to WebAssembly), without a server and without a native module. Read-only: the file is only ever opened
 * for reading, page by page (memory does not grow with the store); each read is checked to be
 * consistent while a training script keeps logging to it (see SqliteReader). Writes reject with
 * ReadOnlyStoreError.
 */
export class SqliteStore extends LocalRegistryReads implements TrackingStore {
  readonly description: string;
  readonly traces: TraceStore;
  private readonly reader: SqliteReader;
  private readonly storeDir: string;

  constructor(
    readonly dbFile: string,
    private readonly options: SqliteStoreOptions,
  ) {
    super();
    this.description = `the SQLite store ${dbFile}`;
    this.storeDir = path.dirname(path.resolve(dbFile));
    this.reader = new SqliteReader(path.resolve(dbFile), () => loadSqlEngine(options.engine, options.engineKind), options.retry);
    this.traces = new SqliteTraceStore((o, query) => this.read(o, query), (uri, o) => this.artifactRoot(() => uri, o), this.description);
  }

  /** Which SQLite reads this store: node:sqlite where the host's Node has it, else the wasm engine. */
  async engineKind(): Promise<SqlEngine['kind']> {
    return (await loadSqlEngine(this.options.engine, this.options.engineKind)).kind;
  }

  /** Reads so far, retries, and why reads were retried (see SqliteReader). */
  readStats(): SqliteReader['stats'] {
    return this.reader.stats;
  }

  /** Opens the store and reads it once, so a missing or unreadable file fails here. */
  static async open(dbFile: string, options: SqliteStoreOptions): Promise<SqliteStore> {
    const store = new SqliteStore(dbFile, options);
    try {
      await store.capabilities();
      return store;
    } catch (error) {
      store.dispose();
      throw error;
    }
  }

  /** Runs synchronous queries as one consistent read of the file. */
  private async read<T>(options: CallOptions | undefined, query: (db: Database) => T): Promise<T> {
    throwIfAborted(options);
    return await this.reader.read(options, query);
  }

  capabilities(options?: CallOptions): Promise<Capabilities> {
    return this.read(options, (db) => ({
      readOnly: true,
      registry: hasRegistry(db),
      loggedModels: hasLoggedModels(db),
      sampledHistory: true,
      stages: true,
    }));
  }

  // ---- experiments ----

  async searchExperiments(query: ExperimentQuery, options?: CallOptions): Promise<Page<Experiment>> {
    const inView = await this.read(options, (db) => experiments(db, viewTypeCondition('lifecycle_stage', query.viewType)));
    return searchExperimentsIn(inView, query);
  }

  async getExperiment(experimentId: string, options?: CallOptions): Promise<Experiment> {
    const [experiment] = await this.read(options, (db) => experiments(db, 'experiment_id = ?', [experimentId]));
    if (!experiment) throw new MlflowError(`No Experiment with id=${experimentId} exists`, 'RESOURCE_DOES_NOT_EXIST', 404);
    return experiment;
  }

  async getExperimentByName(name: string, options?: CallOptions): Promise<Experiment | undefined> {
    const [experiment] = await this.read(options, (db) => experiments(db, 'name = ?', [name]));
    return experiment;
  }

  // ---- runs and metrics ----

  searchRuns(query: RunQuery, options?: CallOptions): Promise<Page<Run>> {
    return this.read(options, (db) => searchRunsInSnapshot(db, query));
  }

  getRun(runId: string, options?: CallOptions): Promise<Run> {
    return this.read(options, (db) => getRunOrThrow(db, runId));
  }

  getMetricHistory(runId: string, metricKey: string, options?: CallOptions): Promise<Metric[]> {
    return this.read(options, (db) => metricHistory(db, runId, metricKey));
  }

  async getSampledHistories(query: SampledHistoryQuery, options?: CallOptions): Promise<RunMetric[]> {
    const window = { maxResults: query.maxResults, startStep: query.startStep, endStep: query.endStep };
    validateSampleWindow(window, query.runIds.length);
    return this.read(options, (db) => sampledHistories(db, query.runIds, query.metricKey, window));
  }

  // ---- artifacts ----

  private async artifactRoot(uri: (db: Database) => string, options?: CallOptions): Promise<string> {
    const { stored, context } = await this.read(options, (db) => {
      const context: ArtifactLocationContext = { storeDir: this.storeDir, originRoots: originRootsOf(experimentArtifactLocations(db)) };
      return { stored: uri(db), context };
    });
    return resolveArtifactUri(stored, context);
  }

  private runArtifactRoot(runId: string, options?: CallOptions): Promise<string> {
    return this.artifactRoot((db) => artifactUriOfRun(db, runId).artifactUri, options);
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

  // ---- MLflow 3 logged models ----

  async searchLoggedModels(experimentIds: string[], query?: RegistryQuery, options?: CallOptions): Promise<Page<LoggedModel>> {
    const models = await this.read(options, (db) => readLoggedModels(db, { experimentIds }));
    return searchLoggedModelsIn(models, query);
  }

  async getLoggedModel(modelId: string, options?: CallOptions): Promise<LoggedModel> {
    const [model] = await this.read(options, (db) => readLoggedModels(db, { modelId }));
    if (!model) throw new MlflowError(`Logged model with ID '${modelId}' not found.`, 'RESOURCE_DOES_NOT_EXIST', 404);
    return model;
  }

  private async loggedModelRoot(modelId: string, options?: CallOptions): Promise<string> {
    const model = await this.getLoggedModel(modelId, options);
    return this.artifactRoot(() => model.artifactUri, options);
  }

  async listLoggedModelArtifacts(modelId: string, relPath?: string, options?: CallOptions): Promise<FileInfo[]> {
    return listArtifactDir(await this.loggedModelRoot(modelId, options), relPath, options);
  }

  async readLoggedModelArtifact(modelId: string, relPath: string, options?: CallOptions): Promise<Uint8Array> {
    return readArtifactFile(await this.loggedModelRoot(modelId, options), relPath, `model ${modelId}`, options);
  }

  // ---- model registry ----

  protected readonly registryBackend = 'sql' as const;

  protected registry(options?: CallOptions): Promise<Registry> {
    return this.read(options, readRegistry);
  }

  dispose(): void {
    this.reader.dispose();
  }
}
