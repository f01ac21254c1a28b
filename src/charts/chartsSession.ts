import { MAX_SAMPLED_RESULTS_PER_RUN, MAX_SAMPLED_RUNS } from '../mlflow/sampling';
import type { TrackingStore } from '../mlflow/store';
import type { Run } from '../mlflow/types';
import { WebviewSession } from '../vscode/webviewSession';
import { metricsCsv } from './csv';
import { parseChartsMessage } from './messages';
import type { ChartRun, ChartsHostMessage, ChartsWebviewMessage, ChartsRenderSummary, ChartsViewState, StepWindow, WireSeries } from './protocol';
import { chartsTitle, metricKeysOf, resolveRuns, toChartRun } from './chartRuns';
import type { SampledHistoryCache } from './core/historyCache';
import { applyLiveRuns, isLive } from './core/liveRuns';
import { appendAfterLastStep, assignColorSlots, buildSeries, chunk, mapLimit, possiblyThinnedRuns } from './series';
import { unhandledMessage } from '../vscode/unhandledMessage';

/**
 * Everything a charts panel does except talking to VS Code: resolving the runs, fetching sampled
 * histories, full-resolution windows on zoom, live polling of running runs, exports. The panel
 * (chartsPanel.ts) feeds it webview messages and visibility; tests drive it with a fake store and a
 * manual scheduler.
 */

export interface Logger {
  info(message: string): void;
  error(message: string, error?: unknown): void;
}

export interface ChartsSessionHost {
  post(message: ChartsHostMessage): void;
  /** Asks where to save and writes the file; resolves when done or cancelled. */
  save(file: { name: string; kind: 'png' | 'csv'; bytes: Uint8Array }): Promise<void>;
  setTitle(title: string): void;
  log: Logger;
}

export type Schedule = (callback: () => void, ms: number) => { cancel(): void };

export interface ChartsSessionOptions {
  store(): TrackingStore | undefined;
  /** Points per run of the overview; MLflow keeps each run's first and last step on top. */
  pointsPerRun?: number;
  /** More lines than this are unreadable, and it is MLflow's per-request run limit. */
  maxRuns?: number;
  pollIntervalMs?: number;
  schedule?: Schedule;
  /** Finished runs' sampled histories shared by every panel (see core/historyCache.ts). */
  histories?: SampledHistoryCache;
}

/** Charts a panel opens with (and fills up to with keys a live run logs for the first time). */
const DEFAULT_METRICS = 4;
/** Steps are int64 in MLflow; a live window runs to the largest step JSON numbers carry exactly. */
const LAST_STEP = Number.MAX_SAFE_INTEGER;

const defaultSchedule: Schedule = (callback, ms) => {
  const timer = setTimeout(callback, ms);
  return { cancel: () => clearTimeout(timer) };
};

export class ChartsSession extends WebviewSession<ChartsHostMessage, ChartsWebviewMessage, ChartsRenderSummary> {
  private viewState: ChartsViewState;
  private runs: ChartRun[] | undefined;
  /** The runs as read from the store: what a kept history is checked against. */
  private runRecords = new Map<string, Run>();
  private metricKeys: string[] = [];
  private notice: string | undefined;
  /** Overview series per metric, live points merged in; what a reloaded webview gets again. */
  private readonly cache = new Map<string, WireSeries[]>();
  private readonly inflight = new Map<string, Promise<void>>();
  private abort = new AbortController();
  private generation = 0;
  private visible = true;
  private pollTimer: { cancel(): void } | undefined;
  private polling = false;
  private disposed = false;

  constructor(
    private readonly host: ChartsSessionHost,
    state: ChartsViewState,
    private readonly options: ChartsSessionOptions,
  ) {
    super((m) => host.post(m), 'Charts', host.log);
    this.viewState = state;
    // Fetching starts now, while the webview boots; posting waits for its `ready`.
    void this.load();
  }

  get state(): ChartsViewState {
    return this.viewState;
  }

  /** Whether a poll is scheduled or running (tests assert polling pauses while hidden). */
  get isPolling(): boolean {
    return this.pollTimer !== undefined || this.polling;
  }

