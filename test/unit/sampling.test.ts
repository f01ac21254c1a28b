import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { MlflowError } from '../../src/mlflow/errors';
import { SqliteStore } from '../../src/mlflow/local/sqliteStore';
import { toRunMetric } from '../../src/mlflow/rest/mapping';
import { sampleHistories, selectSampledSteps } from '../../src/mlflow/sampling';
import type { Metric } from '../../src/mlflow/types';
import { SQLITE_ENGINE } from '../support/sqliteEngine';

/**
 * get-history-bulk-interval sampling, checked on small histories and against what the real servers
 * answered, recomputed here from the full histories in the same servers' SQLite stores.
 */

const FIXTURES = path.resolve(__dirname, '../fixtures');

interface Capture {
  request: { query: Record<string, unknown> };
  status: number;
  response: { metrics?: unknown[]; _truncated_original_length?: number; message?: string };
}

function capture(version: string, name: string): Capture {
  return JSON.parse(readFileSync(path.join(FIXTURES, version, 'rest-captures', `${name}.json`), 'utf8')) as Capture;
}

function history(key: string, steps: number[], runOffset = 0): Metric[] {
  return steps.map((step) => ({ key, value: step / 10 + runOffset, timestamp: 1000 + step, step }));
}

const range = (from: number, to: number, by = 1) => Array.from({ length: Math.floor((to - from) / by) + 1 }, (_, i) => from + i * by);

describe('sampling: get-history-bulk-interval rules', () => {
  it('returns every step when the window holds no more than max_results', () => {
    const out = sampleHistories(new Map([['r', history('loss', [0, 1, 2, 3])]]), { maxResults: 10 });
    assert.deepEqual(out.map((m) => m.step), [0, 1, 2, 3]);
    assert.deepEqual(out[0], { runId: 'r', key: 'loss', value: 0, timestamp: 1000, step: 0 });
  });

  it('samples at an even interval over the union of all runs’ steps, keeping the last step', () => {
    const steps = selectSampledSteps([history('m', range(0, 99)), history('m', range(0, 99))], { maxResults: 10 });
    assert.deepEqual([...steps].sort((a, b) => a - b), [0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 99]);
  });

  it("keeps each run's own first and last step, even when the interval skips them", () => {
    const long = history('m', range(0, 1000));
    const short = history('m', range(0, 333));
    const out = sampleHistories(new Map([['long', long], ['short', short]]), { maxResults: 4 });
    assert.deepEqual(out.filter((m) => m.runId === 'short').map((m) => m.step), [0, 250, 333]);
    assert.deepEqual(out.filter((m) => m.runId === 'long').map((m) => m.step), [0, 250, 333, 500, 750, 1000]);
  });

  it('samples inside a window, and only keeps run ends that fall in it', () => {
    const out = sampleHistories(new Map([['r', history('m', range(0, 2000))]]), { maxResults: 4, startStep: 1000, endStep: 2000 });
    assert.deepEqual(out.map((m) => m.step), [1000, 1250, 1500, 1750, 2000]);
  });

  it('defaults the window to [0, last step], so negative steps need an explicit window', () => {
    const h = history('m', [-5, -1, 0, 3]);
    assert.deepEqual(sampleHistories(new Map([['r', h]]), { maxResults: 10 }).map((m) => m.step), [0, 3]);
    assert.deepEqual(sampleHistories(new Map([['r', h]]), { maxResults: 10, startStep: -5, endStep: 3 }).map((m) => m.step), [-5, -1, 0, 3]);
  });

  it('returns every point logged at a chosen step, ordered by step, timestamp, value (NaN as 0)', () => {
    const h: Metric[] = [
      { key: 'm', value: 2, timestamp: 5, step: 1 },
      { key: 'm', value: Number.NaN, timestamp: 5, step: 1 },
      { key: 'm', value: 1, timestamp: 4, step: 1 },
      { key: 'm', value: 0, timestamp: 1, step: 0 },
    ];
    const out = sampleHistories(new Map([['r', h]]), { maxResults: 5 });
    assert.deepEqual(out.map((m) => [m.step, m.timestamp, m.value]), [[0, 1, 0], [1, 4, 1], [1, 5, Number.NaN], [1, 5, 2]]);
  });

  it('lists runs in the order given and skips runs without the metric', () => {
    const out = sampleHistories(new Map([['b', history('m', [0, 1])], ['none', []], ['a', history('m', [0])]]), { maxResults: 5 });
    assert.deepEqual(out.map((m) => `${m.runId}:${m.step}`), ['b:0', 'b:1', 'a:0']);
  });

  it('rejects the requests the server rejects, with its messages', () => {
    const reject = (window: Parameters<typeof sampleHistories>[1], message: string) =>
      assert.throws(() => sampleHistories(new Map(), window), (e: unknown) => e instanceof MlflowError && e.errorCode === 'INVALID_PARAMETER_VALUE' && e.message === message);
    reject({ maxResults: 10, startStep: 10 }, 'If either start step or end step are specified, both must be specified.');
    reject({ maxResults: 10, startStep: 10, endStep: 5 }, 'end_step must be greater than start_step. Found start_step=10 and end_step=5.');
    reject({ maxResults: 0 }, 'max_results must be between 1 and 2500.');
    reject({ maxResults: 2501 }, 'max_results must be between 1 and 2500.');
  });
});

