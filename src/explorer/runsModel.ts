import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { isMlflowError } from '../mlflow/errors';
import type { TrackingStore } from '../mlflow/store';
import type { Experiment, Run, ViewType } from '../mlflow/types';
import { experimentsToPoll, isActiveStatus, type ExperimentLiveState } from './core/liveRefresh';
import { runModelPath, type ExplorerNode, type ExperimentNode, type RunNode } from './nodes';

/** Experiments per request, and the most the Runs view loads; the rest are said to exist, not listed. */
const EXPERIMENT_PAGE_SIZE = 1000;
export const MAX_LISTED_EXPERIMENTS = 50 * EXPERIMENT_PAGE_SIZE;

export interface RunsViewOptions {
  pageSize: number;
  filter?: string;
  orderBy: string[];
  showDeletedExperiments: boolean;
  showDeletedRuns: boolean;
  experimentNameFilter?: string;
  pinned: ReadonlySet<string>;
}

interface ExperimentRuns {
  runs: Run[];
  nextPageToken?: string;
  /** Set while a page request is in flight, so a second expand or "Load more" joins it. */
  loading?: Promise<void>;
  error?: unknown;
  /** When a load or poll last showed a RUNNING or SCHEDULED run (see core/liveRefresh.ts). */
  activeSeenAt?: number;
}

/**
 * Owns what the Runs view shows: the experiments and, per expanded experiment, the runs loaded so far
 * (page by page; runs come with their params, metrics and tags, so expanding a run never calls the
 * server). The tree provider is a thin adapter over this; it fires `onDidChange` with the node whose
 * children changed, or undefined for everything.
 */
