import type { Row, SqlConnection, SqlValue } from './sqliteEngine';

/** Small typed helpers over SQLite result rows; every query in the local store goes through them. */

export type { Row, SqlValue } from './sqliteEngine';

/**
 * Which schema a database has: one object per file, inode and schema cookie (header bytes 40–43, which
 * every schema change increments), shared by every connection and store reading that file, so the
 * schema caches below (keyed by it) are read once and never outlive the schema they describe.
 */
export interface SchemaKey {
  readonly file: string;
  readonly ino: number;
  readonly cookie: number;
}

/** Files whose schema is remembered (most recently used). */
const SCHEMA_KEYS = 16;
const schemaKeys = new Map<string, SchemaKey>();

export function schemaKey(file: string, ino: number, cookie: number): SchemaKey {
  const id = `${ino}:${cookie}:${file}`;
  let key = schemaKeys.get(id);
  if (key) schemaKeys.delete(id);
  else key = { file, ino, cookie };
  schemaKeys.set(id, key);
  if (schemaKeys.size > SCHEMA_KEYS) schemaKeys.delete(schemaKeys.keys().next().value!);
  return key;
}

/** An SQLite store as queries see it during one SqliteReader.read call: its connection and its schema's key. */
export interface Database {
  readonly connection: SqlConnection;
  readonly schema: SchemaKey;
}

export function queryRows(db: Database, sql: string, params: readonly SqlValue[] = []): Row[] {
  return db.connection.rows(sql, params);
}

/**
 * Each result row straight into `map` as an array of column values, in SELECT order: the hot paths
 * (runs, params, tags, metrics) build their domain objects by position. The columns of one statement
 * must have distinct names (alias them), since the engine hands rows over as objects.
 */
export function queryMap<T>(db: Database, sql: string, params: readonly SqlValue[], map: (values: SqlValue[]) => T): T[] {
  return db.connection.arrays(sql, params).map(map);
}

const schemaCache = new WeakMap<SchemaKey, Map<string, Set<string>>>();

/** Column names per table (the 2.x and 3.x schemas differ), read in one statement and kept for this schema. */
function schemaOf(db: Database): Map<string, Set<string>> {
  let schema = schemaCache.get(db.schema);
  if (!schema) {
    schema = new Map();
    const rows = queryRows(db, "SELECT m.name AS tableName, c.name AS columnName FROM sqlite_master m JOIN pragma_table_info(m.name) c WHERE m.type = 'table'");
    for (const { tableName, columnName } of rows) {
      const table = String(tableName);
      let columns = schema.get(table);
      if (!columns) schema.set(table, (columns = new Set()));
      columns.add(String(columnName));
    }
    schemaCache.set(db.schema, schema);
  }
  return schema;
}

const indexCache = new WeakMap<SchemaKey, Map<string, boolean>>();

/**
 * Whether some index of `table` starts with `column` (then `more`, in order): MLflow ≥ 1.x indexes
 * run_uuid, MLflow 3 also (run_uuid, key, step); old stores may have neither.
 */
export function hasIndexOn(db: Database, table: string, column: string, more: readonly string[] = []): boolean {
  let cache = indexCache.get(db.schema);
  if (!cache) indexCache.set(db.schema, (cache = new Map()));
  const wanted = [column, ...more];
  const key = `${table}.${wanted.join(',')}`;
  let found = cache.get(key);
  if (found === undefined) {
    const columnsByIndex = new Map<string, string[]>();
    const rows = queryRows(
      db,
      'SELECT il.name AS indexName, ii.seqno AS seqno, ii.name AS columnName FROM pragma_index_list(?) il JOIN pragma_index_info(il.name) ii ORDER BY ii.seqno',
      [table],
    );
    for (const { indexName, seqno, columnName } of rows) {
      const columns = columnsByIndex.get(String(indexName)) ?? [];
      columns[Number(seqno)] = String(columnName);
      columnsByIndex.set(String(indexName), columns);
    }
    found = [...columnsByIndex.values()].some((columns) => wanted.every((name, i) => columns[i] === name));
    cache.set(key, found);
  }
  return found;
}

export function hasTable(db: Database, table: string): boolean {
  return schemaOf(db).has(table);
}

export function hasColumn(db: Database, table: string, column: string): boolean {
  return schemaOf(db).get(table)?.has(column) ?? false;
}

/** `(?, ?, …)` for an IN list. */
export function placeholders(count: number): string {
  return `(${new Array(count).fill('?').join(', ')})`;
}

/** Runs `fn` over slices small enough for SQLite's bound-parameter limit. */
export function inChunks<T, R>(values: readonly T[], fn: (chunk: T[]) => R[], size = 500): R[] {
  const out: R[] = [];
  for (let i = 0; i < values.length; i += size) out.push(...fn(values.slice(i, i + size)));
  return out;
}

export function text(value: SqlValue | undefined): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : String(value);
}

export function optionalText(value: SqlValue | undefined): string | undefined {
  const t = text(value);
  return t === '' ? undefined : t;
}

export function optionalNumber(value: SqlValue | undefined): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}

export function numberOr(value: SqlValue | undefined, fallback: number): number {
  return optionalNumber(value) ?? fallback;
}