  protected parse(raw: unknown): ChartsWebviewMessage | undefined {
    return parseChartsMessage(raw);
  }

  protected handle(message: Exclude<ChartsWebviewMessage, { type: 'ready' | 'rendered' }>): void {
    switch (message.type) {
      case 'viewState':
        this.updateViewState(message.state);
        return;
      case 'requestWindow':
        void this.fetchMetric(message.metricKey, message.window);
        return;
      case 'exportPng':
        void this.exportPng(message.metricKey, message.dataUrl);
        return;
      case 'exportCsv':
        void this.exportCsv(message.metricKeys);
        return;
      default:
        unhandledMessage(message);
    }
  }

  override setVisible(visible: boolean): void {
    this.visible = visible;
    super.setVisible(visible);
    if (!visible) {
      this.pollTimer?.cancel();
      this.pollTimer = undefined;
    } else {
      // Catch up at once: nothing was fetched while hidden.
      this.schedulePoll(0);
    }
  }

  /** The connection changed: start over against the new store. */
  reload(): void {
    void this.load();
  }

  dispose(): void {
    this.disposed = true;
    this.generation++;
    this.abort.abort();
    this.pollTimer?.cancel();
    this.pollTimer = undefined;
  }

  private async load(): Promise<void> {
    const generation = ++this.generation;
    this.abort.abort();
    this.abort = new AbortController();
    this.cache.clear();
    this.inflight.clear();
    this.runs = undefined;
    this.notice = undefined;
    const store = this.options.store();
    if (!store) {
      this.runs = [];
      this.notice = 'Not connected to an MLflow tracking store. Connect, and this panel loads.';
      this.sendAll();
      return;
    }
    let runs: Run[];
    try {
      const resolved = await resolveRuns(store, this.viewState.target, {
        maxRuns: this.options.maxRuns ?? MAX_SAMPLED_RUNS,
        signal: this.abort.signal,
        log: this.host.log,
        cache: this.options.histories,
      });
      runs = resolved.runs;
      this.notice = resolved.notice;
    } catch (error) {
      if (generation !== this.generation) return;
      this.host.log.error('Charts: could not load the runs', error);
      this.runs = [];
      this.notice = `Could not load the runs: ${errorMessage(error)}`;
      this.sendAll();
      return;
    }
    if (generation !== this.generation) return;
    if (runs.length === 0) this.notice ??= 'None of these runs could be found in the connected store.';
    const slots = assignColorSlots(runs.map((r) => r.info.runId));
    this.runRecords = new Map(runs.map((r) => [r.info.runId, r]));
    this.runs = runs.map((r) => toChartRun(r, slots));
    this.metricKeys = metricKeysOf(runs);
    const target = { ...this.viewState.target, runIds: this.runs.map((r) => r.runId) };
    const metricKeys = this.viewState.metricKeys.length > 0 ? this.viewState.metricKeys : this.metricKeys.slice(0, DEFAULT_METRICS);
    this.viewState = { ...this.viewState, target, metricKeys };
    this.host.setTitle(chartsTitle(this.viewState, this.runs));
    this.sendAll();
    for (const key of metricKeys) void this.fetchMetric(key);
    this.schedulePoll(this.options.pollIntervalMs ?? 5_000);
  }

  /** Init plus every cached series: after the first `ready` and after a webview reload alike. */
  protected sendAll(): void {
    if (!this.channel.isReady || !this.runs) return;
    this.channel.post({ type: 'init', runs: this.runs, metricKeys: this.metricKeys, state: this.viewState, notice: this.notice });
    for (const key of this.viewState.metricKeys) {
      const series = this.cache.get(key);
      if (series) this.channel.post({ type: 'series', metricKey: key, series });
    }
  }

  private updateViewState(state: ChartsViewState): void {
    this.viewState = { ...state, target: this.viewState.target };
    for (const key of state.metricKeys) {
      if (!this.cache.has(key) && !this.inflight.has(key)) void this.fetchMetric(key);
    }
  }