export class RunsModel implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ExplorerNode | undefined>();
  readonly onDidChange = this.changed.event;
  /**
   * Fires when a page of runs has landed. Not a tree change (the tree asked for that page and gets it),
   * but it can make polling start: the runs may be RUNNING.
   */
  private readonly loaded = new vscode.EventEmitter<string>();
  readonly onDidLoadRuns = this.loaded.event;

  private experiments: Experiment[] | undefined;
  private experimentsLoading: Promise<void> | undefined;
  private experimentsError: unknown;
  private experimentsCapped = false;
  private readonly runsByExperiment = new Map<string, ExperimentRuns>();
  private readonly experimentNodes = new Map<string, ExperimentNode>();
  /** Experiments expanded in the tree; kept across resets (VS Code keeps them expanded too). */
  private readonly expanded = new Set<string>();
  private generation = 0;
  private abort = new AbortController();

  constructor(
    private readonly activeStore: ActiveStore,
    private options: RunsViewOptions,
  ) {}

  get viewOptions(): RunsViewOptions {
    return this.options;
  }

  /** Changes filter/sort/paging and reloads what is shown. */
  setOptions(update: Partial<RunsViewOptions>): void {
    this.options = { ...this.options, ...update };
    this.reset();
  }

  /** Drops everything loaded and cancels requests in flight; the view reloads what it shows. */
  reset(): void {
    this.abort.abort();
    this.abort = new AbortController();
    this.generation++;
    this.experiments = undefined;
    this.experimentsLoading = undefined;
    this.experimentsError = undefined;
    this.experimentsCapped = false;
    this.runsByExperiment.clear();
    this.experimentNodes.clear();
    this.changed.fire(undefined);
  }

  get store(): TrackingStore | undefined {
    return this.activeStore.current?.store;
  }

  /** The experiments to show, loading them on first use. Throws the load error, if any. */
  async getExperiments(): Promise<ExperimentNode[]> {
    if (!this.experiments) {
      this.experimentsLoading ??= this.loadExperiments();
      await this.experimentsLoading;
    }
    if (this.experimentsError) throw this.experimentsError;
    const pinned = this.options.pinned;
    const nameFilter = this.options.experimentNameFilter?.toLowerCase();
    return (this.experiments ?? [])
      .filter((e) => !nameFilter || e.name.toLowerCase().includes(nameFilter))
      .map((experiment) => this.toExperimentNode(experiment, pinned.has(experiment.experimentId)))
      .sort((a, b) => Number(b.pinned) - Number(a.pinned));
  }

  /** Whether the server had more experiments than the view loads (the most recently updated are listed). */
  get experimentsTruncated(): boolean {
    return this.experimentsCapped;
  }

  /** How many experiments the view loaded (before the name filter): at most MAX_LISTED_EXPERIMENTS. */
  get experimentsLoaded(): number {
    return this.experiments?.length ?? 0;
  }

  private toExperimentNode(experiment: Experiment, pinned: boolean): ExperimentNode {
    const existing = this.experimentNodes.get(experiment.experimentId);
    if (existing && existing.experiment === experiment && existing.pinned === pinned) return existing;
    const node: ExperimentNode = { kind: 'experiment', experiment, pinned };
    this.experimentNodes.set(experiment.experimentId, node);
    return node;
  }

  private async loadExperiments(): Promise<void> {
    const store = this.store;
    const generation = this.generation;
    if (!store) return;
    const viewType: ViewType = this.options.showDeletedExperiments ? 'ALL' : 'ACTIVE_ONLY';
    const all: Experiment[] = [];
    try {
      let pageToken: string | undefined;
      // Experiments are few compared with runs; a handful of pages of 1,000 covers real servers.
      for (let page = 0; page * EXPERIMENT_PAGE_SIZE < MAX_LISTED_EXPERIMENTS; page++) {
        const result = await store.searchExperiments(
          { viewType, maxResults: EXPERIMENT_PAGE_SIZE, pageToken, orderBy: ['last_update_time DESC'] },
          { signal: this.abort.signal },
        );
        all.push(...result.items);
        pageToken = result.nextPageToken;
        if (!pageToken) break;
      }
      if (generation !== this.generation) return;
      this.experiments = all;
      this.experimentsCapped = pageToken !== undefined;
      this.experimentsError = undefined;
    } catch (error) {
      if (generation !== this.generation) return;
      this.experiments = [];
      this.experimentsError = error;
    }
  }

  /** Top-level runs of an experiment loaded so far (children are nested under their parents). */
  async getRuns(experimentId: string): Promise<{ runs: RunNode[]; hasMore: boolean; loaded: number }> {
    let entry = this.runsByExperiment.get(experimentId);
    if (!entry) {
      entry = { runs: [] };
      this.runsByExperiment.set(experimentId, entry);
      entry.loading = this.loadPage(experimentId, entry);
    }
    if (entry.loading) await entry.loading;
    if (entry.error) throw entry.error;
    return { runs: nestRuns(entry.runs), hasMore: Boolean(entry.nextPageToken), loaded: entry.runs.length };
  }

  /** Loads the next page of an experiment's runs ("Load more"). */
  async loadMore(experimentId: string): Promise<void> {
    const entry = this.runsByExperiment.get(experimentId);
    if (!entry || !entry.nextPageToken || entry.loading) return entry?.loading;
    entry.loading = this.loadPage(experimentId, entry);
    await entry.loading;
    this.fireExperiment(experimentId);
  }

  private async loadPage(experimentId: string, entry: ExperimentRuns): Promise<void> {
    const store = this.store;
    const generation = this.generation;
    try {
      if (!store) return;
      const page = await store.searchRuns(
        {
          experimentIds: [experimentId],
          filter: this.options.filter,
          orderBy: this.options.orderBy,
          runViewType: this.options.showDeletedRuns ? 'ALL' : 'ACTIVE_ONLY',
          maxResults: this.options.pageSize,
          pageToken: entry.nextPageToken,
        },
        { signal: this.abort.signal },
      );
      if (generation !== this.generation) return;
      entry.runs.push(...page.items);
      entry.nextPageToken = page.nextPageToken;
      entry.error = undefined;
      if (entry.runs.some(isActive)) entry.activeSeenAt = Date.now();
    } catch (error) {
      if (generation !== this.generation) return;
      entry.error = error;
    } finally {
      entry.loading = undefined;
    }
    if (generation === this.generation) this.loaded.fire(experimentId);
  }

  /** Follows the tree's expand/collapse of an experiment (only expanded experiments are polled). */
  setExpanded(experimentId: string, expanded: boolean): void {
    if (expanded) this.expanded.add(experimentId);
    else this.expanded.delete(experimentId);
  }

  /** What the polling rule needs to know about each experiment whose runs were asked for. */
  liveState(): ExperimentLiveState[] {
    return [...this.runsByExperiment].map(([experimentId, entry]) => ({
      experimentId,
      expanded: this.expanded.has(experimentId),
      loaded: entry.loading === undefined && entry.error === undefined,
      loading: entry.loading !== undefined,
      hasActiveRuns: entry.runs.some(isActive),
      activeSeenAt: entry.activeSeenAt,
    }));
  }

  /**
   * Re-reads the runs shown of the given experiments (see core/liveRefresh.ts for which), one request
   * per experiment for as many rows as are loaded plus one, so statuses, names and latest metrics move
   * while training and a run started meanwhile appears at its place. Throws when the store fails (the
   * caller backs off).
   */
  async refreshLive(launchInFlight: boolean): Promise<void> {
    const store = this.store;
    if (!store) return;
    const ids = experimentsToPoll({ viewVisible: true, launchInFlight, now: Date.now(), experiments: this.liveState() });
    for (const experimentId of ids) {
      const entry = this.runsByExperiment.get(experimentId);
      if (!entry || entry.loading) continue;
      const generation = this.generation;
      const page = await store.searchRuns(
        {
          experimentIds: [experimentId],
          filter: this.options.filter,
          orderBy: this.options.orderBy,
          runViewType: this.options.showDeletedRuns ? 'ALL' : 'ACTIVE_ONLY',
          // One more than shown: a short answer proves nothing follows, where an exactly full page would
          // come back with a token from MLflow 2.x servers even when nothing is left ("Load more" → empty).
          maxResults: Math.max(entry.runs.length, this.options.pageSize) + 1,
        },
        { signal: this.abort.signal },
      );
      // The view was reset, or "Load more"/a reload replaced this entry while the request was out.
      if (generation !== this.generation || this.runsByExperiment.get(experimentId) !== entry || entry.loading) continue;
      entry.runs = page.items;
      entry.nextPageToken = page.nextPageToken;
      entry.error = undefined;
      if (entry.runs.some(isActive)) entry.activeSeenAt = Date.now();
      this.fireExperiment(experimentId);
    }
  }

  /** All runs loaded so far, for pickers (compare, sort by metric). */
  loadedRuns(): Run[] {
    return [...this.runsByExperiment.values()].flatMap((entry) => entry.runs);
  }

  findRun(runId: string): Run | undefined {
    return this.loadedRuns().find((run) => run.info.runId === runId);
  }

  /** The node of a loaded run, with its children, for reveal. */
  runNode(runId: string): RunNode | undefined {
    const run = this.findRun(runId);
    if (!run) return undefined;
    const entry = this.runsByExperiment.get(run.info.experimentId);
    const find = (nodes: readonly RunNode[]): RunNode | undefined => {
      for (const node of nodes) {
        if (node.run.info.runId === runId) return node;
        const inner = find(node.children);
        if (inner) return inner;
      }
      return undefined;
    };
    return find(nestRuns(entry?.runs ?? []));
  }

  experimentNode(experimentId: string): ExperimentNode | undefined {
    return this.experimentNodes.get(experimentId);
  }

  /**
   * Lists the experiments again when `experimentId` is not among those loaded (a script just created
   * it), keeping the runs already loaded; the view redraws its root.
   */
  async ensureExperimentListed(experimentId: string): Promise<void> {
    if ((await this.getExperiments()).some((node) => node.experiment.experimentId === experimentId)) return;
    this.experiments = undefined;
    this.experimentsLoading = undefined;
    this.changed.fire(undefined);
    await this.getExperiments();
  }

  /** Reloads one experiment's runs from the first page. */
  reloadExperiment(experimentId: string): void {
    this.runsByExperiment.delete(experimentId);
    this.fireExperiment(experimentId);
  }

  private fireExperiment(experimentId: string): void {
    this.changed.fire(this.experimentNodes.get(experimentId));
  }

  /** Whether the error is worth showing as "the filter is invalid" rather than as a connection problem. */
  static isFilterError(error: unknown): boolean {
    return isMlflowError(error, 'INVALID_PARAMETER_VALUE');
  }

  dispose(): void {
    this.abort.abort();
    this.changed.dispose();
    this.loaded.dispose();
  }
}

