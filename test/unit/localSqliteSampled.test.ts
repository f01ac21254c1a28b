import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import initSqlJs, { type Database as SqlJsDatabase } from 'sql.js';
import type { SqlConnection } from '../../src/mlflow/local/sqliteEngine';
import { schemaKey, type Database } from '../../src/mlflow/local/sqliteRows';
import { SqliteStore, loadSqlEngine, type SqliteEngineKind } from '../../src/mlflow/local/sqliteStore';
import { SAMPLED_PROBE, type SampledPlan, sampledPlan } from '../../src/mlflow/local/sqliteTracking';
import { toMetric } from '../../src/mlflow/rest/mapping';
import { MAX_POINTS_PER_RUN, type SampleWindow, sampleHistories } from '../../src/mlflow/sampling';
import type { RunMetric } from '../../src/mlflow/types';
import { getCapture } from '../support/replayServer';
import { SQLITE_ENGINE, SQLITE_ENGINES, sqliteOptions } from '../support/sqliteEngine';

/**
 * Sampled histories (get-history-bulk-interval) read from an SQLite store: what the real MLflow
 * servers answered on their own stores, and, on a store made to take every route the store can read a
 * sampled history by (the key's entries for all runs at once, each run's rows, MLflow 3's
 * (run_uuid, key, step) index, no run index at all), exactly what MLflow's rule gives on the full
 * histories: repeated steps, NaN and ±∞, negative steps, runs of different ranges, windows, and the
 * 25,000-point cap per run.
 */

const FIXTURES = path.resolve(__dirname, '../fixtures');
const SQL_JS_WASM = path.resolve(__dirname, '../../node_modules/sql.js/dist/sql-wasm.wasm');

interface Capture {
  request: { query?: Record<string, unknown> };
  response: { metrics?: unknown[]; _truncated_original_length?: number };
}

function fromCapture(capture: Capture): { runIds: string[]; metricKey: string; window: SampleWindow } {
  const q = capture.request.query!;
  const number = (value: unknown): number | undefined => (value === undefined ? undefined : Number(value));
  return {
    runIds: ([] as unknown[]).concat(q.run_ids).map(String),
    metricKey: String(q.metric_key),
    window: { maxResults: Number(q.max_results), startStep: number(q.start_step), endStep: number(q.end_step) },
  };
}

/** The store's answer in the capture's form: the first points (captures keep 50) and how many there were. */
async function assertLikeCapture(store: SqliteStore, capture: Capture, label: string): Promise<void> {
  const { runIds, metricKey, window } = fromCapture(capture);
  const real = (capture.response.metrics ?? []).map((m) => ({ ...toMetric(m), runId: String((m as { run_id: string }).run_id) }));
  assert.ok(real.length > 0, label);
  const got = await store.getSampledHistories({ runIds, metricKey, ...window });
  assert.equal(got.length, capture.response._truncated_original_length ?? real.length, label);
  assert.deepEqual(got.slice(0, real.length), real, label);
}

const STEPS = 5000;

/** Rows of metrics and latest_metrics that make every route of sampledPlan reachable (see the cases below). */
function addHistories(db: SqlJsDatabase): void {
  const insert = db.prepare('INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, ?)');
  let timestamp = 1_800_000_000_000;
  const log = (runId: string, key: string, step: number, value: number): void => {
    timestamp += 7;
    // MLflow stores NaN as 0 with is_nan = 1, and ±∞ as ±1.7976931348623157e308.
    const stored = Number.isNaN(value) ? 0 : Number.isFinite(value) ? value : Math.sign(value) * Number.MAX_VALUE;
    insert.run([key, stored, timestamp, runId, step, Number.isNaN(value) ? 1 : 0]);
  };
  const value = (step: number, salt: number): number => Math.round(1e6 / (step + 10 + salt)) / 1e3;
  db.run('BEGIN');
  // Two long runs with ten metrics each, interleaved as log_metrics writes them.
  const keys = ['loss', ...Array.from({ length: 9 }, (_, i) => `m${i}`)];
  for (let step = 0; step < STEPS; step++) {
    for (const runId of ['big1', 'big2']) for (const [k, key] of keys.entries()) log(runId, key, step, value(step, k + runId.length));
  }
  // A short run: negative steps, repeated steps (same and different timestamps order by value), NaN and ±∞.
  for (let step = -5; step < 300; step++) log('short', 'loss', step, value(step, 3));
  log('short', 'loss', 150, 0.25);
  log('short', 'loss', 150, -4);
  for (const [step, v] of [[10, Number.NaN], [11, Number.POSITIVE_INFINITY], [12, Number.NEGATIVE_INFINITY]] as const) log('short', 'loss', step, v);
  // A run that starts and ends late, every 5 steps.
  for (let step = 2000; step < 7000; step += 5) log('late', 'loss', step, value(step, 5));
  // A key only one run logged, a few times, in a run with many rows of another key.
  for (const step of [0, 3, 3, 9, 100, 101, 4999]) log('rare', 'rare_key', step, value(step, 1));
  for (let step = 0; step < STEPS; step++) log('rare', 'loss', step, value(step, 2));
  // Many small runs of the key.
  for (let run = 0; run < 200; run++) for (let step = 0; step < 30; step++) log(`many${run}`, 'loss', step * 3, value(step, run));
  // A run that logged the key 30,000 times without a step (all at 0): more than MLflow's 25,000 per run.
  for (let i = 0; i < MAX_POINTS_PER_RUN + 5000; i++) log('step0', 'loss', 0, (i % 997) / 997);
  insert.free();
  // latest_metrics as MLflow keeps it: each (run, key)'s point with the largest (step, timestamp, value).
  db.run(`INSERT OR REPLACE INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid)
          SELECT key, value, timestamp, step, is_nan, run_uuid FROM (
            SELECT *, row_number() OVER (PARTITION BY run_uuid, key ORDER BY step DESC, timestamp DESC, value DESC) AS n
            FROM metrics WHERE run_uuid NOT IN (SELECT run_uuid FROM runs)) WHERE n = 1`);
  db.run('COMMIT');
}

