import assert from 'node:assert/strict';
import * as path from 'node:path';
import { isMlflowError } from '../../src/mlflow/errors';
import { SqliteStore } from '../../src/mlflow/local/sqliteStore';
import type { TraceStore } from '../../src/mlflow/traceStore';
import type { Span, TraceInfo, TraceQuery } from '../../src/mlflow/traceTypes';
import { toTraceInfo } from '../../src/mlflow/traceValues';
import { toSpan } from '../../src/mlflow/spanValues';
import { captureInteger, loadCaptures } from '../support/replayServer';
import { SQLITE_ENGINE } from '../support/sqliteEngine';
import type { Capture } from '../support/replayServer';

/**
 * The SQLite store behind the GenAI captures (genai-store) answers every trace search and trace get
 * the real server answered (genai-captures), compared as domain objects. The store is the server's
 * final state: captures of the scratch experiment 9 (mutated after they were taken) are left out.
 */

const DB = path.resolve(__dirname, '../fixtures/mlflow-3.x/genai-store/mlflow.db');
const SET = 'mlflow-3.x-genai';

type Json = Record<string, unknown>;

function queryOf(capture: Capture): TraceQuery {
  const body = capture.request.body as Json;
  const locations = (body.locations as { mlflow_experiment: { experiment_id: string } }[] | undefined) ?? [];
  return {
    experimentIds: locations.map((l) => l.mlflow_experiment.experiment_id),
    filter: body.filter as string | undefined,
    orderBy: body.order_by as string[] | undefined,
    maxResults: body.max_results as number | undefined,
    pageToken: body.page_token as string | undefined,
  };
}

function searchCaptures(): Capture[] {
  return loadCaptures(SET).filter(
    (c) => c.request.method === 'POST' && /\/3\.0\/mlflow\/traces\/search$/.test(c.request.path) && !queryOf(c).experimentIds.includes('9'),
  );
}

/** Restores the capture's exact big integers (the replay keeps them marked) before mapping spans. */
function exactSpans(spans: unknown[], traceId: string): Span[] {
  const restore = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(restore) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, restore(x)])) : captureInteger(v);
  return spans.map((s) => toSpan(restore(s), traceId));
}

function bySpanId(spans: Span[]): Span[] {
  return [...spans].sort((a, b) => a.spanId.localeCompare(b.spanId));
}

function clean<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

describe('traces: SQLite store = server (genai-store vs genai-captures)', () => {
  let store: SqliteStore;
  let traces: TraceStore;
  before(async () => {
    store = await SqliteStore.open(DB, { engine: SQLITE_ENGINE });
    traces = store.traces;
  });
  after(() => store.dispose());

  it('has traces', async () => {
    assert.equal(await traces.available(), true);
  });

  for (const capture of searchCaptures()) {
    it(`search: ${capture.name}`, async () => {
      const query = queryOf(capture);
      if (capture.status !== 200) {
        await assert.rejects(traces.searchTraces(query), (error: unknown) => isMlflowError(error, 'INVALID_PARAMETER_VALUE'));
        return;
      }
      const response = capture.response as Json;
      const expected = ((response.traces as unknown[] | undefined) ?? []).map(toTraceInfo);
      const page = await traces.searchTraces(query);
      assert.deepEqual(page.items.map((t) => t.traceId), expected.map((t) => t.traceId));
      assert.deepEqual(clean(page.items), clean(expected));
      assert.equal(page.nextPageToken, response.next_page_token);
    });
  }

  const gets = loadCaptures(SET).filter(
    (c) => c.status === 200 && c.request.path === '/api/3.0/mlflow/traces/get' && !/truncat/i.test(c.note ?? '') && !(c.response as Json)._truncated_original_length,
  );
  for (const capture of gets) {
    it(`get: ${capture.name}`, async () => {
      const trace = (capture.response as { trace: { trace_info: unknown; spans: unknown[] } }).trace;
      const info: TraceInfo = toTraceInfo(trace.trace_info);
      if (info.experimentId === '9') return;
      const actual = await traces.getTrace(info.traceId);
      assert.deepEqual(clean(actual.info), clean(info));
      assert.deepEqual(clean(bySpanId(actual.spans)), clean(bySpanId(exactSpans(trace.spans, info.traceId))));
    });
  }
});
