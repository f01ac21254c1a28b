import * as assert from 'assert';
import { possiblyThinnedRuns } from '../../src/charts/series';
import type { RunMetric } from '../../src/mlflow/types';

const points = (runId: string, steps: number[]): RunMetric[] =>
  steps.map((step) => ({ runId, key: 'loss', value: step, timestamp: step, step }));

describe('possiblyThinnedRuns (short runs sampled on the union of a long run\'s steps)', () => {
  it('flags a run that came back with fewer points than its own step span allows', () => {
    // A 20,000-step run beside a 200-step one: MLflow samples the union, leaving the short run ~11 points.
    const long = points('long', Array.from({ length: 100 }, (_, i) => i * 200));
    const short = points('short', [0, 20, 40, 60, 80, 100, 120, 140, 160, 180, 199]);
    assert.deepStrictEqual(possiblyThinnedRuns([...long, ...short], 100), ['short']);
  });

  it('leaves runs alone that are complete or already at the sampling limit', () => {
    const complete = points('complete', [0, 1, 2, 3, 4]);
    const atLimit = points('atLimit', Array.from({ length: 10 }, (_, i) => i * 50));
    assert.deepStrictEqual(possiblyThinnedRuns([...complete, ...atLimit], 10), []);
  });
});
