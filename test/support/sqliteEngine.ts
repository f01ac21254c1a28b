import { nodeSqlite } from '../../src/mlflow/local/sqliteNodeEngine';
import type { SqliteEngineKind, SqliteStoreOptions } from '../../src/mlflow/local/sqliteStore';

/** The SQLite engine the local store reads with (the extension ships the same files in dist/sqlite/). */
export const SQLITE_ENGINE = require.resolve('node-sqlite3-wasm');

/**
 * The engines the SQLite tests run on: MLFLOW_TEST_SQLITE_ENGINES (comma-separated: `wasm`, `node:sqlite`)
 * or every engine this Node has (Node 20: the wasm one; Node ≥ 22.13: both). test/run.mjs re-runs these
 * files under Node 24 with `node:sqlite` only, so each engine is tested once per unit run.
 */
export const SQLITE_ENGINES: readonly SqliteEngineKind[] = enginesUnderTest();

function enginesUnderTest(): SqliteEngineKind[] {
  const wanted = process.env.MLFLOW_TEST_SQLITE_ENGINES;
  if (wanted) {
    const kinds = wanted.split(',').map((k) => k.trim());
    for (const kind of kinds) if (kind !== 'wasm' && kind !== 'node:sqlite') throw new Error(`MLFLOW_TEST_SQLITE_ENGINES: unknown engine ${kind}`);
    if (kinds.includes('node:sqlite') && !nodeSqlite()) throw new Error(`MLFLOW_TEST_SQLITE_ENGINES asks for node:sqlite, which Node ${process.version} lacks`);
    return kinds as SqliteEngineKind[];
  }
  return nodeSqlite() ? ['wasm', 'node:sqlite'] : ['wasm'];
}

/** Store options for one engine under test. */
export function sqliteOptions(engineKind: SqliteEngineKind): SqliteStoreOptions {
  return { engine: SQLITE_ENGINE, engineKind };
}