function isActive(run: Run): boolean {
  return isActiveStatus(run.info.status);
}

/** Nests child runs under parents loaded in the same list (any depth); orphans stay at the top level. */
export function nestRuns(runs: readonly Run[]): RunNode[] {
  const nodes = new Map<string, RunNode & { children: RunNode[] }>();
  for (const run of runs) nodes.set(run.info.runId, { kind: 'run', run, children: [], modelPath: runModelPath(run) });
  const top: RunNode[] = [];
  for (const node of nodes.values()) {
    const parentId = node.run.data.tags['mlflow.parentRunId'];
    const parent = parentId && parentId !== node.run.info.runId ? nodes.get(parentId) : undefined;
    if (parent && !isAncestor(node, parent, nodes)) parent.children.push(node);
    else top.push(node);
  }
  return top;
}

/** Guards against parent cycles in data written by others (a → b → a would otherwise vanish). */
function isAncestor(candidate: RunNode, of: RunNode, nodes: ReadonlyMap<string, RunNode>): boolean {
  let current: RunNode | undefined = of;
  for (let depth = 0; current && depth < 100; depth++) {
    if (current === candidate) return true;
    const parentId: string | undefined = current.run.data.tags['mlflow.parentRunId'];
    current = parentId ? nodes.get(parentId) : undefined;
  }
  return false;
}
