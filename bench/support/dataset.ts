import type { SqliteEngineKind } from '../../src/mlflow/local/sqliteStore';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import initSqlJs, { type Database, type SqlJsStatic } from 'sql.js';
import { hexFrom, seededRandom } from './random';

/**
 * The one dataset every tracking and explorer bench reads: an MLflow SQLite store in the real 2.17.2
 * schema (copied from test/fixtures/mlflow-2.17.2/server-store/mlflow.db) holding
 *
 * - experiment 1 with 10,000 runs, each with 8 params, 7–8 tags and 5 latest metrics (one history
 *   point per metric, as if each had been logged once); every 50th run is a sweep parent with 9 child
 *   runs (`mlflow.parentRunId`), so nesting is exercised;
 * - the 100 newest runs (the first page in MLflow's default order) with a `loss` history of 20,000 steps.
 *
 * About 2 million metric rows and ~410 MB on disk, so it is generated once (deterministically, from a
 * seeded generator) into .tmp/bench/ and reused while GENERATOR_VERSION is unchanged.
 */

export const ROOT = path.resolve(__dirname, '..', '..');
/** sql.js's wasm: the bench's stand-in MLflow server and the generator hold their copy of a store in it. */
export const SQL_WASM = path.join(ROOT, 'node_modules', 'sql.js', 'dist', 'sql-wasm.wasm');
/** The engine SqliteStore reads with, in place (the extension ships the same files in dist/sqlite/). */
export const SQLITE_ENGINE = path.join(ROOT, 'node_modules', 'node-sqlite3-wasm', 'dist', 'node-sqlite3-wasm.js');
/**
 * Which engine the SQLite benches read with: MLFLOW_BENCH_SQLITE_ENGINE (`wasm`, `node:sqlite`) or, as in
 * the extension, node:sqlite where this Node has it (Node ≥ 22.13) and the wasm engine otherwise.
 */
export const SQLITE_ENGINE_KIND = (process.env.MLFLOW_BENCH_SQLITE_ENGINE ?? 'auto') as SqliteEngineKind;

let sqlJs: Promise<SqlJsStatic> | undefined;

/** sql.js, once per process. */
export function loadSqlJs(): Promise<SqlJsStatic> {
  sqlJs ??= initSqlJs({ wasmBinary: toArrayBuffer(readFileSync(SQL_WASM)) });
  return sqlJs;
}
const SCHEMA_SOURCE = path.join(ROOT, 'test', 'fixtures', 'mlflow-2.17.2', 'server-store', 'mlflow.db');
const CACHE_DIR = path.join(ROOT, '.tmp', 'bench');
/** Bump when the generated data changes, so a stale cached store is not reused. */
const GENERATOR_VERSION = 1;

export const EXPERIMENT_ID = '1';
export const RUN_COUNT = 10_000;
export const HISTORY_RUNS = 100;
export const HISTORY_STEPS = 20_000;
export const HISTORY_KEY = 'loss';

export interface BenchDataset {
  dbFile: string;
  experimentId: string;
  runCount: number;
  /** The runs with a 20,000-step `loss` history, newest first. */
  historyRunIds: string[];
  historyKey: string;
  historySteps: number;
  /** Rows in `metrics`, for the report. */
  metricRows: number;
  bytes: number;
  /** How long generating took, when this call generated it (else undefined: reused). */
  generatedMs?: number;
}

const START_TIME = 1_700_000_000_000;
const PARAM_KEYS = ['learning_rate', 'batch_size', 'optimizer', 'epochs', 'dropout', 'weight_decay', 'seed', 'model'];
const LATEST_KEYS = ['loss', 'val_loss', 'accuracy', 'val_accuracy', 'learning_rate'];

