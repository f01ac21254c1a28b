import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import initSqlJs from 'sql.js';
import { parse as parseYaml } from 'yaml';
import { SqliteStore } from '../../src/mlflow/local/sqliteStore';
import { buildServeArgv, sqliteStoreUri } from '../../src/serving/serveArgv';
import { REPO_ROOT } from '../support/repoRoot';
import { SQLITE_ENGINE } from '../support/sqliteEngine';

const WASM = path.join(REPO_ROOT, 'node_modules/sql.js/dist/sql-wasm.wasm');

/** A copy of demo/ made ready the way `npm run demo` makes it (scripts/demoStore.mjs, as a process). */
function preparedDemo(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-store-'));
  fs.cpSync(path.join(REPO_ROOT, 'demo'), dir, { recursive: true });
  const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts/demoStore.mjs'), dir], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return dir;
}

type Row = Record<string, unknown>;
async function query(dbFile: string, sql: string, params: (string | number)[] = []): Promise<Row[]> {
  const SQL = await initSqlJs({ locateFile: () => WASM });
  const db = new SQL.Database(fs.readFileSync(dbFile));
  try {
    const statement = db.prepare(sql, params);
    const rows: Row[] = [];
    while (statement.step()) rows.push(statement.getAsObject());
    statement.free();
    return rows;
  } finally {
    db.close();
  }
}

/**
 * What a real `mlflow models serve --model-uri models:/<name>/<version>` reads from a SQLite tracking store
 * (MLflow 2.17.2: SqlAlchemyStore.get_model_version_download_uri returns `storage_location or source`,
 * then LocalArtifactRepository opens that path as it is, relative paths against its own cwd).
 */
async function mlflowModelDir(dbFile: string, modelUri: string): Promise<string> {
  const match = /^models:\/([^/@]+)\/(\d+)$/.exec(modelUri);
  assert.ok(match, modelUri);
  const [row] = await query(dbFile, 'SELECT storage_location, source FROM model_versions WHERE name = ? AND version = ?', [match[1]!, Number(match[2])]);
  assert.ok(row, `${modelUri} is registered`);
  return String(row['storage_location'] || row['source']);
}

