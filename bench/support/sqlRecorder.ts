import type { EngineDatabase, EngineStatement, SqlValue, SqliteEngine } from '../../src/mlflow/local/sqliteEngine';

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

  /** Wraps `prepare` of this engine's Database class (the store's reader uses the same engine). */
  constructor(engine: SqliteEngine) {
    const prototype = engine.Database.prototype as EngineDatabase;
    const prepare = prototype.prepare;
    const current = (): RecordedQuery[] | undefined => this.recording;
    prototype.prepare = function (this: EngineDatabase, sql: string): EngineStatement {
      const statement = prepare.call(this, sql);
      const log = current();
      if (log) {
        const entry: RecordedQuery = { sql };
        log.push(entry);
        const iterate = statement.iterate;
        statement.iterate = function (this: EngineStatement, values?: readonly SqlValue[]) {
          entry.params = values ? [...values] : undefined;
          return iterate.call(this, values);
        };
      }
      return statement;
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
export function replay(db: EngineDatabase, queries: readonly RecordedQuery[]): number {
  let rows = 0;
  for (const query of queries) {
    const statement = db.prepare(query.sql);
    try {
      for (const _row of statement.iterate(query.params ?? [])) rows++;
    } finally {
      statement.finalize();
    }
  }
  return rows;
}
