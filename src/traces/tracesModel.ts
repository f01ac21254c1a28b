import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import type { TraceStore } from '../mlflow/traceStore';
import type { TraceInfo } from '../mlflow/traceTypes';
import type { Experiment } from '../mlflow/types';
import type { ExperimentLiveState } from '../explorer/core/liveRefresh';
import { compareTracePages, isLiveTrace } from './core/traceLiveRefresh';
import { type SessionTraces, listSessionTraces } from './core/sessionTraces';

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
  /** A page request is in flight (a poll leaves it alone). */
  loading?: boolean;
  /** When a load or poll last showed a live trace or a new one (see core/traceLiveRefresh.ts). */
  activeSeenAt?: number;
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
  private readonly loadedPage = new vscode.EventEmitter<void>();
  /** A page of traces landed (the live refresh reconsiders polling then). */
  readonly onDidLoadPage = this.loadedPage.event;
  private experimentsPromise: Promise<Experiment[]> | undefined;
  private readonly byExperiment = new Map<string, ExperimentTraces>();
  /** Experiments whose traces are on screen: loaded by the tree (so expanded) and not collapsed since. */
  private readonly expanded = new Set<string>();
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

  /** All of one session's traces under the view's filter, oldest first (a conversation's turns in order). */
  async sessionTraces(experimentId: string, session: string): Promise<SessionTraces> {
    const store = this.store;
    if (!store) return { traces: [], truncated: false };
    return listSessionTraces(store, experimentId, session, { filter: this.filter });
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

  /** The tree expanded or collapsed an experiment (collapsed ones are not polled). */
  setExpanded(experimentId: string, expanded: boolean): void {
    if (expanded) this.expanded.add(experimentId);
    else this.expanded.delete(experimentId);
  }

  /** The live-refresh inputs of each experiment with traces loaded. */
  liveState(now: number): ExperimentLiveState[] {
    return [...this.byExperiment.values()].map((entry) => {
      const live = entry.traces.some((t) => isLiveTrace(t, now));
      const state: ExperimentLiveState = {
        experimentId: entry.experiment.experimentId,
        expanded: this.expanded.has(entry.experiment.experimentId),
        loaded: entry.loaded,
        loading: entry.loading === true,
        hasActiveRuns: entry.traces.some((t) => t.state === 'IN_PROGRESS'),
        ...(live || entry.activeSeenAt !== undefined ? { activeSeenAt: Math.max(entry.activeSeenAt ?? 0, live ? now : 0) } : {}),
      };
      return state;
    });
  }

  /**
   * Re-reads the traces shown of each experiment (as many as are loaded, one request each, under the
   * current filter and order). Redraws only when something changed; new traces keep the experiment
   * followed. Throws the first failure after trying all, so AutoRefresh backs off.
   */
  async refreshLive(experimentIds: readonly string[], now = Date.now()): Promise<void> {
    const store = this.store;
    if (!store) return;
    const generation = this.generation;
    let failure: unknown;
    let redraw = false;
    for (const id of experimentIds) {
      const entry = this.byExperiment.get(id);
      if (!entry?.loaded || entry.loading) continue;
      try {
        const page = await store.searchTraces({
          experimentIds: [id],
          filter: this.filter,
          orderBy: ORDER_BY[this.order],
          maxResults: Math.min(Math.max(this.pageSize, entry.traces.length), 500),
        });
        if (generation !== this.generation || this.byExperiment.get(id) !== entry || entry.loading) continue;
        const { added, changed } = compareTracePages(entry.traces, page.items);
        if (added > 0) entry.activeSeenAt = now;
        if (changed) {
          entry.traces = page.items;
          entry.nextPageToken = page.nextPageToken;
          entry.error = undefined;
          redraw = true;
        }
      } catch (error) {
        failure ??= error;
      }
    }
    if (redraw) this.changed.fire();
    if (failure !== undefined) throw failure;
  }

  /**
   * The traces loaded so far for an experiment, loading the first page if none is. The tree asks only
   * for an expanded experiment's traces; other callers (a picker) pass `shown: false`.
   */
  async tracesOf(experiment: Experiment, shown = true): Promise<ExperimentTraces> {
    if (shown) this.expanded.add(experiment.experimentId);
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
    entry.loading = true;
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
    entry.loading = false;
    const now = Date.now();
    if (entry.traces.some((t) => isLiveTrace(t, now))) entry.activeSeenAt = now;
    if (generation === this.generation) {
      this.byExperiment.set(experiment.experimentId, entry);
      this.loadedPage.fire();
    }
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
    this.loadedPage.dispose();
  }
}
