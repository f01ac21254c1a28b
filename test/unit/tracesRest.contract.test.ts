import assert from 'node:assert/strict';
import { HttpClient } from '../../src/mlflow/http';
import { RestTraceStore } from '../../src/mlflow/rest/restTraces';
import { getCapture, startLoopbackServer, useReplayStore } from '../support/replayServer';

/**
 * The REST trace backend against the GenAI captures of a real MLflow 3 server: each call must send
 * exactly the captured request and read the captured answer.
 */

const SET = 'mlflow-3.x-genai';
const RAG = 'tr-1e1301009a4ee5aa9a0cd46ae8b5344a';
const SCRATCH = 'tr-4fa588e721aa33c4c92898b2e2919153';

describe('REST traces (MLflow 3 captures)', () => {
  const { replay, store } = useReplayStore(SET);
  const traces = (): RestTraceStore => store().traces as RestTraceStore;

  it('searches an experiment: newest first, times in ms, previews, metadata and tags', async () => {
    const page = await replay().expect(['traces_search_all'], () => traces().searchTraces({ experimentIds: ['8'], maxResults: 100 }));
    assert.equal(page.items.length, 29);
    assert.equal(page.nextPageToken, undefined);
    const first = page.items[0]!;
    assert.equal(first.traceId, 'tr-463f75da6068608ed14afa40d9918f0d');
    assert.equal(first.requestTime, Date.parse('2026-12-06T09:42:57.196Z'));
    assert.equal(first.executionDurationMs, 153);
    assert.equal(first.state, 'OK');
    assert.equal(first.tags['mlflow.traceName'], 'multimodal_agent');
    assert.equal(first.metadata['mlflow.trace.tokenUsage'], '{"input_tokens": 86, "output_tokens": 5, "total_tokens": 91}');
    assert.equal(first.responsePreview, 'An 8x8 gradient image.');
    const times = page.items.map((t) => t.requestTime);
    assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first');
  });

  it('follows page tokens', async () => {
    const query = { experimentIds: ['8'], filter: "tags.fixture_kind = 'rag_session'", maxResults: 2, orderBy: ['timestamp_ms ASC'] };
    const p1 = await replay().expect(['traces_search_page1'], () => traces().searchTraces(query));
    const p2 = await replay().expect(['traces_search_page2'], () => traces().searchTraces({ ...query, pageToken: p1.nextPageToken }));
    const p3 = await replay().expect(['traces_search_page3'], () => traces().searchTraces({ ...query, pageToken: p2.nextPageToken }));
    assert.equal(p3.nextPageToken, undefined);
    assert.equal(new Set([...p1.items, ...p2.items, ...p3.items].map((t) => t.traceId)).size, 5);
  });

  it('surfaces a bad filter as the server’s 400 message', async () => {
    const error = await replay().expectError(['traces_search_bad_filter_400'], () =>
      traces().searchTraces({ experimentIds: ['8'], filter: "trace.status === 'OK'" }),
    );
    assert.equal(error.status, 400);
    assert.match(error.message, /Invalid comparator '==='/);
  });

  it('gets a trace with its spans: hex ids, exact nanosecond times, decoded attributes, assessments', async () => {
    const trace = await replay().expect(['traces_get_rag_with_assessments'], () => traces().getTrace(RAG));
    const root = trace.spans.find((s) => s.parentSpanId === undefined)!;
    assert.equal(root.name, 'support_agent');
    assert.equal(root.spanId, '811a870c36067c44');
    assert.equal(root.traceId, RAG);
    assert.equal(root.spanType, 'AGENT');
    // 1796550034244691747 is not a double: JSON.parse would give …691700.
    assert.equal(root.startTimeNs, '1796550034244691747');
    assert.equal(root.endTimeNs, '1796550034811437377');
    assert.deepEqual((root.attributes['mlflow.spanInputs'] as { messages: unknown }).messages, [{ role: 'user', content: 'What is MLflow?' }]);
    assert.equal((root.attributes['mlflow.spanInputs'] as Record<string, unknown>).system_prompt, null);
    const helpful = trace.info.assessments.find((a) => a.assessmentId === 'a-5e535164a37d4f41855402e849a14e2a')!;
    assert.deepEqual(
      { kind: helpful.kind, value: helpful.value, source: helpful.source, rationale: helpful.rationale },
      { kind: 'feedback', value: true, source: { type: 'HUMAN', id: 'alice@example.com' }, rationale: 'Direct answer with a source link.' },
    );
  });

  it('keeps all 199 spans of the large trace', async () => {
    const trace = await replay().expect(['traces_get_many_spans_full'], () => traces().getTrace('tr-052545c0158896f1edf49cfd6789e4a0'));
    assert.equal(trace.spans.length, 199);
    assert.equal(trace.spans.filter((s) => s.parentSpanId === undefined).length, 1);
  });

  it('reads a partially exported trace with allow_partial after the 404 (as the MLflow UI does)', async () => {
    const trace = await replay().expect(['traces_get_not_fully_exported_404', 'traces_get_not_fully_exported_allow_partial'], () =>
      traces().getTrace('tr-00e2d5bf9c1c7e3657ead206505bf0f8'),
    );
    assert.equal(trace.partial, true);
    assert.equal(trace.info.experimentId, '7');
  });

  it('reports a trace that does not exist as the server’s 404', async () => {
    const error = await replay().expectError(['traces_get_404'], () => traces().getTrace(getCapture(SET, 'traces_get_404').request.query!.trace_id as string));
    assert.equal(error.status, 404);
  });

  it('creates feedback, a span-level feedback and an expectation, updates and deletes', async () => {
    const judge = await replay().expect(['assessments_create_feedback_numeric_llm_judge'], () =>
      traces().createAssessment({
        traceId: SCRATCH,
        name: 'relevance',
        kind: 'feedback',
        value: 0.25,
        rationale: 'Mostly off-topic.',
        source: { type: 'LLM_JUDGE', id: 'fake-judge-v1' },
        metadata: { judge_model: 'fake-judge-v1', latency_ms: '12' },
      }),
    );
    assert.equal(judge.assessmentId, 'a-4a798f66aa9d4b8c9fb84a07ad976bcd');
    assert.equal(judge.value, 0.25);
    const span = await replay().expect(['assessments_create_span_level_hex_span_id'], () =>
      traces().createAssessment({ traceId: SCRATCH, spanId: '1666e56007beb7ba', name: 'span_quality', kind: 'feedback', value: 'good', source: { type: 'HUMAN', id: 'reviewer@example.com' } }),
    );
    assert.equal(span.spanId, '1666e56007beb7ba');
    const expectation = await replay().expect(['assessments_create_expectation_text'], () =>
      traces().createAssessment({ traceId: SCRATCH, name: 'expected_response', kind: 'expectation', value: 'ok', source: { type: 'HUMAN', id: 'reviewer@example.com' } }),
    );
    assert.equal(expectation.kind, 'expectation');
    const updated = await replay().expect(['assessments_update_expectation'], () =>
      traces().updateAssessment(SCRATCH, expectation.assessmentId, { kind: 'expectation', value: 'ok, updated' }),
    );
    assert.equal(updated.value, 'ok, updated');
    await replay().expect(['assessments_delete_again_200'], () => traces().deleteAssessment(SCRATCH, 'a-fd5f76e4ad9048f8b94a76d9155fd72b'));
  });

  it('decodes a JSON-serialised expectation value', async () => {
    const created = await replay().expect(['assessments_create_expectation_object'], () =>
      traces().createAssessment({ traceId: SCRATCH, name: 'expected_facts', kind: 'expectation', value: { facts: ['a', 'b'], n: 2 }, source: { type: 'HUMAN', id: 'reviewer@example.com' } }),
    );
    assert.deepEqual(created.value, { facts: ['a', 'b'], n: 2 });
  });

  it('downloads an attachment’s bytes', async () => {
    const bytes = await replay().expect(['ajax_get_trace_artifact_attachment_image'], () =>
      traces().readAttachment('tr-463f75da6068608ed14afa40d9918f0d', '02cd5e1f-3c16-4380-8ac1-66018de9c887'),
    );
    assert.equal(bytes.length, 166);
    assert.equal(Buffer.from(bytes.subarray(0, 4)).toString('hex'), '89504e47');
  });
});

