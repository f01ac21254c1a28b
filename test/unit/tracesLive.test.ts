import assert from 'node:assert/strict';
import { FOLLOW_AFTER_LAST_ACTIVE_MS } from '../../src/explorer/core/liveRefresh';
import { HttpClient } from '../../src/mlflow/http';
import { RestStore } from '../../src/mlflow/rest/restStore';
import type { TraceInfo } from '../../src/mlflow/traceTypes';
import { compareTracePages, isLiveTrace, tracesToPoll } from '../../src/traces/core/traceLiveRefresh';
import { startLiveTraceServer } from '../support/liveTraceServer';

/** Live traces: which experiments the Traces view re-reads (the Runs view's rule), and what a poll changed. */

const NOW = Date.parse('2026-12-06T12:00:00.000Z');

function info(traceId: string, requestTime: number, extra: Partial<TraceInfo> = {}): TraceInfo {
  return { traceId, experimentId: '1', requestTime, state: 'OK', metadata: {}, tags: {}, assessments: [], ...extra };
}

describe('live traces', () => {
  it('follows an experiment whose newest trace is recent or still in progress, not an idle one', () => {
    assert.equal(isLiveTrace(info('a', NOW - 5_000), NOW), true);
    assert.equal(isLiveTrace(info('a', NOW - FOLLOW_AFTER_LAST_ACTIVE_MS - 1), NOW), false);
    assert.equal(isLiveTrace(info('a', NOW - 3_600_000, { state: 'IN_PROGRESS' }), NOW), true);
    assert.equal(isLiveTrace(info('a', NOW + 3_600_000), NOW), false, 'a clock far ahead does not make it live for an hour');
    const base = { expanded: true, loaded: true, loading: false, hasActiveRuns: false };
    const experiments = [
      { ...base, experimentId: 'live', activeSeenAt: NOW - 1_000 },
      { ...base, experimentId: 'idle', activeSeenAt: NOW - FOLLOW_AFTER_LAST_ACTIVE_MS - 1 },
      { ...base, experimentId: 'never' },
      { ...base, experimentId: 'collapsed', expanded: false, activeSeenAt: NOW },
      { ...base, experimentId: 'loading', loading: true, activeSeenAt: NOW },
      { ...base, experimentId: 'running', hasActiveRuns: true },
    ];
    assert.deepEqual(tracesToPoll({ viewVisible: true, now: NOW, experiments }), ['live', 'running']);
    assert.deepEqual(tracesToPoll({ viewVisible: false, now: NOW, experiments }), [], 'nothing while the view is hidden');
  });

  it('tells new traces from a page that only changed (an assessment added) or did not change', () => {
    const before = [info('b', NOW), info('a', NOW - 1)];
    assert.deepEqual(compareTracePages(before, [info('c', NOW + 1), ...before]), { added: 1, changed: true });
    assert.deepEqual(compareTracePages(before, before.map((t) => ({ ...t }))), { added: 0, changed: false });
    const assessed = [{ ...before[0]!, assessments: [{ assessmentId: 'x', name: 'n', traceId: 'b', kind: 'feedback' as const, value: true, source: { type: 'HUMAN' as const }, createTime: 0, lastUpdateTime: 0, valid: true }] }, before[1]!];
    assert.deepEqual(compareTracePages(before, assessed), { added: 0, changed: true });
  });

  it('the loopback server gains traces newest first and pages them like MLflow', async () => {
    const server = await startLiveTraceServer({ initialTraces: 3 });
    try {
      const store = new RestStore(new HttpClient({ baseUrl: server.baseUrl }));
      const traces = store.traces!;
      assert.equal(await traces.available(), true);
      const first = await traces.searchTraces({ experimentIds: [server.experimentId], maxResults: 2 });
      assert.equal(first.items.length, 2);
      assert.ok(first.nextPageToken);
      const [added] = server.addTraces(1);
      const again = await traces.searchTraces({ experimentIds: [server.experimentId], maxResults: 2 });
      assert.equal(again.items[0]!.traceId, added, 'the new trace comes first');
      assert.equal(again.items[0]!.experimentId, server.experimentId);
      assert.equal(server.searches(), 2);
    } finally {
      await server.close();
    }
  });
});
