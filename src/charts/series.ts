import type { RunMetric } from '../mlflow/types';
import type { WireSeries, WireValue } from './protocol';

/**
 * Host-side shaping of metric points into what the charts webview receives. Pure: no vscode, no I/O.
 */

/** JSON would turn NaN and ±Infinity into null; the wire spells them out instead. */
export function encodeValue(value: number): WireValue {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return value;
}

/**
 * Groups points by run into step-ordered columns. Runs come out in `runOrder` (runs without points get
 * an empty series, so the webview can tell "no data" from "not loaded"); points of runs not in
 * `runOrder` are dropped.
 */
export function buildSeries(points: readonly RunMetric[], runOrder: readonly string[]): WireSeries[] {
  const byRun = new Map<string, RunMetric[]>(runOrder.map((id) => [id, []]));
  for (const point of points) byRun.get(point.runId)?.push(point);
  return [...byRun].map(([runId, runPoints]) => {
    // The store returns step order already; sorting again is cheap and keeps this independent of it.
    runPoints.sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
    return {
      runId,
      steps: runPoints.map((p) => p.step),
      timestamps: runPoints.map((p) => p.timestamp),
      values: runPoints.map((p) => encodeValue(p.value)),
    };
  });
}

/** The last step held per run; runs with no points are absent. */
export function lastSteps(series: readonly WireSeries[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of series) {
    const last = s.steps.at(-1);
    if (last !== undefined) out.set(s.runId, last);
  }
  return out;
}

/**
 * The live-update merge: from freshly fetched series keep only the points after the last step already
 * held for that run (a poll window starts at the smallest of those steps, so other runs' older points
 * come back too). Returns the new points alone (what to post) and the merged series (what to keep).
 */
export function appendAfterLastStep(
  held: readonly WireSeries[],
  fetched: readonly WireSeries[],
): { added: WireSeries[]; merged: WireSeries[] } {
  const last = lastSteps(held);
  const fetchedByRun = new Map(fetched.map((s) => [s.runId, s]));
  const added: WireSeries[] = [];
  const merged = held.map((s) => {
    const incoming = fetchedByRun.get(s.runId);
    if (!incoming) return s;
    const after = last.get(s.runId) ?? Number.NEGATIVE_INFINITY;
    const from = incoming.steps.findIndex((step) => step > after);
    if (from < 0) return s;
    const fresh: WireSeries = {
      runId: s.runId,
      steps: incoming.steps.slice(from),
      timestamps: incoming.timestamps.slice(from),
      values: incoming.values.slice(from),
    };
    added.push(fresh);
    return {
      runId: s.runId,
      steps: s.steps.concat(fresh.steps),
      timestamps: s.timestamps.concat(fresh.timestamps),
      values: s.values.concat(fresh.values),
    };
  });
  return { added, merged };
}

/**
 * Runs a bulk sampled-history answer may have thinned for the others' sake. MLflow samples one request
 * on the union of all its runs' steps, so a short run charted beside a much longer one comes back on
 * the long run's step grid (200 steps as a dozen points, the NaN or ±∞ it logged likely gone). A run
 * whose distinct steps are fewer than both `maxResults` and its own step span may be one of those; a
 * run that only logs every n-th step looks the same, and asking again merely returns the same points.
 */
export function possiblyThinnedRuns(points: readonly RunMetric[], maxResults: number): string[] {
  const steps = new Map<string, Set<number>>();
  for (const point of points) {
    let held = steps.get(point.runId);
    if (!held) steps.set(point.runId, (held = new Set()));
    held.add(point.step);
  }
  const out: string[] = [];
  for (const [runId, held] of steps) {
    let min = Number.POSITIVE_INFINITY;
    let max = Number.NEGATIVE_INFINITY;
    for (const step of held) {
      if (step < min) min = step;
      if (step > max) max = step;
    }
    if (held.size < Math.min(maxResults, max - min + 1)) out.push(runId);
  }
  return out;
}

/** MLflow takes at most 100 run ids per sampled-history request. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Palette slots by the sorted position of the run id. The same set of runs therefore gets the same
 * colours in every chart, in the compare panel and after a reload, whatever order the server listed
 * them in; and small sets take the first slots, which the palette spreads furthest apart.
 */
export function assignColorSlots(runIds: readonly string[]): Map<string, number> {
  const sorted = [...new Set(runIds)].sort();
  return new Map(sorted.map((id, slot) => [id, slot]));
}

/** Runs `task` over `items` with at most `limit` in flight, results in input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
