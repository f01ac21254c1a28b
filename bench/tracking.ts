/**
 * Bench "tracking core": the SQLite backend and the REST backend side by side, on one dataset (an
 * MLflow 2.17.2-schema store with 10,000 runs and 100 × 20,000-step histories, served over loopback by
 * a stand-in MLflow server for REST), each against the raw work it cannot avoid:
 *
 * - SQLite: the very SQL statements the store issued (recorded), replayed by native SQLite (Python's
 *   sqlite3, what MLflow runs on) on the same file, timed inside Python; and, for scale, replayed
 *   through the store's own engine (node:sqlite or SQLite in WebAssembly, see MLFLOW_BENCH_SQLITE_ENGINE) without the store's checks and mapping;
 * - REST: the very requests the client made (recorded), sent again with `fetch` + `JSON.parse`
 *   (and, for reference, with node:http, the client's own transport).
 *
 *   node --expose-gc --import tsx bench/tracking.ts        (bench/run.mjs runs it so)
 *
 * Prints medians after a warm-up, the client's overhead over the raw work, and the requests and bytes
 * each operation cost. Asserts nothing.
 */
import { readFileSync } from 'node:fs';
import { HttpClient } from '../src/mlflow/http';
import { SqliteStore, loadSqlEngine } from '../src/mlflow/local/sqliteStore';
import { RestStore } from '../src/mlflow/rest/restStore';
import type { TrackingStore } from '../src/mlflow/store';
import { page } from '../src/mlflow/rest/mlflowApi';
import { toMetric, toRun, toRunMetric } from '../src/mlflow/rest/mapping';
import type { Metric, Page, Run } from '../src/mlflow/types';
import { arrayField } from '../src/mlflow/values';
import { type BenchDataset, SQLITE_ENGINE, SQLITE_ENGINE_KIND, ensureDataset, loadSqlJs } from './support/dataset';
import { againstBaselineCells, bytes, collectGarbage, compare, loadNote, ms, repeat, reportFigure, table, type Samples } from './support/measure';
import { BenchMlflowServer } from './support/mlflowServer';
import { NodeHttpReplay, fetchReplay } from './support/rawHttp';
import { NativeSqlite } from './support/nativeSqlite';
import { type RecordedQuery, SqlRecorder, replay } from './support/sqlRecorder';

const SAMPLED_POINTS = 1000;
const ALL_RUNS_PAGE = 1000;

interface Scenario {
  name: string;
  warmup: number;
  reps: number;
  /** Fewer rounds for the SQLite backend where one round takes seconds. */
  sqlite?: { name: string; warmup: number; reps: number; run(store: TrackingStore): Promise<unknown> };
  run(store: TrackingStore): Promise<unknown>;
  /** What came back, to show the figure is about the right amount of data. */
  size(result: unknown): string;
  /** The REST client's JSON → domain mapping alone, over the parsed answers. */
  map(answers: unknown[]): unknown;
}

function scenarios(dataset: BenchDataset): Scenario[] {
  const experimentIds = [dataset.experimentId];
  const runsOf = (result: unknown): string => `${(Array.isArray(result) ? result : (result as Page<Run>).items).length.toLocaleString('en-US')} runs`;
  return [
    {
      name: 'first page (100 runs)',
      warmup: 5,
      reps: 41,
      run: (store) => store.searchRuns({ experimentIds, maxResults: 100 }),
      size: runsOf,
      map: mapRuns,
    },
    {
      name: `all ${dataset.runCount.toLocaleString('en-US')} runs (pages of ${ALL_RUNS_PAGE.toLocaleString('en-US')})`,
      warmup: 1,
      reps: 5,
      run: async (store) => {
        const runs: Run[] = [];
        let pageToken: string | undefined;
        do {
          const page = await store.searchRuns({ experimentIds, maxResults: ALL_RUNS_PAGE, pageToken });
          runs.push(...page.items);
          pageToken = page.nextPageToken;
        } while (pageToken);
        return runs;
      },
      size: runsOf,
      map: mapRuns,
    },
    {
      name: `one full history (${dataset.historySteps.toLocaleString('en-US')} steps)`,
      warmup: 2,
      reps: 9,
      run: (store) => store.getMetricHistory(dataset.historyRunIds[0], dataset.historyKey),
      size: (result) => `${(result as Metric[]).length.toLocaleString('en-US')} points`,
      map: (answers) => answers.flatMap((a) => arrayField(a, 'metrics').map(toMetric)),
    },
    {
      name: `sampled histories (${dataset.historyRunIds.length} runs × ${SAMPLED_POINTS.toLocaleString('en-US')} points)`,
      warmup: 1,
      reps: 5,
      run: (store) => store.getSampledHistories({ runIds: dataset.historyRunIds, metricKey: dataset.historyKey, maxResults: SAMPLED_POINTS }),
      size: (result) => `${(result as Metric[]).length.toLocaleString('en-US')} points`,
      map: (answers) => answers.flatMap((a) => arrayField(a, 'metrics').map(toRunMetric)),
    },
  ];
}

