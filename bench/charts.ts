/**
 * Bench: time from request to chart drawn for many long runs, sampled histories (what the charts panel
 * does) against the naive way (every run's full history), in Chromium with the built charts bundle.
 *
 *   node scripts/build.mjs && npx tsx bench/charts.ts [--runs 100] [--steps 20000] [--points 1000] [--repeat 3]
 *
 * The data is synthetic and held in-process by a fake tracking store that still applies MLflow's
 * sampling rule and pays for its JSON (serialised and parsed, as a REST client would). Timings cover
 * fetch → shape → postMessage (JSON) → decode → chart.js draw → the page's `rendered` report.
 */
import { performance } from 'node:perf_hooks';
import { buildSeries, chunk, mapLimit } from '../src/charts/series';
import type { ChartRun, ChartsHostMessage, ChartsRenderSummary } from '../src/charts/protocol';
import type { RunMetric } from '../src/mlflow/types';
import { WebviewHarness } from '../test/webview/harness';
import { FakeTrackingStore } from './chartsFakeStore';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const RUNS = option('runs', 100);
const STEPS = option('steps', 20_000);
const POINTS = option('points', 1_000);
const REPEAT = option('repeat', 3);
/** For a rough network estimate on top of the in-process figures. */
const MBIT_PER_S = 100;

interface Result {
  name: string;
  requests: number;
  responseBytes: number;
  postedBytes: number;
  pointsDrawn: number;
  fetchMs: number;
  totalMs: number;
}

function buildStore(): { store: FakeTrackingStore; runIds: string[]; runs: ChartRun[] } {
  const store = new FakeTrackingStore({ wire: true });
  const runIds = Array.from({ length: RUNS }, (_, i) => `run-${String(i).padStart(3, '0')}`);
  const start = 1_700_000_000_000;
  runIds.forEach((id, r) => {
    store.addRun(id, { startTime: start });
    const points = Array.from({ length: STEPS }, (_, step) => ({
      step,
      value: (1 + r / RUNS) * Math.exp(-step / (STEPS / 4)) + 0.02 * Math.sin(step / 7 + r),
      timestamp: start + step * 250,
    }));
    store.log(id, 'loss', points);
  });
  const runs = runIds.map((runId, colorSlot) => ({ runId, runName: runId, status: 'FINISHED' as const, startTime: start, colorSlot }));
  return { store, runIds, runs };
}

async function measure(
  harness: WebviewHarness,
  name: string,
  runs: ChartRun[],
  store: FakeTrackingStore,
  fetch: () => Promise<RunMetric[]>,
): Promise<Result> {
  const view = await harness.open('charts');
  try {
    await view.waitFor(isType('ready'));
    await view.post({
      type: 'init',
      runs,
      metricKeys: ['loss'],
      state: { target: { runIds: runs.map((r) => r.runId) }, metricKeys: ['loss'], xAxis: 'step', yScale: 'linear', smoothing: 0, hiddenRunIds: [] },
    } satisfies ChartsHostMessage);
    await view.waitFor(isRendered(() => true));
    const requestsBefore = store.calls.length;
    const bytesBefore = store.bytes;
    const since = view.mark();
    const t0 = performance.now();
    const points = await fetch();
    const fetchMs = performance.now() - t0;
    const message: ChartsHostMessage = { type: 'series', metricKey: 'loss', series: buildSeries(points, runs.map((r) => r.runId)) };
    const postedBytes = JSON.stringify(message).length;
    await view.post(message);
    const rendered = await view.waitFor(isRendered((s) => s.charts[0]?.loading === false), { since, timeoutMs: 300_000, what: `${name} drawn` });
    const totalMs = performance.now() - t0;
    return {
      name,
      requests: store.calls.length - requestsBefore,
      responseBytes: store.bytes - bytesBefore,
      postedBytes,
      pointsDrawn: Object.values(rendered.summary.charts[0].points).reduce((a, b) => a + b, 0),
      fetchMs,
      totalMs,
    };
  } finally {
    await view.close();
  }
}

function isType(type: string) {
  return (m: unknown): m is { type: string } => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type;
}

function isRendered(test: (s: ChartsRenderSummary) => boolean) {
  return (m: unknown): m is { type: 'rendered'; summary: ChartsRenderSummary } => isType('rendered')(m) && test((m as unknown as { summary: ChartsRenderSummary }).summary);
}

function median(results: Result[]): Result {
  const sorted = [...results].sort((a, b) => a.totalMs - b.totalMs);
  return sorted[Math.floor(sorted.length / 2)];
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(1)} MB`;

async function main(): Promise<void> {
  console.log(`charts bench: ${RUNS} runs × ${STEPS.toLocaleString()} steps, sampled at ${POINTS} points per run, median of ${REPEAT}`);
  const { store, runIds, runs } = buildStore();
  const harness = await WebviewHarness.start();
  const results: Result[] = [];
  try {
    const scenarios: [string, () => Promise<RunMetric[]>][] = [
      [
        'sampled (getSampledHistories)',
        async () => (await Promise.all(chunk(runIds, 100).map((ids) => store.getSampledHistories({ runIds: ids, metricKey: 'loss', maxResults: POINTS })))).flat(),
      ],
      [
        'naive (getMetricHistory per run)',
        async () => (await mapLimit(runIds, 8, async (id) => (await store.getMetricHistory(id, 'loss')).map((m) => ({ ...m, runId: id })))).flat(),
      ],
    ];
    for (const [name, fetch] of scenarios) {
      const runsOfScenario: Result[] = [];
      for (let i = 0; i < REPEAT; i++) runsOfScenario.push(await measure(harness, name, runs, store, fetch));
      results.push(median(runsOfScenario));
    }
  } finally {
    await harness.stop();
  }
  console.table(
    results.map((r) => ({
      scenario: r.name,
      requests: r.requests,
      'server JSON': mb(r.responseBytes),
      'posted to webview': mb(r.postedBytes),
      'points drawn': r.pointsDrawn.toLocaleString(),
      'fetch ms': Math.round(r.fetchMs),
      'request → drawn ms': Math.round(r.totalMs),
      [`+ transfer @${MBIT_PER_S} Mbit/s ms`]: Math.round(((r.responseBytes * 8) / (MBIT_PER_S * 1e6)) * 1000),
    })),
  );
  const [sampled, naive] = results;
  if (sampled && naive) {
    console.log(`sampled is ${(naive.totalMs / sampled.totalMs).toFixed(1)}× faster to draw, with ${naive.requests / sampled.requests}× fewer requests and ${(naive.responseBytes / sampled.responseBytes).toFixed(0)}× fewer bytes`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
