import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import initSqlJs from 'sql.js';
import { SqliteStore } from '../../src/mlflow/local/sqliteStore';
import type { Run } from '../../src/mlflow/types';
import { SQLITE_ENGINES, sqliteOptions } from '../support/sqliteEngine';

/**
 * Param and tag keys are whatever a logging script chose, including the names of Object.prototype's
 * members: the SQLite store must read them as plain data, through every path that builds a run (whole
 * runs as JSON built by SQLite, and row by row where the store has no run_uuid indexes).
 */

const WASM = path.resolve(__dirname, '../../node_modules/sql.js/dist/sql-wasm.wasm');
const SOURCE = path.resolve(__dirname, '../fixtures/mlflow-3.x/local-default/mlflow.db');
const RUN_ID = '1fcb5775f910453aa9b46ebe7dcb8c42';
const ODD_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty'];

for (const engineKind of SQLITE_ENGINES) describe(`SqliteStore (${engineKind}): param and tag keys named like Object.prototype members`, () => {
  let dir: string;
  let store: SqliteStore;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'mlflow-keys-'));
    const file = path.join(dir, 'mlflow.db');
    copyFileSync(SOURCE, file);
    const SQL = await initSqlJs({ wasmBinary: new Uint8Array(readFileSync(WASM)).buffer });
    const db = new SQL.Database(readFileSync(file));
    for (const key of ODD_KEYS) {
      db.run('INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)', [key, `param ${key}`, RUN_ID]);
      db.run('INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)', [key, `tag ${key}`, RUN_ID]);
    }
    db.run('INSERT INTO tags (key, value, run_uuid) VALUES (?, NULL, ?)', ['empty', RUN_ID]);
    writeFileSync(file, db.export());
    db.close();
    store = new SqliteStore(file, sqliteOptions(engineKind));
  });

  after(() => {
    store.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  function assertPlainData(run: Run | undefined): void {
    assert.ok(run, 'the run is found');
    for (const record of [run.data.params, run.data.tags]) {
      assert.equal(Object.getPrototypeOf(record), Object.prototype, 'the prototype is untouched');
    }
    for (const key of ODD_KEYS) {
      assert.ok(Object.hasOwn(run.data.params, key), `param ${key} is an own property`);
      assert.equal(run.data.params[key], `param ${key}`);
      assert.equal(run.data.tags[key], `tag ${key}`);
    }
    assert.equal(run.data.tags.empty, '', 'a NULL tag value reads as empty');
  }

  it('getRun', async () => {
    assertPlainData(await store.getRun(RUN_ID));
  });

  it('an unfiltered listing', async () => {
    const run = await store.getRun(RUN_ID);
    const page = await store.searchRuns({ experimentIds: [run.info.experimentId] });
    assertPlainData(page.items.find((r) => r.info.runId === RUN_ID));
  });

  it('reads the same runs and histories from a store without run_uuid indexes (old MLflow)', async () => {
    const file = path.join(dir, 'unindexed.db');
    const SQL = await initSqlJs({ wasmBinary: new Uint8Array(readFileSync(WASM)).buffer });
    const db = new SQL.Database(readFileSync(path.join(dir, 'mlflow.db')));
    for (const table of ['tags', 'params', 'latest_metrics', 'metrics']) db.run(`DROP INDEX index_${table}_run_uuid`);
    writeFileSync(file, db.export());
    db.close();
    const unindexed = new SqliteStore(file, sqliteOptions(engineKind));
    try {
      const experimentId = (await store.getRun(RUN_ID)).info.experimentId;
      const sorted = (runs: Run[]) => runs.map((r) => ({ ...r, data: { ...r.data, metrics: [...r.data.metrics].sort((a, b) => a.key.localeCompare(b.key)) } }));
      const [indexed, rowByRow] = await Promise.all([store, unindexed].map((s) => s.searchRuns({ experimentIds: [experimentId] })));
      assert.ok(indexed.items.length > 0);
      assert.deepEqual(sorted(rowByRow.items), sorted(indexed.items));
      assertPlainData(await unindexed.getRun(RUN_ID));
      const [history, unindexedHistory] = await Promise.all([store, unindexed].map((s) => s.getMetricHistory(RUN_ID, 'loss')));
      assert.ok(history.length > 0);
      assert.deepEqual(unindexedHistory, history);
      const sampled = (s: SqliteStore) => s.getSampledHistories({ runIds: [RUN_ID], metricKey: 'loss', maxResults: 2 });
      assert.deepEqual(await sampled(unindexed), await sampled(store));
    } finally {
      unindexed.dispose();
    }
  });

  it('a filter on such a key', async () => {
    const run = await store.getRun(RUN_ID);
    const page = await store.searchRuns({ experimentIds: [run.info.experimentId], filter: "params.`__proto__` = 'param __proto__'" });
    assert.deepEqual(
      page.items.map((r) => r.info.runId),
      [RUN_ID],
    );
    assertPlainData(page.items[0]);
  });
});
