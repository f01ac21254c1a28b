import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { isMlflowError } from '../../src/mlflow/errors';
import { SqliteStore } from '../../src/mlflow/local/sqliteStore';
import { SQLITE_ENGINES, sqliteOptions } from '../support/sqliteEngine';

/**
 * The store read in place by SQLite itself while real SQLite (Python's sqlite3, which MLflow uses) logs
 * to it at 10 Hz, one point per transaction as MLflow does, in both journal modes; and the errors a
 * user sees for files that are not (or no longer) a readable MLflow store.
 */

const SOURCE = path.resolve(__dirname, '../fixtures/mlflow-3.x/local-default/mlflow.db');
const LOGGER = path.resolve(__dirname, '../support/metricLogger.py');
const RUN_ID = '1fcb5775f910453aa9b46ebe7dcb8c42';
const INITIAL_STEPS = 5;
const POINTS = 25;

for (const engineKind of SQLITE_ENGINES) describe(`SqliteStore reading mlflow.db in place (${engineKind})`, function () {
  this.timeout(120000);
  let dir: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mlflow-inplace-'));
  });

  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * A copy of the fixture store, open in a SqliteStore, while metricLogger.py logs POINTS points of `loss`
   * to it at 10 Hz in journal mode `mode` (with that busy timeout in seconds, where given), watched: the
   * points it has committed, what it printed to stderr, whether it still runs, and its exit status.
   */
  function storeWithLogger(mode: 'delete' | 'wal', busyTimeoutSeconds?: number): { store: SqliteStore; logger: WatchedLogger } {
    const file = path.join(dir, 'mlflow.db');
    copyFileSync(SOURCE, file);
    const store = new SqliteStore(file, sqliteOptions(engineKind));
    const busyTimeout = busyTimeoutSeconds === undefined ? [] : [String(busyTimeoutSeconds)];
    const child = spawn('python3', [LOGGER, file, RUN_ID, 'loss', '10', String(POINTS), mode, ...busyTimeout], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const logger: WatchedLogger = { written: 0, stderr: '', running: true, exited };
    child.stdout?.on('data', (chunk: Buffer) => {
      for (const match of chunk.toString().matchAll(/^wrote (\d+)/gm)) logger.written = Math.max(logger.written, Number(match[1]));
    });
    child.stderr?.on('data', (chunk: Buffer) => (logger.stderr += chunk.toString()));
    void exited.then(() => (logger.running = false));
    return { store, logger };
  }

  for (const mode of ['delete', 'wal'] as const) {
    it(`reads consistent, ever newer histories while SQLite logs at 10 Hz (journal_mode=${mode})`, async () => {
      const { store, logger } = storeWithLogger(mode);

      let reads = 0;
      let busy = 0;
      let readsWhileWriting = 0;
      let lastLength = 0;
      try {
        while (logger.running) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          const writtenBefore = logger.written;
          try {
            const history = await store.getMetricHistory(RUN_ID, 'loss');
            const run = await store.getRun(RUN_ID);
            reads++;
            if (writtenBefore > 0 && writtenBefore < POINTS) readsWhileWriting++;
            assert.deepEqual(history.map((m) => m.step), history.map((_, i) => i), 'steps are contiguous from 0: no half-written result');
            assert.ok(history.length >= lastLength, `history shrank from ${lastLength} to ${history.length}`);
            assert.ok(history.length >= INITIAL_STEPS + writtenBefore, 'every point committed before the read is in it');
            const latest = run.data.metrics.find((m) => m.key === 'loss');
            assert.ok(latest && latest.step >= history[history.length - 1]!.step, 'latest_metrics is never behind the history read before it');
            lastLength = history.length;
          } catch (error) {
            if (!isMlflowError(error, 'STORE_BUSY')) throw error;
            busy++;
          }
        }
        assert.equal(await logger.exited, 0, `logger failed: ${logger.stderr}`);
        assert.equal(logger.written, POINTS);
        assert.ok(readsWhileWriting >= 3, `reads overlapped the writes (${readsWhileWriting} of ${reads})`);
        assert.ok(busy <= reads / 20, `at most 5% of reads gave up (${busy} busy, ${reads} succeeded)`);
        const final = await store.getMetricHistory(RUN_ID, 'loss');
        assert.equal(final.length, INITIAL_STEPS + POINTS);
      } finally {
        store.dispose();
      }
    });
  }

  for (const mode of ['delete', 'wal'] as const) {
    it(`never makes the writer fail while reading back to back (journal_mode=${mode}, MLflow's 5 s busy timeout)`, async () => {
      // node:sqlite takes SQLite's shared locks: a commit waits for the statement being read. Reads here
      // follow one another with no pause, so the writer meets a reader at nearly every commit; it must
      // never give up (exit status and stderr), and reads must keep succeeding.
      const { store, logger } = storeWithLogger(mode, 5);
      let reads = 0;
      let busy = 0;
      try {
        const experimentIds = [(await store.getRun(RUN_ID)).info.experimentId];
        while (logger.running) {
          try {
            await store.searchRuns({ experimentIds, maxResults: 100 });
            await store.getMetricHistory(RUN_ID, 'loss');
            await store.getSampledHistories({ runIds: [RUN_ID], metricKey: 'loss', maxResults: 1000 });
            reads++;
          } catch (error) {
            if (!isMlflowError(error, 'STORE_BUSY')) throw error;
            busy++;
          }
          await new Promise((resolve) => setImmediate(resolve));
        }
        assert.equal(await logger.exited, 0, `the writer failed: ${logger.stderr}`);
        assert.equal(logger.stderr, '', 'the writer printed no error');
        assert.equal(logger.written, POINTS, 'every point was committed');
        assert.ok(reads >= POINTS, `reads kept going while it wrote (${reads} reads, ${busy} gave up)`);
        assert.ok(busy <= reads / 20, `at most 5% of reads gave up (${busy} busy, ${reads} succeeded)`);
        assert.equal((await store.getMetricHistory(RUN_ID, 'loss')).length, INITIAL_STEPS + POINTS);
      } finally {
        store.dispose();
      }
    });
  }

  it('never writes or creates a file beside the store (no lock directory, journal or WAL index)', async () => {
    const file = path.join(dir, 'mlflow.db');
    copyFileSync(SOURCE, file);
    const before = statSync(file);
    const store = new SqliteStore(file, sqliteOptions(engineKind));
    try {
      await store.searchRuns({ experimentIds: ['0'], maxResults: 10 });
      await store.getMetricHistory(RUN_ID, 'loss');
      assert.deepEqual(readdirSync(dir), ['mlflow.db']);
    } finally {
      store.dispose();
    }
    const after = statSync(file);
    assert.deepEqual([after.mtimeMs, after.size, after.ino], [before.mtimeMs, before.size, before.ino]);
    assert.ok(readFileSync(file).equals(readFileSync(SOURCE)));
  });

  const unreadable: [string, (file: string) => void, RegExp][] = [
    ['an empty file', (file) => writeFileSync(file, ''), /the file is empty/],
    ['a file that is not SQLite', (file) => writeFileSync(file, 'experiment_id,name\n0,Default\n'.repeat(20)), /not an SQLite database/],
    [
      'an SQLite database without MLflow tables',
      (file) => {
        const bytes = readFileSync(SOURCE);
        writeFileSync(file, bytes);
        assert.equal(runSql(file, 'DROP TABLE experiment_tags'), 0);
      },
      /not an MLflow tracking store this version can read \(no such table: experiment_tags; schema version [0-9a-f]+\)/,
    ],
  ];
  for (const [what, make, message] of unreadable) {
    it(`names the cause for ${what}, without retrying as if it were being written`, async () => {
      const file = path.join(dir, 'mlflow.db');
      make(file);
      const store = new SqliteStore(file, sqliteOptions(engineKind));
      try {
        await assert.rejects(store.searchExperiments({}), (e: unknown) => {
          assert.ok(isMlflowError(e, 'INVALID_STATE'), String(e));
          assert.match((e as Error).message, message);
          assert.doesNotMatch((e as Error).message, /being written/);
          return true;
        });
      } finally {
        store.dispose();
      }
    });
  }
});

interface WatchedLogger {
  /** The number of points committed so far (its last `wrote <n>` line). */
  written: number;
  stderr: string;
  running: boolean;
  exited: Promise<number | null>;
}

/** Runs one statement on `file` with Python's sqlite3 (the writer MLflow uses). */
function runSql(file: string, sql: string): number | null {
  return spawnSync('python3', ['-c', 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()', file, sql]).status;
}