/** The cached store, generated first when missing or stale. */
export async function ensureDataset(log: (line: string) => void = () => undefined): Promise<BenchDataset> {
  const dbFile = path.join(CACHE_DIR, `mlflow-bench-v${GENERATOR_VERSION}.db`);
  const metaFile = `${dbFile}.json`;
  if (existsSync(dbFile) && existsSync(metaFile)) {
    return JSON.parse(readFileSync(metaFile, 'utf8')) as BenchDataset;
  }
  mkdirSync(CACHE_DIR, { recursive: true });
  log(`generating the bench store (${RUN_COUNT.toLocaleString('en-US')} runs, ${HISTORY_RUNS} × ${HISTORY_STEPS.toLocaleString('en-US')} steps) into ${path.relative(ROOT, dbFile)} …`);
  const t0 = performance.now();
  const SQL = await initSqlJs({ wasmBinary: toArrayBuffer(readFileSync(SQL_WASM)) });
  const db = new SQL.Database();
  try {
    copySchema(new SQL.Database(readFileSync(SCHEMA_SOURCE)), db, 'tables');
    const { historyRunIds, metricRows } = fill(db);
    copySchema(new SQL.Database(readFileSync(SCHEMA_SOURCE)), db, 'indexes');
    const bytes = db.export();
    // Written under a temporary name and renamed, so an interrupted run never leaves a half store.
    writeFileSync(`${dbFile}.part`, bytes);
    renameSync(`${dbFile}.part`, dbFile);
    const dataset: BenchDataset = {
      dbFile,
      experimentId: EXPERIMENT_ID,
      runCount: RUN_COUNT,
      historyRunIds,
      historyKey: HISTORY_KEY,
      historySteps: HISTORY_STEPS,
      metricRows,
      bytes: bytes.length,
    };
    writeFileSync(metaFile, JSON.stringify(dataset, null, 2));
    const generatedMs = performance.now() - t0;
    log(`generated in ${(generatedMs / 1000).toFixed(1)} s (${(bytes.length / 1e6).toFixed(0)} MB)`);
    return { ...dataset, generatedMs };
  } finally {
    db.close();
  }
}

/**
 * MLflow's own DDL, read from the real store. Explicit indexes are created after the bulk insert
 * (faster, same result); the primary-key indexes come with their tables.
 */
function copySchema(source: Database, target: Database, what: 'tables' | 'indexes'): void {
  try {
    const type = what === 'tables' ? 'table' : 'index';
    const [result] = source.exec(`SELECT sql FROM sqlite_master WHERE type = '${type}' AND sql IS NOT NULL ORDER BY rowid`);
    for (const [sql] of result?.values ?? []) target.run(String(sql));
    if (what === 'tables') {
      const [version] = source.exec('SELECT version_num FROM alembic_version');
      target.run('INSERT INTO alembic_version (version_num) VALUES (?)', [String(version?.values[0]?.[0] ?? '')]);
    }
  } finally {
    source.close();
  }
}