/** A read of the store's file outside SqliteStore, for sampledPlan (a fresh schema key per connection). */
async function openDatabase(file: string, engineKind: SqliteEngineKind): Promise<Database & { connection: SqlConnection }> {
  const engine = await loadSqlEngine(SQLITE_ENGINE, engineKind);
  return { connection: engine.open(file, false), schema: schemaKey(file, statSync(file).ino, Date.now() + Math.random()) };
}

const WINDOWS: SampleWindow[] = [
  { maxResults: 1000 },
  { maxResults: 100 },
  { maxResults: 7 },
  { maxResults: 1 },
  { maxResults: 2500 },
  { maxResults: 50, startStep: 1000, endStep: 2000 },
  { maxResults: 20, startStep: -3, endStep: 160 },
  { maxResults: 10, startStep: 4999, endStep: 6000 },
  { maxResults: 10, startStep: 8000, endStep: 9000 },
];

interface Case {
  name: string;
  runIds: string[];
  key: string;
  plan: SampledPlan;
}

/** Each route, named by what sampledPlan must choose for it on this store (2.17 schema, run index present). */
const CASES: Case[] = [
  { name: 'a rare key: its entries, once for all runs', runIds: ['rare', 'big1', 'nope'], key: 'rare_key', plan: { steps: 'byKey', points: 'byKey' } },
  { name: 'a short run among many that logged the key: the run’s rows', runIds: ['short'], key: 'loss', plan: { steps: 'byRun', points: 'byRun' } },
  {
    name: 'long runs of several metrics: steps per run, points from the key’s entries',
    runIds: ['short', 'big1', 'big2', 'late', 'rare', 'many7', 'nope'],
    key: 'loss',
    plan: { steps: 'byRun', points: 'byKey' },
  },
  { name: 'one long run: its rows', runIds: ['big1'], key: 'loss', plan: { steps: 'byRun', points: 'byRun' } },
  { name: 'more points at a step than MLflow returns per run', runIds: ['step0', 'big1', 'big2', 'late'], key: 'loss', plan: { steps: 'byRun', points: 'byKey' } },
];

