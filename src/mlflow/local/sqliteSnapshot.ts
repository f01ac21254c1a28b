import { statSync } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import initSqlJs from 'sql.js';
import type { Database, SqlJsStatic } from 'sql.js';
import { MlflowError } from '../errors';
import type { CallOptions } from '../types';

/** The sql.js WebAssembly binary: a path (the extension ships `dist/sql-wasm.wasm`) or its bytes. */
export type WasmSource = string | Uint8Array;

const enginesByPath = new Map<string, Promise<SqlJsStatic>>();

/** One sql.js engine per wasm file for the whole process: instantiating it costs ~1 MB and tens of ms. */
export function loadSqlJs(wasm: WasmSource): Promise<SqlJsStatic> {
  if (typeof wasm !== 'string') return initSqlJs({ wasmBinary: toArrayBuffer(wasm) });
  let engine = enginesByPath.get(wasm);
  if (!engine) {
    engine = readFile(wasm).then((bytes) => initSqlJs({ wasmBinary: toArrayBuffer(bytes) }));
    engine.catch(() => enginesByPath.delete(wasm));
    enginesByPath.set(wasm, engine);
  }
  return engine;
}

function toArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export interface SnapshotOptions {
  /** Reads attempted before giving up with STORE_BUSY. */
  attempts?: number;
  /** First backoff delay; doubles per attempt up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
}

interface Signature {
  size: number;
  mtimeMs: number;
  ino: number;
}

const SQLITE_MAGIC = 'SQLite format 3\u0000';

/**
 * A consistent, private, in-memory copy of an SQLite file that another process may be writing.
 *
 * The file is never opened by SQLite here (sql.js cannot share locks with the writer anyway): its
 * bytes are copied and the copy is opened. A copy is only trusted when nothing changed while it was
 * taken: same size, mtime and inode before and after, no hot rollback journal or WAL next to it,
 * the header's change counter still the one in the file, and the header's page count matching the
 * byte count. Otherwise it is retried with backoff, and after the last attempt the caller gets a
 * typed STORE_BUSY error, never a half-written database shown as data.
 *
 * The opened copy is cached and reused until the file's size or mtime changes.
 */
export class SqliteSnapshots {
  private cached: { db: Database; signature: Signature } | undefined;
  private loading: Promise<Database> | undefined;
  private disposed = false;

  constructor(
    private readonly file: string,
    private readonly engine: () => Promise<SqlJsStatic>,
    private readonly options: SnapshotOptions = {},
  ) {}

  /** The current snapshot; reopened only when the file changed since the last one. */
  async current(options?: CallOptions): Promise<Database> {
    if (this.disposed) throw new MlflowError(`${this.file} is closed`, 'CANCELLED');
    const now = this.statFile();
    if (this.cached && sameSignature(this.cached.signature, now)) return this.cached.db;
    this.loading ??= this.reload(options).finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  /** Drops the cached copy (after a query found it unreadable), so the next call reads afresh. */
  invalidate(): void {
    const old = this.cached?.db;
    this.cached = undefined;
    // Closed on a later turn: a caller that was handed this copy in the current microtask run
    // still finishes its synchronous queries on it.
    if (old) setTimeout(() => old.close(), 0).unref();
  }

  dispose(): void {
    this.disposed = true;
    this.invalidate();
  }

  private async reload(options?: CallOptions): Promise<Database> {
    const SQL = await this.engine();
    const attempts = this.options.attempts ?? 8;
    let delay = this.options.initialDelayMs ?? 20;
    let lastReason = 'it changed while being read';
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (options?.signal?.aborted) throw new MlflowError('The request was cancelled.', 'CANCELLED');
      const taken = await this.takeCopy();
      if (typeof taken === 'string') {
        lastReason = taken;
      } else {
        const db = openVerified(SQL, taken.bytes);
        if (db) {
          if (this.disposed) {
            db.close();
            throw new MlflowError(`${this.file} is closed`, 'CANCELLED');
          }
          this.invalidate();
          this.cached = { db, signature: taken.signature };
          return db;
        }
        lastReason = 'the copy was not a complete database';
      }
      await sleep(delay);
      delay = Math.min(delay * 2, this.options.maxDelayMs ?? 500);
    }
    throw new MlflowError(
      `${this.file} is being written by another process (${lastReason}); try again in a moment.`,
      'STORE_BUSY',
    );
  }

  /** A byte copy taken while nothing changed, or the reason it could not be trusted. */
  private async takeCopy(): Promise<{ bytes: Uint8Array; signature: Signature } | string> {
    try {
      const before = this.statFile();
      if (await this.hasHotSidecar()) return 'a write transaction is in progress';
      // The Buffer itself, not a Uint8Array copy or view: sql.js hands the bytes to its in-memory file
      // system with slice(), which copies a Uint8Array (the whole file again) but not a Buffer.
      const bytes: Uint8Array = await readFile(this.file);
      const after = this.statFile();
      if (!sameSignature(before, after) || bytes.length !== after.size) return 'it changed while being read';
      if (await this.hasHotSidecar()) return 'a write transaction started while it was being read';
      const problem = headerProblem(bytes);
      if (problem) return problem;
      const header = await this.readHeader();
      if (!header || !sameBytes(header, bytes, 24, 28)) return 'it was committed to while being read';
      return { bytes, signature: after };
    } catch (error) {
      if (error instanceof MlflowError) throw error;
      // EBUSY/EPERM from a writer holding the file (Windows), or the file replaced mid-read.
      return `it could not be read (${error instanceof Error ? error.message : String(error)})`;
    }
  }

  /**
   * Synchronous: one stat is microseconds, while a trip through libuv's thread pool costs a millisecond
   * or so on every read (a first page of runs is ~15 ms).
   */
  private statFile(): Signature {
    try {
      const s = statSync(this.file);
      return { size: s.size, mtimeMs: s.mtimeMs, ino: s.ino };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new MlflowError(`No MLflow store at ${this.file}`, 'RESOURCE_DOES_NOT_EXIST', 404, { cause: error });
      }
      throw error;
    }
  }

  private async readHeader(): Promise<Uint8Array | undefined> {
    const handle = await open(this.file, 'r');
    try {
      const header = new Uint8Array(100);
      const { bytesRead } = await handle.read(header, 0, 100, 0);
      return bytesRead === 100 ? header : undefined;
    } finally {
      await handle.close();
    }
  }

  /**
   * A rollback journal whose header is not zeroed, or a WAL with frames, means the main file does
   * not (yet) hold a committed state on its own.
   */
  private async hasHotSidecar(): Promise<boolean> {
    const journal = await readPrefix(`${this.file}-journal`, 8);
    if (journal && journal.some((b) => b !== 0)) return true;
    const wal = await stat(`${this.file}-wal`).catch(() => undefined);
    return !!wal && wal.size > 0;
  }
}

