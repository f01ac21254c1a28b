import assert from 'node:assert/strict';
import * as path from 'node:path';
import { isMlflowError } from '../../src/mlflow/errors';
import { type SqlConnection, loadWasmSqlEngine } from '../../src/mlflow/local/sqliteEngine';
import { SqliteStore } from '../../src/mlflow/local/sqliteStore';
import { type TraceSearchStore, searchTraceInfos } from '../../src/mlflow/traceSearch';
import type { TraceInfo } from '../../src/mlflow/traceTypes';
import { SQLITE_ENGINE, SQLITE_ENGINES, sqliteOptions } from '../support/sqliteEngine';

/**
 * Trace search rules that no recorded MLflow search shows (searchConformance.test.ts replays those):
 * where MLflow's SQL store hands a comparison to SQLite, SQLite itself on the same file is the ground
 * truth; the FileStore's rules are Python's (the search-semantics README records them).
 */

const DB = path.resolve(__dirname, '../fixtures/mlflow-3.x/genai-store/mlflow.db');

describe('trace search semantics: SQLite store, checked against SQLite on the same file', () => {
  let sqlite: SqlConnection;
  let experimentIds: string[];
  before(async () => {
    sqlite = (await loadWasmSqlEngine(SQLITE_ENGINE)).open(DB, false);
    experimentIds = sqlite.rows('SELECT DISTINCT experiment_id FROM trace_info').map((r) => String(r.experiment_id));
  });
  after(() => sqlite.close());

  const sqliteIds = (sql: string, value: string): string[] => sqlite.rows(sql, [value]).map((r) => String(r.request_id)).sort();

  for (const engineKind of SQLITE_ENGINES) {
    describe(`on ${engineKind}`, () => {
      let store: SqliteStore;
      before(async () => {
        store = await SqliteStore.open(DB, sqliteOptions(engineKind));
      });
      after(() => store.dispose());

      const ours = async (filter: string): Promise<string[]> =>
        (await store.traces.searchTraces({ experimentIds, filter, maxResults: 500 })).items.map((t) => t.traceId).sort();

      // MLflow binds the quoted value as text: SQLite reads it as a number only against a numeric
      // column (type affinity), and orders every number before every string.
      const columns = { timestamp_ms: 'timestamp_ms', execution_time_ms: 'execution_time_ms', end_time_ms: 'timestamp_ms + execution_time_ms' };
      const values = ['x', '', '1796550776708', ' 1796550776708 ', '1.79655077e12', '500', '-5'];
      for (const [key, column] of Object.entries(columns)) {
        it(`${key} compared with a quoted value answers as SQLite does`, async () => {
          let nonEmpty = 0;
          for (const op of ['=', '!=', '<', '<=', '>', '>=']) {
            for (const value of values) {
              const expected = sqliteIds(`SELECT request_id FROM trace_info WHERE ${column} ${op} ?`, value);
              if (expected.length > 0) nonEmpty++;
              assert.deepEqual(await ours(`trace.${key} ${op} '${value}'`), expected, `trace.${key} ${op} '${value}'`);
            }
          }
          assert.ok(nonEmpty > 10, 'the comparisons find traces');
        });
      }

      it("ILIKE folds ASCII letters only, as SQLite's lower() does", async () => {
        for (const pattern of ['%ünïcödé%', '%ÜNÏCÖDÉ%', '%Ünïcödé%', '%<SCRIPT>%', '%AGENT', 'Support%']) {
          const expected = sqliteIds("SELECT request_id FROM trace_tags WHERE key = 'mlflow.traceName' AND lower(value) LIKE lower(?)", pattern);
          assert.deepEqual(await ours(`trace.name ILIKE '${pattern}'`), expected, pattern);
        }
        assert.equal((await ours("trace.name ILIKE '%Ünïcödé%'")).length, 2);
      });
    });
  }
});

describe('trace search semantics: store-specific rules on trace infos', () => {
  const info = (traceId: string, experimentId: string, name: string, requestTime: number, tags: Record<string, string> = {}): TraceInfo => ({
    traceId,
    experimentId,
    requestTime,
    executionDurationMs: 5,
    state: 'OK',
    metadata: {},
    tags: { 'mlflow.traceName': name, ...tags },
    assessments: [],
  });
  const infos = [
    info('tr-a', '9', 'Ünïcödé agent', 3, { env: 'staging' }),
    info('tr-b', '10', 'plain', 2),
    info('tr-c', '10', 'other', 1, { env: 'prod' }),
  ];
  const ids = (store: TraceSearchStore, filter?: string, orderBy?: string[]) =>
    searchTraceInfos(infos, { experimentIds: ['9', '10'], filter, orderBy }, () => [], store).items.map((t) => t.traceId);

  it("the FileStore's ILIKE folds all of Unicode (Python's re.IGNORECASE); mlflow.db's folds ASCII only", () => {
    assert.deepEqual(ids('file', "trace.name ILIKE '%ünïcödé%'"), ['tr-a']);
    assert.deepEqual(ids('sql', "trace.name ILIKE '%ünïcödé%'"), []);
    assert.deepEqual(ids('sql', "trace.name ILIKE '%ÜNïCöDé%'"), ['tr-a']);
  });

  it("a quoted value on a numeric attribute: the FileStore's = and != answer, its other comparators (a crash in MLflow) are an error naming the key", () => {
    assert.deepEqual(ids('file', "trace.timestamp_ms = 'x'"), []);
    assert.deepEqual(ids('file', "trace.timestamp_ms != '2'"), ['tr-a', 'tr-b', 'tr-c']);
    assert.throws(
      () => ids('file', "trace.timestamp_ms > '2'"),
      (error: unknown) => isMlflowError(error, 'INVALID_PARAMETER_VALUE') && /timestamp_ms/.test(String(error)),
    );
    assert.deepEqual(ids('sql', "trace.timestamp_ms > '2'"), ['tr-a']);
  });

  it('RLIKE is a Python regular expression search (named groups too); a bad one is an error', () => {
    assert.deepEqual(ids('sql', "tags.env RLIKE '^sta'"), ['tr-a']);
    assert.deepEqual(ids('file', "trace.name RLIKE '(?P<w>[a-z]+)er$'"), ['tr-c']);
    assert.deepEqual(ids('sql', "trace.name RLIKE '(?P<w>o)th(?P=w)'"), []);
    assert.throws(() => ids('sql', "trace.name RLIKE '('"), (error: unknown) => isMlflowError(error, 'INVALID_PARAMETER_VALUE'));
  });

  it("experiment ids order as numbers in mlflow.db (an INTEGER column) and as folder names in mlruns/", () => {
    assert.deepEqual(ids('sql', undefined, ['experiment_id ASC']), ['tr-a', 'tr-b', 'tr-c']);
    assert.deepEqual(ids('file', undefined, ['experiment_id ASC']), ['tr-b', 'tr-c', 'tr-a']);
  });

  it('a tag order puts traces without the tag last in both directions, then newest first', () => {
    assert.deepEqual(ids('sql', undefined, ['tags.env ASC']), ['tr-c', 'tr-a', 'tr-b']);
    assert.deepEqual(ids('sql', undefined, ['tags.env DESC']), ['tr-a', 'tr-c', 'tr-b']);
  });
});
