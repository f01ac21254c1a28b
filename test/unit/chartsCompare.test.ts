import * as assert from 'node:assert';
import { bestIndexes, buildCompareModel, compareRows, lowerIsBetter, rawStats, runDiffText } from '../../src/charts/compareModel';
import type { Metric, Run } from '../../src/mlflow/types';
import { dimensionOf, parallelData, position, scatterData } from '../../webview/compare/plots';

const m = (key: string, value: number, step = 0): Metric => ({ key, value, step, timestamp: step });

function run(id: string, params: Record<string, string>, metrics: Metric[], extra: Partial<Run['info']> = {}, tags: Record<string, string> = {}): Run {
  return {
    info: { runId: id, experimentId: '1', runName: `name-${id}`, userId: 'u', status: 'FINISHED', startTime: 1_000, endTime: 61_000, artifactUri: '', lifecycleStage: 'active', ...extra },
    data: { metrics, params, tags: { 'mlflow.runName': `name-${id}`, ...tags } },
    inputs: { datasets: [], modelInputs: [] },
    outputs: { modelOutputs: [] },
  };
}

describe('compare table model', () => {
  it('marks rows that differ, counting an absent key as a value', () => {
    const rows = compareRows([{ lr: '0.1', seed: '1', extra: 'x' }, { lr: '0.2', seed: '1' }]);
    assert.deepStrictEqual(rows, [
      { key: 'extra', values: ['x', null], differs: true },
      { key: 'lr', values: ['0.1', '0.2'], differs: true },
      { key: 'seed', values: ['1', '1'], differs: false },
    ]);
  });

  it('knows which metrics improve downwards', () => {
    for (const key of ['loss', 'val_loss', 'train/error_rate', 'RMSE', 'mae']) assert.ok(lowerIsBetter(key), key);
    for (const key of ['accuracy', 'f1', 'auc', 'r2']) assert.ok(!lowerIsBetter(key), key);
  });

  it('takes last from the run, min and max from the history, ignoring NaN', () => {
    const history = [m('loss', 3, 0), m('loss', Number.NaN, 1), m('loss', 1, 2), m('loss', 2, 3)];
    assert.deepStrictEqual(rawStats(history[3], history), { last: 2, min: 1, max: 3 });
    const allNaN = rawStats(m('loss', Number.NaN), [m('loss', Number.NaN)]);
    assert.ok(Number.isNaN(allNaN.min) && Number.isNaN(allNaN.max));
    assert.deepStrictEqual(rawStats(m('acc', 0.5), []), { last: 0.5, min: 0.5, max: 0.5 }, 'no history: the latest value alone');
  });

  it('marks the best finite value, ties included, and nothing when fewer than two runs compare', () => {
    assert.deepStrictEqual(bestIndexes([0.3, 0.1, 0.1, undefined], true), [1, 2]);
    assert.deepStrictEqual(bestIndexes([0.3, 0.9, Number.POSITIVE_INFINITY], false), [1], '∞ never wins');
    assert.deepStrictEqual(bestIndexes([Number.NaN, 0.2], true), []);
  });

  it('builds the model with colours, durations, best cells and hidden system tags', () => {
    const runs = [
      run('b', { lr: '0.1' }, [m('loss', 0.5), m('accuracy', 0.7)], {}, { team: 'x' }),
      run('a', { lr: '0.2' }, [m('loss', 0.4), m('accuracy', 0.9)], { status: 'RUNNING', endTime: undefined }, { team: 'x' }),
    ];
    const histories = new Map([['b', new Map([['loss', [m('loss', 0.9), m('loss', 0.2, 1), m('loss', 0.5, 2)]]])]]);
    const model = buildCompareModel(runs, histories, 31_000);
    assert.deepStrictEqual(model.runs.map((r) => [r.runId, r.colorSlot, r.durationMs]), [['b', 1, 60_000], ['a', 0, 30_000]]);
    const loss = model.metrics.find((x) => x.key === 'loss')!;
    assert.deepStrictEqual(loss.stats[0], { last: 0.5, min: 0.2, max: 0.9 });
    assert.deepStrictEqual(loss.best, { last: [1], min: [0], max: [] }, 'lowest last, lowest ever');
    const accuracy = model.metrics.find((x) => x.key === 'accuracy')!;
    assert.deepStrictEqual(accuracy.best, { last: [1], min: [], max: [1] });
    assert.deepStrictEqual(model.tags.map((t) => t.key), ['team'], 'mlflow.runName heads the column instead');
  });

  it('writes params and tags as aligned diff text, one key per line, multi-line values continued indented', () => {
    const text = runDiffText(run('r', { b: '2', a: 'line1\nline2' }, [], {}, { team: 'x' }));
    assert.strictEqual(text, '# name-r (r)\n\n[params]\na = line1\n    line2\nb = 2\n\n[tags]\nteam = x\n');
  });

  it('shows values as logged in the params diff: JSON keeps its quotes, backslashes stay single', () => {
    const json = '[{"path": "data/train.csv", "digest": "a1b2"}]';
    const text = runDiffText(run('r', { datasets: json, dir: 'C:\\data\\train', quote: 'say "hi"' }, []));
    assert.ok(text.includes(`datasets = ${json}\n`), text);
    assert.ok(text.includes('dir = C:\\data\\train\n'), text);
    assert.ok(text.includes('quote = say "hi"\n'), text);
    assert.ok(!text.includes('\\"'), `no escaped quote: ${text}`);
  });
});