for (const engineKind of SQLITE_ENGINES) {
  describe(`SqliteStore (${engineKind}): sampled histories of an sqlite store, as get-history-bulk-interval answers`, function () {
    this.timeout(120_000);
    let dir: string;
    const files: Record<'v2' | 'v3' | 'unindexed', string> = { v2: '', v3: '', unindexed: '' };
    const stores: SqliteStore[] = [];
    const open = (file: string): SqliteStore => {
      const store = new SqliteStore(file, sqliteOptions(engineKind));
      stores.push(store);
      return store;
    };

    before(async () => {
      dir = mkdtempSync(path.join(tmpdir(), 'mlflow-sampled-'));
      const SQL = await initSqlJs({ wasmBinary: new Uint8Array(readFileSync(SQL_JS_WASM)).buffer });
      const db = new SQL.Database(readFileSync(path.join(FIXTURES, 'mlflow-2.17.2/server-store/mlflow.db')));
      addHistories(db);
      files.v2 = path.join(dir, 'v2.db');
      writeFileSync(files.v2, db.export());
      db.run('CREATE INDEX index_metrics_run_uuid_key_step ON metrics (run_uuid, key, step)');
      files.v3 = path.join(dir, 'v3.db');
      writeFileSync(files.v3, db.export());
      db.run('DROP INDEX index_metrics_run_uuid_key_step');
      db.run('DROP INDEX index_metrics_run_uuid');
      files.unindexed = path.join(dir, 'unindexed.db');
      writeFileSync(files.unindexed, db.export());
      db.close();
    });

    after(() => {
      for (const store of stores) store.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    it('answers what the real MLflow 2.17.2 server answered on its store', async () => {
      const file = path.join(dir, 'server-2.17.2.db');
      copyFileSync(path.join(FIXTURES, 'mlflow-2.17.2/server-store/mlflow.db'), file);
      const store = open(file);
      // (The 2.17.2 window capture shows that version's windowing bug; MLflow 3's capture of it is below.)
      for (const name of ['api_metrics_get_history_bulk_interval', 'ajax_metrics_get_history_bulk_interval']) {
        await assertLikeCapture(store, getCapture('mlflow-2.17.2', name) as Capture, `2.17.2 ${name}`);
      }
    });

    it('answers what the real MLflow 3 server answered on its store (its (run_uuid, key, step) index)', async () => {
      const file = path.join(dir, 'server-3.db');
      copyFileSync(path.join(FIXTURES, 'mlflow-3.x/server-store/mlflow.db'), file);
      const store = open(file);
      for (const name of ['api_metrics_get_history_bulk_interval', 'ajax_metrics_get_history_bulk_interval', 'ajax_metrics_get_history_bulk_interval_window']) {
        await assertLikeCapture(store, getCapture('mlflow-3.x', name) as Capture, `3.x ${name}`);
      }
    });

    it('picks the route each case was made for (probing at most a few thousand index entries per side)', async () => {
      assert.ok(STEPS > SAMPLED_PROBE, 'the long runs are longer than the probe');
      const expectations: [keyof typeof files, Case[]][] = [
        ['v2', CASES],
        ['v3', CASES.map((c) => ({ ...c, plan: { steps: 'indexed', points: 'indexed' } }))],
        // Without the run index: the key's entries; a large key's steps one run at a time (bounded memory).
        ['unindexed', CASES.map((c) => ({ ...c, plan: { steps: c.key === 'rare_key' ? 'byKey' : 'keyPerRun', points: 'byKey' } }))],
      ];
      for (const [variant, cases] of expectations) {
        const db = await openDatabase(files[variant], engineKind);
        try {
          for (const c of cases) assert.deepEqual(sampledPlan(db, c.runIds, c.key), c.plan, `${variant}: ${c.name}`);
        } finally {
          db.connection.close();
        }
      }
    });

    for (const variant of ['v2', 'v3', 'unindexed'] as const) {
      it(`samples exactly as MLflow's rule does on the full histories, on every route (${variant})`, async () => {
        const store = open(files[variant]);
        for (const c of CASES) {
          const histories = new Map(await Promise.all(c.runIds.map(async (runId) => [runId, await store.getMetricHistory(runId, c.key)] as const)));
          assert.ok([...histories.values()].some((h) => h.length > 0), c.name);
          for (const window of WINDOWS) {
            const expected: RunMetric[] = sampleHistories(histories, window);
            const got = await store.getSampledHistories({ runIds: c.runIds, metricKey: c.key, ...window });
            assert.equal(got.length, expected.length, `${variant}: ${c.name}, ${JSON.stringify(window)}`);
            assert.deepEqual(got, expected, `${variant}: ${c.name}, ${JSON.stringify(window)}`);
          }
        }
        // What the cases cover, so that a change of the data cannot quietly drop it.
        const all = await store.getSampledHistories({ runIds: ['short', 'step0'], metricKey: 'loss', maxResults: 2500 });
        const short = all.filter((m) => m.runId === 'short');
        assert.equal(short.filter((m) => m.step === 150).length, 3, 'every point at a repeated step');
        assert.ok(short.some((m) => Number.isNaN(m.value)) && short.some((m) => m.value === Number.POSITIVE_INFINITY) && short.some((m) => m.value === Number.NEGATIVE_INFINITY));
        assert.ok(!short.some((m) => m.step < 0), 'negative steps only with a window that asks for them');
        assert.equal(all.filter((m) => m.runId === 'step0').length, MAX_POINTS_PER_RUN, 'at most 25,000 points per run');
      });
    }
  });
}
