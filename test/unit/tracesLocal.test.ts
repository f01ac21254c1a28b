import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { isMlflowError } from '../../src/mlflow/errors';
import { FileStore } from '../../src/mlflow/local/fileStore';
import type { SqlConnection, SqlEngine } from '../../src/mlflow/local/sqliteEngine';
import { SqliteStore, loadSqlEngine } from '../../src/mlflow/local/sqliteStore';
import { toSpan } from '../../src/mlflow/spanValues';
import { SQLITE_ENGINE } from '../support/sqliteEngine';
import { getCapture } from '../support/replayServer';

/** The local trace readers beyond what the cross-backend test compares: file store, fallbacks, read-only. */

const FIXTURES = path.resolve(__dirname, '../fixtures/mlflow-3.x');
const FILE_STORE = path.join(FIXTURES, 'file-store/mlruns');
const EXPERIMENT = '878679228285919443';
const ERROR_TRACE = 'tr-5f3d4762d3000efc54ed4dc358032cd7';
const FIRST = 'tr-24dc8d7ecae533dccd04d2f67dafebc1';

describe('traces: file store (MLflow 3 mlruns/)', () => {
  const store = new FileStore(FILE_STORE);
  after(() => store.dispose());

  it('lists the three traces newest first, with state, previews, metadata and assessments', async () => {
    assert.equal(await store.traces.available(), true);
    const page = await store.traces.searchTraces({ experimentIds: [EXPERIMENT] });
    assert.deepEqual(page.items.map((t) => t.traceId), [ERROR_TRACE, 'tr-67e54db49efd96214889450427033227', FIRST]);
    const first = page.items[2]!;
    assert.equal(first.requestTime, Date.parse('2026-12-06T09:52:13.729Z'));
    assert.equal(first.executionDurationMs, 1);
    assert.equal(first.requestPreview, '{"q": "what is a file store"}');
    assert.equal(first.tags['mlflow.traceName'], 'fs_agent');
    assert.ok(first.metadata['mlflow.trace.tokenUsage']);
    assert.deepEqual(first.assessments.map((a) => [a.name, a.value, a.source.type]), [['helpful', true, 'CODE']]);
    assert.equal(page.items[0]!.state, 'ERROR');
  });

  it('filters with the trace filter syntax (state, tag), and refuses span and assessment filters as MLflow\'s FileStore does', async () => {
    const ids = async (filter: string): Promise<string[]> =>
      (await store.traces.searchTraces({ experimentIds: [EXPERIMENT], filter })).items.map((t) => t.traceId);
    assert.deepEqual(await ids("trace.status = 'ERROR'"), [ERROR_TRACE]);
    // MLflow's FileStore filters no spans or assessments (its SQL store does): the same error here.
    await assert.rejects(ids("span.type = 'RETRIEVER'"), (error: unknown) => isMlflowError(error, 'INVALID_PARAMETER_VALUE') && /Span filtering requires database support/.test(String(error)));
    await assert.rejects(ids("feedback.helpful = 'true'"), /Assessment filtering requires database support/);
    assert.deepEqual(await ids('tags.reviewed IS NOT NULL'), [FIRST]);
  });

  it('reads the spans from traces.json with exact nanosecond times', async () => {
    const trace = await store.traces.getTrace(FIRST);
    assert.equal(trace.spans.length, 3);
    const raw = readFileSync(path.join(FILE_STORE, EXPERIMENT, 'traces', FIRST, 'artifacts/traces.json'), 'utf8');
    const root = trace.spans.find((s) => s.parentSpanId === undefined)!;
    assert.equal(root.name, 'fs_agent');
    assert.ok(raw.includes(`"start_time_unix_nano": ${root.startTimeNs},`), root.startTimeNs);
    assert.equal(root.spanType, 'AGENT');
  });

  it('is read-only and refuses attachment ids that are paths', async () => {
    await assert.rejects(
      store.traces.createAssessment({ traceId: FIRST, name: 'x', kind: 'feedback', value: true, source: { type: 'HUMAN', id: 'me' } }),
      (error: unknown) => isMlflowError(error, 'READ_ONLY_STORE'),
    );
    await assert.rejects(store.traces.readAttachment(FIRST, '../../meta'), (error: unknown) => isMlflowError(error, 'INVALID_PARAMETER_VALUE'));
    await assert.rejects(store.traces.getTrace('tr-../../x'), (error: unknown) => isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST'));
  });
});

describe('traces: SQLite store fallbacks', () => {
  let store: SqliteStore;
  before(async () => {
    store = await SqliteStore.open(path.join(FIXTURES, 'genai-store/mlflow.db'), { engine: SQLITE_ENGINE });
  });
  after(() => store.dispose());

  it('reads spans exported to the artifact store from traces.json, as the server’s get-trace-artifact does', async () => {
    const capture = getCapture('mlflow-3.x-genai', 'ajax_get_trace_artifact_spans_in_artifact_repo');
    const traceId = capture.request.query!.request_id as string;
    const trace = await store.traces.getTrace(traceId);
    const expected = (capture.response as { spans: unknown[] }).spans.map((s) => toSpan(s, traceId));
    assert.deepEqual(trace.spans.map((s) => [s.spanId, s.name, s.parentSpanId]), expected.map((s) => [s.spanId, s.name, s.parentSpanId]));
  });

  it('reads an attachment with the server’s bytes', async () => {
    const capture = getCapture('mlflow-3.x-genai', 'ajax_get_trace_artifact_attachment_text');
    const { request_id: traceId, path: attachmentId } = capture.request.query as Record<string, string>;
    const bytes = await store.traces.readAttachment(traceId!, attachmentId!);
    assert.equal(Buffer.from(bytes).toString('utf8'), capture.response);
  });

  it('pages newest first in SQL exactly as the filtering path orders (trace id breaks ties)', async () => {
    const all = await store.traces.searchTraces({ experimentIds: ['8', '6'], maxResults: 100 });
    const viaFilter = await store.traces.searchTraces({ experimentIds: ['8', '6'], maxResults: 100, filter: 'trace.timestamp_ms > 0' });
    assert.deepEqual(all.items.map((t) => t.traceId), viaFilter.items.map((t) => t.traceId));
    const paged: string[] = [];
    let pageToken: string | undefined;
    do {
      const page = await store.traces.searchTraces({ experimentIds: ['8', '6'], maxResults: 7, pageToken });
      paged.push(...page.items.map((t) => t.traceId));
      pageToken = page.nextPageToken;
    } while (pageToken);
    assert.deepEqual(paged, all.items.map((t) => t.traceId));
    const oldest = await store.traces.searchTraces({ experimentIds: ['8', '6'], maxResults: 100, orderBy: ['timestamp_ms ASC'] });
    const oldestViaFilter = await store.traces.searchTraces({ experimentIds: ['8', '6'], maxResults: 100, orderBy: ['timestamp_ms ASC'], filter: 'trace.timestamp_ms > 0' });
    assert.deepEqual(oldest.items.map((t) => t.traceId), oldestViaFilter.items.map((t) => t.traceId));
  });

  it('reads a page of traces with their tags, metadata and assessments in one SQL statement, whatever the page size', async () => {
    // Each value carried out of the engine costs; a statement per table (or per trace) multiplied them.
    const engine = await loadSqlEngine(SQLITE_ENGINE, 'wasm');
    const statements: string[] = [];
    const open = engine.open;
    (engine as { open: SqlEngine['open'] }).open = (file: string, walMode: boolean): SqlConnection => {
      const connection = open.call(engine, file, walMode);
      return {
        get isOpen() {
          return connection.isOpen;
        },
        rows: (sql, params) => (statements.push(sql), connection.rows(sql, params)),
        arrays: (sql, params) => (statements.push(sql), connection.arrays(sql, params)),
        exec: (sql) => connection.exec(sql),
        close: () => connection.close(),
      };
    };
    const counted = await SqliteStore.open(path.join(FIXTURES, 'genai-store/mlflow.db'), { engine: SQLITE_ENGINE, engineKind: 'wasm' });
    try {
      await counted.traces.searchTraces({ experimentIds: ['8'], maxResults: 1 }); // the schema, read once per file
      for (const maxResults of [5, 100]) {
        statements.length = 0;
        const page = await counted.traces.searchTraces({ experimentIds: ['8', '6'], maxResults });
        assert.ok(page.items.some((t) => t.assessments.length > 1) && page.items.some((t) => Object.keys(t.tags).length > 0));
        assert.deepEqual(statements.filter((sql) => !/^\s*PRAGMA /i.test(sql)).length, 1, statements.join('\n'));
      }
      statements.length = 0;
      const info = await counted.traces.getTraceInfo('tr-1e1301009a4ee5aa9a0cd46ae8b5344a');
      assert.ok(info.assessments.length > 0);
      assert.equal(statements.filter((sql) => !/^\s*PRAGMA /i.test(sql)).length, 1, statements.join('\n'));
    } finally {
      (engine as { open: SqlEngine['open'] }).open = open;
      counted.dispose();
    }
  });

  it('rejects assessment writes as a read-only store', async () => {
    await assert.rejects(store.traces.deleteAssessment('tr-1e1301009a4ee5aa9a0cd46ae8b5344a', 'a-5e535164a37d4f41855402e849a14e2a'), (error: unknown) =>
      isMlflowError(error, 'READ_ONLY_STORE'),
    );
  });
});
