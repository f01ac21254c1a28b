/**
 * Bench "sqlite": the local SQLite store on a store of ≥ 3 GB in MLflow's schema, each figure beside
 * native SQLite (Python's sqlite3, what MLflow itself runs on) running the very SQL the store issued on
 * the same file:
 *
 * - open + experiments + first page of 100 runs, cold (a new store each time), and the extension
 *   host's memory growth for it (goal: ≤ 2× native + 50 ms; ≤ 150 MB whatever the size);
 * - sampled histories, 10 runs × 200,000 steps → 1,000 points each (goal: ≤ 1.5× native);
 * - live: a separate process logs one point per transaction at 10 Hz for 60 s (as MLflow does) while
 *   the store reads the live metric every 0.5 s (goal: ≥ 95% of reads succeed, p95 ≤ 2× the quiet read,
 *   every point written before a read is in it); then, as a separate phase of the same length with the
 *   same writer, native SQLite doing the same read (its success rate, median and p95: the physical limit
 *   for a reader of a rollback-journal store under that writer).
 *
 *   node --expose-gc --import tsx bench/sqlite.ts     (npm run bench -- --only sqlite)
 *
 * The store is generated once by bench/support/generateLargeStore.py into .tmp/bench/ (about 10 minutes
 * on a busy 2-core machine; reused after). SQLITE_BENCH_LIVE_SECONDS and SQLITE_BENCH_JOURNAL (delete |
 * wal) change the live part; SQLITE_BENCH_PARTS (open,sampled,live) picks parts. Asserts nothing.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteStore, loadSqlEngine } from '../src/mlflow/local/sqliteStore';
import { ROOT, SQLITE_ENGINE, SQLITE_ENGINE_KIND } from './support/dataset';
import { bytes, collectGarbage, compare, loadNote, ms, overhead, reportFigure, summarise, table, type Samples } from './support/measure';
import { NativeSqlite } from './support/nativeSqlite';
import { seededRandom } from './support/random';
import { SqlRecorder } from './support/sqlRecorder';

const GENERATOR_VERSION = 1;
const TARGET_BYTES = 3_200_000_000;
const CACHE_DIR = path.join(ROOT, '.tmp', 'bench');
const SAMPLED_RUNS = 10;
const SAMPLED_POINTS = 1000;
const LIVE_SECONDS = Number(process.env.SQLITE_BENCH_LIVE_SECONDS ?? 60);
const LIVE_JOURNAL = process.env.SQLITE_BENCH_JOURNAL === 'wal' ? 'wal' : 'delete';
const LIVE_KEY = 'bench_live_loss';
/** SQLITE_BENCH_PARTS=open,sampled,live (the default: all three). */
const PARTS = new Set((process.env.SQLITE_BENCH_PARTS ?? 'open,sampled,live').split(','));

interface LargeStore {
  dbFile: string;
  experimentId: string;
  smallRuns: number;
  historyRunIds: string[];
  historySteps: number;
  metricRows: number;
  bytes: number;
  generatedSeconds?: number;
}

function python(args: string[], options: { stdin?: 'pipe' | 'ignore' } = {}): ChildProcess {
  return spawn('python3', args, { stdio: [options.stdin ?? 'ignore', 'pipe', 'inherit'] });
}

async function ensureLargeStore(): Promise<LargeStore> {
  const dbFile = path.join(CACHE_DIR, `mlflow-large-v${GENERATOR_VERSION}.db`);
  const meta = `${dbFile}.json`;
  if (existsSync(dbFile) && existsSync(meta)) return JSON.parse(readFileSync(meta, 'utf8')) as LargeStore;
  mkdirSync(CACHE_DIR, { recursive: true });
  console.log(`generating the ${bytes(TARGET_BYTES)} bench store into ${path.relative(ROOT, dbFile)} (once; minutes) …`);
  const source = path.join(ROOT, 'test/fixtures/mlflow-2.17.2/server-store/mlflow.db');
  const child = python([path.join(__dirname, 'support/generateLargeStore.py'), source, dbFile, String(TARGET_BYTES)]);
  let out = '';
  child.stdout?.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  if (code !== 0) throw new Error(`generating the store failed (${code})`);
  writeFileSync(`${meta}.part`, out.trim());
  renameSync(`${meta}.part`, meta);
  return JSON.parse(out) as LargeStore;
}

function rssMb(): number {
  collectGarbage();
  return process.memoryUsage().rss / 2 ** 20;
}

interface Row {
  operation: string;
  client: Samples;
  native: Samples;
  engine?: Samples;
  goal: string;
  detail: string;
}