describe('REST traces: spans only in the artifact store', () => {
  it('after the 500 reads the info and the spans from traces.json, as MLflow’s client does', async () => {
    const failing = getCapture(SET, 'traces_get_spans_in_artifact_repo_500');
    const artifact = getCapture(SET, 'ajax_get_trace_artifact_spans_in_artifact_repo');
    const traceId = failing.request.query!.trace_id as string;
    const seen: string[] = [];
    const server = await startLoopbackServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push(`${req.method} ${url.pathname}`);
      if (url.pathname === '/api/3.0/mlflow/traces/get') {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(failing.response));
      } else if (url.pathname === `/api/3.0/mlflow/traces/${traceId}`) {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        // The real shape of traces/{id} (traces_info_v3), for this trace.
        const info = structuredClone(getCapture(SET, 'traces_info_v3').response) as { trace: { trace_info: { trace_id: string } } };
        info.trace.trace_info.trace_id = traceId;
        res.end(JSON.stringify(info));
      } else if (url.pathname === '/ajax-api/2.0/mlflow/get-trace-artifact' && url.searchParams.get('request_id') === traceId) {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        // The server's bytes: the big integers as written, not rounded by a JSON round trip.
        res.end(artifactText(artifact.response));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    const http = new HttpClient({ baseUrl: server.baseUrl });
    try {
      const trace = await new RestTraceStore(http, () => Promise.resolve({ readOnly: false, registry: true, loggedModels: true, sampledHistory: true, stages: true })).getTrace(traceId);
      assert.deepEqual(seen.sort(), ['GET /ajax-api/2.0/mlflow/get-trace-artifact', 'GET /api/3.0/mlflow/traces/get', `GET /api/3.0/mlflow/traces/${traceId}`].sort());
      assert.equal(trace.info.traceId, traceId);
      assert.ok(trace.spans.length > 0);
      assert.equal(trace.spans.find((s) => s.parentSpanId === undefined)?.name, 'support_agent');
    } finally {
      http.dispose();
      await server.close();
    }
  });
});

/** The capture's body as the server wrote it, nanosecond integers exact. */
function artifactText(response: unknown): string {
  return JSON.stringify(response).replace(/"\\u0000bigint:(-?\d+)"/g, '$1');
}