async function readPrefix(file: string, length: number): Promise<Uint8Array | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const buffer = new Uint8Array(length);
    const { bytesRead } = await handle.read(buffer, 0, length, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function sameSignature(a: Signature, b: Signature): boolean {
  return a.size === b.size && a.mtimeMs === b.mtimeMs && a.ino === b.ino;
}

function sameBytes(a: Uint8Array, b: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (a[i] !== b[i]) return false;
  return true;
}

function u32(bytes: Uint8Array, at: number): number {
  return ((bytes[at] << 24) | (bytes[at + 1] << 16) | (bytes[at + 2] << 8) | bytes[at + 3]) >>> 0;
}

/** Checks the 100-byte SQLite header against the copy's length. */
export function headerProblem(bytes: Uint8Array): string | undefined {
  if (bytes.length < 100) return 'the file is empty or truncated';
  if (String.fromCharCode(...bytes.subarray(0, 16)) !== SQLITE_MAGIC) return 'it is not an SQLite database';
  const rawPageSize = (bytes[16] << 8) | bytes[17];
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || bytes.length % pageSize !== 0) return 'its length is not a whole number of pages';
  // The in-header page count is only valid when "version-valid-for" equals the change counter.
  if (u32(bytes, 92) === u32(bytes, 24) && u32(bytes, 28) * pageSize !== bytes.length) {
    return 'its page count does not match its length';
  }
  return undefined;
}

/** Opens a private copy; a WAL-mode header is switched to rollback mode in the copy only. */
function openVerified(SQL: SqlJsStatic, bytes: Uint8Array): Database | undefined {
  if (bytes[18] === 2 || bytes[19] === 2) {
    bytes[18] = 1;
    bytes[19] = 1;
  }
  let db: Database | undefined;
  try {
    db = new SQL.Database(bytes);
    db.exec('SELECT count(*) FROM sqlite_master');
    return db;
  } catch {
    db?.close();
    return undefined;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