const mapRuns = (answers: unknown[]): unknown => answers.flatMap((a) => page(a, 'runs', toRun, 'POST runs/search').items);

interface Row {
  backend: 'SQLite' | 'REST';
  scenario: string;
  client: Samples;
  baseline: Samples;
  baselineName: string;
  /** REST: the same requests through node:http. SQLite: the same SQL with rows read as objects. */
  alternative?: Samples;
  /** REST: the JSON → domain mapping alone. */
  mapping?: Samples;
  cost: string;
  size: string;
}

async function main(): Promise<void> {
  const dataset = await ensureDataset((line) => console.log(line));
  console.log(
    `tracking bench: ${dataset.runCount.toLocaleString('en-US')} runs in one experiment, ${dataset.historyRunIds.length} × ${dataset.historySteps.toLocaleString('en-US')}-step histories ` +
      `(${dataset.metricRows.toLocaleString('en-US')} metric rows, ${bytes(dataset.bytes)} MLflow 2.17.2-schema SQLite store); medians, interleaved, GC before each timing` +
      ((globalThis as { gc?: unknown }).gc ? '' : ' (run with --expose-gc for that)') +
      `; ${loadNote()}`,
  );
  const engine = await loadSqlEngine(SQLITE_ENGINE, SQLITE_ENGINE_KIND);
  const recorder = new SqlRecorder(engine);
  const native = new NativeSqlite();
  // The same-engine replay's connection to the same file.
  const rawDb = engine.open(dataset.dbFile, false);
  // The stand-in server holds its own copy in sql.js (after the warm-up it answers from its cache).
  const SQL = await loadSqlJs();
  const serverDb = new SQL.Database(readFileSync(dataset.dbFile));
  const server = await BenchMlflowServer.start(serverDb);
  const sqlite = new SqliteStore(dataset.dbFile, { engine: SQLITE_ENGINE, engineKind: SQLITE_ENGINE_KIND });
  const rest = new RestStore(new HttpClient({ baseUrl: server.baseUrl }));
  const nodeHttp = new NodeHttpReplay(server.baseUrl);
  const rows: Row[] = [];
  let firstPageQueries: RecordedQuery[] = [];
  let historyQueries: RecordedQuery[] = [];
  try {
    await sqlite.capabilities(); // opens the file once (a cold open is timed separately below)
    for (const scenario of scenarios(dataset)) {
      // SQLite: a call to warm the store (unless one call takes seconds), a recorded call, then the
      // store against the recorded SQL.
      const local = scenario.sqlite ?? scenario;
      if (local.warmup > 0) await local.run(sqlite);
      let result: unknown;
      const queries = await recorder.record(async () => {
        result = await local.run(sqlite);
      });
      if (scenario.name.startsWith('first page')) firstPageQueries = queries;
      if (scenario.name.startsWith('one full history')) historyQueries = queries;
      const sqliteTimes = await compare({
        warmup: local.warmup,
        reps: local.reps,
        variants: {
          client: () => local.run(sqlite),
          engine: () => replay(rawDb, queries),
        },
      });
      const nativeTimes = await native.time(dataset.dbFile, queries, { warmup: local.warmup, reps: local.reps });
      rows.push({
        backend: 'SQLite',
        scenario: local.name,
        client: sqliteTimes.client,
        baseline: nativeTimes,
        baselineName: 'same SQL, native SQLite (Python)',
        alternative: sqliteTimes.engine,
        cost: `${queries.length} SQL statement${queries.length === 1 ? '' : 's'}`,
        size: scenario.size(result),
      });
      progress(`SQLite  ${local.name}`, sqliteTimes.client, nativeTimes);

      // REST: one call to fill the server's cache, one recorded and counted call, then the timings.
      await scenario.run(rest);
      server.takeStats();
      const requests = await server.record(async () => {
        result = await scenario.run(rest);
      });
      const stats = server.takeStats();
      const answers = await fetchReplay(server.baseUrl, requests);
      const mapping = await repeat(Math.min(scenario.reps, 5), () => scenario.map(answers));
      const restTimes = await compare({
        warmup: scenario.warmup,
        reps: scenario.reps,
        variants: {
          client: () => scenario.run(rest),
          fetch: () => fetchReplay(server.baseUrl, requests),
          nodeHttp: () => nodeHttp.replay(requests),
        },
      });
      rows.push({
        backend: 'REST',
        scenario: scenario.name,
        client: restTimes.client,
        baseline: restTimes.fetch,
        baselineName: 'fetch + JSON.parse',
        alternative: restTimes.nodeHttp,
        mapping,
        cost: `${stats.requests} request${stats.requests === 1 ? '' : 's'}, ${bytes(stats.responseBytes)}`,
        size: scenario.size(result),
      });
      progress(`REST    ${scenario.name}`, restTimes.client, restTimes.fetch);
    }

    // Where the SQLite history time goes: the query plan. Without ANALYZE statistics SQLite answers
    // `run_uuid = ? AND key = ?` from the covering primary-key index (key, timestamp, …), scanning every
    // run's points of that key; the store's statement, with `+key`, uses index_metrics_run_uuid instead
    // (MLflow 3 stores have a (run_uuid, key, step) index, and there the store uses a plain `key`).
    const plans = historyQueries.map((q) => ({ ...q, sql: q.sql.replace('AND +key = ?', 'AND key = ?') }));
    const plan = await compare({ warmup: 1, reps: 5, variants: { asIs: () => replay(rawDb, historyQueries), plainKey: () => replay(rawDb, plans) } });
    const planOf = (sql: string): string =>
      rawDb
        .rows(`EXPLAIN QUERY PLAN ${sql}`, historyQueries[0]?.params ?? [])
        .map((v) => String(v.detail))
        .join('; ');
    const planNote = {
      asIs: plan.asIs,
      plainKey: plan.plainKey,
      asIsPlan: planOf(historyQueries[0]?.sql ?? ''),
      plainKeyPlan: planOf(plans[0]?.sql ?? ''),
    };

    // A cold first page: a new store opens the file (in place: nothing is copied) and reads one page.
    const cold = await compare({
      warmup: 1,
      reps: 5,
      variants: {
        client: async () => {
          const store = new SqliteStore(dataset.dbFile, { engine: SQLITE_ENGINE, engineKind: SQLITE_ENGINE_KIND });
          await store.searchRuns({ experimentIds: [dataset.experimentId], maxResults: 100 });
          store.dispose();
        },
      },
    });
    const coldNative = await native.time(dataset.dbFile, firstPageQueries, { warmup: 1, reps: 5, connect: true });
    rows.push({
      backend: 'SQLite',
      scenario: `first page, cold (opens the ${bytes(dataset.bytes)} file)`,
      client: cold.client,
      baseline: coldNative,
      baselineName: 'open + same SQL, native SQLite (Python)',
      cost: 'file opened in place',
      size: '100 runs',
    });

    printReport(rows, planNote);
    console.log(`(${loadNote()} at the end)`);
  } finally {
    nodeHttp.dispose();
    rest.dispose();
    sqlite.dispose();
    await server.close();
    rawDb.close();
    serverDb.close();
    native.dispose();
    collectGarbage();
  }
}