function fill(db: Database): { historyRunIds: string[]; metricRows: number } {
  const random = seededRandom(20_172);
  const hex = hexFrom(random);
  db.run('BEGIN');
  db.run("INSERT INTO experiments VALUES (0, 'Default', 'mlflow-artifacts:/0', 'active', ?, ?)", [START_TIME, START_TIME]);
  db.run("INSERT INTO experiments VALUES (1, 'bench-10k-runs', 'mlflow-artifacts:/1', 'active', ?, ?)", [START_TIME, START_TIME + RUN_COUNT * 60_000]);
  db.run("INSERT INTO experiment_tags VALUES ('mlflow.note.content', 'Synthetic: 10,000 runs for the performance benches.', 1)");

  const insertRun = db.prepare(
    `INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time,
                       source_version, lifecycle_stage, artifact_uri, experiment_id)
     VALUES (?, ?, 'UNKNOWN', '', '', 'bench', ?, ?, ?, '', 'active', ?, 1)`,
  );
  const insertParam = db.prepare('INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)');
  const insertTag = db.prepare('INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)');
  const insertLatest = db.prepare('INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, 0, ?)');
  const insertMetric = db.prepare('INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, 0)');

  const runIds: string[] = [];
  const historyRunIds: string[] = [];
  let metricRows = 0;
  try {
    for (let i = 0; i < RUN_COUNT; i++) {
      const runId = hex(32);
      runIds.push(runId);
      const sweep = Math.floor(i / 50);
      const inSweep = i % 50;
      const parentId = inSweep >= 1 && inSweep <= 9 ? runIds[i - inSweep] : undefined;
      const name = inSweep === 0 ? `sweep-${sweep}` : parentId ? `sweep-${sweep}-trial-${inSweep}` : `run-${i}`;
      const start = START_TIME + i * 60_000;
      const long = i >= RUN_COUNT - HISTORY_RUNS;
      const status = i >= RUN_COUNT - 2 ? 'RUNNING' : i % 97 === 0 ? 'FAILED' : 'FINISHED';
      const end = status === 'RUNNING' ? null : start + (long ? HISTORY_STEPS * 250 : 45_000 + (i % 13) * 1000);
      insertRun.run([runId, name, status, start, end, `mlflow-artifacts:/1/${runId}/artifacts`]);

      const lr = [0.1, 0.03, 0.01, 0.003, 0.001][i % 5];
      const params = [lr, [32, 64, 128, 256][i % 4], ['adam', 'sgd', 'adamw'][i % 3], 10 + (i % 5) * 10, (i % 6) / 10, 1e-4 * (1 + (i % 3)), i, ['resnet18', 'resnet50', 'vit-b16'][i % 3]];
      PARAM_KEYS.forEach((key, k) => insertParam.run([key, String(params[k]), runId]));

      const tags: [string, string][] = [
        ['mlflow.user', 'bench'],
        ['mlflow.source.name', 'train.py'],
        ['mlflow.source.type', 'LOCAL'],
        ['mlflow.source.git.commit', hex(40)],
        ['mlflow.runName', name],
        ['team', ['vision', 'nlp', 'tabular'][i % 3]],
        ['stage', i % 10 === 0 ? 'candidate' : 'trial'],
      ];
      if (parentId) tags.push(['mlflow.parentRunId', parentId]);
      for (const [key, value] of tags) insertTag.run([key, value, runId]);

      const quality = 0.5 + 0.45 * random();
      const latest: Record<string, number> = {
        loss: 1 - quality + 0.05 * random(),
        val_loss: 1.1 - quality + 0.05 * random(),
        accuracy: quality,
        val_accuracy: quality - 0.03 * random(),
        learning_rate: lr,
      };
      const lastStep = long ? HISTORY_STEPS - 1 : 99;
      const lastTimestamp = start + (lastStep + 1) * 250;
      if (long) {
        historyRunIds.push(runId);
        const scale = 1 + (i % HISTORY_RUNS) / HISTORY_RUNS;
        for (let step = 0; step < HISTORY_STEPS; step++) {
          const value = scale * Math.exp(-step / (HISTORY_STEPS / 4)) + 0.02 * Math.sin(step / 7 + i) + 0.01 * random();
          insertMetric.run([HISTORY_KEY, value, start + (step + 1) * 250, runId, step]);
          if (step === HISTORY_STEPS - 1) latest.loss = value;
        }
        metricRows += HISTORY_STEPS;
      }
      for (const key of LATEST_KEYS) {
        insertLatest.run([key, latest[key], lastTimestamp, lastStep, runId]);
        if (long && key === HISTORY_KEY) continue;
        insertMetric.run([key, latest[key], lastTimestamp, runId, lastStep]);
        metricRows++;
      }
    }
  } finally {
    for (const statement of [insertRun, insertParam, insertTag, insertLatest, insertMetric]) statement.free();
  }
  db.run('COMMIT');
  // Newest first: the order of the first page.
  return { historyRunIds: historyRunIds.reverse(), metricRows };
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}
