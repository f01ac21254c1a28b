/**
 * The local store backends, bundled on their own as dist/localStores.js (scripts/build.mjs) and required by
 * storeFactory only when a `mlflow.db` or `mlruns/` is opened: they and their engine loader are a large part of the extension,
 * and a user of a tracking server never needs them.
 */
export { FileStore } from '../mlflow/local/fileStore';
export { SqliteStore } from '../mlflow/local/sqliteStore';
