import * as path from 'node:path';
import { SqliteStore } from '../../../src/mlflow/local/sqliteStore';
import { SQLITE_ENGINE } from '../sqliteEngine';
import type { Dataset } from './dataset';
import { datasetFromStore } from './fromStore';

/**
 * The real MLflow 2.17.2 store the REST captures were made against (byte-identical to demo/mlflow.db),
 * for tests that run from the repository (unit, e2e). The integration tier runs bundled inside the
 * extension host and opens the workspace's copy with the extension's own engine instead.
 */
export const FIXTURE_STORE = path.resolve(__dirname, '../../fixtures/mlflow-2.17.2/server-store/mlflow.db');

export function openSqliteStore(dbFile: string = FIXTURE_STORE): SqliteStore {
  return new SqliteStore(dbFile, { engine: SQLITE_ENGINE });
}

let fixture: Promise<Dataset> | undefined;

/** The fixture store as a Dataset, read once per process (servers copy what they change). */
export function fixtureDataset(): Promise<Dataset> {
  fixture ??= (async () => {
    const store = openSqliteStore();
    try {
      return await datasetFromStore(store);
    } finally {
      store.dispose();
    }
  })();
  return fixture;
}