function progress(label: string, client: Samples, baseline: Samples): void {
  process.stdout.write(`  ${label}: ${ms(client.median)} vs ${ms(baseline.median)}\n`);
}

interface PlanNote {
  asIs: Samples;
  plainKey: Samples;
  asIsPlan: string;
  plainKeyPlan: string;
}

function printReport(rows: Row[], plan: PlanNote): void {
  console.log('');
  console.log(
    table(
      ['backend', 'operation', 'client', '(min)', 'baseline', '(min)', 'baseline is', 'overhead', 'same engine / node:http', 'mapping', 'cost', 'returned'],
      rows.map((r) => [
        r.backend,
        r.scenario,
        ...againstBaselineCells(r.client, r.baseline, r.baselineName),
        r.alternative ? ms(r.alternative.median) : '',
        r.mapping ? ms(r.mapping.median) : '',
        r.cost,
        r.size,
      ]),
    ),
  );
  console.log('');
  console.log('Medians (and minimum) of the timed rounds; overhead = client median ÷ baseline median − 1.');
  console.log(
    'For scale: SQLite "same engine" is the same SQL through the store\'s own engine (' + SQLITE_ENGINE_KIND + ') without its checks and mapping; ' +
      'REST "node:http" is the same requests on the client\'s own transport, "mapping" the JSON → domain objects step alone.',
  );
  console.log(
    'Requests per operation are constant or grow with runs ÷ page size; none grows with runs × metrics ' +
      '(sampled histories: one get-history-bulk-interval request per 100 runs).',
  );
  console.log(
    `SQLite history query plan: as issued, with \`+key\`, "${plan.asIsPlan}" ${ms(plan.asIs.median)}; ` +
      `with a plain \`key = ?\` "${plan.plainKeyPlan}" ${ms(plan.plainKey.median)} (raw sql.js, one 20,000-step history).`,
  );
  for (const r of rows) {
    reportFigure({
      bench: 'tracking',
      name: `${r.backend}: ${r.scenario}`,
      value: r.client.median,
      unit: 'ms',
      baselineName: r.baselineName,
      baseline: r.baseline.median,
      note: r.cost,
    });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
