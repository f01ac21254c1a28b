import assert from 'node:assert/strict';
import { experimentPicks, pickCountProblem, pickText, runPicks, tagPicks } from '../../src/explorer/core/pickItems';
import { toExperiment, toRun } from '../../src/mlflow/rest/mapping';
import type { Run } from '../../src/mlflow/types';
import { getCapture } from '../support/replayServer';

/** Experiments and runs exactly as the real 2.17.2 server sent them. */
const experiments = (getCapture('mlflow-2.17.2', 'experiments_search_all_view_types').response as { experiments: unknown[] }).experiments.map(toExperiment);
const runs = (getCapture('mlflow-2.17.2', 'runs_search_basic').response as { runs: unknown[] }).runs.map(toRun);

describe('palette pickers: experiment and run items (explorer/core/pickItems)', () => {
  it('lists the active experiments by name with their id, leaving deleted ones out', () => {
    const picks = experimentPicks(experiments);
    assert.ok(experiments.some((e) => e.lifecycleStage === 'deleted'), 'the capture holds a deleted experiment');
    assert.deepEqual(picks.map((p) => p.experimentId), experiments.filter((e) => e.lifecycleStage === 'active').map((e) => e.experimentId));
    const iris = picks.find((p) => p.label === 'iris-classification');
    assert.ok(iris);
    assert.equal(iris.description, `#${iris.experimentId}`);
  });

  it('lists only deleted experiments for Restore, and only unpinned (or pinned) ones for Pin (or Unpin)', () => {
    const deleted = experiments.filter((e) => e.lifecycleStage === 'deleted');
    const restorable = experimentPicks(experiments, { stage: 'deleted' });
    assert.deepEqual(restorable.map((p) => p.experimentId), deleted.map((e) => e.experimentId));
    assert.match(restorable[0]!.description, / · deleted$/);

    const active = experiments.filter((e) => e.lifecycleStage === 'active');
    const pinned = new Set([active[0]!.experimentId]);
    const pinnable = experimentPicks(experiments, { pinned, wantPinned: false });
    assert.deepEqual(pinnable.map((p) => p.experimentId), active.slice(1).map((e) => e.experimentId));
    const unpinnable = experimentPicks(experiments, { pinned, wantPinned: true });
    assert.deepEqual(unpinnable.map((p) => [p.experimentId, p.description]), [[active[0]!.experimentId, `#${active[0]!.experimentId} · pinned`]]);
  });

  it("lists a run's tags, its own before MLflow's, each with its value on one line", () => {
    const run = runs.find((r) => Object.keys(r.data.tags).some((k) => !k.startsWith('mlflow.')) && Object.keys(r.data.tags).some((k) => k.startsWith('mlflow.')))!;
    assert.ok(run, 'a captured run with both kinds of tags');
    const picks = tagPicks(run.data.tags);
    assert.deepEqual(picks.map((p) => p.key).sort(), Object.keys(run.data.tags).sort());
    const firstSystem = picks.findIndex((p) => p.key.startsWith('mlflow.'));
    assert.ok(picks.slice(firstSystem).every((p) => p.key.startsWith('mlflow.')), 'user tags first');
    const long = tagPicks({ note: `a\n${'x'.repeat(200)}` })[0]!;
    assert.equal(long.description.length, 80);
    assert.doesNotMatch(long.description, /\n/);
  });

  it('lists runs newest first with status, start and key metric, searchable by id', () => {
    assert.ok(runs.length >= 3);
    const now = Math.max(...runs.map((r) => r.info.startTime ?? 0)) + 3_600_000;
    const picks = runPicks(runs, { keyMetric: 'accuracy', now });
    const starts = picks.map((p) => runs.find((r) => r.info.runId === p.runId)!.info.startTime ?? 0);
    assert.deepEqual(starts, [...starts].sort((a, b) => b - a));
    const withAccuracy = runs.find((r) => r.data.metrics.some((m) => m.key === 'accuracy'))!;
    const pick = picks.find((p) => p.runId === withAccuracy.info.runId)!;
    assert.equal(pick.label, withAccuracy.info.runName);
    assert.match(pick.description, new RegExp(`^${withAccuracy.info.status} · started `));
    assert.match(pick.detail, new RegExp(`^${withAccuracy.info.runId} · accuracy \\d`));
  });

  it('shows hostile names as one literal line: no icon syntax, no line breaks', () => {
    const run: Run = { ...runs[0]!, info: { ...runs[0]!.info, runName: '$(alert) pwned\n<img src=x onerror=alert(1)>' } };
    const [pick] = runPicks([run], { now: Date.now() });
    assert.equal(pick!.label, '$\u200b(alert) pwned <img src=x onerror=alert(1)>');
    assert.doesNotMatch(pick!.label, /\$\(/);
    assert.equal(pickText('a\tb'), 'a b');
  });

  it('says when the picked runs do not fit the command', () => {
    assert.equal(pickCountProblem(0, { min: 1 }), 'Pick at least one run.');
    assert.equal(pickCountProblem(1, { min: 1 }), undefined);
    assert.equal(pickCountProblem(1, { min: 2 }), 'Pick at least 2 runs (1 picked).');
    assert.equal(pickCountProblem(5, { min: 2 }), undefined);
    assert.equal(pickCountProblem(3, { min: 2, max: 2 }), 'Pick exactly 2 runs (3 picked).');
    assert.equal(pickCountProblem(2, { min: 2, max: 2 }), undefined);
    assert.equal(pickCountProblem(4, { min: 1, max: 3 }), 'Pick at most 3 runs (4 picked).');
  });
});
