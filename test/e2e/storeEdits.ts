import * as fs from 'fs';
import * as path from 'path';
import initSqlJs from 'sql.js';
import type { Database, SqlJsStatic } from 'sql.js';

/**
 * Edits to a workspace COPY of an MLflow SQLite store (never the committed demo/mlflow.db), made the
 * way a training script's writes look to the extension: the whole new file lands at once (written
 * beside the store, then renamed over it), so the local store sees a new size/mtime and re-reads it.
 * Shared by the integration tier (running in the extension host) and the e2e tier (running in mocha).
 */

let engine: Promise<SqlJsStatic> | undefined;

/** The sql.js engine, loading its WebAssembly from this repository's node_modules. */
function sqlJs(): Promise<SqlJsStatic> {
  engine ??= initSqlJs({ locateFile: () => wasmPath() });
  return engine;
}

/**
 * Where sql-wasm.wasm is. The e2e tier runs from the repository root; the integration tests are
 * bundled into out/test/integration, three levels below it. MLFLOW_SQL_WASM overrides both.
 */
function wasmPath(): string {
  const candidates = [
    process.env.MLFLOW_SQL_WASM,
    path.resolve(__dirname, '../../node_modules/sql.js/dist/sql-wasm.wasm'),
    path.resolve(__dirname, '../../../node_modules/sql.js/dist/sql-wasm.wasm'),
    path.resolve('node_modules/sql.js/dist/sql-wasm.wasm'),
  ];
  const found = candidates.find((file): file is string => file !== undefined && fs.existsSync(file));
  if (!found) throw new Error(`sql-wasm.wasm not found (looked in ${candidates.filter(Boolean).join(', ')})`);
  return found;
}

/** Opens the store, applies `edit`, and puts the result in place with write-to-temp + rename. */
async function editStore<T>(dbFile: string, edit: (db: Database) => T): Promise<T> {
  const SQL = await sqlJs();
  const db = new SQL.Database(fs.readFileSync(dbFile));
  try {
    const result = edit(db);
    const temp = `${dbFile}.edit-${process.pid}-${Date.now()}`;
    fs.writeFileSync(temp, db.export());
    fs.renameSync(temp, dbFile);
    return result;
  } finally {
    db.close();
  }
}

function scalar(db: Database, sql: string, params: (string | number)[]): unknown {
  const [result] = db.exec(sql, params);
  return result?.values[0]?.[0];
}

/** The id of the one active run with this name; throws when there is none or several. */
export async function runIdByName(dbFile: string, runName: string): Promise<string> {
  const SQL = await sqlJs();
  const db = new SQL.Database(fs.readFileSync(dbFile));
  try {
    const [result] = db.exec("SELECT run_uuid FROM runs WHERE name = ? AND lifecycle_stage = 'active'", [runName]);
    const ids = (result?.values ?? []).map((row) => String(row[0]));
    if (ids.length !== 1) throw new Error(`expected one active run named ${runName}, found ${ids.length}`);
    return ids[0];
  } finally {
    db.close();
  }
}

/** The highest step logged for a run's metric in the store (what a chart of it must end at). */
export async function lastMetricStep(dbFile: string, runId: string, key: string): Promise<number> {
  const SQL = await sqlJs();
  const db = new SQL.Database(fs.readFileSync(dbFile));
  try {
    return Number(scalar(db, 'SELECT max(step) FROM metrics WHERE run_uuid = ? AND key = ?', [runId, key]));
  } finally {
    db.close();
  }
}

/** Renames a run as `mlflow.set_tag('mlflow.runName', …)` does: the runs row and the tag together. */
export async function renameRun(dbFile: string, runId: string, newName: string): Promise<void> {
  await editStore(dbFile, (db) => {
    db.run('UPDATE runs SET name = ? WHERE run_uuid = ?', [newName, runId]);
    if (db.getRowsModified() !== 1) throw new Error(`run ${runId} not found`);
    db.run("INSERT OR REPLACE INTO tags (key, value, run_uuid) VALUES ('mlflow.runName', ?, ?)", [newName, runId]);
  });
}

/**
 * Logs `count` more points of `key` after the run's last step (one second apart, after its last
 * timestamp), moving `latest_metrics` along as MLflow does. Resolves with the run's point count of
 * that metric afterwards.
 */