for (const version of ['mlflow-2.17.2', 'mlflow-3.x']) {
  describe(`sampling: ${version} get-history-bulk-interval captures, recomputed from its store`, () => {
    let store: SqliteStore;
    before(() => {
      store = new SqliteStore(path.join(FIXTURES, version, 'server-store', 'mlflow.db'), { engine: SQLITE_ENGINE });
    });
    after(() => store.dispose());

    async function recompute(c: Capture) {
      const q = c.request.query;
      const runIds = ([] as unknown[]).concat(q.run_ids).map(String);
      const histories = new Map<string, Metric[]>();
      for (const runId of runIds) histories.set(runId, await store.getMetricHistory(runId, String(q.metric_key)));
      return sampleHistories(histories, {
        maxResults: Number(q.max_results),
        startStep: q.start_step === undefined ? undefined : Number(q.start_step),
        endStep: q.end_step === undefined ? undefined : Number(q.end_step),
      });
    }

    for (const name of ['api_metrics_get_history_bulk_interval', 'ajax_metrics_get_history_bulk_interval']) {
      it(`reproduces ${name} point for point`, async () => {
        const c = capture(version, name);
        const expected = (c.response.metrics ?? []).map(toRunMetric);
        const actual = await recompute(c);
        // Captures keep the first 50 points of longer answers and record the full length.
        assert.equal(actual.length, c.response._truncated_original_length ?? expected.length);
        assert.deepEqual(actual.slice(0, expected.length), expected);
        // The store answers the same through its own method.
        const q = c.request.query;
        const viaStore = await store.getSampledHistories({ runIds: ([] as unknown[]).concat(q.run_ids).map(String), metricKey: String(q.metric_key), maxResults: Number(q.max_results) });
        assert.deepEqual(viaStore, actual);
      });
    }

    it('reproduces the windowed capture (ajax_metrics_get_history_bulk_interval_window)', async () => {
      const c = capture(version, 'ajax_metrics_get_history_bulk_interval_window');
      const expected = (c.response.metrics ?? []).map(toRunMetric);
      const actual = await recompute(c);
      if (version === 'mlflow-3.x') {
        assert.deepEqual(actual, expected);
      } else {
        // MLflow 2.17.2 compared the sampling index with the window's length instead of its end
        // (`idx < num_steps`), so a window starting at step 1000 kept only its first and last step.
        // Later servers (the 3.x capture above) return the evenly sampled window; this follows them,
        // and what 2.17.2 returned is the window's ends within that.
        assert.deepEqual(expected.map((m) => m.step), [1000, 2000]);
        assert.deepEqual(actual.map((m) => m.step), range(1000, 2000, 50));
        for (const point of expected) assert.deepEqual(actual.find((m) => m.step === point.step), point);
      }
    });

    it('rejects a window with only a start, as the server did (ajax_metrics_get_history_bulk_interval_bad_400)', async () => {
      const c = capture(version, 'ajax_metrics_get_history_bulk_interval_bad_400');
      const q = c.request.query;
      await assert.rejects(
        store.getSampledHistories({ runIds: [String(q.run_ids)], metricKey: String(q.metric_key), maxResults: 320, startStep: Number(q.start_step) }),
        (e: unknown) => e instanceof MlflowError && e.errorCode === 'INVALID_PARAMETER_VALUE' && e.message === c.response.message,
      );
    });
  });
}
