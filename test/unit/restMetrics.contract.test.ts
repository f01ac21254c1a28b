import assert from 'node:assert/strict';
import { CAPTURE_SETS, captureIds, useReplayStore } from '../support/replayServer';

/** Metric histories and sampled histories, replayed from both real servers' captures. */

for (const set of CAPTURE_SETS) {
  const v3 = set === 'mlflow-3.x';
  const ids = captureIds(set);
  const baseline0 = ids.runs['baseline-0'] ?? '';
  const baseline1 = ids.runs['baseline-1'] ?? '';
  const longSgd0 = ids.runs['long-sgd-0'] ?? '';

  describe(`RestStore metrics (${set} captures)`, () => {
    const { replay, store } = useReplayStore(set);

    it('samples the histories of several runs with get-history-bulk-interval under /api', async () => {
      const points = await replay().expect(['api_metrics_get_history_bulk_interval'], () =>
        store().getSampledHistories({ runIds: [baseline0, baseline1], metricKey: 'accuracy', maxResults: 10 }),
      );
      for (const runId of [baseline0, baseline1]) {
        const steps = points.filter((p) => p.runId === runId).map((p) => p.step);
        // At most max_results steps plus the last one, which MLflow always keeps.
        assert.deepEqual(steps, [0, 20, 40, 60, 80, 100, 120, 140, 160, 180, 199]);
      }
      assert.ok(points.every((p) => p.key === 'accuracy' && Number.isFinite(p.value) && p.timestamp > 0));
    });

    it('answers an empty run list without asking the server', async () => {
      const points = await replay().expect([], () => store().getSampledHistories({ runIds: [], metricKey: 'accuracy', maxResults: 10 }));
      assert.deepEqual(points, []);
    });

    if (!v3) {
      it('shows that 2.x ignores max_results on get-history (all points, no token)', async () => {
        const page = await replay().expect(['metrics_get_history_max_results_ignored'], () => store().getMetricHistoryPage(longSgd0, 'loss', { maxResults: 100 }));
        // The capture keeps 50 of the 20,000 points the server sent; more than 100 were sent at once.
        assert.equal(page.items.length, 50);
        assert.equal(page.nextPageToken, undefined);
      });
      return;
    }

    it('always sends max_results=25000 and reads a long history in one page', async () => {
      const history = await replay().expect(['metrics_get_history_20000_steps'], () => store().getMetricHistory(longSgd0, 'loss'));
      assert.equal(history.length, 50);
      assert.deepEqual(
        history.slice(0, 3).map((m) => m.step),
        [0, 1, 2],
      );
      assert.equal(history[0]?.value, 3.018857233747751);
    });

    it('reads a 200-step history and a model-linked metric', async () => {
      const history = await replay().expect(['metrics_get_history_200_steps'], () => store().getMetricHistory(baseline0, 'accuracy'));
      assert.equal(history[0]?.key, 'accuracy');
      const modelMetric = await replay().expect(['metrics_get_history_model_metric'], () =>
        store().getMetricHistory(ids.runs['logreg-C1.0-lbfgs'] ?? '', 'test_accuracy'),
      );
      assert.deepEqual(
        modelMetric.map((m) => [m.key, m.value, m.step]),
        [['test_accuracy', 0.9777777777777777, 0]],
      );
    });

    it('turns "NaN" and ±1.7976931348623157e+308 into NaN and ±Infinity', async () => {
      const history = await replay().expect(['metrics_get_history_nan_inf'], () => store().getMetricHistory(ids.runs['finetune-0'] ?? '', 'train/loss'));
      const at = (step: number): number | undefined => history.find((m) => m.step === step)?.value;
      assert.ok(Number.isNaN(at(50)));
      assert.equal(at(51), Number.POSITIVE_INFINITY);
      assert.equal(at(52), Number.NEGATIVE_INFINITY);
      assert.equal(at(53), 1.848883413750307);
      assert.deepEqual(
        history.map((m) => m.step),
        Array.from({ length: 15 }, (_, i) => 45 + i),
      );
    });

    it('answers {} for an unknown key or run with an empty history', async () => {
      assert.deepEqual(await replay().expect(['metrics_get_history_unknown_key'], () => store().getMetricHistory(baseline0, 'nope')), []);
      assert.deepEqual(
        await replay().expect(['metrics_get_history_unknown_run_empty_200'], () => store().getMetricHistory('0123456789abcdef0123456789abcdef', 'loss')),
        [],
      );
    });

    it('pages get-history with max_results and the opaque next_page_token (3.x pages)', async () => {
      const page1 = await replay().expect(['metrics_get_history_max_results_page1'], () => store().getMetricHistoryPage(longSgd0, 'loss', { maxResults: 25 }));
      assert.equal(page1.items.length, 25);
      assert.equal(page1.nextPageToken, 'eyJvZmZzZXQiOiAyNX0=');
      const page2 = await replay().expect(['metrics_get_history_max_results_page2'], () =>
        store().getMetricHistoryPage(longSgd0, 'loss', { maxResults: 25, pageToken: page1.nextPageToken }),
      );
      assert.equal(page2.items[0]?.step, 25);
      const page3 = await replay().expect(['metrics_get_history_max_results_page3'], () =>
        store().getMetricHistoryPage(longSgd0, 'loss', { maxResults: 25, pageToken: page2.nextPageToken }),
      );
      assert.equal(page3.items[0]?.step, 50);
      assert.equal(page3.nextPageToken, 'eyJvZmZzZXQiOiA3NX0=');
    });

    it('ends on a last page without next_page_token', async () => {
      const page = await replay().expect(['metrics_get_history_last_page'], () =>
        store().getMetricHistoryPage(baseline0, 'accuracy', { maxResults: 150, pageToken: 'eyJvZmZzZXQiOiAxNTB9' }),
      );
      assert.equal(page.items.length, 50);
      assert.equal(page.nextPageToken, undefined);
    });

    it('reports a bad page token as INVALID_PARAMETER_VALUE', async () => {
      const error = await replay().expectError(['metrics_get_history_bad_page_token_400'], () =>
        store().getMetricHistoryPage(baseline0, 'accuracy', { maxResults: 10, pageToken: 'not-a-token' }),
      );
      assert.equal(error.errorCode, 'INVALID_PARAMETER_VALUE');
      assert.match(error.message, /Invalid page token/);
    });
  });

  // Only 3.x: 2.17.2's get-history captures were made without max_results (see rest.contract.test.ts).
  if (!v3) continue;

  describe(`RestStore sampled histories without get-history-bulk-interval (${set} captures)`, () => {
    const { replay, store } = useReplayStore(set);

    it('falls back to full histories and samples them itself when the endpoint answers 404 HTML', async () => {
      replay().takeRequests();
      // This window was never captured, so the replay answers like a server without the route.
      const points = await store().getSampledHistories({ runIds: [longSgd0], metricKey: 'loss', maxResults: 5 });
      const sent = replay().takeRequests();
      assert.deepEqual(
        sent.map((r) => [r.path, r.capture]),
        [
          ['/api/2.0/mlflow/metrics/get-history-bulk-interval', undefined],
          ['/api/2.0/mlflow/metrics/get-history', 'metrics_get_history_20000_steps'],
        ],
      );
      const steps = points.map((p) => p.step);
      assert.ok(points.every((p) => p.runId === longSgd0 && p.key === 'loss'));
      assert.ok(steps.length <= 6 && steps.length >= 2, `sampled ${steps.length} points`);
      assert.equal(steps[0], 0, 'the first step is kept');
      assert.equal(steps.at(-1), 49, 'the last step is kept');

      // The missing route is remembered: no second probe, and capabilities say so.
      await replay().expect(['metrics_get_history_20000_steps'], () => store().getSampledHistories({ runIds: [longSgd0], metricKey: 'loss', maxResults: 5 }));
      replay().takeRequests();
      assert.equal((await store().capabilities()).sampledHistory, false);
    });
  });
}