async function main(): Promise<void> {
  const store = await ensureLargeStore();
  const loadStarted = performance.now();
  const engine = await loadSqlEngine(SQLITE_ENGINE, SQLITE_ENGINE_KIND);
  const engineLoadMs = performance.now() - loadStarted;
  console.log(
    `sqlite bench: ${bytes(store.bytes)} MLflow 2.17.2-schema store (${store.metricRows.toLocaleString('en-US')} metric rows; ` +
      `${store.historyRunIds.length} runs × 4 metrics × ${store.historySteps.toLocaleString('en-US')} steps, ${store.smallRuns.toLocaleString('en-US')} small runs); ` +
      `engine ${engine.kind} (loaded in ${ms(engineLoadMs)}), Node ${process.version}; medians; ${loadNote()}`,
  );
  const recorder = new SqlRecorder(engine);
  const native = new NativeSqlite();
  const rows: Row[] = [];
  const experimentIds = [store.experimentId];
  try {
    // ---- open + experiments + first page, cold, and memory ----
    if (PARTS.has('open')) await openBench();
    async function openBench(): Promise<void> {
      const openAndPage = async (): Promise<void> => {
        const sqlite = new SqliteStore(store.dbFile, { engine: SQLITE_ENGINE, engineKind: SQLITE_ENGINE_KIND });
        try {
          await sqlite.searchExperiments({});
          await sqlite.searchRuns({ experimentIds, maxResults: 100 });
        } finally {
          sqlite.dispose();
        }
      };
      // The first open in the process also reads the schema (kept after, per file and schema cookie) and
      // runs every statement for the first time (the wasm engine's code is compiled lazily): printed apart.
      const firstStarted = performance.now();
      await openAndPage();
      const firstOpenMs = performance.now() - firstStarted;
      const rssBefore = rssMb();
      const queries = await recorder.record(openAndPage);
      const cold = await compare({ warmup: 1, reps: 11, variants: { client: openAndPage } });
      const coldNative = await native.time(store.dbFile, queries, { warmup: 1, reps: 11, connect: true });
      // Memory: one store kept open after its first page, as the extension keeps it.
      const kept = new SqliteStore(store.dbFile, { engine: SQLITE_ENGINE, engineKind: SQLITE_ENGINE_KIND });
      await kept.searchExperiments({});
      await kept.searchRuns({ experimentIds, maxResults: 100 });
      const rssAfter = rssMb();
      kept.dispose();
      rows.push({
        operation: 'open + experiments + first page of 100 runs (cold)',
        client: cold.client,
        native: coldNative,
        goal: `≤ 2× native + 50 ms = ${ms(2 * coldNative.median + 50)}`,
        detail: `${queries.length} statements; first open in the process ${ms(firstOpenMs)}; RSS growth ${(rssAfter - rssBefore).toFixed(1)} MB (goal ≤ 150 MB)`,
      });
      reportFigure({ bench: 'sqlite', name: 'SQLite 3 GB: RSS growth, open + first page', value: (rssAfter - rssBefore) * 2 ** 20, unit: 'bytes', baselineName: 'goal', baseline: 150 * 2 ** 20 });
      progress(rows[rows.length - 1]!);
    }

    // ---- sampled histories ----
    const sqlite = new SqliteStore(store.dbFile, { engine: SQLITE_ENGINE, engineKind: SQLITE_ENGINE_KIND });
    try {
      if (PARTS.has('sampled')) {
        const runIds = store.historyRunIds.slice(0, SAMPLED_RUNS);
        const sample = (): Promise<unknown> => sqlite.getSampledHistories({ runIds, metricKey: 'loss', maxResults: SAMPLED_POINTS });
        await sample();
        let points = 0;
        const sampledQueries = await recorder.record(async () => {
          points = ((await sample()) as unknown[]).length;
        });
        // Seconds per round on a busy machine: the recorded call was the warm-up; 3 rounds each.
        const sampled = await compare({ warmup: 0, reps: 3, variants: { client: sample } });
        const sampledNative = await native.time(store.dbFile, sampledQueries, { warmup: 0, reps: 3 });
        rows.push({
          operation: `sampled histories, ${runIds.length} runs × ${store.historySteps.toLocaleString('en-US')} steps → ${SAMPLED_POINTS.toLocaleString('en-US')} points`,
          client: sampled.client,
          native: sampledNative,
          goal: `≤ 1.5× native = ${ms(1.5 * sampledNative.median)}`,
          detail: `${sampledQueries.length} statements, ${points.toLocaleString('en-US')} points returned`,
        });
        progress(rows[rows.length - 1]!);
      }

      // ---- live ----
      if (PARTS.has('live')) {
        const live = await liveBench(sqlite, store, native, recorder);
        rows.push(live.row);
        progress(live.row);
        console.log(live.summary);
      }
    } finally {
      sqlite.dispose();
    }
  } finally {
    native.dispose();
  }

  console.log('');
  console.log(
    table(
      ['operation', 'store', '(min)', 'native SQLite', '(min)', 'over native', 'same SQL, same engine', 'goal', 'detail'],
      rows.map((r) => [
        r.operation,
        ms(r.client.median),
        ms(r.client.min),
        ms(r.native.median),
        ms(r.native.min),
        overhead(r.client.median, r.native.median),
        r.engine ? ms(r.engine.median) : '',
        r.goal,
        r.detail,
      ]),
    ),
  );
  console.log('');
  console.log('native SQLite = Python\'s sqlite3 running the statements the store issued, on the same file, timed inside Python.');
  console.log('"same SQL, same engine" = those statements through the store\'s own engine (' + SQLITE_ENGINE_KIND + ') with no checks or mapping.');
  console.log(`(${loadNote()} at the end)`);
  for (const r of rows) {
    reportFigure({ bench: 'sqlite', name: `SQLite 3 GB: ${r.operation}`, value: r.client.median, unit: 'ms', baselineName: 'native SQLite (Python)', baseline: r.native.median, note: r.detail });
  }
}

