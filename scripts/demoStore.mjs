// Prepares a COPY of demo/ as the store `npm run demo` opens (never the committed demo/mlflow.db, which
// stays byte-identical to the real MLflow 2.17.2 server store the tests and REST captures are made from):
//
// 1. Self-contained: that store recorded its artifacts at /srv/mlflow-ref/artifacts/… (the machine it was
//    made on). The extension remaps missing paths next to the store, but MLflow itself does not: a real
//    `mlflow models serve --model-uri models:/iris-classifier/1` reads the model version's
//    storage_location as it is. So every recorded location under that root is rewritten to the copy's own
//    artifacts/ folder, as absolute paths (MLflow resolves relative ones against its cwd, not the store).
// 2. Showcase first: the Runs view lists experiments by last update, newest first, and the last thing the
//    capture session touched was "api-captures" (one run). The experiments that show what the extension
//    does are moved to the top, in SHOWCASE order; nothing is deleted, so the README's numbers stay true.
//
// Usage: node scripts/demoStore.mjs <workspace copy>   (also imported by test/harness/demo.mjs)
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

/** Where the demo store's writer kept its artifacts. */
export const ORIGIN_ARTIFACT_ROOT = '/srv/mlflow-ref/artifacts';

/** Experiments the demo opens on, first to last; the others follow in their recorded order. */
export const SHOWCASE = ['iris-classification', 'llm-finetune-sim', 'wine-regression', 'mlproject-demo'];

/** Every column of the MLflow 2.17.2 schema that records an artifact location. */
const LOCATION_COLUMNS = [
  ['experiments', 'artifact_location'],
  ['runs', 'artifact_uri'],
  ['model_versions', 'source'],
  ['model_versions', 'storage_location'],
];

/**
 * Rewrites the store at `<workspace>/mlflow.db` in place (see the header). Returns what changed, for the log.
 * @param {string} workspace
 * @returns {Promise<{ rewritten: number, order: string[] }>}
 */
export async function prepareDemoStore(workspace) {
  const dbPath = path.join(workspace, 'mlflow.db');
  const artifactRoot = path.join(path.resolve(workspace), 'artifacts');
  const initSqlJs = require('sql.js');
  const SQL = await initSqlJs({ locateFile: () => path.join(root, 'node_modules/sql.js/dist/sql-wasm.wasm') });
  const db = new SQL.Database(fs.readFileSync(dbPath));
  try {
    let rewritten = 0;
    for (const [table, column] of LOCATION_COLUMNS) {
      // substr() keeps what follows the root byte for byte; the prefix test is exact (no LIKE wildcards).
      db.run(
        `UPDATE ${table} SET ${column} = $to || substr(${column}, length($from) + 1)
         WHERE ${column} = $from OR substr(${column}, 1, length($from) + 1) = $from || '/'`,
        { $from: ORIGIN_ARTIFACT_ROOT, $to: artifactRoot },
      );
      rewritten += db.getRowsModified();
    }

    const [latest] = db.exec('SELECT max(last_update_time) FROM experiments')[0]?.values[0] ?? [0];
    SHOWCASE.forEach((name, i) => {
      db.run('UPDATE experiments SET last_update_time = $time WHERE name = $name',
        { $time: Number(latest) + SHOWCASE.length - i, $name: name });
    });
    const order = db.exec("SELECT name FROM experiments WHERE lifecycle_stage = 'active' ORDER BY last_update_time DESC")[0]
      ?.values.map(([name]) => String(name)) ?? [];

    const tmp = `${dbPath}.tmp`;
    fs.writeFileSync(tmp, Buffer.from(db.export()));
    fs.renameSync(tmp, dbPath);
    return { rewritten, order };
  } finally {
    db.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const workspace = process.argv[2];
  if (!workspace) {
    console.error('usage: node scripts/demoStore.mjs <workspace copy of demo/>');
    process.exit(2);
  }
  if (path.resolve(workspace) === path.join(root, 'demo')) {
    console.error('demoStore: refusing to rewrite the committed demo/ (pass a copy)');
    process.exit(2);
  }
  const { rewritten, order } = await prepareDemoStore(workspace);
  console.log(`demoStore: ${rewritten} artifact locations now inside ${path.resolve(workspace)}; experiments: ${order.join(', ')}`);
}
