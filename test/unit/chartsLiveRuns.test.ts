import assert from 'node:assert/strict';
import { applyLiveRuns, isLive } from '../../src/charts/core/liveRuns';
import type { ChartRun } from '../../src/charts/protocol';
import type { Run, RunStatus } from '../../src/mlflow/types';

/** A run as a store returns it: `data.metrics` holds the latest value of each key logged so far. */
function run(runId: string, status: RunStatus, metricKeys: string[] = [], runName = runId): Run {
  return {
    info: { runId, runName, experimentId: '1', userId: 'u', status, startTime: 1, artifactUri: '', lifecycleStage: 'active' },
    data: { metrics: metricKeys.map((key) => ({ key, value: 1, timestamp: 2, step: 3 })), params: {}, tags: {} },
    inputs: { datasets: [], modelInputs: [] },
    outputs: { modelOutputs: [] },
  };
}

const chartRun = (runId: string, status: RunStatus, colorSlot = 0): ChartRun => ({ runId, runName: runId, status, startTime: 1, colorSlot });

describe('charts live poll: statuses, names and new metric keys of live runs', () => {
  it('counts RUNNING and SCHEDULED as live, the three end states as not', () => {
    assert.deepEqual((['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const).map(isLive), [true, true, false, false, false]);
  });

  it('takes the status a run ended with and names the runs that stopped being live', () => {
    const state = { runs: [chartRun('a', 'RUNNING', 0), chartRun('b', 'RUNNING', 1), chartRun('c', 'FINISHED', 2)], metricKeys: ['loss'], charted: ['loss'] };
    const update = applyLiveRuns(state, [run('a', 'FAILED', ['loss']), run('b', 'RUNNING', ['loss'])], { maxCharts: 4 });
    assert.deepEqual(update.runs.map((r) => [r.runId, r.status, r.colorSlot]), [['a', 'FAILED', 0], ['b', 'RUNNING', 1], ['c', 'FINISHED', 2]]);
    assert.deepEqual(update.ended, ['a']);
    assert.equal(update.changed, true);
    assert.deepEqual(update.added, []);
  });

  it('reports nothing changed when statuses, names and keys are as before', () => {
    const state = { runs: [chartRun('a', 'RUNNING')], metricKeys: ['loss'], charted: ['loss'] };
    const update = applyLiveRuns(state, [run('a', 'RUNNING', ['loss'])], { maxCharts: 4 });
    assert.equal(update.changed, false);
    assert.deepEqual([update.ended, update.added, update.metricKeys], [[], [], ['loss']]);
    assert.equal(update.runs[0], state.runs[0], 'an unchanged run is the same object');
  });

  it('follows a run renamed while it runs (a name left empty shows the id)', () => {
    const state = { runs: [chartRun('a', 'RUNNING'), chartRun('b', 'RUNNING')], metricKeys: [], charted: [] };
    const update = applyLiveRuns(state, [run('a', 'FINISHED', [], 'final-name'), run('b', 'RUNNING', [], '')], { maxCharts: 4 });
    assert.deepEqual(update.runs.map((r) => r.runName), ['final-name', 'b']);
    assert.equal(update.changed, true);
  });

  it('charts the keys a run logs for the first time, sorted, after the ones already shown', () => {
    // A panel opened on a run that had logged nothing yet.
    const empty = { runs: [chartRun('a', 'RUNNING')], metricKeys: [], charted: [] };
    const first = applyLiveRuns(empty, [run('a', 'RUNNING', ['val_loss', 'accuracy'])], { maxCharts: 4 });
    assert.deepEqual([first.metricKeys, first.added, first.changed], [['accuracy', 'val_loss'], ['accuracy', 'val_loss'], true]);

    const later = applyLiveRuns({ runs: first.runs, metricKeys: first.metricKeys, charted: ['val_loss', 'accuracy'] }, [run('a', 'RUNNING', ['accuracy', 'val_loss', 'lr'])], { maxCharts: 4 });
    assert.deepEqual([later.metricKeys, later.added], [['accuracy', 'lr', 'val_loss'], ['lr']]);
  });

  it('never charts again a key the user unticked, and fills only up to maxCharts', () => {
    // 'loss' is known and was unticked: not new, not charted again.
    const state = { runs: [chartRun('a', 'RUNNING')], metricKeys: ['loss', 'acc'], charted: ['acc', 'f1'] };
    const update = applyLiveRuns(state, [run('a', 'RUNNING', ['loss', 'acc', 'f1', 'z', 'b', 'c'])], { maxCharts: 4 });
    assert.deepEqual(update.metricKeys, ['acc', 'b', 'c', 'f1', 'loss', 'z'], 'every key is listed');
    assert.deepEqual(update.added, ['b', 'c'], 'the first new keys, while fewer than 4 charts show ("f1" already does)');
    const full = applyLiveRuns({ ...state, charted: ['1', '2', '3', '4', '5'] }, [run('a', 'RUNNING', ['new'])], { maxCharts: 4 });
    assert.deepEqual([full.added, full.metricKeys.includes('new'), full.changed], [[], true, true]);
  });

  it('takes keys from every fresh run, and leaves out runs it has no fresh copy of', () => {
    const state = { runs: [chartRun('a', 'RUNNING'), chartRun('b', 'RUNNING')], metricKeys: [], charted: [] };
    const update = applyLiveRuns(state, [run('b', 'KILLED', ['from_b'])], { maxCharts: 4 });
    assert.deepEqual(update.runs.map((r) => r.status), ['RUNNING', 'KILLED']);
    assert.deepEqual([update.added, update.ended], [['from_b'], ['b']]);
  });
});
