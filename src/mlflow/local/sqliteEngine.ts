import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import * as vm from 'node:vm';

/**
 * SQLite itself (node-sqlite3-wasm: SQLite compiled to WebAssembly with a VFS over Node's `fs`), reading
 * a database file in place, page by page: memory does not grow with the file, and a change to the file
 * costs only the pages the next query touches. No native module, so one build runs on every platform and
 * Electron version.
 *
 * The package's VFS locks with a `<db>.lock` directory beside the database. Native SQLite (MLflow) ignores
 * that directory, so it would protect nothing, and it would write to the user's folder on every read, fail
 * in a read-only folder, and leave a stale directory behind that blocks every later read if the extension
 * host dies mid-read. The engine is therefore loaded with its lock calls turned into no-ops that never
 * touch the disk and with every write path failing: the file is only ever opened O_RDONLY and read.
 * Consistency comes from the optimistic checks in SqliteReader instead, and "no reserved lock" is
 * reported so that SQLite itself refuses to read past a hot rollback journal.
 */

/** A value SQLite hands back: integers beyond 2^53 come as bigint. */
export type SqlValue = number | bigint | string | Uint8Array | null;
export type Row = Record<string, SqlValue>;

/**
 * One read-only connection to a database file, as the store's queries use it, whichever engine runs
 * it. Statements are prepared once per connection and kept (a small LRU): a live chart re-issues the
 * same few statements every second.
 */
export interface SqlConnection {
  /** Each result row as an object keyed by column name. */
  rows(sql: string, params?: readonly SqlValue[]): Row[];
  /** Each result row as its values in SELECT order (the statement's columns must have distinct names). */
  arrays(sql: string, params?: readonly SqlValue[]): SqlValue[][];
  /** Statements without results (PRAGMA, BEGIN, COMMIT). */
  exec(sql: string): void;
  readonly isOpen: boolean;
  close(): void;
}

/** An SQLite engine the store can read with. */
export interface SqlEngine {
  readonly kind: 'node:sqlite' | 'wasm';
  /**
   * SQLite's own file locks (node:sqlite): a statement never sees a half-committed transaction, and a
   * WAL read transaction sees one snapshot. Without them (the wasm engine) every read is optimistic.
   */
  readonly locks: boolean;
  /** Opens `file` read-only. `walMode`: the file's header says WAL. */
  open(file: string, walMode: boolean): SqlConnection;
}

/** The part of node-sqlite3-wasm's API the store uses (its own typings describe the package as published). */
export interface EngineStatement {
  iterate(values?: readonly SqlValue[]): IterableIterator<Record<string, SqlValue>>;
  finalize(): void;
  /** The result's column names in SELECT order (the package computes them once per run). */
  _getColumnNames(): string[];
}

export interface EngineDatabase {
  readonly isOpen: boolean;
  exec(sql: string): void;
  prepare(sql: string): EngineStatement;
  all(sql: string, values?: readonly SqlValue[]): Record<string, SqlValue>[];
  close(): void;
}

export interface SqliteEngine {
  Database: new (file: string, options: { readOnly: true }) => EngineDatabase;
}

/** Prepared statements kept per connection. */
const STATEMENT_CACHE = 64;

/**
 * A bounded map of prepared statements, least recently used first out; `drop` releases one. Shared by
 * both engines' connections.
 */
export class StatementCache<S> {
  private readonly statements = new Map<string, S>();

  constructor(
    private readonly prepare: (sql: string) => S,
    private readonly drop: (statement: S) => void,
    private readonly size = STATEMENT_CACHE,
  ) {}

  private get(sql: string): S {
    let statement = this.statements.get(sql);
    if (statement) {
      this.statements.delete(sql);
    } else {
      statement = this.prepare(sql);
      if (this.statements.size >= this.size) {
        const [oldest, old] = this.statements.entries().next().value as [string, S];
        this.statements.delete(oldest);
        this.drop(old);
      }
    }
    this.statements.set(sql, statement);
    return statement;
  }

