/**
 * Bench "charts reopen": the charts of 100 finished runs with 20,000-step `loss` histories from a
 * remote server (the stand-in MLflow server over loopback, on the tracking bench's store), opened a
 * first time and then reopened in a new panel sharing the charts' history cache.
 *
 *   node --expose-gc --import tsx bench/chartsReopen.ts        (bench/run.mjs runs it so)
 *
 * The reopen is measured from the new panel's creation to its series message, with the requests it
 * sent (the goal: none, within 50 ms). Its baseline is sending the first open's requests again with
 * `fetch` + `JSON.parse`: what the reopen cost before the cache, at the least. Asserts nothing.
 */
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { ChartsSession } from '../src/charts/chartsSession';
import { SampledHistoryCache } from '../src/charts/core/historyCache';
import type { ChartsHostMessage, ChartsViewState } from '../src/charts/protocol';
import { HttpClient } from '../src/mlflow/http';

import { RestStore } from '../src/mlflow/rest/restStore';
import { ensureDataset, loadSqlJs } from './support/dataset';
import { collectGarbage, loadNote, ms, reportFigure, summarise, table } from './support/measure';
import { BenchMlflowServer } from './support/mlflowServer';
import { fetchReplay } from './support/rawHttp';

const RUNS = 100;
const METRIC = 'loss';

/** Opens a charts session and resolves when its first `loss` overview is posted. */
function openCharts(store: RestStore, cache: SampledHistoryCache, runIds: string[]): Promise<{ ms: number; points: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const state: ChartsViewState = { target: { runIds }, metricKeys: [METRIC], xAxis: 'step', yScale: 'linear', smoothing: 0, hiddenRunIds: [] };
    let session: ChartsSession | undefined = undefined;
    const post = (m: ChartsHostMessage): void => {
      if (m.type === 'error') reject(new Error(m.message));
      if (m.type !== 'series' || m.metricKey !== METRIC || m.window) return;
      const elapsed = performance.now() - t0;
      queueMicrotask(() => session?.dispose());
      resolve({ ms: elapsed, points: m.series.reduce((n, s) => n + s.steps.length, 0) });
    };
    session = new ChartsSession(
      { post, save: async () => undefined, setTitle: () => undefined, log: { info: () => undefined, error: () => undefined } },
      state,
      { store: () => store, histories: cache, schedule: () => ({ cancel: () => undefined }) },
    );
    session.receive({ type: 'ready' });
  });
}

async function main(): Promise<void> {
  const dataset = await ensureDataset((line) => console.log(line));
  const SQL = await loadSqlJs();
  const db = new SQL.Database(await readFile(dataset.dbFile));
  const server = await BenchMlflowServer.start(db);
  // The stand-in server samples 2 million rows through sql.js on its first answer: minutes on a busy machine.
  const store = new RestStore(new HttpClient({ baseUrl: server.baseUrl, timeoutMs: 600_000 }));
  try {
    // The newest runs (the long histories), leaving out the live ones (the stand-in server does not filter).
    const newest = await store.searchRuns({ experimentIds: [dataset.experimentId], orderBy: ['attributes.start_time DESC'], maxResults: RUNS + 10 });
    const runIds = newest.items.filter((r) => r.info.status === 'FINISHED').slice(0, RUNS).map((r) => r.info.runId);
    const long = runIds.filter((id) => dataset.historyRunIds.includes(id)).length;
    console.log(`charts reopen bench: ${runIds.length} finished runs (${long} with ${dataset.historySteps.toLocaleString('en-US')}-step ${METRIC}), stand-in MLflow server over loopback; ${loadNote()}`);

    // Warm the stand-in server's own answer cache, so the first open shows the client's cost.
    console.log(`  warm-up open (the stand-in server computes its answers): ${ms((await openCharts(store, new SampledHistoryCache(), runIds)).ms)}`);
    const firstOpens: number[] = [];
    const reopens: number[] = [];
    const raw: number[] = [];
    let firstRequests = 0;
    let reopenRequests = 0;
    let points = 0;
    let requests: Awaited<ReturnType<BenchMlflowServer['record']>> = [];
    for (let i = 0; i < 7; i++) {
      const cache = new SampledHistoryCache();
      collectGarbage();
      server.takeStats();
      requests = await server.record(async () => {
        const first = await openCharts(store, cache, runIds);
        firstOpens.push(first.ms);
      });
      firstRequests = server.takeStats().requests;
      collectGarbage();
      const again = await openCharts(store, cache, runIds);
      reopens.push(again.ms);
      points = again.points;
      reopenRequests = Math.max(reopenRequests, server.takeStats().requests);
      console.log(`  round ${i + 1}: first open ${ms(firstOpens[i])} (${firstRequests} requests), reopen ${ms(again.ms)}`);
      collectGarbage();
      const t0 = performance.now();
      await fetchReplay(server.baseUrl, requests);
      raw.push(performance.now() - t0);
    }
    const first = summarise(firstOpens);
    const reopen = summarise(reopens);
    const baseline = summarise(raw);
    console.log('');
    console.log(
      table(
        ['operation', 'median', '(min)', 'requests', 'points charted'],
        [
          ['first open (panel → series)', ms(first.median), ms(first.min), String(firstRequests), points.toLocaleString('en-US')],
          ['reopen in a new panel', ms(reopen.median), ms(reopen.min), String(reopenRequests), points.toLocaleString('en-US')],
          ['baseline: the first open\'s requests again, fetch + JSON.parse', ms(baseline.median), ms(baseline.min), String(requests.length), ''],
        ],
      ),
    );
    console.log(`(${loadNote()} at the end)`);
    reportFigure({
      bench: 'charts-reopen',
      name: `Charts: reopen ${runIds.length} finished runs (REST)`,
      value: reopen.median,
      unit: 'ms',
      baselineName: 'first open\'s requests again via fetch + JSON.parse',
      baseline: baseline.median,
      note: `${reopenRequests} requests (first open: ${firstRequests}, ${ms(first.median)})`,
    });
  } finally {
    store.dispose();
    await server.close();
    db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
