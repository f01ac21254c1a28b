import * as path from 'path';
import { httpOptionsFor, type EnvCredentials, type TrackingTarget } from '../mlflow/connection';
import { HttpClient } from '../mlflow/http';
import { FileStore } from '../mlflow/local/fileStore';
import { SqliteStore } from '../mlflow/local/sqliteStore';
import { RestStore } from '../mlflow/rest/restStore';
import type { TrackingStore } from '../mlflow/store';
import type { StoreFactory } from './connections';

/**
 * Builds the backend for a tracking target. Local stores read the SQLite file through sql.js, whose
 * WebAssembly ships beside the extension bundle (`dist/sql-wasm.wasm`).
 */
export function createStoreFactory(extensionPath: string): StoreFactory {
  const wasmPath = path.join(extensionPath, 'dist', 'sql-wasm.wasm');
  return (target: TrackingTarget, credentials: EnvCredentials): TrackingStore => {
    switch (target.kind) {
      case 'rest':
      case 'databricks':
        return new RestStore(new HttpClient(httpOptionsFor(target, credentials)));
      case 'sqlite':
        return new SqliteStore(target.path, { wasm: wasmPath });
      case 'file':
        return new FileStore(target.path);
    }
  };
}