  /** The overview of one metric, or with `window` that step range at full resolution (not cached). */
  private fetchMetric(metricKey: string, window?: StepWindow): Promise<void> {
    const key = window ? `${metricKey}\u0000${window.startStep}:${window.endStep}` : metricKey;
    const running = this.inflight.get(key);
    if (running) return running;
    const generation = this.generation;
    const task = (async () => {
      const store = this.options.store();
      const runIds = this.runs?.map((r) => r.runId) ?? [];
      if (!store || runIds.length === 0) return;
      try {
        const maxResults = window ? MAX_SAMPLED_RESULTS_PER_RUN : (this.options.pointsPerRun ?? 1_000);
        const sampled = (ids: string[]) =>
          store.getSampledHistories({ runIds: ids, metricKey, maxResults, ...window }, { signal: this.abort.signal });
        const records = runIds.map((id) => this.runRecords.get(id)).filter((r): r is Run => r !== undefined);
        const historyWindow = { maxResults, startStep: window?.startStep, endStep: window?.endStep };
        const kept = this.options.histories?.lookup(store, records, metricKey, historyWindow);
        const missing = kept ? kept.missing : runIds;
        let points = missing.length > 0 ? (await Promise.all(chunk(missing, MAX_SAMPLED_RUNS).map(sampled))).flat() : [];
        if (missing.length > 1) {
          // One request samples on the union of its runs' steps; a run thinned for a longer one's sake
          // is asked for again on its own, so its line (and its NaN and ±∞) keeps its own resolution.
          const thinned = new Set(possiblyThinnedRuns(points, maxResults));
          if (thinned.size > 0) {
            const alone = await mapLimit([...thinned], 8, (id) => sampled([id]));
            points = [...points.filter((p) => !thinned.has(p.runId)), ...alone.flat()];
          }
        }
        if (generation !== this.generation) return;
        const fetched = buildSeries(points, missing);
        let series = fetched;
        if (kept) {
          const fetchedIds = new Set(missing);
          this.options.histories?.remember(store, records.filter((r) => fetchedIds.has(r.info.runId)), metricKey, historyWindow, fetched);
          const byRun = new Map([...kept.series, ...fetched.map((s): [string, WireSeries] => [s.runId, s])]);
          series = runIds.map((runId) => byRun.get(runId) ?? { runId, steps: [], timestamps: [], values: [] });
        }
        if (!window) this.cache.set(metricKey, series);
        this.channel.post({ type: 'series', metricKey, series, window });
      } catch (error) {
        if (generation !== this.generation) return;
        this.host.log.error(`Charts: could not fetch ${metricKey}`, error);
        this.channel.post({ type: 'error', metricKey, message: `Could not fetch ${metricKey}: ${errorMessage(error)}` });
      } finally {
        if (generation === this.generation) this.inflight.delete(key);
      }
    })();
    this.inflight.set(key, task);
    return task;
  }

  private schedulePoll(ms: number): void {
    if (this.disposed || !this.visible || this.pollTimer || this.polling) return;
    if (!this.runs?.some((r) => isLive(r.status))) return;
    this.pollTimer = (this.options.schedule ?? defaultSchedule)(() => {
      this.pollTimer = undefined;
      void this.pollOnce();
    }, ms);
  }

  private async pollOnce(): Promise<void> {
    const store = this.options.store();
    if (!store || !this.runs) return;
    this.polling = true;
    const generation = this.generation;
    try {
      await this.poll(store, generation);
    } catch (error) {
      this.host.log.error('Charts: live update failed; retrying', error);
    } finally {
      this.polling = false;
    }
    // Also after a reload that started meanwhile: its own schedule was skipped while this poll ran.
    this.schedulePoll(this.options.pollIntervalMs ?? 5_000);
  }