  /** Runs `use` on the statement of `sql`; a statement that failed is released, not reused (SQLite keeps its error). */
  use<T>(sql: string, use: (statement: S) => T): T {
    const statement = this.get(sql);
    try {
      return use(statement);
    } catch (error) {
      if (this.statements.get(sql) === statement) {
        this.statements.delete(sql);
        try {
          this.drop(statement);
        } catch {
          // Its error is the one thrown below.
        }
      }
      throw error;
    }
  }

  clear(): void {
    for (const statement of this.statements.values()) this.drop(statement);
    this.statements.clear();
  }
}

export function assertDistinctColumns(columns: readonly string[], sql: string): void {
  if (new Set(columns).size !== columns.length) throw new Error(`Duplicate result column names in: ${sql}`);
}

/** The wasm engine as an SqlEngine: no locks of its own (see the comment at the top). */
export function wasmSqlEngine(engine: SqliteEngine): SqlEngine {
  return {
    kind: 'wasm',
    locks: false,
    open(file: string, walMode: boolean): SqlConnection {
      const db = new engine.Database(file, { readOnly: true });
      try {
        // Exclusive locking is what lets SQLite read a WAL without shared memory (and the engine's
        // locks are no-ops, so it holds nothing). In rollback mode the normal mode revalidates the cache.
        if (walMode) db.exec('PRAGMA locking_mode = EXCLUSIVE');
        // Temporary b-trees (DISTINCT, ORDER BY) stay in memory: the engine's VFS writes nothing, not even temp files.
        db.exec('PRAGMA query_only = 1; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16384');
      } catch (error) {
        db.close();
        throw error;
      }
      return new WasmConnection(db);
    },
  };
}

class WasmConnection implements SqlConnection {
  private readonly statements: StatementCache<{ statement: EngineStatement; columns?: string[] }>;

  constructor(readonly db: EngineDatabase) {
    this.statements = new StatementCache(
      (sql) => ({ statement: db.prepare(sql) }),
      (entry) => entry.statement.finalize(),
    );
  }

  get isOpen(): boolean {
    return this.db.isOpen;
  }

  rows(sql: string, params: readonly SqlValue[] = []): Row[] {
    return this.statements.use(sql, (entry) => [...entry.statement.iterate(params)]);
  }

  arrays(sql: string, params: readonly SqlValue[] = []): SqlValue[][] {
    return this.statements.use(sql, (entry) => this.arraysOf(entry, sql, params));
  }