export async function appendMetricPoints(dbFile: string, runId: string, key: string, count: number): Promise<number> {
  if (!Number.isSafeInteger(count) || count < 1) throw new Error(`append at least one point, not ${count}`);
  return editStore(dbFile, (db) => {
    const lastStep = Number(scalar(db, 'SELECT max(step) FROM metrics WHERE run_uuid = ? AND key = ?', [runId, key]) ?? -1);
    const lastTime = Number(scalar(db, 'SELECT max(timestamp) FROM metrics WHERE run_uuid = ? AND key = ?', [runId, key]) ?? Date.now());
    let step = lastStep;
    let timestamp = lastTime;
    let value = 0;
    for (let i = 0; i < count; i++) {
      step++;
      timestamp += 1000;
      value = 1 / (step + 1);
      db.run('INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, 0)', [key, value, timestamp, runId, step]);
    }
    db.run(
      'INSERT OR REPLACE INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, 0, ?)',
      [key, value, timestamp, step, runId],
    );
    return Number(scalar(db, 'SELECT count(*) FROM metrics WHERE run_uuid = ? AND key = ?', [runId, key]));
  });
}

/**
 * Ends a run as MLflow's `end_run` does (status and end time), optionally renaming it in the same
 * write, as a script that set its final name at the end would.
 */
export async function finishRun(dbFile: string, runId: string, options: { status?: 'FINISHED' | 'FAILED' | 'KILLED'; newName?: string } = {}): Promise<void> {
  await editStore(dbFile, (db) => {
    db.run('UPDATE runs SET status = ?, end_time = ? WHERE run_uuid = ?', [options.status ?? 'FINISHED', Date.now(), runId]);
    if (db.getRowsModified() !== 1) throw new Error(`run ${runId} not found`);
    if (options.newName !== undefined) {
      db.run('UPDATE runs SET name = ? WHERE run_uuid = ?', [options.newName, runId]);
      db.run("INSERT OR REPLACE INTO tags (key, value, run_uuid) VALUES ('mlflow.runName', ?, ?)", [options.newName, runId]);
    }
  });
}

/** Starts a RUNNING run in an experiment as `mlflow.start_run(run_name=…)` does; resolves with its id. */
export async function startRun(dbFile: string, experimentId: string, runName: string): Promise<string> {
  const runId = Array.from({ length: 32 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  await editStore(dbFile, (db) => {
    const artifactRoot = String(scalar(db, 'SELECT artifact_location FROM experiments WHERE experiment_id = ?', [Number(experimentId)]) ?? '');
    if (!artifactRoot) throw new Error(`experiment ${experimentId} not found`);
    db.run(
      "INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id) VALUES (?, ?, 'LOCAL', 'train.py', '', 'e2e', 'RUNNING', ?, NULL, '', 'active', ?, ?)",
      [runId, runName, Date.now(), `${artifactRoot}/${runId}/artifacts`, Number(experimentId)],
    );
    db.run("INSERT INTO tags (key, value, run_uuid) VALUES ('mlflow.runName', ?, ?)", [runName, runId]);
    db.run("INSERT INTO tags (key, value, run_uuid) VALUES ('mlflow.user', 'e2e', ?)", [runId]);
  });
  return runId;
}

/** Takes a run out of the store altogether (its rows in every table that holds them), as if never logged. */
export async function removeRun(dbFile: string, runId: string): Promise<void> {
  await editStore(dbFile, (db) => {
    for (const table of ['metrics', 'latest_metrics', 'params', 'tags']) db.run(`DELETE FROM ${table} WHERE run_uuid = ?`, [runId]);
    db.run('DELETE FROM runs WHERE run_uuid = ?', [runId]);
    if (db.getRowsModified() !== 1) throw new Error(`run ${runId} not found`);
  });
}

/**
 * Logs a new trace the way a GenAI app's next request does: a copy of `sourceTraceId` (its info, tags,
 * metadata such as the session, metrics and spans; not its assessments) under `newTraceId`, requested
 * `afterMs` after the source. Columns the schema computes (spans' `duration_ns`) are left to SQLite.
 */
export async function logTraceLike(dbFile: string, sourceTraceId: string, newTraceId: string, afterMs: number): Promise<void> {
  await editStore(dbFile, (db) => {
    const copy = (table: string, idColumn: string): void => {
      const [info] = db.exec(`PRAGMA table_xinfo(${table})`);
      // table_xinfo: name is column 1, hidden is column 6 (2 and 3: generated columns).
      const columns = (info?.values ?? []).filter((c) => Number(c[6]) === 0).map((c) => String(c[1]));
      const list = columns.map((c) => `"${c}"`).join(', ');
      const select = columns.map((c) => (c === idColumn ? '?' : `"${c}"`)).join(', ');
      db.run(`INSERT INTO ${table} (${list}) SELECT ${select} FROM ${table} WHERE "${idColumn}" = ?`, [newTraceId, sourceTraceId]);
    };
    copy('trace_info', 'request_id');
    if (db.getRowsModified() !== 1) throw new Error(`trace ${sourceTraceId} not found`);
    db.run('UPDATE trace_info SET timestamp_ms = timestamp_ms + ? WHERE request_id = ?', [afterMs, newTraceId]);
    copy('trace_tags', 'request_id');
    copy('trace_request_metadata', 'request_id');
    copy('trace_metrics', 'request_id');
    copy('spans', 'trace_id');
  });
}
