import assert from 'node:assert/strict';
import { CAPTURE_SETS, captureIds, useReplayStore } from '../support/replayServer';

/** Model registry and MLflow 3 logged models, replayed from both real servers' captures. */

const MODEL = 'iris-classifier';
const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8');

for (const set of CAPTURE_SETS) {
  const v3 = set === 'mlflow-3.x';
  const ids = captureIds(set);

  describe(`RestStore model registry (${set} captures)`, () => {
    const { replay, store } = useReplayStore(set);

    it('searches registered models with latest versions and aliases', async () => {
      const page = await replay().expect(['registered_models_search'], () => store().searchRegisteredModels({ maxResults: 10 }));
      assert.deepEqual(
        page.items.map((m) => m.name),
        [MODEL, 'wine-regressor'],
      );
      const iris = page.items[0];
      assert.deepEqual(iris?.aliases, [
        { alias: 'challenger', version: '3' },
        { alias: 'champion', version: '2' },
      ]);
      assert.deepEqual(
        iris?.latestVersions.map((v) => [v.version, v.currentStage]),
        v3
          ? [['3', 'None']]
          : [
              ['1', 'Archived'],
              ['2', 'Production'],
              ['3', 'Staging'],
            ],
      );
      assert.equal(page.nextPageToken, undefined);
    });

    it('searches with a filter and an order_by query parameter', async () => {
      const page = await replay().expect(['registered_models_search_filter'], () =>
        store().searchRegisteredModels({ filter: "name LIKE 'iris%'", orderBy: ['name ASC'], maxResults: 5 }),
      );
      assert.deepEqual(
        page.items.map((m) => m.name),
        [MODEL],
      );
    });

    it('reports a bad registry filter as INVALID_PARAMETER_VALUE', async () => {
      const models = await replay().expectError(['registered_models_search_bad_filter_400'], () => store().searchRegisteredModels({ filter: "nme = 'x'" }));
      assert.equal(models.errorCode, 'INVALID_PARAMETER_VALUE');
      assert.match(models.message, /Invalid attribute key 'nme'/);
      const versions = await replay().expectError(['model_versions_search_bad_filter_400'], () => store().searchModelVersions({ filter: 'name=iris' }));
      assert.equal(versions.errorCode, 'INVALID_PARAMETER_VALUE');
    });

    it('gets a registered model with tags, and the same model with a temporary alias', async () => {
      replay().prefer('registered_models_get');
      const model = await replay().expect(['registered_models_get'], () => store().getRegisteredModel(MODEL));
      assert.equal(model.description, 'Iris species classifier (reference data).');
      assert.deepEqual(model.tags, { task: 'classification', owner: 'alice' });
      assert.equal(typeof model.creationTimestamp, 'number');
      replay().prefer('registered_models_get_with_temp_alias');
      const withAlias = await replay().expect(['registered_models_get_with_temp_alias'], () => store().getRegisteredModel(MODEL));
      assert.deepEqual(withAlias.aliases.at(-1), { alias: 'temp-alias', version: '1' });
    });

    it('reports an unknown registered model as RESOURCE_DOES_NOT_EXIST', async () => {
      const error = await replay().expectError(['registered_models_get_404'], () => store().getRegisteredModel('no-such-model'));
      assert.equal(error.errorCode, 'RESOURCE_DOES_NOT_EXIST');
      assert.equal(error.status, 404);
    });

    it('updates a description (PATCH) and sets a tag', async () => {
      await replay().expect(['registered_models_update_description'], () => store().updateRegisteredModelDescription(MODEL, 'Iris species classifier (reference data).'));
      await replay().expect(['registered_models_set_tag'], () => store().setRegisteredModelTag(MODEL, 'domain', 'botany'));
    });

    it('searches model versions by name, by run and all of them', async () => {
      const byName = await replay().expect(['model_versions_search'], () => store().searchModelVersions({ filter: `name='${MODEL}'` }));
      assert.deepEqual(
        byName.items.map((v) => v.version),
        ['3', '2', '1'],
      );
      const runId = ids.runs['logreg-C1.0-lbfgs'] ?? '';
      const byRun = await replay().expect(['model_versions_search_by_run'], () => store().searchModelVersions({ filter: `run_id='${runId}'` }));
      assert.deepEqual(
        byRun.items.map((v) => [v.version, v.runId]),
        [['2', runId]],
      );
      const all = await replay().expect(['model_versions_search_all'], () => store().searchModelVersions({ maxResults: 100 }));
      assert.equal(all.items.length, 4);
      assert.ok(all.items.every((v) => Array.isArray(v.aliases) && typeof v.tags === 'object'));
    });

    it('gets a model version: stage, aliases, tags, and (3.x) the logged model derived from source', async () => {
      const version = await replay().expect(['model_versions_get'], () => store().getModelVersion(MODEL, '2'));
      assert.equal(version.currentStage, v3 ? 'None' : 'Production');
      assert.deepEqual(version.aliases, ['champion']);
      assert.deepEqual(version.tags, { validation_status: 'approved' });
      assert.equal(version.status, 'READY');
      assert.equal(version.runLink, undefined, 'an empty run_link is no link');
      if (v3) {
        assert.equal(version.source, 'models:/m-a9e42abd727441048486c5e3060d9f80');
        assert.equal(version.modelId, 'm-a9e42abd727441048486c5e3060d9f80');
      } else {
        assert.equal(version.modelId, undefined);
      }
    });

    it('reports an unknown version as RESOURCE_DOES_NOT_EXIST', async () => {
      const error = await replay().expectError(['model_versions_get_404'], () => store().getModelVersion(MODEL, '99'));
      assert.equal(error.errorCode, 'RESOURCE_DOES_NOT_EXIST');
      assert.equal(error.message, 'Model Version (name=iris-classifier, version=99) not found');
    });

    it('gets the download URI (2.x: the run artifact path; 3.x: the logged model under mlflow-artifacts:)', async () => {
      const uri = await replay().expect(['model_versions_get_download_uri'], () => store().getModelVersionDownloadUri(MODEL, '2'));
      assert.equal(
        uri,
        v3 ? 'mlflow-artifacts:/1/models/m-a9e42abd727441048486c5e3060d9f80/artifacts' : `/srv/mlflow-ref/artifacts/1/${ids.runs['logreg-C1.0-lbfgs']}/artifacts/model`,
      );
    });

    it("reads a version's MLmodel wherever its artifacts live", async () => {
      const mlmodel = await replay().expect(['model_versions_get_artifact_mlmodel'], () => store().readModelVersionArtifact(MODEL, '2', 'MLmodel'));
      assert.match(text(mlmodel), v3 ? /^artifact_path: mlflow-artifacts:/ : /^artifact_path: model\n/);
    });

    it('updates a version description and sets a version tag', async () => {
      await replay().expect(['model_versions_update_description'], () => store().updateModelVersionDescription(MODEL, '3', 'Version 3 (challenger)'));
      await replay().expect(['model_versions_set_tag'], () => store().setModelVersionTag(MODEL, '3', 'reviewed_by', 'bob'));
    });

    it('transitions a stage and returns the updated version', async () => {
      const version = await replay().expect(['model_versions_transition_stage'], () => store().transitionModelVersionStage(MODEL, '1', 'Staging', false));
      assert.equal(version.version, '1');
      assert.equal(version.currentStage, 'Staging');
    });

    it('reports an invalid stage as INVALID_PARAMETER_VALUE', async () => {
      // "Prod" is not a Stage: the cast reproduces a caller passing free text.
      const error = await replay().expectError(['model_versions_transition_stage_bad_400'], () =>
        store().transitionModelVersionStage(MODEL, '1', 'Prod' as 'Production', false),
      );
      assert.equal(error.errorCode, 'INVALID_PARAMETER_VALUE');
      assert.match(error.message, /Invalid Model Version stage: Prod/);
    });

    it('sets, resolves and deletes an alias (DELETE with a JSON body)', async () => {
      await replay().expect(['registered_models_set_alias'], () => store().setAlias(MODEL, 'temp-alias', '1'));
      const champion = await replay().expect(['registered_models_get_by_alias'], () => store().getModelVersionByAlias(MODEL, 'champion'));
      assert.equal(champion.version, '2');
      assert.deepEqual(champion.aliases, ['champion']);
      await replay().expect(['registered_models_delete_alias'], () => store().deleteAlias(MODEL, 'temp-alias'));
    });

    it('reports alias errors as the server types them (a missing alias is 400, not 404)', async () => {
      const missing = await replay().expectError(['registered_models_get_by_alias_missing_400'], () => store().getModelVersionByAlias(MODEL, 'nope'));
      assert.equal(missing.errorCode, 'INVALID_PARAMETER_VALUE');
      assert.equal(missing.status, 400);
      const badVersion = await replay().expectError(['registered_models_set_alias_bad_version_404'], () => store().setAlias(MODEL, 'x', '99'));
      assert.equal(badVersion.errorCode, 'RESOURCE_DOES_NOT_EXIST');
      const reserved = await replay().expectError(['registered_models_set_alias_reserved_latest_400'], () => store().setAlias(MODEL, 'latest', '1'));
      assert.match(reserved.message, /'latest' alias name \(case insensitive\) is reserved/);
    });

    if (v3) {
      it('finds prompt-registry entries only with their tag filter, and gets one by name', async () => {
        const prompts = await replay().expect(['registered_models_search_prompts'], () =>
          store().searchRegisteredModels({ filter: "tags.`mlflow.prompt.is_prompt` = 'true'", maxResults: 5 }),
        );
        assert.deepEqual(
          prompts.items.map((m) => m.name),
          ['summarize-prompt'],
        );
        const prompt = await replay().expect(['registered_models_get_prompt'], () => store().getRegisteredModel('summarize-prompt'));
        assert.equal(prompt.tags['mlflow.prompt.is_prompt'], 'true');
        assert.deepEqual(prompt.aliases, [{ alias: 'production', version: '1' }]);
      });
    }
  });

  if (!v3) continue;

  describe(`RestStore logged models (${set} captures)`, () => {
    const { replay, store } = useReplayStore(set);
    const modelId = 'm-a9e42abd727441048486c5e3060d9f80';

    it('searches logged models of an experiment, every status mapped', async () => {
      const page = await replay().expect(['logged_models_search'], () => store().searchLoggedModels(['1'], { maxResults: 10 }));
      assert.deepEqual(
        page.items.map((m) => [m.name, m.status]),
        [
          ['failed-model', 'LOGGED_MODEL_UPLOAD_FAILED'],
          ['pending-model', 'LOGGED_MODEL_PENDING'],
          ['external-scorer', 'LOGGED_MODEL_READY'],
          ['model', 'LOGGED_MODEL_READY'],
          ['model', 'LOGGED_MODEL_READY'],
          ['model', 'LOGGED_MODEL_READY'],
        ],
      );
      const all = await replay().expect(['logged_models_search_all_experiments'], () => store().searchLoggedModels(['1', '2', '3'], { maxResults: 100 }));
      assert.equal(all.items[0]?.name, 'ridge-model');
      assert.equal(all.items[0]?.experimentId, '2');
    });

    it('turns "field DESC" order-by strings into the {field_name, ascending} objects this endpoint takes', async () => {
      const page = await replay().expect(['logged_models_search_filter_order'], () =>
        store().searchLoggedModels(['1'], { filter: "metrics.test_accuracy > 0.5 AND params.solver = 'lbfgs'", orderBy: ['metrics.test_accuracy DESC'], maxResults: 10 }),
      );
      assert.deepEqual(
        page.items.map((m) => m.modelId),
        [modelId, 'm-8a56e736fef14ed487ab931712344172'],
      );
    });

    it('follows three pages ordered by creation time', async () => {
      const seen: string[] = [];
      let pageToken: string | undefined;
      for (const capture of ['logged_models_search_page1', 'logged_models_search_page2', 'logged_models_search_page3']) {
        const page = await replay().expect([capture], () => store().searchLoggedModels(['1'], { maxResults: 2, orderBy: ['creation_time ASC'], pageToken }));
        seen.push(...page.items.map((m) => m.name));
        pageToken = page.nextPageToken;
      }
      assert.equal(pageToken, undefined);
      assert.deepEqual(seen, ['model', 'model', 'model', 'external-scorer', 'pending-model', 'failed-model']);
    });

    it('filters by name, source run, tag and type, and by the integer status', async () => {
      const byName = await replay().expect(['logged_models_search_by_name'], () => store().searchLoggedModels(['1'], { filter: "name = 'model'", maxResults: 10 }));
      assert.equal(byName.items.length, 3);
      const runId = ids.runs['logreg-C1.0-lbfgs'] ?? '';
      const byRun = await replay().expect(['logged_models_search_by_source_run'], () => store().searchLoggedModels(['1'], { filter: `source_run_id = '${runId}'` }));
      assert.deepEqual(
        byRun.items.map((m) => [m.modelId, m.sourceRunId]),
        [[modelId, runId]],
      );
      const byTag = await replay().expect(['logged_models_search_by_tag_and_type'], () =>
        store().searchLoggedModels(['1'], { filter: "tags.kind = 'external' AND model_type = 'rule-based'", maxResults: 10 }),
      );
      assert.deepEqual(
        byTag.items.map((m) => [m.name, m.modelType, m.tags['mlflow.model.isExternal']]),
        [['external-scorer', 'rule-based', 'true']],
      );
      // Server quirk: status is stored as an int, so only `status = 2` finds READY models.
      const byInt = await replay().expect(['logged_models_search_by_status_int'], () => store().searchLoggedModels(['1'], { filter: 'status = 2', maxResults: 10 }));
      assert.equal(byInt.items.length, 4);
      const byString = await replay().expect(['logged_models_search_by_status_string_empty'], () =>
        store().searchLoggedModels(['1'], { filter: "status = 'READY'", maxResults: 10 }),
      );
      assert.deepEqual(byString.items, []);
    });

    it('reports search errors: a bad filter (400), no experiments (400), a bad token (the server crashes: 500 HTML)', async () => {
      const badFilter = await replay().expectError(['logged_models_search_bad_filter_400'], () => store().searchLoggedModels(['1'], { filter: 'metrics.test_accuracy >>> 1' }));
      assert.equal(badFilter.errorCode, 'INVALID_PARAMETER_VALUE');
      // An empty list is left out, as protobuf JSON does, and the server names the missing parameter.
      const noExperiments = await replay().expectError(['logged_models_search_no_experiments_400'], () => store().searchLoggedModels([]));
      assert.match(noExperiments.message, /experiment_ids/);
      const badToken = await replay().expectError(['logged_models_search_bad_page_token_500'], () => store().searchLoggedModels(['1'], { pageToken: 'not-a-token' }));
      assert.equal(badToken.errorCode, 'SERVER_ERROR');
      assert.equal(badToken.message, 'Server answered 500 Internal Server Error (HTML page): 500 Internal Server Error');
    });

    it('gets a logged model with params, linked metrics and the registered versions tag', async () => {
      const model = await replay().expect(['logged_models_get'], () => store().getLoggedModel(modelId));
      assert.equal(model.name, 'model');
      assert.equal(model.experimentId, '1');
      assert.equal(model.artifactUri, `mlflow-artifacts:/1/models/${modelId}/artifacts`);
      assert.equal(model.status, 'LOGGED_MODEL_READY');
      assert.equal(model.modelType, undefined, 'an empty model_type is no type');
      assert.equal(model.sourceRunId, ids.runs['logreg-C1.0-lbfgs']);
      assert.equal(model.params.solver, 'lbfgs');
      assert.deepEqual(
        model.metrics.find((m) => m.key === 'test_accuracy'),
        { key: 'test_accuracy', value: 0.9777777777777777, timestamp: 1795696422534, step: 0 },
      );
      assert.ok(model.tags['mlflow.modelVersions']?.includes(MODEL));
      assert.equal(model.lastUpdatedTimestamp, 1795696422140);
    });

    it('gets external, pending and failed models (empty data is {} → no params or metrics)', async () => {
      const external = await replay().expect(['logged_models_get_external'], () => store().getLoggedModel('m-b7efdae5215940adb25361379ca79328'));
      assert.equal(external.tags['mlflow.model.isExternal'], 'true');
      const pending = await replay().expect(['logged_models_get_pending'], () => store().getLoggedModel('m-55ac9066163745b39ce103a85f576238'));
      assert.equal(pending.status, 'LOGGED_MODEL_PENDING');
      assert.deepEqual([pending.params, pending.metrics, pending.sourceRunId], [{}, [], undefined]);
      const failed = await replay().expect(['logged_models_get_failed'], () => store().getLoggedModel('m-cc616121e17a4da6a734fb607f8e828f'));
      assert.equal(failed.status, 'LOGGED_MODEL_UPLOAD_FAILED');
    });

    it('gets a model created over REST, and reports it as missing once deleted', async () => {
      const created = 'm-0fd6081cd1f4448fb5d31c347eb4e17b';
      replay().prefer('logged_models_get_created');
      const model = await replay().expect(['logged_models_get_created'], () => store().getLoggedModel(created));
      assert.deepEqual(model.params, { k: 'v', k2: 'v2' });
      replay().prefer('logged_models_get_after_delete');
      const deleted = await replay().expectError(['logged_models_get_after_delete'], () => store().getLoggedModel(created));
      assert.equal(deleted.errorCode, 'RESOURCE_DOES_NOT_EXIST');
    });

    it('reports unknown and deleted models as RESOURCE_DOES_NOT_EXIST', async () => {
      const unknown = await replay().expectError(['logged_models_get_404'], () => store().getLoggedModel('m-0123456789abcdef0123456789abcdef'));
      assert.equal(unknown.status, 404);
      const deleted = await replay().expectError(['logged_models_get_deleted_404'], () => store().getLoggedModel('m-d93b10843ef840eebcb13e4d62f799c8'));
      assert.equal(deleted.errorCode, 'RESOURCE_DOES_NOT_EXIST');
    });

    it('lists model artifacts (root, and a missing directory as [])', async () => {
      const files = await replay().expect(['logged_models_artifacts_list_root'], () => store().listLoggedModelArtifacts(modelId));
      assert.deepEqual(files[0], { path: 'MLmodel', isDir: false, fileSize: 1286 });
      assert.ok(files.some((f) => f.path === 'serving_input_example.json'));
      assert.deepEqual(await replay().expect(['logged_models_artifacts_list_nonexistent_dir'], () => store().listLoggedModelArtifacts(modelId, 'nope')), []);
    });

    it('reads a model file through the ajax-only files route', async () => {
      const mlmodel = await replay().expect(['ajax_logged_models_artifact_file_mlmodel'], () => store().readLoggedModelArtifact(modelId, 'MLmodel'));
      assert.match(text(mlmodel), /^artifact_path: mlflow-artifacts:\/1\/models\/m-a9e42abd/);
    });
  });
}
