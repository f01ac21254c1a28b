import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { isMlflowError } from '../../src/mlflow/errors';
import { headerProblem } from '../../src/mlflow/local/sqliteReader';
import { SqliteStore } from '../../src/mlflow/local/sqliteStore';
import { SQLITE_ENGINE } from '../support/sqliteEngine';

/**
 * Reading a SQLite store while another process writes it, as a training script does: a child process
 * (test/support/storeWriter.ts) appends metric points to a copy of a real store, replacing the file
 * atomically and rewriting it in place (with a rollback journal, as SQLite does) in turns, while this
 * process reads it in a loop. Every read must be a consistent snapshot: histories never shrink, steps
 * are contiguous, and the only acceptable failure is the typed STORE_BUSY error. (Stores logged by real
 * SQLite at 10 Hz, in both journal modes, are in localSqliteInPlace.test.ts.)
 */

const SOURCE = path.resolve(__dirname, '../fixtures/mlflow-3.x/local-default/mlflow.db');
const WRITER = path.resolve(__dirname, '../support/storeWriter.ts');
const RUN_ID = '1fcb5775f910453aa9b46ebe7dcb8c42';
const WRITES = 40;
const INITIAL_STEPS = 5;

describe('SqliteStore while another process writes the store', function () {
  this.timeout(60000);
  let dir: string;
  let child: ChildProcess | undefined;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'mlflow-concurrency-'));
    copyFileSync(SOURCE, path.join(dir, 'mlflow.db'));
  });

  after(() => {
    if (child && child.exitCode === null) child.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('only ever returns complete snapshots, each at least as new as the last', async () => {
    const file = path.join(dir, 'mlflow.db');
    const store = new SqliteStore(file, { engine: SQLITE_ENGINE, retry: { attempts: 30, initialDelayMs: 2, maxDelayMs: 50 } });
    let writesDone = 0;
    let stderr = '';
    // The writer holds after half its writes until this loop has read once in between.
    const HOLD = WRITES / 2;
    const writer = spawn(process.execPath, ['--require', 'tsx/cjs', WRITER, file, RUN_ID, 'loss', String(WRITES), String(HOLD)], {
      cwd: path.resolve(__dirname, '../..'),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child = writer;
    writer.stdout?.on('data', (chunk: Buffer) => {
      for (const match of chunk.toString().matchAll(/^wrote (\d+)/gm)) writesDone = Math.max(writesDone, Number(match[1]));
    });
    writer.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => writer.on('exit', (code) => resolve(code)));
    let running = true;
    void exited.then(() => (running = false));

    let lastLength = 0;
    let lastLatestStep = -1;
    let reads = 0;
    let busy = 0;
    let readsWhileWriting = 0;
    try {
      while (running) {
        // Let the writer's output and exit events in: a read of an unchanged store needs no I/O.
        await new Promise((resolve) => setImmediate(resolve));
        try {
          const history = await store.getMetricHistory(RUN_ID, 'loss');
          const run = await store.getRun(RUN_ID);
          reads++;
          if (writesDone > 0 && writesDone < WRITES) readsWhileWriting++;
          if (writesDone === HOLD && writer.stdin?.writable) writer.stdin.end('go\n');
          assert.ok(history.length >= lastLength, `history shrank from ${lastLength} to ${history.length}`);
          assert.deepEqual(history.map((m) => m.step), history.map((_, i) => i), 'steps are contiguous from 0');
          const latest = run.data.metrics.find((m) => m.key === 'loss');
          assert.ok(latest && latest.step >= lastLatestStep, 'the latest value never goes back');
          lastLength = history.length;
          lastLatestStep = latest.step;
        } catch (error) {
          if (!isMlflowError(error, 'STORE_BUSY')) throw error;
          busy++;
        }
      }
      assert.equal(await exited, 0, `writer failed: ${stderr}`);
      assert.equal(writesDone, WRITES);
      const final = await store.getMetricHistory(RUN_ID, 'loss');
      assert.equal(final.length, INITIAL_STEPS + WRITES);
      assert.ok(readsWhileWriting > 0, `reads overlapped the writes (reads ${reads}, busy ${busy})`);
    } finally {
      store.dispose();
    }
  });

  it('gives up with a typed STORE_BUSY error while a write transaction stays open', async () => {
    const file = path.join(dir, 'mlflow.db');
    const store = new SqliteStore(file, { engine: SQLITE_ENGINE, retry: { attempts: 3, initialDelayMs: 1 } });
    try {
      // A hot journal (non-zero header) means the main file may hold half a transaction.
      writeFileSync(`${file}-journal`, Buffer.from([0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]));
      await assert.rejects(store.getRun(RUN_ID), (e: unknown) => isMlflowError(e, 'STORE_BUSY'));
      // A journal whose header is zeroed (journal_mode=PERSIST after commit) is not hot.
      writeFileSync(`${file}-journal`, Buffer.alloc(8));
      assert.equal((await store.getRun(RUN_ID)).info.runId, RUN_ID);
    } finally {
      rmSync(`${file}-journal`, { force: true });
      store.dispose();
    }
  });

  it('reads a WAL-mode file whose WAL is not a valid log as SQLite does: from the main file alone', async () => {
    const file = path.join(dir, 'wal.db');
    const bytes = readFileSync(SOURCE);
    bytes[18] = 2;
    bytes[19] = 2;
    writeFileSync(file, bytes);
    writeFileSync(`${file}-wal`, Buffer.alloc(32, 1));
    const store = new SqliteStore(file, { engine: SQLITE_ENGINE, retry: { attempts: 2, initialDelayMs: 1 } });
    try {
      assert.equal((await store.getRun(RUN_ID)).info.runName, 'tiny');
      assert.ok(readFileSync(file).equals(bytes), 'the file is not written');
      assert.ok(readFileSync(`${file}-wal`).equals(Buffer.alloc(32, 1)), 'the WAL is not written');
    } finally {
      store.dispose();
    }
  });

  it('reopens the copy only when the file changed, and never writes to it', async () => {
    const file = path.join(dir, 'mlflow.db');
    const store = new SqliteStore(file, { engine: SQLITE_ENGINE });
    try {
      const before = statSync(file);
      const bytes = readFileSync(file);
      const first = await store.getRun(RUN_ID);
      assert.deepEqual(await store.getRun(RUN_ID), first);
      const after = statSync(file);
      assert.deepEqual([after.mtimeMs, after.size, after.ino], [before.mtimeMs, before.size, before.ino]);
      assert.ok(readFileSync(file).equals(bytes));
    } finally {
      store.dispose();
    }
  });

  it('recognises files that cannot be a committed state: truncated, torn across a growth, not SQLite', () => {
    const bytes = new Uint8Array(readFileSync(SOURCE));
    const header = bytes.subarray(0, 100);
    const pageSize = (bytes[16] << 8) | bytes[17];
    assert.equal(headerProblem(header, bytes.length), undefined);
    assert.deepEqual(headerProblem(header.subarray(0, 50), 50), { message: 'the file is truncated', permanent: false });
    // A page short: what a reader sees when the writer has written the new header but not the new page.
    assert.match(headerProblem(header, bytes.length - pageSize)?.message ?? '', /page count does not match its length/);
    assert.match(headerProblem(header, bytes.length - 10)?.message ?? '', /not a whole number of pages/);
    assert.deepEqual(headerProblem(new Uint8Array(100), 4096), { message: 'it is not an SQLite database', permanent: true });
    assert.deepEqual(headerProblem(new Uint8Array(0), 0), { message: 'the file is empty', permanent: true });
  });

  it('names a file that stays torn with nothing writing it as truncated, never as busy and never with data', async () => {
    const file = path.join(dir, 'torn.db');
    const bytes = readFileSync(SOURCE);
    writeFileSync(file, bytes.subarray(0, bytes.length - ((bytes[16] << 8) | bytes[17])));
    const store = new SqliteStore(file, { engine: SQLITE_ENGINE, retry: { attempts: 5, initialDelayMs: 1 } });
    try {
      await assert.rejects(
        store.getRun(RUN_ID),
        (e: unknown) => isMlflowError(e, 'INVALID_STATE') && /truncated/.test((e as Error).message) && !/being written/.test((e as Error).message),
      );
    } finally {
      store.dispose();
    }
  });
});
