import assert from 'node:assert/strict';
import { formatDelta, hintLabel, lensTitle, primaryMetric, sparkline, valuesOf } from '../../src/besideCode/core/summary';
import type { Run } from '../../src/mlflow/types';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 0, 10, 12);
const HEAD = 'a'.repeat(40);

function run(id: string, hoursAgo: number, metrics: Record<string, number>, extra: { params?: Record<string, string>; commit?: string } = {}): Run {
  return {
    info: { runId: id, experimentId: '1', runName: `name-${id}`, userId: '', status: 'FINISHED', startTime: NOW - hoursAgo * HOUR, artifactUri: '', lifecycleStage: 'active' },
    data: {
      metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp: 0, step: 0 })),
      params: extra.params ?? {},
      tags: extra.commit ? { 'mlflow.source.git.commit': extra.commit } : {},
    },
    inputs: { datasets: [], modelInputs: [] },
    outputs: { modelOutputs: [] },
  };
}

/** The lens, hint and hover texts (src/besideCode/core/summary.ts). */
describe('beside code: lens, hint and hover texts', () => {
  const runs = [
    run('r3', 2, { accuracy: 0.931, loss: 0.2 }, { params: { solver: 'lbfgs' }, commit: HEAD }),
    run('r2', 5, { accuracy: 0.927, loss: 0.25 }, { params: { solver: 'saga' }, commit: HEAD }),
    run('r1', 30, { accuracy: 0.9, rmse: 3 }, { commit: 'b'.repeat(40) }),
  ];

  it('reads like the issue: count, age of the latest, primary metric with its change', () => {
    assert.equal(lensTitle(runs, { now: NOW, head: HEAD, fileOrder: ['accuracy', 'loss'] }), 'MLflow: 3 runs · last 2h ago · accuracy 0.931 (▲ 0.004)');
  });

  it('picks the metric most runs logged, then the file order, then the setting when the latest run has it', () => {
    assert.equal(primaryMetric(runs, { fileOrder: [] }), 'accuracy');
    assert.equal(primaryMetric(runs.slice(0, 2), { fileOrder: ['loss', 'accuracy'] }), 'loss');
    assert.equal(primaryMetric(runs.slice(0, 2), { fileOrder: [] }), 'accuracy', 'alphabetical when the file says nothing');
    assert.equal(primaryMetric(runs, { fileOrder: [], keyMetric: 'loss' }), 'loss');
    assert.equal(primaryMetric(runs, { fileOrder: [], keyMetric: 'rmse' }), 'accuracy', 'the latest run has no rmse');
  });

  it('shows a fall with ▼, no change as = 0, and no delta for a first run', () => {
    const falling = [run('b', 1, { loss: 0.2 }), run('a', 2, { loss: 0.25 })];
    assert.equal(lensTitle(falling, { now: NOW, fileOrder: [] }), 'MLflow: 2 runs · last 1h ago · loss 0.2 (▼ 0.05)');
    assert.equal(formatDelta(1, 1), '= 0');
    assert.equal(formatDelta(Number.NaN, 1), '');
    assert.equal(lensTitle([run('a', 0.5, { loss: 1 })], { now: NOW, fileOrder: [] }), 'MLflow: 1 run · last 30m ago · loss 1');
  });

  it('compares with the latest earlier run that has the metric', () => {
    const gap = [run('c', 1, { acc: 0.5 }), run('b', 2, { other: 1 }), run('a', 3, { acc: 0.25 })];
    assert.equal(lensTitle(gap, { now: NOW, fileOrder: [] }), 'MLflow: 3 runs · last 1h ago · acc 0.5 (▲ 0.25)');
  });

  it('says when the latest run came from another commit, and when there are no runs', () => {
    assert.equal(lensTitle(runs, { now: NOW, head: 'c'.repeat(40), fileOrder: [] }), 'MLflow: 3 runs · last 2h ago · accuracy 0.931 (▲ 0.004) · latest from another commit');
    assert.equal(lensTitle([], { now: NOW, fileOrder: [] }), 'MLflow: no runs of this file yet');
    assert.equal(lensTitle(runs, { now: NOW, fileOrder: [], more: true }).startsWith('MLflow: 3+ runs'), true);
  });

  it('lists the last values of a key, newest first, skipping runs without it', () => {
    const values = valuesOf(runs, 'metric', 'loss', 5, HEAD);
    assert.deepEqual(values.map((v) => [v.runName, v.value, v.otherCommit]), [['name-r3', 0.2, false], ['name-r2', 0.25, false]]);
    assert.deepEqual(valuesOf(runs, 'metric', 'accuracy', 2, HEAD).map((v) => v.runId), ['r3', 'r2']);
    assert.deepEqual(valuesOf(runs, 'metric', 'rmse', 5, HEAD).map((v) => v.otherCommit), [true]);
    assert.deepEqual(valuesOf(runs, 'param', 'solver', 5, HEAD).map((v) => v.value), ['lbfgs', 'saga']);
  });

  it('labels hints with the latest value: numbers as read, params quoted and cut', () => {
    assert.equal(hintLabel(valuesOf(runs, 'metric', 'accuracy', 5, HEAD)), '= 0.931');
    assert.equal(hintLabel(valuesOf(runs, 'metric', 'rmse', 5, HEAD)), '= 3 (other commit)');
    assert.equal(hintLabel(valuesOf(runs, 'param', 'solver', 5, HEAD)), '= "lbfgs"');
    const long = [run('p', 1, {}, { params: { layers: `[${'64, '.repeat(30)}]\n` } })];
    assert.equal(hintLabel(valuesOf(long, 'param', 'layers', 5)), `= "[${'64, '.repeat(9)}64…"`, '40 characters at most, on one line');
    assert.equal(hintLabel([]), undefined);
    assert.equal(hintLabel(valuesOf([run('n', 1, { x: Number.NaN })], 'metric', 'x', 5)), '= NaN');
  });

  it('draws sparklines oldest to newest with gaps for non-finite values', () => {
    assert.equal(sparkline([0, 1, 2, 3, 4, 5, 6, 7]), '▁▂▃▄▅▆▇█');
    assert.equal(sparkline([2, 2]), '▄▄');
    assert.equal(sparkline([1, Number.NaN, 3]), '▁ █');
    assert.equal(sparkline([]), '');
    assert.equal(sparkline([Number.POSITIVE_INFINITY]), '', 'nothing to scale');
  });
});