  private arraysOf(entry: { statement: EngineStatement; columns?: string[] }, sql: string, params: readonly SqlValue[]): SqlValue[][] {
    const out: SqlValue[][] = [];
    let columns = entry.columns;
    for (const row of entry.statement.iterate(params)) {
      if (!columns) {
        columns = entry.columns = entry.statement._getColumnNames();
        assertDistinctColumns(columns, sql);
      }
      const values = new Array<SqlValue>(columns.length);
      for (let i = 0; i < columns.length; i++) values[i] = row[columns[i]!]!;
      out.push(values);
    }
    return out;
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  close(): void {
    if (!this.db.isOpen) return;
    this.statements.clear();
    this.db.close();
  }
}

/** The node-sqlite3-wasm release the VFS patches below were written against (package.json pins it). */
export const PATCHED_ENGINE_VERSION = '0.8.60';

/** One exact edit to the package's VFS, named by what it is for. */
export interface EnginePatch {
  name: string;
  from: string;
  to: string;
}

/**
 * Exact edits to the package's VFS. Each must match exactly once, or the engine refuses to load: a new
 * package version is then a clear failure naming the patch that no longer applies, at build time
 * (scripts/build.mjs checks the engine it copies) and in the tests (test/unit/sqliteEnginePatches.test.ts),
 * never a silently locking or writing engine.
 */
export const VFS_PATCHES: readonly EnginePatch[] = [
  { name: 'lock without a <db>.lock directory', from: 'function _nodejsLock(fi,level){', to: 'function _nodejsLock(fi,level){return SQLITE_OK;' },
  { name: 'unlock without a <db>.lock directory', from: 'function _nodejsUnlock(fi,level){', to: 'function _nodejsUnlock(fi,level){return SQLITE_OK;' },
  {
    name: 'no reserved lock reported',
    from: 'function _nodejsCheckReservedLock(fi,outResult){',
    to: 'function _nodejsCheckReservedLock(fi,outResult){setValue(outResult,0,"i32");return SQLITE_OK;',
  },
  { name: 'writes fail', from: 'function _nodejsWrite(fi,buffer,bytes,offset){', to: 'function _nodejsWrite(fi,buffer,bytes,offset){return SQLITE_IOERR_WRITE;' },
  { name: 'truncation fails', from: 'function _nodejsTruncate(fi,size){', to: 'function _nodejsTruncate(fi,size){return SQLITE_IOERR_TRUNCATE;' },
  { name: 'deletion fails', from: 'function _nodejsDelete(vfs,filePath,dirSync){', to: 'function _nodejsDelete(vfs,filePath,dirSync){return SQLITE_IOERR_DELETE;' },
];

export function patchEngineSource(source: string): string {
  let patched = source;
  for (const { name, from, to } of VFS_PATCHES) {
    const count = patched.split(from).length - 1;
    if (count !== 1) {
      throw new Error(
        `Unsupported node-sqlite3-wasm build: the VFS patch "${name}" no longer applies ("${from}" found ${count} times, expected once). ` +
          `The patches were written for node-sqlite3-wasm ${PATCHED_ENGINE_VERSION}: review them (src/mlflow/local/sqliteEngine.ts) against the new VFS.`,
      );
    }
    patched = patched.replace(from, to);
  }
  return patched;
}

const engines = new Map<string, Promise<SqliteEngine>>();
const sqlEngines = new Map<string, Promise<SqlEngine>>();

/** The wasm engine of `jsFile` as an SqlEngine (one per process). */
export function loadWasmSqlEngine(jsFile: string): Promise<SqlEngine> {
  let engine = sqlEngines.get(jsFile);
  if (!engine) {
    engine = loadSqliteEngine(jsFile).then(wasmSqlEngine);
    engine.catch(() => sqlEngines.delete(jsFile));
    sqlEngines.set(jsFile, engine);
  }
  return engine;
}

/**
 * The engine from `node-sqlite3-wasm.js` (its `.wasm` beside it): the extension ships both in
 * `dist/sqlite/`; tests use the package in node_modules. One instance per process: it holds ~1.3 MB of
 * compiled code.
 */
export function loadSqliteEngine(jsFile: string): Promise<SqliteEngine> {
  let engine = engines.get(jsFile);
  if (!engine) {
    engine = readFile(jsFile, 'utf8').then((source) => instantiate(jsFile, patchEngineSource(source)));
    engine.catch(() => engines.delete(jsFile));
    engines.set(jsFile, engine);
  }
  return engine;
}

/** Runs the package's CommonJS module with the three built-ins it requires, and nothing else. */
function instantiate(jsFile: string, source: string): SqliteEngine {
  const builtins: Record<string, unknown> = { 'node:fs': fs, 'node:path': path, 'node:crypto': crypto };
  const requireBuiltin = (id: string): unknown => {
    if (!(id in builtins)) throw new Error(`node-sqlite3-wasm asked for an unexpected module: ${id}`);
    return builtins[id];
  };
  const wrapper = vm.runInThisContext(`(function (module, exports, require, __filename, __dirname) {${source}\n})`, {
    filename: jsFile,
  }) as (module: { exports: unknown }, exports: unknown, require: (id: string) => unknown, file: string, dir: string) => void;
  const module: { exports: unknown } = { exports: {} };
  wrapper(module, module.exports, requireBuiltin, jsFile, path.dirname(jsFile));
  const engine = module.exports as Partial<SqliteEngine>;
  if (typeof engine.Database !== 'function') throw new Error(`${jsFile} is not node-sqlite3-wasm`);
  return engine as SqliteEngine;
}

/** Where the extension's build puts the engine (scripts/build.mjs copies it beside the bundle). */
export function bundledEngineFile(extensionPath: string): string {
  return path.join(extensionPath, 'dist', 'sqlite', 'node-sqlite3-wasm.js');
}