/**
 * A writer process logs LIVE_KEY to one run at 10 Hz for LIVE_SECONDS while the store reads that
 * metric's sampled history (what a live chart asks) every 0.5 s; then the same read with no writer, at
 * the same pace (the quiet read the goal compares with: same wake-ups, only the writer missing) and back
 * to back (warm: the lower bound). Each read's CPU time is taken too: on a loaded machine the wall
 * time of a read that waited for a core says more about the machine than about the read.
 */
async function liveBench(sqlite: SqliteStore, store: LargeStore, native: NativeSqlite, recorder: SqlRecorder): Promise<{ row: Row; summary: string }> {
  const runId = store.historyRunIds[store.historyRunIds.length - 1]!;
  const read = () => sqlite.getSampledHistories({ runIds: [runId], metricKey: LIVE_KEY, maxResults: SAMPLED_POINTS });
  const points = Math.round(LIVE_SECONDS * 10);
  await clearLive(store.dbFile, runId);
  const logger = spawn('python3', [path.join(ROOT, 'test/support/metricLogger.py'), store.dbFile, runId, LIVE_KEY, '10', String(points), LIVE_JOURNAL], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let written = 0;
  logger.stdout?.on('data', (chunk: Buffer) => {
    for (const match of chunk.toString().matchAll(/^wrote (\d+)/gm)) written = Math.max(written, Number(match[1]));
  });
  const exited = new Promise<number | null>((resolve) => logger.on('exit', resolve));
  const statsBefore = { ...sqlite.readStats() };
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let failures = 0;
  let behind = 0;
  let lastError = '';
  // Each read starts at a seeded random offset into its 0.5 s slot: the writer's 10 Hz commits and the
  // reads are both periodic, so without it one run's reads would meet every commit at the same phase (all
  // colliding, or none), and the two phases below would each measure only their own phase.
  const jitter = liveJitter();
  let slot = performance.now();
  for (let i = 0; logger.exitCode === null; i++) {
    await sleepUntil(slot + jitter(i));
    if (logger.exitCode !== null) break;
    slot += 500;
    const writtenBefore = written;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    try {
      const got = (await read()).length;
      times.push(performance.now() - t0);
      cpuTimes.push(cpuMs(process.cpuUsage(cpu0)));
      if (got < writtenBefore) behind++;
    } catch (error) {
      failures++;
      lastError = error instanceof Error ? error.message : String(error);
    }
  }
  const code = await exited;
  const retried = { reads: sqlite.readStats().reads - statsBefore.reads, retries: sqlite.readStats().retries - statsBefore.retries, reasons: [...sqlite.readStats().reasons] };
  const final = (await read()).length;
  // The same read with nothing writing: at the same pace, then back to back.
  const quiet: number[] = [];
  const quietCpu: number[] = [];
  slot = performance.now();
  for (let i = 0; i < 21; i++) {
    await sleepUntil(slot + jitter(i));
    slot += 500;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    await read();
    quiet.push(performance.now() - t0);
    quietCpu.push(cpuMs(process.cpuUsage(cpu0)));
  }
  const backToBack: number[] = [];
  for (let i = 0; i < 21; i++) {
    const t0 = performance.now();
    await read();
    backToBack.push(performance.now() - t0);
  }
  const quietQueries = await recorder.record(read);
  const nativeQuiet = await native.time(store.dbFile, quietQueries, { warmup: 1, reps: 21 });
  await clearLive(store.dbFile, runId);
  // The physical limit: the same read (the statements just recorded, as one read transaction) by Python's
  // sqlite3 every 0.5 s against the same writer, as a separate phase of the same length.
  const nativeLogger = spawn('python3', [path.join(ROOT, 'test/support/metricLogger.py'), store.dbFile, runId, LIVE_KEY, '10', String(points), LIVE_JOURNAL], {
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  const nativeExited = new Promise<number | null>((resolve) => nativeLogger.on('exit', resolve));
  const nativeLive = await native.live(store.dbFile, quietQueries, {
    writerPid: nativeLogger.pid!,
    periodMs: 500,
    maxSeconds: LIVE_SECONDS + 60,
    jitterMs: Array.from({ length: LIVE_SECONDS * 2 + 100 }, (_, i) => jitter(i)),
  });
  const nativeCode = await nativeExited;
  await clearLive(store.dbFile, runId);
  const nativeAttempts = nativeLive.ms.length + nativeLive.failures;
  const nativeLiveText =
    `native (Python's sqlite3, same statements, one read transaction, same writer): ${nativeLive.ms.length}/${nativeAttempts} reads succeeded ` +
    `(${((100 * nativeLive.ms.length) / Math.max(1, nativeAttempts)).toFixed(1)}%), median ${ms(summarise(nativeLive.ms.length ? nativeLive.ms : [Number.NaN]).median)}, ` +
    `p95 ${ms(percentile(nativeLive.ms, 95))}; quiet ${ms(nativeQuiet.median)}; writer exit ${nativeCode}${nativeLive.failures ? `; last error: ${nativeLive.error}` : ''}`;
  const liveSamples = summarise(times.length ? times : [Number.NaN]);
  const quietSamples = summarise(quiet);
  const p95 = percentile(times, 95);
  const attempts = times.length + failures;
  const row: Row = {
    operation: `live: reads every 0.5 s while a process logs at 10 Hz for ${LIVE_SECONDS} s (journal_mode=${LIVE_JOURNAL})`,
    client: liveSamples,
    native: nativeQuiet,
    goal: `≥ 95% succeed; p95 ≤ 2× quiet (${ms(2 * quietSamples.median)})`,
    detail:
      `${times.length}/${attempts} reads succeeded (${((100 * times.length) / Math.max(1, attempts)).toFixed(1)}%), p95 ${ms(p95)} (p95 of quiet reads ${ms(percentile(quiet, 95))}), ` +
      `quiet read ${ms(quietSamples.median)} (back to back ${ms(summarise(backToBack).median)}); CPU per read: live p95 ${ms(percentile(cpuTimes, 95))} median ${ms(summarise(cpuTimes.length ? cpuTimes : [Number.NaN]).median)}, ` +
      `quiet p95 ${ms(percentile(quietCpu, 95))} median ${ms(summarise(quietCpu).median)}; ` +
      `${behind} reads missed a point written before them; final read ${final}/${written} points; writer exit ${code}`,
  };
  const summary =
    (failures ? `  last failed read: ${lastError}` : '  no read failed') +
    `; ${retried.retries} retries over ${retried.reads} reads while writing (${retried.reasons.map(([why, n]) => `${n}× ${why}`).join(', ') || 'none'})\n  ${nativeLiveText}`;
  reportFigure({ bench: 'sqlite', name: 'SQLite 3 GB live: p95 read while writing at 10 Hz', value: p95, unit: 'ms', baselineName: 'quiet read (median)', baseline: quietSamples.median });
  reportFigure({ bench: 'sqlite', name: 'SQLite 3 GB live: p95 read while writing at 10 Hz, native', value: percentile(nativeLive.ms, 95), unit: 'ms', baselineName: 'native quiet read (median)', baseline: nativeQuiet.median });
  return { row, summary };
}

/** Removes the live metric's points, so the cached store stays as generated. */
function clearLive(dbFile: string, runId: string): Promise<void> {
  const child = python([
    '-c',
    'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("PRAGMA journal_mode=DELETE"); ' +
      'c.execute("DELETE FROM metrics WHERE run_uuid=? AND key=?", (sys.argv[2], sys.argv[3])); c.execute("DELETE FROM latest_metrics WHERE run_uuid=? AND key=?", (sys.argv[2], sys.argv[3])); c.commit()',
    dbFile,
    runId,
    LIVE_KEY,
  ]);
  return new Promise((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`clearing the live metric failed (${code})`)))));
}

/** Milliseconds into its slot that the i-th live read starts at: the same seeded sequence for both phases. */
function liveJitter(): (i: number) => number {
  const random = seededRandom(15);
  const offsets: number[] = [];
  return (i) => {
    while (offsets.length <= i) offsets.push(Math.floor(random() * 100));
    return offsets[i]!;
  };
}

function sleepUntil(at: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, at - performance.now())));
}

function cpuMs(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1000;
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function progress(row: Row): void {
  process.stdout.write(`  ${row.operation}: ${ms(row.client.median)} vs native ${ms(row.native.median)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
