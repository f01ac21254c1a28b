import assert from 'node:assert/strict';
import { AutoRefresh } from '../../src/explorer/autoRefresh';
import { HttpClient } from '../../src/mlflow/http';
import { RestStore } from '../../src/mlflow/rest/restStore';
import { DatasetBuilder } from '../support/mlflowServer/dataset';
import { startMlflowServer, type MlflowServer } from '../support/mlflowServer/server';

/**
 * No retry storm from the Runs view's live refresh: while the server answers 503, each poll costs at
 * most the retry policy's 3 requests and the polls themselves back off (doubling up to a cap), then
 * return to the base interval once the server answers again. AutoRefresh and the store are the ones
 * the Runs view uses (explorerFeature.ts: RunsModel.refreshRunning is one runs/search per experiment).
 */

interface Poll {
  /** The delay that led to this poll. */
  delay: number;
  at: number;
  ok?: boolean;
}

describe('faults: live refresh against a server answering 503', () => {
  let server: MlflowServer;
  let store: RestStore;
  let refresh: AutoRefresh | undefined;
  const experimentId = '1';

  before(async () => {
    const b = new DatasetBuilder();
    b.experiment('Default');
    b.run(b.experiment('live'), { runName: 'training', status: 'RUNNING' });
    server = await startMlflowServer({ dataset: b.build() });
    // The shipped policy (3 attempts); Retry-After: 0 below keeps the attempts back to back.
    store = new RestStore(new HttpClient({ baseUrl: server.baseUrl }));
  });
  afterEach(() => refresh?.dispose());
  after(async () => {
    store.dispose();
    await server.close();
  });

  it('polls less and less often while the server fails, 3 requests per poll at most, and recovers', async () => {
    const BASE = 20;
    const CAP = 160;
    const polls: Poll[] = [];
    let failing = true;
    server.faults = (r) => (failing && r.path.endsWith('/runs/search') ? { status: 503, headers: { 'Retry-After': '0' } } : undefined);
    const tick = async (): Promise<boolean> => {
      const poll: Poll = { delay: refresh?.currentDelayMs ?? -1, at: Date.now() };
      polls.push(poll);
      try {
        await store.searchRuns({ experimentIds: [experimentId], maxResults: 2 });
      } catch (error) {
        poll.ok = false;
        throw error; // AutoRefresh sees the failure, as it sees RunsModel.refreshRunning's
      }
      poll.ok = true;
      return true;
    };
    refresh = new AutoRefresh(tick, () => true, BASE, CAP);
    refresh.kick();

    await until(() => polls.filter((p) => p.ok === false).length >= 6, 'six failed polls');
    failing = false;
    await until(() => polls.some((p) => p.ok === true), 'a poll after the server recovered');
    await until(() => refresh?.currentDelayMs === BASE, 'the base interval again');
    refresh.dispose();

    const failed = polls.slice(0, 6);
    assert.deepEqual(failed.map((p) => p.delay), [20, 40, 80, 160, 160, 160], 'doubling from the base interval up to the cap');
    for (let i = 1; i < failed.length; i++) {
      // Timers may fire a millisecond early; the gap must still follow the backoff, not the base interval.
      assert.ok(failed[i].at - failed[i - 1].at >= failed[i].delay - 2, `poll ${i} waited ${failed[i].at - failed[i - 1].at} ms, not ${failed[i].delay}`);
    }
    const failedRequests = server.count((r) => r.path.endsWith('/runs/search') && r.status === 503);
    // Each failed poll made the policy's 3 attempts; a poll in flight when the server recovered adds at most 2.
    const failedPolls = polls.filter((p) => p.ok === false).length;
    assert.ok(failedRequests >= 3 * failedPolls && failedRequests <= 3 * failedPolls + 2, `${failedRequests} failed requests for ${failedPolls} failed polls`);
  });
});

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
