import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import type { TraceStore } from '../mlflow/traceStore';
import type { TraceInfo } from '../mlflow/traceTypes';
import type { Experiment } from '../mlflow/types';
import { sessionFilter } from './core/traceSummary';

/** How many experiments are probed for traces, and how many at once. */
const MAX_EXPERIMENTS = 200;
const PROBE_CONCURRENCY = 4;

export interface ExperimentTraces {
  experiment: Experiment;
  traces: TraceInfo[];
  nextPageToken?: string;
  /** Set when the last page failed; shown as a message row. */
  error?: unknown;
  loaded: boolean;
}

export type TraceOrder = 'newest' | 'oldest' | 'slowest' | 'name';

export const ORDER_BY: Record<TraceOrder, string[]> = {
  newest: ['timestamp_ms DESC'],
  oldest: ['timestamp_ms ASC'],
  slowest: ['execution_time_ms DESC'],
  name: ['name ASC', 'timestamp_ms DESC'],
};

/**
 * The Traces view's data: which experiments hold traces, and the pages of traces loaded for each under
 * the current filter and order. Loads on demand (the tree asks), never shows UI, and fires onDidChange
 * when something should be redrawn.
 */
export class TracesModel implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  private experimentsPromise: Promise<Experiment[]> | undefined;
  private readonly byExperiment = new Map<string, ExperimentTraces>();
  private generation = 0;
  filter: string | undefined;
  order: TraceOrder = 'newest';
  /** Restricts the view to one experiment (when opened from a run or logged model). */
  focusExperimentId: string | undefined;
  /** Shows each experiment's traces grouped by session (conversations) instead of one list. */
  groupBySession = false;

  constructor(
    private readonly activeStore: ActiveStore,
    private readonly pageSize: number,
  ) {}

  get store(): TraceStore | undefined {
    return this.activeStore.current?.store.traces;
  }

  /** Drops everything loaded; the tree reloads what it shows. */
  reset(): void {
    this.generation++;
    this.experimentsPromise = undefined;
    this.byExperiment.clear();
    this.changed.fire();
  }

  /** Reloads the traces under the current filter, keeping the list of experiments. */
  reloadTraces(): void {
    this.generation++;
    this.byExperiment.clear();
    this.changed.fire();
  }

  setFilter(filter: string | undefined): void {
    this.filter = filter?.trim() ? filter.trim() : undefined;
    this.reloadTraces();
  }

  setGroupBySession(grouped: boolean): void {
    this.groupBySession = grouped;
    this.changed.fire();
  }

  /** One session's traces, oldest first (a conversation's turns in order). */
  async sessionTraces(experimentId: string, session: string): Promise<TraceInfo[]> {
    const store = this.store;
    if (!store) return [];
    const filter = [this.filter, sessionFilter(session)].filter((f): f is string => f !== undefined).join(' AND ');
    const traces: TraceInfo[] = [];
    let pageToken: string | undefined;
    do {
      const page = await store.searchTraces({ experimentIds: [experimentId], filter, orderBy: ['timestamp_ms ASC'], maxResults: 500, pageToken });
      traces.push(...page.items);
      pageToken = page.nextPageToken;
    } while (pageToken && traces.length < 5000);
    return traces;
  }

  setOrder(order: TraceOrder): void {
    this.order = order;
    this.reloadTraces();
  }

  async available(): Promise<boolean> {
    const store = this.store;
    return store ? store.available() : false;
  }

  /** Experiments that hold at least one trace (any trace: the filter applies to the lists under them). */
  experiments(): Promise<Experiment[]> {
    this.experimentsPromise ??= this.findExperiments().catch((error: unknown) => {
      this.experimentsPromise = undefined;
      throw error;
    });
    return this.experimentsPromise;
  }

  private async findExperiments(): Promise<Experiment[]> {
    const connection = this.activeStore.current;
    const traces = connection?.store.traces;
    if (!connection || !traces) return [];
    const page = await connection.store.searchExperiments({ maxResults: MAX_EXPERIMENTS, viewType: 'ACTIVE_ONLY' });
    const candidates = page.items;
    const withTraces: (Experiment | undefined)[] = new Array(candidates.length);
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < candidates.length) {
        const i = next++;
        const experiment = candidates[i]!;
        const probe = await traces.searchTraces({ experimentIds: [experiment.experimentId], maxResults: 1 });
        if (probe.items.length > 0) withTraces[i] = experiment;
      }
    };
    await Promise.all(Array.from({ length: Math.min(PROBE_CONCURRENCY, candidates.length) }, worker));
    return withTraces.filter((e): e is Experiment => e !== undefined);
  }

  /** The traces loaded so far for an experiment, loading the first page if none is. */
  async tracesOf(experiment: Experiment): Promise<ExperimentTraces> {
    const entry = this.byExperiment.get(experiment.experimentId);
    if (entry?.loaded) return entry;
    return this.loadPage(experiment);
  }

  async loadMore(experimentId: string): Promise<void> {
    const entry = this.byExperiment.get(experimentId);
    if (!entry?.nextPageToken) return;
    await this.loadPage(entry.experiment, entry.nextPageToken);
    this.changed.fire();
  }

  private async loadPage(experiment: Experiment, pageToken?: string): Promise<ExperimentTraces> {
    const generation = this.generation;
    const existing = this.byExperiment.get(experiment.experimentId);
    const entry: ExperimentTraces = existing && pageToken ? existing : { experiment, traces: [], loaded: false };
    const store = this.store;
    try {
      if (!store) throw new Error('Not connected.');
      const page = await store.searchTraces({
        experimentIds: [experiment.experimentId],
        filter: this.filter,
        orderBy: ORDER_BY[this.order],
        maxResults: this.pageSize,
        pageToken,
      });
      if (generation !== this.generation) return entry;
      entry.traces = pageToken ? [...entry.traces, ...page.items] : page.items;
      entry.nextPageToken = page.nextPageToken;
      entry.error = undefined;
    } catch (error) {
      entry.error = error;
    }
    entry.loaded = true;
    if (generation === this.generation) this.byExperiment.set(experiment.experimentId, entry);
    return entry;
  }

  /** Every trace listed so far, experiment by experiment (for pickers). */
  loadedTraces(): TraceInfo[] {
    return [...this.byExperiment.values()].flatMap((entry) => entry.traces);
  }

  /** A trace's info changed (an assessment was added in a panel): refetch the lists. */
  traceChanged(): void {
    this.reloadTraces();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
