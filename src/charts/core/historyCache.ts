import type { Run, RunStatus } from '../../mlflow/types';
import type { WireSeries } from '../protocol';

/**
 * Sampled histories of finished runs (as the series a chart draws, so a reopened chart does not even
 * rebuild them), kept across chart panels so that reopening the charts of runs
 * that no longer change asks the server nothing. A remote server spends as long sampling a 20,000-step
 * history as it takes to send it, and every new panel paid that again.
 *
 * - Only runs in a terminal state (FINISHED, FAILED, KILLED) are kept: a live run's chart keeps
 *   polling for new steps as before.
 * - A history is keyed by store, run, metric and window (points per run, step range), and is used only
 *   while the run still looks as it did when it was fetched: the same status and the same latest point
 *   of that metric (step and timestamp). A metric logged to a finished run later, seen in any fresher
 *   copy of the run, makes the history be fetched again.
 * - The runs themselves are kept too (a panel resolves its run ids first); any fresher copy the charts
 *   see replaces them, and a run that is live again is dropped.
 * - Bounded: at most `maxPoints` points and `maxRuns` runs, least recently used first out.
 * - Per store object: a new connection starts empty, and nothing is shared between servers.
 * - `forgetRuns` drops kept runs (not histories: those are checked against whatever run is read next)
 *   when the Runs view reloads an experiment, e.g. after a rename, so no panel shows a stale name.
 */

export interface HistoryWindow {
  maxResults: number;
  startStep?: number;
  endStep?: number;
}

export interface HistoryCacheOptions {
  maxPoints?: number;
  maxRuns?: number;
}

const TERMINAL: readonly RunStatus[] = ['FINISHED', 'FAILED', 'KILLED'];
/** About 12 MB of points (three array slots of 8 bytes each). */
const DEFAULT_MAX_POINTS = 500_000;
const DEFAULT_MAX_RUNS = 5_000;

export function isTerminal(status: RunStatus): boolean {
  return TERMINAL.includes(status);
}

interface HistoryEntry {
  /** What the run looked like when the history was fetched. */
  check: string;
  series: WireSeries;
}

interface StoreEntries {
  runs: Map<string, Run>;
  histories: Map<string, HistoryEntry>;
  points: number;
}

/** The part of a run a history of `metricKey` depends on. */
function checkOf(run: Run, metricKey: string): string {
  const latest = run.data.metrics.find((m) => m.key === metricKey);
  return `${run.info.status}\u0000${latest ? `${latest.step}\u0000${latest.timestamp}` : '-'}`;
}

function historyKey(runId: string, metricKey: string, window: HistoryWindow): string {
  return [runId, metricKey, window.maxResults, window.startStep ?? '', window.endStep ?? ''].join('\u0000');
}

export class SampledHistoryCache {
  private readonly maxPoints: number;
  private readonly maxRuns: number;
  /** One store at a time: the active connection's. Another store starts the cache afresh. */
  private current: { store: object; entries: StoreEntries } | undefined;

  constructor(options: HistoryCacheOptions = {}) {
    this.maxPoints = options.maxPoints ?? DEFAULT_MAX_POINTS;
    this.maxRuns = options.maxRuns ?? DEFAULT_MAX_RUNS;
  }

  private entriesOf(store: object): StoreEntries {
    if (this.current?.store !== store) this.current = { store, entries: { runs: new Map(), histories: new Map(), points: 0 } };
    return this.current.entries;
  }

  private existing(store: object): StoreEntries | undefined {
    return this.current?.store === store ? this.current.entries : undefined;
  }

  /** Forgets the kept runs of one experiment, or all of them. */
  forgetRuns(experimentId?: string): void {
    const runs = this.current?.entries.runs;
    if (!runs) return;
    if (experimentId === undefined) {
      runs.clear();
      return;
    }
    for (const [id, run] of runs) if (run.info.experimentId === experimentId) runs.delete(id);
  }

  /** A finished run seen before, or undefined (then the caller reads it and passes it to `observe`). */
  finishedRun(store: object, runId: string): Run | undefined {
    const runs = this.existing(store)?.runs;
    const run = runs?.get(runId);
    if (!run || !runs) return undefined;
    runs.delete(runId);
    runs.set(runId, run);
    return run;
  }

  /** A copy of a run fresher than what is kept: kept if finished, forgotten if live. */
  observe(store: object, run: Run): void {
    const { runs } = this.entriesOf(store);
    runs.delete(run.info.runId);
    if (!isTerminal(run.info.status)) return;
    runs.set(run.info.runId, run);
    while (runs.size > this.maxRuns) {
      const oldest = runs.keys().next();
      if (oldest.done) break;
      runs.delete(oldest.value);
    }
  }

  /** The kept series of `runs` for this metric and window, and the runs that must be fetched. */
  lookup(store: object, runs: readonly Run[], metricKey: string, window: HistoryWindow): { series: Map<string, WireSeries>; missing: string[] } {
    const entries = this.existing(store);
    const series = new Map<string, WireSeries>();
    const missing: string[] = [];
    for (const run of runs) {
      const key = historyKey(run.info.runId, metricKey, window);
      const entry = entries?.histories.get(key);
      if (entries && entry && isTerminal(run.info.status) && entry.check === checkOf(run, metricKey)) {
        entries.histories.delete(key);
        entries.histories.set(key, entry);
        series.set(run.info.runId, entry.series);
      } else {
        missing.push(run.info.runId);
      }
    }
    return { series, missing };
  }

  /** Keeps the fetched series of the finished ones among `runs` (series are never changed in place). */
  remember(store: object, runs: readonly Run[], metricKey: string, window: HistoryWindow, series: readonly WireSeries[]): void {
    const finished = runs.filter((r) => isTerminal(r.info.status));
    if (finished.length === 0) return;
    const entries = this.entriesOf(store);
    const byRun = new Map(series.map((s) => [s.runId, s]));
    for (const run of finished) {
      const runSeries = byRun.get(run.info.runId);
      if (!runSeries || runSeries.steps.length > this.maxPoints) continue;
      const key = historyKey(run.info.runId, metricKey, window);
      this.forget(entries, key);
      entries.histories.set(key, { check: checkOf(run, metricKey), series: runSeries });
      entries.points += runSeries.steps.length;
    }
    while (entries.points > this.maxPoints) {
      const oldest = entries.histories.keys().next();
      if (oldest.done) break;
      this.forget(entries, oldest.value);
    }
  }

  /** How many points are kept for `store` (tests and benches). */
  pointsKept(store: object): number {
    return this.existing(store)?.points ?? 0;
  }

  clear(): void {
    this.current = undefined;
  }

  private forget(entries: StoreEntries, key: string): void {
    const entry = entries.histories.get(key);
    if (!entry) return;
    entries.points -= entry.series.steps.length;
    entries.histories.delete(key);
  }
}
