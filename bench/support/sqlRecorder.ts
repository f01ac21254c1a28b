import type { Row, SqlConnection, SqlEngine, SqlValue } from '../../src/mlflow/local/sqliteEngine';

/**
 * Records the SQL a SqliteStore call issues (statement text and bound values), so the baselines can
 * replay exactly the same statements: natively (Python's sqlite3, see nativeSqlite.ts) and through the
 * store's own engine without the store's consistency checks, mapping and in-JS steps.
 */

export interface RecordedQuery {
  sql: string;
  params?: SqlValue[];
}

export class SqlRecorder {
  private recording: RecordedQuery[] | undefined;

  /** Wraps `open` of this engine (one instance per process: the store's reader uses the same object). */
  constructor(engine: SqlEngine) {
    const open = engine.open.bind(engine);
    const current = (): RecordedQuery[] | undefined => this.recording;
    (engine as { open: SqlEngine['open'] }).open = (file: string, walMode: boolean): SqlConnection => {
      const connection = open(file, walMode);
      const log = (sql: string, params?: readonly SqlValue[]): void => {
        current()?.push({ sql, params: params ? [...params] : undefined });
      };
      return {
        get isOpen() {
          return connection.isOpen;
        },
        rows: (sql: string, params?: readonly SqlValue[]): Row[] => {
          log(sql, params);
          return connection.rows(sql, params);
        },
        arrays: (sql: string, params?: readonly SqlValue[]): SqlValue[][] => {
          log(sql, params);
          return connection.arrays(sql, params);
        },
        exec: (sql: string) => connection.exec(sql),
        close: () => connection.close(),
      };
    };
  }

  async record(run: () => Promise<unknown>): Promise<RecordedQuery[]> {
    const log: RecordedQuery[] = [];
    this.recording = log;
    try {
      await run();
    } finally {
      this.recording = undefined;
    }
    // PRAGMAs the reader issues once per connection are not part of the operation.
    return log.filter((q) => !/^\s*PRAGMA /i.test(q.sql));
  }
}

/** Issues the recorded statements on `db` through the store's engine and reads every row. Returns the row count. */
export function replay(db: SqlConnection, queries: readonly RecordedQuery[]): number {
  let rows = 0;
  for (const query of queries) rows += db.arrays(query.sql, query.params ?? []).length;
  return rows;
}
