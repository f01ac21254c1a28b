import { closeSync, ftruncateSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import initSqlJs from 'sql.js';

/**
 * A stand-in for a training script logging to an MLflow SQLite store, run as a child process by the
 * local-store concurrency test: `node --require tsx/cjs storeWriter.ts <db> <run id> <metric> <writes>`.
 *
 * Each write appends the next step of one metric (and moves `latest_metrics` with it), then puts the
 * new file in place one of two ways, alternately:
 * - write a temporary file and rename it over the store (atomic replace);
 * - rewrite the store in place, in several chunks with pauses in between, with a hot rollback
 *   journal beside it for the duration, as SQLite itself does in its default journal mode.
 * After each write it prints `wrote <n> <steps>` so the test can wait on progress instead of time.
 * With a fifth argument `<hold>`, it stops after write number `<hold>` until a line arrives on stdin,
 * so the test can make sure it reads between two writes however the two processes are scheduled.
 */

const JOURNAL_HEADER = Uint8Array.from([0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7]);

function pause(ms = 0): Promise<void> {
  return new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms) : setImmediate(resolve)));
}

async function writeInPlace(file: string, bytes: Uint8Array): Promise<void> {
  const journal = `${file}-journal`;
  writeFileSync(journal, Buffer.concat([Buffer.from(JOURNAL_HEADER), Buffer.alloc(504)]));
  const fd = openSync(file, 'r+');
  try {
    // Pages land a few at a time with real pauses between them, so readers do catch the file torn.
    const chunk = Math.ceil(bytes.length / 8);
    for (let offset = 0; offset < bytes.length; offset += chunk) {
      writeSync(fd, bytes, offset, Math.min(chunk, bytes.length - offset), offset);
      await pause(2);
    }
    ftruncateSync(fd, bytes.length);
  } finally {
    closeSync(fd);
  }
  unlinkSync(journal);
}

function lineOnStdin(): Promise<void> {
  return new Promise((resolve) => process.stdin.once('data', () => resolve()));
}

async function main(): Promise<void> {
  const [file, runId, key, writesArg, holdArg] = process.argv.slice(2);
  const writes = Number(writesArg);
  const hold = holdArg === undefined ? undefined : Number(holdArg);
  const wasm = new Uint8Array(readFileSync(require.resolve('sql.js/dist/sql-wasm.wasm')));
  const SQL = await initSqlJs({ wasmBinary: wasm.buffer });
  for (let n = 1; n <= writes; n++) {
    const db = new SQL.Database(readFileSync(file));
    const [result] = db.exec('SELECT max(step), count(*) FROM metrics WHERE run_uuid = ? AND key = ?', [runId, key]);
    const step = Number(result.values[0][0]) + 1;
    const timestamp = Date.now();
    db.run('INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, 0)', [key, 1 / (step + 1), timestamp, runId, step]);
    db.run('UPDATE latest_metrics SET value = ?, timestamp = ?, step = ? WHERE run_uuid = ? AND key = ?', [1 / (step + 1), timestamp, step, runId, key]);
    const bytes = db.export();
    db.close();
    if (n % 2 === 1) {
      const temp = `${file}.tmp-${process.pid}`;
      writeFileSync(temp, bytes);
      renameSync(temp, file);
    } else {
      await writeInPlace(file, bytes);
    }
    process.stdout.write(`wrote ${n} ${step + 1}\n`);
    if (n === hold) {
      await lineOnStdin();
      process.stdin.destroy();
    }
    await pause();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
