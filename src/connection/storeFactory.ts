import { httpOptionsFor, type EnvCredentials, type TrackingTarget } from '../mlflow/connection';
import { HttpClient } from '../mlflow/http';
import { FileStore } from '../mlflow/local/fileStore';
import { bundledEngineFile } from '../mlflow/local/sqliteEngine';
import { SqliteStore } from '../mlflow/local/sqliteStore';
import { RestStore } from '../mlflow/rest/restStore';
import type { TrackingStore } from '../mlflow/store';
import type { StoreFactory } from './connections';

/**
 * Builds the backend for a tracking target. Local stores read the SQLite file in place through SQLite
 * compiled to WebAssembly, which ships beside the extension bundle (`dist/sqlite/`).
 */
export function createStoreFactory(extensionPath: string): StoreFactory {
  const engine = bundledEngineFile(extensionPath);
  return (target: TrackingTarget, credentials: EnvCredentials): TrackingStore => {
    switch (target.kind) {
      case 'rest':
      case 'databricks':
        return new RestStore(new HttpClient(httpOptionsFor(target, credentials)));
      case 'sqlite':
        return new SqliteStore(target.path, { engine });
      case 'file':
        return new FileStore(target.path);
    }
  };
}
