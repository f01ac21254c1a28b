import { performance } from 'node:perf_hooks';
import { closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { MlflowError } from '../errors';
import type { CallOptions } from '../types';
import type { SqlConnection, SqlEngine } from './sqliteEngine';
import { type Database, type SchemaKey, schemaKey } from './sqliteRows';

export interface ReadOptions {
  /** Reads attempted before giving up with STORE_BUSY. */
  attempts?: number;
  /** First backoff delay; doubles per attempt up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

/** Everything a committed change to the store alters, read without SQLite (a stat and a few header bytes). */
interface FileState {
  ino: number;
  size: number;
  mtimeMs: number;
  /** The database header (100 bytes; fewer for a truncated file). */
  header: Uint8Array;
  /** A rollback journal with a non-zero header: a transaction is being written or was left unfinished. */
  hotJournal: boolean;
  walMode: boolean;
  /** WAL mode: the -wal file's size, mtime and header, and the -shm index header (commit and checkpoint counters). */
  wal: string;
}

const SQLITE_MAGIC = 'SQLite format 3\u0000';
/** Bytes 24–27: the change counter every rollback-mode commit increments. Bytes 40–43: the schema cookie. */
const CHANGE_COUNTER = 24;
const SCHEMA_COOKIE = 40;
/** SQLite's messages for states a concurrent writer produces; the read is retried. */
/**
 * The longest read (its first attempt, milliseconds) that is retried holding SQLite's shared lock across
 * its statements: the writer's commit may wait that long (MLflow's busy timeout is 5 s).
 */
const HOLD_MAX_MS = 200;
const TRANSIENT = /readonly database|database is locked|busy|disk I\/O error|malformed|not a database|short read|unable to open/i;
/**
 * A commit in progress (its rollback journal is there) usually ends within milliseconds: for this long in
 * all, a read waiting for one polls every millisecond instead of backing off, so it reads right after the
 * commit instead of up to twice the commit's length later. Beyond it, the backoff below.
 */
const COMMIT_POLL_MS = 50;

/**
 * Reads an SQLite store in place while another process (MLflow, a training script) may write it.
 *
 * With the wasm engine, which shares no locks with the writer (see sqliteEngine.ts), each read is
 * optimistic: the file's identity, size, mtime and header (change counter), the rollback journal and,
 * in WAL mode, the WAL and its index header are sampled before and after the queries. A read is only
 * returned when nothing changed in between and no write transaction was open; otherwise it is retried
 * with backoff, and after the last attempt the caller gets a typed STORE_BUSY error, never a
 * half-written result. One read-only connection is kept. In rollback-journal mode SQLite itself
 * revalidates its page cache against the change counter at each read. In WAL mode the engine has no
 * shared-memory index, so the connection uses exclusive locking (a private index rebuilt from the WAL's
 * checksummed frames: only committed transactions) and is reopened whenever the WAL changed.
 *
 * With node:sqlite (SQLite's own locks, see sqliteNodeEngine.ts) each statement reads committed data
 * by itself, so there is no journal to poll: in rollback mode only the change counter (and identity)
 * is compared before and after, since a commit may fall between two statements; in WAL mode the read is
 * one read transaction, a single snapshot that a writer never waits for, and needs no check at all.
 *
 * Errors name the real cause when nothing is writing: not an SQLite file, empty or truncated, not an
 * MLflow store.
 */
export class SqliteReader {
  private connection: { db: SqlConnection; ino: number; wal: string; walMode: boolean } | undefined;
  private disposed = false;
  /** Reads and retries so far, and why reads were retried (for the bench and diagnostics). */
  readonly stats = { reads: 0, retries: 0, reasons: new Map<string, number>() };

  constructor(
    private readonly file: string,
    private readonly engine: () => Promise<SqlEngine>,
    private readonly options: ReadOptions = {},
  ) {}

  /**
   * Runs synchronous queries as one consistent read. Nothing awaits between the checks and the
   * queries, so no other read can interleave with this one.
   */
  async read<T>(options: CallOptions | undefined, query: (db: Database) => T): Promise<T> {
    const engine = await this.engine();
    const attempts = this.options.attempts ?? 12;
    let delay = this.options.initialDelayMs ?? 2;
    let lastReason = 'it changed while being read';
    let lastError: unknown;
    let hold = false;
    let polledMs = 0;
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (this.disposed) throw new MlflowError(`${this.file} is closed`, 'CANCELLED');
      if (options?.signal?.aborted) throw new MlflowError('The request was cancelled.', 'CANCELLED');
      const started = performance.now();
      const outcome = this.attempt(engine, query, hold);
      if (attempt === 0 && polledMs === 0) this.stats.reads++;
      if (outcome.done) return outcome.value;
      this.stats.retries++;
      this.stats.reasons.set(outcome.reason, (this.stats.reasons.get(outcome.reason) ?? 0) + 1);
      lastReason = outcome.reason;
      lastError = outcome.error;
      if (outcome.writing && polledMs < COMMIT_POLL_MS) {
        const pollStarted = performance.now();
        await sleep(1);
        polledMs += Math.max(1, performance.now() - pollStarted);
        attempt--;
        hold = false;
        continue;
      }
      if (outcome.committed && attempt === 0) {
        // A commit landed during the read and is over: read again at once. With SQLite's own locks, a read
        // short enough holds its shared lock across its statements this time (one read transaction), so no
        // commit can split it again; the writer waits for it at most that long (HOLD_MAX_MS, far below
        // MLflow's 5 s busy timeout). A longer read stays statement by statement and is retried.
        hold = engine.locks && performance.now() - started <= HOLD_MAX_MS;
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      hold = false;
      await sleep(delay);
      delay = Math.min(delay * 2, this.options.maxDelayMs ?? 100);
    }
    throw new MlflowError(`${this.file} is being written by another process (${lastReason}); try again in a moment.`, 'STORE_BUSY', undefined, {
      cause: lastError,
    });
  }

  private attempt<T>(
    engine: SqlEngine,
    query: (db: Database) => T,
    hold: boolean,
  ): { done: true; value: T } | { done: false; reason: string; error?: unknown; committed?: boolean; writing?: boolean } {
    const before = this.fileState(engine);
    const problem = headerProblem(before.header, before.size);
    if (before.hotJournal) return { done: false, reason: 'a write transaction is in progress', writing: true };
    if (problem) {
      if (problem.permanent) throw new MlflowError(`${this.file} cannot be read: ${problem.message}.`, 'INVALID_STATE');
      // Possibly a writer between extending the file and writing its header: retried, and named if it stays.
      return this.truncated(problem.message, before);
    }
    this.truncatedAt = undefined;
    let value: T;
    // node:sqlite in WAL mode: one read transaction, one snapshot; the writer never waits for it. In
    // rollback mode, when `hold`: one read transaction, one shared lock for the whole (short) read.
    const snapshot = engine.locks && (before.walMode || hold);
    let inTransaction = false;
    try {
      const database = this.database(engine, before);
      if (snapshot) {
        database.connection.exec('BEGIN');
        inTransaction = true;
      }
      value = query(database);
      if (inTransaction) {
        inTransaction = false;
        database.connection.exec('COMMIT');
      }
      if (snapshot) return { done: true, value };
    } catch (error) {
      if (inTransaction) this.rollback();
      const after = this.fileState(engine);
      const message = error instanceof Error ? error.message : String(error);
      if (changed(before, after) || after.hotJournal) {
        if (!engine.locks) this.close();
        return { done: false, reason: 'it changed while being read', error, committed: !after.hotJournal, writing: after.hotJournal };
      }
      if (TRANSIENT.test(message)) {
        // With SQLite's own locks a busy file leaves the connection sound: it waits, then reads again.
        if (!engine.locks || !/database is locked|busy/i.test(message)) this.close();
        if (/readonly database/i.test(message)) return { done: false, reason: 'a write transaction is in progress', error };
        return { done: false, reason: message, error };
      }
      if (/no such (table|column)/i.test(message)) {
        throw new MlflowError(
          `${this.file} is not an MLflow tracking store this version can read (${message}; schema version ${this.schemaVersion()}).`,
          'INVALID_STATE',
          undefined,
          { cause: error },
        );
      }
      throw error;
    }
    const after = this.fileState(engine);
    if (changed(before, after) || after.hotJournal) {
      // The page cache may hold pages of a transaction that was being written: start afresh (SQLite's
      // own locks keep node:sqlite's cache true, so that connection stays).
      if (!engine.locks) this.close();
      if (after.hotJournal) return { done: false, reason: 'a write transaction started while it was being read', writing: true };
      return { done: false, reason: 'it was committed to while being read', committed: true };
    }
    return { done: true, value };
  }

  /** The torn file last seen, to tell a writer between two writes from a truncated file. */
  private truncatedAt: string | undefined;

  /**
   * A file found torn the same way twice in a row, with no journal and no change in between (a backoff
   * apart), is truncated: no writer leaves a file that way, so it is named, not reported as busy.
   */
  private truncated(message: string, state: FileState): { done: false; reason: string } {
    const seen = [message, state.ino, state.size, state.mtimeMs, state.wal].join('|');
    if (this.truncatedAt === seen) {
      this.truncatedAt = undefined;
      throw new MlflowError(`${this.file} cannot be read: ${message}.`, 'INVALID_STATE');
    }
    this.truncatedAt = seen;
    return { done: false, reason: message };
  }

  /** The MLflow schema version (alembic), for messages; '?' when there is none. */
  private schemaVersion(): string {
    try {
      const row = this.connection?.db.rows('SELECT version_num FROM alembic_version')[0];
      return row ? String(row.version_num) : '?';
    } catch {
      return 'unknown: no alembic_version table';
    }
  }

  private database(engine: SqlEngine, state: FileState): Database {
    const walMode = state.walMode;
    const current = this.connection;
    // The wasm engine's private WAL index is rebuilt by reopening; node:sqlite follows the WAL itself.
    const stale = current && (current.ino !== state.ino || (!engine.locks && (current.walMode !== walMode || (walMode && current.wal !== state.wal))));
    if (!current || stale) {
      this.close();
      this.connection = { db: engine.open(this.file, walMode), ino: state.ino, wal: state.wal, walMode };
    }
    // The schema (tables, columns, indexes) is known per file and schema cookie, across connections and stores.
    return { connection: this.connection!.db, schema: this.schemaKey(state) };
  }

  private lastSchemaKey: SchemaKey | undefined;

  private schemaKey(state: FileState): SchemaKey {
    const cookie = u32(state.header, SCHEMA_COOKIE);
    const key = this.lastSchemaKey;
    if (key && key.ino === state.ino && key.cookie === cookie) return key;
    return (this.lastSchemaKey = schemaKey(this.file, state.ino, cookie));
  }

  private rollback(): void {
    try {
      this.connection?.db.exec('ROLLBACK');
    } catch {
      this.close();
    }
  }

  private close(): void {
    const connection = this.connection;
    this.connection = undefined;
    if (connection?.db.isOpen) connection.db.close();
  }

  dispose(): void {
    this.disposed = true;
    this.close();
  }

  /**
   * Synchronous: a stat and a few small reads take microseconds, while each trip through libuv's thread
   * pool costs about a millisecond.
   */
  private fileState(engine: SqlEngine): FileState {
    let fd: number;
    try {
      fd = openSync(this.file, 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new MlflowError(`No MLflow store at ${this.file}`, 'RESOURCE_DOES_NOT_EXIST', 404, { cause: error });
      }
      throw error;
    }
    try {
      const s = fstatSync(fd);
      const header = new Uint8Array(100);
      const read = readSync(fd, header, 0, 100, 0);
      const walMode = header[18] === 2 || header[19] === 2;
      return {
        ino: s.ino,
        size: s.size,
        mtimeMs: s.mtimeMs,
        header: header.subarray(0, read),
        walMode,
        // With SQLite's own locks a journal only means the writer holds its lock: SQLite waits for it.
        hotJournal: !engine.locks && isHotJournal(`${this.file}-journal`),
        // node:sqlite reads WAL mode inside one read transaction: nothing to compare.
        wal: walMode && !engine.locks ? walState(this.file) : '',
      };
    } finally {
      closeSync(fd);
    }
  }
}

function changed(a: FileState, b: FileState): boolean {
  return a.ino !== b.ino || a.size !== b.size || a.mtimeMs !== b.mtimeMs || a.wal !== b.wal || !sameBytes(a.header, b.header);
}

function isHotJournal(file: string): boolean {
  const prefix = readPrefix(file, 8);
  return !!prefix && prefix.some((b) => b !== 0);
}

/**
 * What changes with every WAL commit, checkpoint and restart: the WAL's size, mtime and header (salts,
 * checkpoint sequence), and the -shm index header (change counter, last frame, backfill count).
 */
function walState(file: string): string {
  const wal = statOrUndefined(`${file}-wal`);
  if (!wal) return 'no-wal';
  const walHeader = readPrefix(`${file}-wal`, 32);
  const shmHeader = readPrefix(`${file}-shm`, 136);
  return [wal.size, wal.mtimeMs, hex(walHeader), hex(shmHeader)].join('|');
}

function statOrUndefined(file: string): { size: number; mtimeMs: number } | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

function readPrefix(file: string, length: number): Uint8Array | undefined {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const buffer = new Uint8Array(length);
    return buffer.subarray(0, readSync(fd, buffer, 0, length, 0));
  } finally {
    closeSync(fd);
  }
}

function hex(bytes: Uint8Array | undefined): string {
  return bytes ? Buffer.from(bytes).toString('hex') : '-';
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function u32(bytes: Uint8Array, at: number): number {
  if (bytes.length < at + 4) return 0;
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/**
 * What the 100-byte header says about a file of `size` bytes: a problem that no writer can cause
 * (permanent), or one a writer in the middle of a transaction can (the file is then read again).
 */
export function headerProblem(header: Uint8Array, size: number): { message: string; permanent: boolean } | undefined {
  if (size === 0) return { message: 'the file is empty', permanent: true };
  if (header.length >= 16 && String.fromCharCode(...header.subarray(0, 16)) !== SQLITE_MAGIC) {
    return { message: 'it is not an SQLite database', permanent: true };
  }
  if (header.length < 100 || size < 100) return { message: 'the file is truncated', permanent: false };
  const rawPageSize = (header[16]! << 8) | header[17]!;
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) return { message: 'it is not an SQLite database (bad page size)', permanent: true };
  if (size % pageSize !== 0) return { message: 'its length is not a whole number of pages', permanent: false };
  // The in-header page count is only valid when "version-valid-for" equals the change counter.
  if (u32(header, 92) === u32(header, CHANGE_COUNTER) && u32(header, 28) * pageSize > size) {
    return { message: 'its page count does not match its length (the file is truncated)', permanent: false };
  }
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