describe('compare plots', () => {
  const model = buildCompareModel(
    [
      run('a', { lr: '0.1', opt: 'sgd', seed: '1' }, [m('loss', 0.5)]),
      run('b', { lr: '0.3', opt: 'adam', seed: '1' }, [m('loss', Number.NaN)]),
      run('c', { lr: '0.2', opt: 'adam', seed: '1' }, [m('loss', 0.1)]),
    ],
    new Map(),
    0,
  );

  it('treats a param as numeric only when every value is a number', () => {
    assert.deepStrictEqual(dimensionOf('lr', ['0.1', '0.3', null]), { key: 'lr', kind: 'numeric', min: 0.1, max: 0.3, categories: [] });
    assert.deepStrictEqual(dimensionOf('opt', ['sgd', 'adam', '1']).categories, ['1', 'adam', 'sgd']);
    assert.strictEqual(position(dimensionOf('x', ['5', '5']), '5'), 0.5);
  });

  it('puts the differing params and the metric on parallel axes, with gaps for NaN', () => {
    const { dimensions, lines } = parallelData(model, 'loss');
    assert.deepStrictEqual(dimensions.map((d) => d.key), ['lr', 'opt', 'loss'], 'seed is the same everywhere');
    const rounded = lines.map((l) => l.positions.map((p) => (p === null ? null : Math.round(p * 100) / 100)));
    // lr 0.1/0.3/0.2 → 0/1/0.5; opt adam < sgd; loss 0.5/NaN/0.1 → 1/gap/0.
    assert.deepStrictEqual(rounded, [[0, 1, 1], [1, 0, null], [0.5, 0, 0]]);
    assert.deepStrictEqual(lines[1].labels, ['0.3', 'adam', '—']);
  });

  it('scatters a metric against a numeric or categorical param, leaving out runs without a value', () => {
    assert.deepStrictEqual(scatterData(model, 'lr', 'loss').points, [{ x: 0.1, y: 0.5, runIndex: 0 }, { x: 0.2, y: 0.1, runIndex: 2 }]);
    const byOpt = scatterData(model, 'opt', 'loss');
    assert.deepStrictEqual(byOpt.x?.categories, ['adam', 'sgd']);
    assert.deepStrictEqual(byOpt.points.map((p) => p.x), [1, 0]);
    assert.deepStrictEqual(scatterData(model, 'nope', 'loss').points, []);
  });
});
