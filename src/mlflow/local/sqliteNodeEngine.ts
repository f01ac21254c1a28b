import { type Row, type SqlConnection, type SqlEngine, type SqlValue, StatementCache, assertDistinctColumns } from './sqliteEngine';

/**
 * Node's built-in SQLite (`node:sqlite`, Node ≥ 22.13 without a flag; the VS Code 1.139 extension host
 * runs Node 24): native SQLite, with SQLite's own file locks, so it is what the store reads with where
 * the extension host's Node has it. Feature-detected at run time; hosts on Node 20 (code-server 4.100,
 * older desktops) and hosts whose build leaves it out fall back to the wasm engine (sqliteEngine.ts).
 *
 * How a read stays consistent without ever making MLflow's writer fail (see SqliteReader):
 * - rollback-journal mode: each statement holds SQLite's shared lock only while it runs (no transaction
 *   spans statements, and none spans an await), so a commit waits at most one statement; the reader
 *   checks the header's change counter before and after and retries a read that a commit split.
 * - WAL mode: readers never block the writer, so a read is one read transaction (one snapshot).
 * - a busy timeout of BUSY_TIMEOUT_MS: a statement that meets a commit in progress waits for it briefly
 *   (the wait blocks the extension host's thread, so it is short), then the reader backs off
 *   asynchronously and tries again.
 */

/** How long one statement waits for a writer's commit (milliseconds, blocking) before the read backs off. */
export const BUSY_TIMEOUT_MS = 50;

interface NodeStatement {
  all(...params: SqlValue[]): unknown[];
  setReturnArrays?(enabled: boolean): void;
  setReadBigInts(enabled: boolean): void;
  columns?(): { name: string }[];
}

interface NodeDatabase {
  readonly isOpen?: boolean;
  exec(sql: string): void;
  prepare(sql: string): NodeStatement;
  close(): void;
}

interface NodeSqliteModule {
  DatabaseSync: new (file: string, options: { readOnly: boolean }) => NodeDatabase;
}

// Declared here (not imported) so that esbuild leaves the require alone and Node 20's types need no node:sqlite.
declare const require: (id: string) => unknown;

let detected: NodeSqliteModule | null | undefined;

/**
 * `node:sqlite` when this Node has it with what the store needs (arrays of values in SELECT order, big
 * integers on request), else undefined. Requiring it on Node 22.5–22.12 without the flag throws; that is
 * "absent". Node 22/24 print an ExperimentalWarning on first use, once.
 */
export function nodeSqlite(): NodeSqliteModule | undefined {
  if (detected === undefined) {
    detected = null;
    try {
      const module = require('node:sqlite') as Partial<NodeSqliteModule> & { StatementSync?: { prototype: Partial<NodeStatement> } };
      const statement = module.StatementSync?.prototype;
      if (typeof module.DatabaseSync === 'function' && statement && typeof statement.setReturnArrays === 'function' && typeof statement.columns === 'function') {
        detected = module as NodeSqliteModule;
      }
    } catch {
      // Not in this Node.
    }
  }
  return detected ?? undefined;
}

/** The node:sqlite engine, or undefined where this Node has none. */
export function nodeSqlEngine(): SqlEngine | undefined {
  const module = nodeSqlite();
  if (!module) return undefined;
  return {
    kind: 'node:sqlite',
    locks: true,
    open(file: string): SqlConnection {
      const db = new module.DatabaseSync(file, { readOnly: true });
      try {
        db.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}; PRAGMA query_only = 1; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -16384`);
      } catch (error) {
        db.close();
        throw error;
      }
      return new NodeConnection(db);
    },
  };
}

interface CachedStatement {
  statement: NodeStatement;
  /** Column names (object rows are built from the arrays: one shape for every engine). */
  columns: string[];
}

class NodeConnection implements SqlConnection {
  private open = true;
  private readonly statements: StatementCache<CachedStatement>;

  constructor(private readonly db: NodeDatabase) {
    this.statements = new StatementCache(
      (sql) => {
        const statement = db.prepare(sql);
        statement.setReturnArrays!(true);
        return { statement, columns: statement.columns!().map((c) => c.name) };
      },
      () => {
        // node:sqlite finalizes statements when they are collected or the database closes.
      },
    );
  }

  get isOpen(): boolean {
    return this.open;
  }

  rows(sql: string, params: readonly SqlValue[] = []): Row[] {
    return this.statements.use(sql, ({ statement, columns }) =>
      allValues(statement, params).map((values) => {
        const row: Row = {};
        for (let i = 0; i < columns.length; i++) row[columns[i]!] = values[i]!;
        return row;
      }),
    );
  }

  arrays(sql: string, params: readonly SqlValue[] = []): SqlValue[][] {
    return this.statements.use(sql, ({ statement, columns }) => {
      assertDistinctColumns(columns, sql);
      return allValues(statement, params);
    });
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.statements.clear();
    this.db.close();
  }
}

/**
 * Every row as values. Integers come as numbers; a result holding one beyond 2^53 (node:sqlite then
 * throws rather than round) is read again with big integers, and those that fit become numbers again:
 * the same values the wasm engine hands back.
 */
function allValues(statement: NodeStatement, params: readonly SqlValue[]): SqlValue[][] {
  try {
    return statement.all(...params) as SqlValue[][];
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_OUT_OF_RANGE') throw error;
  }
  statement.setReadBigInts(true);
  try {
    const rows = statement.all(...params) as SqlValue[][];
    for (const row of rows) {
      for (let i = 0; i < row.length; i++) {
        const value = row[i];
        if (typeof value === 'bigint' && value >= Number.MIN_SAFE_INTEGER && value <= Number.MAX_SAFE_INTEGER) row[i] = Number(value);
      }
    }
    return rows;
  } finally {
    statement.setReadBigInts(false);
  }
}
