/** The SQLite engine the local store reads with (the extension ships the same files in dist/sqlite/). */
export const SQLITE_ENGINE = require.resolve('node-sqlite3-wasm');
