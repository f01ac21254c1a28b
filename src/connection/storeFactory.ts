import { httpOptionsFor, type EnvCredentials, type TrackingTarget } from '../mlflow/connection';
import { HttpClient } from '../mlflow/http';
import { bundledEngineFile } from '../mlflow/local/sqliteEngine';
import { RestStore } from '../mlflow/rest/restStore';
import type { TrackingStore } from '../mlflow/store';
import type * as LocalStores from './localStores';
import type { StoreFactory } from './connections';

// Declared here so the require below is a plain call the bundler can point elsewhere (scripts/build.mjs).
declare const require: (id: string) => unknown;

let localStores: typeof LocalStores | undefined;

/**
 * The local backends, loaded on first use. In the built extension `./localStores` is a file of its own beside
 * extension.js (scripts/build.mjs keeps this require out of the main bundle); from source it is the module.
 */
function loadLocalStores(): typeof LocalStores {
  localStores ??= require('./localStores') as typeof LocalStores;
  return localStores;
}

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
        return new (loadLocalStores().SqliteStore)(target.path, { engine });
      case 'file':
        return new (loadLocalStores().FileStore)(target.path);
    }
  };
}
