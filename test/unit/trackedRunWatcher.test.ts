import * as assert from 'node:assert/strict';
import type { ActiveStore } from '../../src/connection/activeStore';
import type { TrackingStore } from '../../src/mlflow/store';
import type { Run, RunQuery } from '../../src/mlflow/types';
import { LAUNCH_ID_TAG, launchIdFilter } from '../../src/trackedRun/core/scriptLaunch';
import { LaunchWatcher } from '../../src/trackedRun/launchWatcher';

const LAUNCH_ID = 'c0ffee00'.repeat(4);

/** A store whose runs the test changes between looks; it counts the searches and can fail them. */
function fakeStore() {
  const state = { runs: [] as Run[], searches: 0, fail: false, lastQuery: undefined as RunQuery | undefined };
  const store = {
    getExperimentByName: async () => ({ experimentId: '1' }),
    searchExperiments: async () => ({ items: [{ experimentId: '1' }] }),
    searchRuns: async (query: RunQuery) => {
      state.searches++;
      state.lastQuery = query;
      if (state.fail) throw new Error('503 Service Unavailable');
      return { items: state.runs };
    },
  } as unknown as TrackingStore;
  const activeStore = { current: { store }, onDidChange: () => ({ dispose() {} }) } as unknown as ActiveStore;
  return { state, activeStore };
}

function run(metrics: number): Run {
  return {
    info: { runId: 'r1', experimentId: '1', runName: 'r', userId: '', status: 'RUNNING', startTime: 1, artifactUri: '', lifecycleStage: 'active' },
    data: { metrics: Array.from({ length: metrics }, (_, i) => ({ key: `m${i}`, value: 1, timestamp: 1, step: 0 })), params: {}, tags: { [LAUNCH_ID_TAG]: LAUNCH_ID } },
  } as unknown as Run;
}

/** Resolves once `condition` holds, checked on each turn of the event loop (no fixed sleeps). */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('Run Python File with Tracking: looking for the launched run (LaunchWatcher)', () => {
  it('looks until the run exists and stops at once, before the run has logged any metric', async () => {
    const { state, activeStore } = fakeStore();
    let exit!: () => void;
    const watcher = new LaunchWatcher(activeStore, { launchId: LAUNCH_ID, experiment: { kind: 'name', name: 'x' }, finished: new Promise<void>((r) => (exit = r)), onError: () => undefined, intervalMs: 1 });
    const seen: { found?: Run } = {};
    void watcher.run.then((r) => (seen.found = r));
    /** Read through a call: an assertion on the property must not narrow what a later look reads. */
    const found = (): Run | undefined => seen.found;
    await until(() => state.searches >= 3, 'a few looks with nothing there');
    assert.equal(found(), undefined, 'nothing found yet');
    assert.equal(state.lastQuery?.filter, launchIdFilter(LAUNCH_ID));
    // Just started: no metric yet. The charts panel opened now picks up the metrics logged later.
    state.runs = [run(0)];
    await until(() => found() !== undefined, 'the run found');
    assert.equal(found()?.info.runId, 'r1');
    assert.equal(found()?.data.metrics.length, 0);
    assert.equal(watcher.looking, false, 'no more looks once found');
    exit();
  });

  it('when the process ends first: one last look, then undefined; store errors back off and are reported', async () => {
    const { state, activeStore } = fakeStore();
    state.fail = true;
    const errors: number[] = [];
    let exit!: () => void;
    const watcher = new LaunchWatcher(activeStore, { launchId: LAUNCH_ID, finished: new Promise<void>((r) => (exit = r)), onError: (_e, next) => errors.push(next), intervalMs: 1 });
    await until(() => errors.length >= 3, 'failed looks');
    assert.equal(watcher.looking, true);
    assert.deepEqual(errors.slice(0, 3), [2, 4, 8], 'the interval doubles while the store errs');
    state.fail = false;
    const before = state.searches;
    exit();
    assert.equal(await watcher.run, undefined);
    assert.ok(state.searches > before, 'looked once more after the process ended');
  });

  it('a run found only by the last look after the exit still counts', async () => {
    const { state, activeStore } = fakeStore();
    let exit!: () => void;
    const watcher = new LaunchWatcher(activeStore, { launchId: LAUNCH_ID, finished: new Promise<void>((r) => (exit = r)), onError: () => undefined, intervalMs: 60_000 });
    state.runs = [run(2)];
    exit();
    assert.equal((await watcher.run)?.info.runId, 'r1');
  });
});
