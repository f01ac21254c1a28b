import type { BindParams, Database, SqlJsStatic, Statement } from 'sql.js';

/**
 * Records the SQL a SqliteStore call issues (statement text and bound values), so the SQLite baseline
 * can replay exactly the same statements straight through sql.js: the raw work without the store's
 * snapshot checks, row objects, mapping and in-JS steps.
 */

export interface RecordedQuery {
  sql: string;
  params?: BindParams;
}

export class SqlRecorder {
  private recording: RecordedQuery[] | undefined;

  /** Wraps `prepare` of this engine's Database class (the store's snapshots use the same engine). */
  constructor(SQL: SqlJsStatic) {
    const prototype = SQL.Database.prototype as Database;
    const prepare = prototype.prepare;
    const current = (): RecordedQuery[] | undefined => this.recording;
    prototype.prepare = function (this: Database, sql: string, params?: BindParams): Statement {
      const statement = prepare.call(this, sql, params);
      const log = current();
      if (log) {
        const entry: RecordedQuery = { sql, params };
        log.push(entry);
        const bind = statement.bind;
        statement.bind = function (this: Statement, values?: BindParams): boolean {
          entry.params = values;
          return bind.call(this, values);
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
    return log;
  }
}

/**
 * Issues the recorded statements on `db` and reads every row, as plain arrays (the raw baseline) or,
 * with `objects`, as `{column: value}` objects like the store's queryRows (to show what that costs).
 * Returns the row count.
 */
export function replay(db: Database, queries: readonly RecordedQuery[], options: { objects?: boolean } = {}): number {
  let rows = 0;
  for (const query of queries) {
    const statement = db.prepare(query.sql);
    try {
      if (query.params !== undefined) statement.bind(query.params);
      while (statement.step()) {
        if (options.objects) statement.getAsObject();
        else statement.get();
        rows++;
      }
    } finally {
      statement.free();
    }
  }
  return rows;
}
