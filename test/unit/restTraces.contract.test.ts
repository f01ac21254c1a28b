import assert from 'node:assert/strict';
import { captureParam, useReplayStore } from '../support/replayServer';

/**
 * The trace calls of the REST backend against the general MLflow 3 captures (rest-captures: the
 * base setup's traces in experiment 5); the GenAI captures are replayed in tracesRest.contract.test.ts.
 */
describe('REST contract: traces (mlflow-3.x rest-captures)', () => {
  const { replay, store } = useReplayStore('mlflow-3.x');
  const traces = () => store().traces!;

  it('searches, filters by state and by source run', async () => {
    const all = await replay().expect(['traces_v3_search'], () => traces().searchTraces({ experimentIds: ['5'], maxResults: 10 }));
    assert.ok(all.items.length > 0);
    assert.ok(all.items.every((t) => t.experimentId === '5' && t.traceId.startsWith('tr-')));
    const failed = await replay().expect(['traces_v3_search_filter_error_state'], () =>
      traces().searchTraces({ experimentIds: ['5'], filter: "trace.status = 'ERROR'", maxResults: 10, orderBy: ['timestamp_ms DESC'] }),
    );
    assert.ok(failed.items.length > 0 && failed.items.every((t) => t.state === 'ERROR'));
    const run = '2f0fa72e3da24dde900b5e194304aa27';
    const byRun = await replay().expect(['traces_v3_search_by_run'], () =>
      traces().searchTraces({ experimentIds: ['5'], filter: `metadata.\`mlflow.sourceRun\` = '${run}'`, maxResults: 10 }),
    );
    assert.ok(byRun.items.every((t) => t.metadata['mlflow.sourceRun'] === run));
  });

  it('reports a bad filter with the server’s message', async () => {
    const error = await replay().expectError(['traces_v3_search_bad_filter_400'], () => traces().searchTraces({ experimentIds: ['5'], filter: 'trace.foo >>> 1' }));
    assert.equal(error.status, 400);
    assert.match(error.message, /Invalid attribute key 'foo'/);
  });

  it('gets a trace’s info, a trace with spans, and a 404 for an unknown one', async () => {
    const infoId = 'tr-afffcfd2341ef40b57c700aab7b56ea7';
    const info = await replay().expect(['traces_v3_get_info'], () => traces().getTraceInfo(infoId));
    assert.equal(info.traceId, infoId);
    const withSpans = captureParam('mlflow-3.x', 'traces_v3_get_with_spans', 'trace_id');
    const trace = await replay().expect(['traces_v3_get_with_spans'], () => traces().getTrace(withSpans));
    assert.ok(trace.spans.length > 0);
    assert.ok(trace.spans.every((s) => /^\d{19}$/.test(s.startTimeNs)), 'nanosecond times kept as exact decimal strings');
    const missing = await replay().expectError(['traces_v3_get_404'], () => traces().getTraceInfo('tr-00000000000000000000000000000000'));
    assert.equal(missing.status, 404);
  });
});