  /**
   * Statuses and new metric keys first, then points: MLflow logs a run's last points before marking it
   * finished, so the poll that sees FINISHED still fetches them, and the run then drops out of polling.
   */
  private async poll(store: TrackingStore, generation: number): Promise<void> {
    const signal = this.abort.signal;
    const live = (this.runs ?? []).filter((r) => isLive(r.status));
    const fresh = await mapLimit(live, 8, (r) => store.getRun(r.runId, { signal }));
    if (generation !== this.generation || !this.runs) return;
    for (const run of fresh) {
      this.runRecords.set(run.info.runId, run);
      this.options.histories?.observe(store, run);
    }
    const update = applyLiveRuns({ runs: this.runs, metricKeys: this.metricKeys, charted: this.viewState.metricKeys }, fresh, { maxCharts: DEFAULT_METRICS });
    this.runs = update.runs;
    this.metricKeys = update.metricKeys;
    if (update.added.length > 0) this.viewState = { ...this.viewState, metricKeys: [...this.viewState.metricKeys, ...update.added] };
    for (const runId of update.ended) {
      this.host.log.info(`Charts: run ${runId} ended (${this.runs.find((r) => r.runId === runId)?.status}); no longer polled`);
    }
    if (update.changed) {
      this.host.setTitle(chartsTitle(this.viewState, this.runs));
      this.channel.post({ type: 'runs', runs: this.runs, metricKeys: this.metricKeys, added: update.added });
    }
    // A new key's whole history so far; later polls append to it like to the others.
    for (const key of update.added) void this.fetchMetric(key);

    const liveIds = live.map((r) => r.runId);
    for (const metricKey of this.viewState.metricKeys) {
      const held = this.cache.get(metricKey);
      if (!held) continue;
      const heldLive = held.filter((s) => liveIds.includes(s.runId));
      if (heldLive.length === 0) continue;
      // One window for all live runs, from the earliest next step; appendAfterLastStep drops the rest.
      const startStep = Math.min(...heldLive.map((s) => (s.steps.at(-1) ?? Number.MIN_SAFE_INTEGER - 1) + 1));
      const batches = await Promise.all(
        chunk(liveIds, MAX_SAMPLED_RUNS).map((ids) =>
          store.getSampledHistories(
            { runIds: ids, metricKey, maxResults: MAX_SAMPLED_RESULTS_PER_RUN, startStep, endStep: LAST_STEP },
            { signal },
          ),
        ),
      );
      if (generation !== this.generation) return;
      // The cache may have been replaced meanwhile (a reload); merge into what is there now.
      const current = this.cache.get(metricKey);
      if (!current) continue;
      const { added, merged } = appendAfterLastStep(current, buildSeries(batches.flat(), liveIds));
      this.cache.set(metricKey, merged);
      if (added.length > 0) this.channel.post({ type: 'append', metricKey, series: added });
    }
  }

  private async exportPng(metricKey: string, dataUrl: string): Promise<void> {
    const bytes = Buffer.from(dataUrl.slice(dataUrl.indexOf(',') + 1), 'base64');
    await this.save({ name: `${safeFileName(metricKey)}.png`, kind: 'png', bytes });
  }

  /** The full histories, not the sampled overview: an export is for analysis elsewhere. */
  private async exportCsv(metricKeys: string[]): Promise<void> {
    const store = this.options.store();
    const runs = this.runs ?? [];
    if (!store || runs.length === 0 || metricKeys.length === 0) return;
    try {
      const jobs = metricKeys.flatMap((metricKey) => runs.map((run) => ({ metricKey, run })));
      const histories = await mapLimit(jobs, 8, async ({ metricKey, run }) => ({
        runId: run.runId,
        runName: run.runName,
        metricKey,
        history: await store.getMetricHistory(run.runId, metricKey, { signal: this.abort.signal }),
      }));
      const name = metricKeys.length === 1 ? safeFileName(metricKeys[0]) : 'metrics';
      await this.save({ name: `${name}.csv`, kind: 'csv', bytes: new TextEncoder().encode(metricsCsv(histories)) });
    } catch (error) {
      this.host.log.error('Charts: CSV export failed', error);
      this.channel.post({ type: 'error', message: `CSV export failed: ${errorMessage(error)}` });
    }
  }

  private async save(file: { name: string; kind: 'png' | 'csv'; bytes: Uint8Array }): Promise<void> {
    try {
      await this.host.save(file);
    } catch (error) {
      this.host.log.error(`Charts: could not save ${file.name}`, error);
      this.channel.post({ type: 'error', message: `Could not save ${file.name}: ${errorMessage(error)}` });
    }
  }
}

function safeFileName(name: string): string {
  return name.replace(/[^\w.-]+/g, '_').slice(0, 120) || 'chart';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
