import assert from 'node:assert/strict';
import type { RunStatus } from '../../src/mlflow/types';
import { CAPTURE_SETS, captureIds, captureParam, useReplayStore } from '../support/replayServer';

/** Runs endpoints, replayed from both real servers' captures (see rest.contract.test.ts). */

const FILTER_ORDER = {
  experimentIds: ['1', '2', '3'],
  filter: "metrics.accuracy > 0.5 AND tags.model_type = 'LogisticRegression'",
  runViewType: 'ACTIVE_ONLY',
  maxResults: 3,
  orderBy: ['metrics.accuracy DESC', 'attributes.start_time DESC'],
} as const;

for (const set of CAPTURE_SETS) {
  const v3 = set === 'mlflow-3.x';
  const ids = captureIds(set);
  /** The run the capture script created, mutated and deleted. */
  const capturedRun = captureParam(set, 'runs_delete', 'run_id');

  describe(`RestStore runs (${set} captures)`, () => {
    const { replay, store } = useReplayStore(set);

    it('searches runs with a page size and returns the next page token', async () => {
      const page = await replay().expect(['runs_search_basic'], () => store().searchRuns({ experimentIds: ['1'], maxResults: 3 }));
      assert.deepEqual(
        page.items.map((r) => r.info.runName),
        ['trial-3', 'trial-2', 'trial-1'],
      );
      assert.equal(page.nextPageToken, 'eyJvZmZzZXQiOiAzfQ==');
    });

    it('follows three pages of a filtered, ordered search until the token runs out', async () => {
      const names: string[] = [];
      const captures = ['runs_search_filter_order_page1', 'runs_search_filter_order_page2', 'runs_search_filter_order_page3'];
      let pageToken: string | undefined;
      for (const capture of captures) {
        const page = await replay().expect([capture], () => store().searchRuns({ ...FILTER_ORDER, orderBy: [...FILTER_ORDER.orderBy], experimentIds: [...FILTER_ORDER.experimentIds], pageToken }));
        names.push(...page.items.map((r) => r.info.runName));
        pageToken = page.nextPageToken;
      }
      assert.equal(pageToken, undefined);
      assert.deepEqual(names, ['logreg-C1.0-lbfgs', 'logreg-C10.0-saga', 'logreg-C0.1-lbfgs', 'baseline-3', 'baseline-2', 'baseline-1', 'baseline-0']);
    });

    it('searches by status and orders by name', async () => {
      const page = await replay().expect(['runs_search_by_status_and_name'], () =>
        store().searchRuns({ experimentIds: ['1', '2', '3'], filter: "attributes.status != 'FINISHED'", maxResults: 50, orderBy: ['attributes.run_name ASC'] }),
      );
      assert.deepEqual(
        page.items.map((r) => [r.info.runName, r.info.status]),
        [
          ['failed-run', 'FAILED'],
          ['killed-run', 'KILLED'],
          ['running-run', 'RUNNING'],
        ],
      );
      const running = page.items[2];
      assert.equal(running?.info.endTime, undefined, 'a running run has no end time');
    });

    it('searches with LIKE/ILIKE filters', async () => {
      const page = await replay().expect(['runs_search_by_tag_like'], () =>
        store().searchRuns({ experimentIds: ['1', '2', '3'], filter: "tags.model_type LIKE 'Log%' AND attributes.run_name ILIKE '%base%'", maxResults: 5 }),
      );
      assert.equal(page.items.length, 4);
      assert.ok(page.items.every((r) => r.data.tags.model_type === 'LogisticRegression'));
    });

    it('finds the children of a parent run', async () => {
      const parent = ids.runs['hyperparam-sweep'] ?? '';
      const page = await replay().expect(['runs_search_children_of_parent'], () =>
        store().searchRuns({ experimentIds: ['1'], filter: `tags.mlflow.parentRunId = '${parent}'`, maxResults: 10 }),
      );
      assert.equal(page.items.length, 4);
      assert.ok(page.items.every((r) => r.data.tags['mlflow.parentRunId'] === parent));
    });

    it('searches deleted runs only (no page size: the server default)', async () => {
      const page = await replay().expect(['runs_search_deleted_only'], () => store().searchRuns({ experimentIds: ['1'], runViewType: 'DELETED_ONLY' }));
      assert.deepEqual(
        page.items.map((r) => [r.info.runName, r.info.lifecycleStage]),
        [['deleted-run', 'deleted']],
      );
    });

    it('quotes metric names with a slash in backticks', async () => {
      const page = await replay().expect(['runs_search_metric_slash_name_backticks'], () =>
        store().searchRuns({ experimentIds: ['3'], filter: 'metrics.`eval/accuracy` > 0.7', orderBy: ['metrics.`eval/accuracy` DESC'], maxResults: 3 }),
      );
      assert.deepEqual(
        page.items.map((r) => r.info.runName),
        ['finetune-6', 'finetune-5', 'finetune-4'],
      );
      const accuracy = page.items[0]?.data.metrics.find((m) => m.key === 'eval/accuracy');
      assert.ok(accuracy && accuracy.value > 0.7);
      // 2.17.2 also sent a token when the page was exactly full; 3.x only when more rows exist.
      assert.equal(page.nextPageToken, v3 ? undefined : 'eyJvZmZzZXQiOiAzfQ==');
    });

    const searchErrors: [string, Parameters<ReturnType<typeof store>['searchRuns']>[0], RegExp][] = [
      ['runs_search_bad_filter_400', { experimentIds: ['1', '2', '3'], filter: 'metrics.accuracy >>> 1' }, /Invalid comparator '>>>'/],
      ['runs_search_bad_filter_unknown_entity_400', { experimentIds: ['1', '2', '3'], filter: 'foo.bar = 1' }, /Invalid entity type 'foo'/],
      ['runs_search_bad_order_by_400', { experimentIds: ['1', '2', '3'], orderBy: ['metrics.accuracy SIDEWAYS'] }, /Invalid ordering key/],
      ['runs_search_bad_page_token_400', { experimentIds: ['1', '2', '3'], pageToken: 'not-a-token' }, /Invalid page token/],
      ['runs_search_max_results_too_large_400', { experimentIds: ['1', '2', '3'], maxResults: 50001 }, /Invalid value 50001/],
    ];
    for (const [capture, query, message] of searchErrors) {
      it(`reports ${capture} as INVALID_PARAMETER_VALUE with the server's message`, async () => {
        const error = await replay().expectError([capture], () => store().searchRuns(query));
        assert.equal(error.errorCode, 'INVALID_PARAMETER_VALUE');
        assert.equal(error.status, 400);
        assert.match(error.message, message);
      });
    }

    it('gets a finished run with params, latest metrics, tags and datasets', async () => {
      const runId = ids.runs['logreg-C1.0-lbfgs'] ?? '';
      const run = await replay().expect(['runs_get_model_run'], () => store().getRun(runId));
      assert.equal(run.info.runId, runId);
      assert.equal(run.info.runName, 'logreg-C1.0-lbfgs');
      assert.equal(run.info.userId, 'root');
      assert.equal(run.info.status, 'FINISHED');
      assert.equal(run.info.artifactUri, v3 ? `mlflow-artifacts:/1/${runId}/artifacts` : `/srv/mlflow-ref/artifacts/1/${runId}/artifacts`);
      assert.equal(run.data.params.C, '1.0');
      assert.equal(run.data.params.solver, 'lbfgs');
      assert.deepEqual(
        run.data.metrics.find((m) => m.key === 'accuracy'),
        { key: 'accuracy', value: 0.9772142012488295, timestamp: run.data.metrics.find((m) => m.key === 'accuracy')?.timestamp, step: 199 },
      );
      assert.equal(run.data.tags.model_type, 'LogisticRegression');
      const training = run.inputs.datasets.find((d) => d.name === 'iris-train');
      assert.deepEqual(training && { digest: training.digest, sourceType: training.sourceType, context: training.context }, {
        digest: '921a606e',
        sourceType: 'local',
        context: 'training',
      });
      if (v3) {
        // MLflow 3: the model is a LoggedModel the run produced, not a run artifact.
        assert.deepEqual(run.outputs.modelOutputs, [{ modelId: 'm-a9e42abd727441048486c5e3060d9f80', step: 0 }]);
        assert.ok(run.inputs.modelInputs.includes('m-a9e42abd727441048486c5e3060d9f80'));
      } else {
        assert.deepEqual(run.outputs.modelOutputs, []);
        assert.ok(run.data.tags['mlflow.log-model.history']);
      }
    });

    it('gets a child run (its parent in the tags)', async () => {
      const run = await replay().expect(['runs_get_child'], () => store().getRun(ids.runs['trial-0'] ?? ''));
      assert.equal(run.data.tags['mlflow.parentRunId'], ids.runs['hyperparam-sweep']);
      assert.deepEqual(run.inputs, { datasets: [], modelInputs: [] });
    });

    it('gets a running run without an end time, a failed run and a deleted run', async () => {
      const running = await replay().expect(['runs_get_running'], () => store().getRun(ids.runs['running-run'] ?? ''));
      assert.equal(running.info.status, 'RUNNING');
      assert.equal(running.info.endTime, undefined);
      const failed = await replay().expect(['runs_get_failed'], () => store().getRun(ids.runs['failed-run'] ?? ''));
      assert.equal(failed.info.status, 'FAILED');
      assert.equal(failed.data.tags.error, 'LinAlgError: Singular matrix');
      const deleted = await replay().expect(['runs_get_deleted'], () => store().getRun(ids.runs['deleted-run'] ?? ''));
      assert.equal(deleted.info.lifecycleStage, 'deleted');
    });

    it('gets the latest value of metrics whose history holds NaN and ±inf', async () => {
      const run = await replay().expect(['runs_get_nan_inf_metrics'], () => store().getRun(ids.runs['finetune-0'] ?? ''));
      const keys = run.data.metrics.map((m) => m.key).sort();
      assert.deepEqual(keys, ['eval/accuracy', 'eval/loss', 'train/learning_rate', 'train/loss']);
      assert.ok(run.data.metrics.every((m) => Number.isFinite(m.value) && m.step === 199));
    });

    it('maps an unknown run to RESOURCE_DOES_NOT_EXIST', async () => {
      const error = await replay().expectError(['runs_get_404'], () => store().getRun('0123456789abcdef0123456789abcdef'));
      assert.equal(error.errorCode, 'RESOURCE_DOES_NOT_EXIST');
      assert.equal(error.status, 404);
      assert.equal(error.message, 'Run with id=0123456789abcdef0123456789abcdef not found');
    });

    it('terminates and renames a run with runs/update', async () => {
      const endTime = Number(captureParam(set, 'runs_update_terminate', 'end_time'));
      await replay().expect(['runs_update_terminate'], () => store().updateRun(capturedRun, { status: 'FINISHED', endTime, runName: 'captured-run-final' }));
    });

    it('sends an unknown status as given; the server answers 200 and ignores it', async () => {
      // Not a RunStatus: the cast reproduces what an outdated caller could send.
      await replay().expect(['runs_update_bad_status_ignored_200'], () => store().updateRun(capturedRun, { status: 'DONE' as RunStatus }));
    });

    it('sets a note tag and renames through the mlflow.runName tag, then deletes a tag', async () => {
      await replay().expect(['runs_set_tag'], () => store().setRunTag(capturedRun, 'mlflow.note.content', 'note via REST'));
      await replay().expect(['runs_set_tag_rename_run'], () => store().setRunTag(capturedRun, 'mlflow.runName', 'captured-run-renamed'));
      await replay().expect(['runs_delete_tag'], () => store().deleteRunTag(capturedRun, 'phase'));
    });

    it('reports a missing tag and a missing run on delete as RESOURCE_DOES_NOT_EXIST', async () => {
      const tagError = await replay().expectError(['runs_delete_tag_404'], () => store().deleteRunTag(capturedRun, 'does-not-exist'));
      assert.equal(tagError.errorCode, 'RESOURCE_DOES_NOT_EXIST');
      const runError = await replay().expectError(['runs_delete_404'], () => store().deleteRun('ffffffffffffffffffffffffffffffff'));
      assert.equal(runError.errorCode, 'RESOURCE_DOES_NOT_EXIST');
      assert.equal(runError.status, 404);
    });

    it('deletes a run, reads it as deleted, restores it and reads it as active', async () => {
      await replay().expect(['runs_delete'], () => store().deleteRun(capturedRun));
      replay().prefer('runs_get_after_delete');
      const deleted = await replay().expect(['runs_get_after_delete'], () => store().getRun(capturedRun));
      assert.equal(deleted.info.lifecycleStage, 'deleted');
      await replay().expect(['runs_restore'], () => store().restoreRun(capturedRun));
      replay().prefer('runs_get_after_mutations');
      const active = await replay().expect(['runs_get_after_mutations'], () => store().getRun(capturedRun));
      assert.equal(active.info.lifecycleStage, 'active');
      assert.equal(active.info.runName, 'captured-run-final');
      assert.equal(active.data.tags['mlflow.note.content'], 'note via REST');
      assert.equal(active.info.userId, '', 'an empty user id stays a string');
      if (v3) assert.deepEqual(active.outputs.modelOutputs, [{ modelId: 'm-0fd6081cd1f4448fb5d31c347eb4e17b', step: 0 }]);
    });

    if (v3) {
      it('gets a run that only produced traces (no metrics, empty outputs)', async () => {
        const run = await replay().expect(['runs_get_traced_run'], () => store().getRun(captureParam(set, 'runs_get_traced_run', 'run_id')));
        assert.equal(run.info.runName, 'traced-run');
        assert.deepEqual(run.data.metrics, []);
        assert.deepEqual(run.outputs.modelOutputs, []);
      });
    }
  });
}
