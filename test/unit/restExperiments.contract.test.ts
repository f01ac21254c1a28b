import assert from 'node:assert/strict';
import { CAPTURE_SETS, captureParam, useReplayStore } from '../support/replayServer';

/** Experiments endpoints, replayed from both real servers' captures (see rest.contract.test.ts). */

for (const set of CAPTURE_SETS) {
  const v3 = set === 'mlflow-3.x';

  describe(`RestStore experiments (${set} captures)`, () => {
    const { replay, store } = useReplayStore(set);

    it('searches all view types with a page size and maps every experiment', async () => {
      const page = await replay().expect(['experiments_search_all_view_types'], () => store().searchExperiments({ maxResults: 100, viewType: 'ALL' }));
      assert.deepEqual(
        page.items.map((e) => e.experimentId),
        ['5', '4', '3', '2', '1', '0'],
      );
      const deleted = page.items.find((e) => e.experimentId === '4');
      assert.equal(deleted?.name, 'scratch-deleted');
      assert.equal(deleted?.lifecycleStage, 'deleted');
      assert.equal(page.nextPageToken, undefined, 'the last page carries no token');
    });

    it('always sends max_results, as experiments/search without it is a 400 ("Invalid value 0")', async () => {
      replay().takeRequests();
      // No capture has this exact body: the replay answers 404, and only the request matters here.
      await store()
        .searchExperiments({})
        .catch(() => undefined);
      assert.deepEqual(
        replay()
          .takeRequests()
          .map((r) => [r.method, r.path, r.body]),
        [['POST', '/api/2.0/mlflow/experiments/search', { max_results: 1000 }]],
      );
    });

    it('searches by tag filter', async () => {
      const page = await replay().expect(['experiments_search_by_tag'], () => store().searchExperiments({ maxResults: 10, filter: "tags.team = 'nlp'" }));
      assert.deepEqual(
        page.items.map((e) => [e.name, e.tags.team]),
        [['llm-finetune-sim', 'nlp']],
      );
    });

    it('searches with filter, order and view type, returning the opaque next page token', async () => {
      const page = await replay().expect(['experiments_search_post_filter_order'], () =>
        store().searchExperiments({ maxResults: 2, filter: "name LIKE '%-%'", orderBy: ['name ASC'], viewType: 'ACTIVE_ONLY' }),
      );
      assert.equal(page.items.length, 2);
      assert.equal(page.nextPageToken, 'eyJvZmZzZXQiOiAyfQ==');
    });

    it('passes a page token back unchanged', async () => {
      const page = await replay().expect(['experiments_search_page2'], () =>
        store().searchExperiments({ maxResults: 2, orderBy: ['name ASC'], pageToken: 'eyJvZmZzZXQiOiAyfQ==' }),
      );
      assert.deepEqual(
        page.items.map((e) => e.name),
        v3 ? ['iris-classification', 'llm-finetune-sim'] : ['llm-finetune-sim', 'mlproject-demo'],
      );
      assert.equal(page.nextPageToken, 'eyJvZmZzZXQiOiA0fQ==');
    });

    it('gets an experiment with its tags, timestamps and artifact location', async () => {
      const experiment = await replay().expect(['experiments_get'], () => store().getExperiment('1'));
      assert.equal(experiment.name, 'iris-classification');
      assert.equal(experiment.lifecycleStage, 'active');
      assert.equal(experiment.artifactLocation, v3 ? 'mlflow-artifacts:/1' : '/srv/mlflow-ref/artifacts/1');
      assert.equal(experiment.tags.team, 'vision');
      assert.match(experiment.tags['mlflow.note.content'] ?? '', /^Logistic regression/);
      assert.equal(typeof experiment.creationTime, 'number');
      assert.equal(typeof experiment.lastUpdateTime, 'number');
    });

    it('gets a deleted experiment (no tags: {} not undefined)', async () => {
      const experiment = await replay().expect(['experiments_get_deleted'], () => store().getExperiment('7'));
      assert.equal(experiment.lifecycleStage, 'deleted');
      assert.deepEqual(experiment.tags, {});
    });

    it('maps an unknown experiment id to RESOURCE_DOES_NOT_EXIST with status 404', async () => {
      const error = await replay().expectError(['experiments_get_404'], () => store().getExperiment('424242'));
      assert.equal(error.errorCode, 'RESOURCE_DOES_NOT_EXIST');
      assert.equal(error.status, 404);
      assert.equal(error.message, 'No Experiment with id=424242 exists');
    });

    it('gets an experiment by name', async () => {
      const experiment = await replay().expect(['experiments_get_by_name'], () => store().getExperimentByName('wine-regression'));
      assert.equal(experiment?.experimentId, '2');
      assert.deepEqual(experiment?.tags, { team: 'tabular' });
    });

    it('returns undefined for a name that does not exist', async () => {
      const experiment = await replay().expect(['experiments_get_by_name_404'], () => store().getExperimentByName('nope'));
      assert.equal(experiment, undefined);
    });

    it('creates an experiment with tags and returns its id', async () => {
      const id = await replay().expect(['experiments_create'], () => store().createExperiment('api-captures', { purpose: 'rest-captures' }));
      assert.equal(id, '6');
    });

    it('reports a duplicate experiment name as RESOURCE_ALREADY_EXISTS', async () => {
      const error = await replay().expectError(['experiments_create_duplicate_error'], () => store().createExperiment('api-captures'));
      assert.equal(error.errorCode, 'RESOURCE_ALREADY_EXISTS');
      assert.equal(error.status, 400);
      assert.match(error.message, /already exists/);
    });

    it('renames (experiments/update), deletes, restores and tags an experiment', async () => {
      const renamed = captureParam(set, 'experiments_update_rename', 'new_name');
      await replay().expect(['experiments_update_rename'], () => store().renameExperiment('7', renamed));
      await replay().expect(['experiments_delete'], () => store().deleteExperiment('7'));
      await replay().expect(['experiments_restore'], () => store().restoreExperiment('7'));
      await replay().expect(['experiments_set_tag'], () => store().setExperimentTag('6', 'mlflow.note.content', 'Experiment used by capture.py'));
    });
  });
}