describe('the demo (npm run demo)', () => {
  let dir: string;
  before(function () {
    this.timeout(60_000);
    dir = preparedDemo();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('serves every registered version from files inside the demo: the argv and every path real MLflow reads exist', async () => {
    const db = path.join(dir, 'mlflow.db');
    const versions = await query(db, 'SELECT name, version FROM model_versions ORDER BY name, version');
    assert.ok(versions.length >= 4, 'the demo registry has versions to serve');
    for (const { name, version } of versions) {
      const modelUri = `models:/${String(name)}/${String(version)}`;
      const argv = buildServeArgv({ modelUri, host: '127.0.0.1', port: 5001, envManager: 'local', version: '2.17.2' });
      assert.deepEqual(argv, ['models', 'serve', '--model-uri', modelUri, '--host', '127.0.0.1', '--port', '5001', '--env-manager', 'local']);
      // The tracking URI the extension gives the server names the demo's own store.
      assert.equal(sqliteStoreUri(db), `sqlite:///${db}`);

      const modelDir = await mlflowModelDir(db, modelUri);
      assert.ok(path.isAbsolute(modelDir), `${modelUri}: ${modelDir} is absolute (MLflow reads relative paths against its cwd)`);
      assert.ok(!path.relative(dir, modelDir).startsWith('..'), `${modelUri}: ${modelDir} is inside the demo`);
      const mlmodel = parseYaml(fs.readFileSync(path.join(modelDir, 'MLmodel'), 'utf8')) as {
        flavors: Record<string, Record<string, unknown>>;
        saved_input_example_info?: Record<string, unknown>;
      };
      const pyfunc = mlmodel.flavors['python_function'];
      assert.ok(pyfunc, `${modelUri} has a python_function flavor to serve`);
      const env = pyfunc['env'] as Record<string, string>;
      for (const file of [pyfunc['model_path'], env['conda'], env['virtualenv'], mlmodel.saved_input_example_info?.['artifact_path']]) {
        assert.equal(typeof file, 'string');
        assert.ok(fs.existsSync(path.join(modelDir, file as string)), `${modelUri}: ${String(file)} exists`);
      }
    }
  });

  it('records no location outside the demo, and the extension opens the same store', async () => {
    const db = path.join(dir, 'mlflow.db');
    const outside = await query(db, `
      SELECT artifact_location AS p FROM experiments UNION ALL SELECT artifact_uri FROM runs
      UNION ALL SELECT source FROM model_versions UNION ALL SELECT storage_location FROM model_versions`);
    for (const { p } of outside) {
      assert.ok(!path.relative(path.join(dir, 'artifacts'), String(p)).startsWith('..'), `${String(p)} is under the demo's artifacts/`);
    }
    const store = await SqliteStore.open(db, { engine: SQLITE_ENGINE });
    try {
      const version = await store.getModelVersion('iris-classifier', '1');
      assert.ok(fs.existsSync(path.join(version.source, 'MLmodel')));
    } finally {
      store.dispose();
    }
  });

  it('opens on the showcase experiments, not on the one-run "api-captures"', async () => {
    const store = await SqliteStore.open(path.join(dir, 'mlflow.db'), { engine: SQLITE_ENGINE });
    try {
      const page = await store.searchExperiments({ orderBy: ['last_update_time DESC'], maxResults: 100 });
      const names = page.items.map((e) => e.name);
      assert.deepEqual(names.slice(0, 4), ['iris-classification', 'llm-finetune-sim', 'wine-regression', 'mlproject-demo']);
      assert.ok(names.includes('api-captures'), 'nothing is deleted');
    } finally {
      store.dispose();
    }
  });

  it("keeps the README's numbers of the demo store true", async () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const stated = /(\d+) runs with ([\d,]+) metric points/.exec(readme);
    assert.ok(stated, 'the README says how many runs and metric points the demo has');
    const db = path.join(dir, 'mlflow.db');
    const [runs] = await query(db, "SELECT count(*) AS n FROM runs WHERE lifecycle_stage = 'active' OR lifecycle_stage = 'deleted'");
    const [points] = await query(db, 'SELECT count(*) AS n FROM metrics');
    assert.equal(Number(stated[1]), Number(runs!['n']));
    assert.equal(Number(stated[2]!.replace(/,/g, '')), Number(points!['n']));
  });

  it('refuses to rewrite the committed demo/ store', () => {
    const result = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts/demoStore.mjs'), path.join(REPO_ROOT, 'demo')], { encoding: 'utf8' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /refusing/);
  });

  it('says which PORT to try when its port is busy, before building anything', async function () {
    this.timeout(60_000);
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = busy.address() as net.AddressInfo;
      const { code, stderr } = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = execFile(process.execPath, [path.join(REPO_ROOT, 'test/harness/demo.mjs')], { env: { ...process.env, PORT: String(port) } },
          (_error, _stdout, err) => resolve({ code: child.exitCode, stderr: err }));
      });
      assert.equal(code, 1);
      assert.match(stderr, new RegExp(`^port ${port} is in use, try PORT=\\d+ npm run demo$`, 'm'));
      const suggested = Number(/try PORT=(\d+)/.exec(stderr)![1]);
      assert.notEqual(suggested, port);
    } finally {
      await new Promise((resolve) => busy.close(resolve));
    }
  });

  it('keeps the test stand-in mlflow and the browser install out of the demo', () => {
    // The demo script itself: what its code-server gets on PATH and what it installs (a full demo start is
    // too slow for this tier; the e2e tier starts code-server the same way).
    const source = fs.readFileSync(path.join(REPO_ROOT, 'test/harness/demo.mjs'), 'utf8').replace(/^\s*\/\/.*$/gm, '');
    assert.doesNotMatch(source, /fake-mlflow/);
    assert.match(source, /ensureHarness\(\[\], \{ own: true, browser: false \}\)/);
    assert.match(source, /'remote\.autoForwardPorts': false/);
    assert.match(source, /'window\.title': 'MLflow Workbench demo/);
  });
});
