import assert from 'node:assert/strict';
import * as path from 'node:path';
import { MlflowError } from '../../src/mlflow/errors';
import { SqliteStore } from '../../src/mlflow/local/sqliteStore';
import { toLoggedModel, toModelVersion, toRegisteredModel } from '../../src/mlflow/rest/mapping';
import type { LoggedModel, ModelVersion, RegisteredModel, RegistryQuery } from '../../src/mlflow/types';
import { CAPTURE_SETS, type CaptureSetName, getCapture } from '../support/replayServer';
import { SQLITE_ENGINES, sqliteOptions } from '../support/sqliteEngine';

/**
 * The registry (both versions) and MLflow 3's logged models read by SqliteStore, compared with what
 * each server answered over REST.
 *
 * The registry captures were taken before captures 103–113 changed the registry (a tag and a
 * description on version 3, a tag on the model, a stage round-trip of version 1, a temporary alias),
 * and the stores are the final state. `asOfNow` applies those later changes to a captured entity:
 * the tags and descriptions from the mutation captures' own requests, and the later
 * last-updated timestamps of the entities they touched (checked to be later, not copied blindly).
 * Latest versions never carried aliases in these servers' search/get answers, so they are compared
 * without them; version aliases are checked through get and alias lookups.
 */

const FIXTURES = path.resolve(__dirname, '../fixtures');

type Json = Record<string, unknown>;

function clean<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clean) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, clean(v)])) as T;
  }
  return value;
}

const response = (set: CaptureSetName, name: string) => getCapture(set, name).response as Json;
const request = (set: CaptureSetName, name: string) => {
  const { query, body } = getCapture(set, name).request;
  return (query ?? body ?? {}) as Json;
};

async function rejectsLike(promise: Promise<unknown>, capture: Json): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof MlflowError, String(error));
    assert.equal(error.errorCode, capture.error_code);
    assert.equal(error.message, capture.message);
    return true;
  });
}

function registryQuery(q: Json): RegistryQuery {
  return {
    filter: q.filter as string | undefined,
    orderBy: q.order_by === undefined ? undefined : ([] as string[]).concat(q.order_by as string),
    maxResults: q.max_results === undefined ? undefined : Number(q.max_results),
  };
}

for (const engineKind of SQLITE_ENGINES) for (const set of CAPTURE_SETS) {
  describe(`SqliteStore (${engineKind}) registry vs ${set} REST captures`, () => {
    let store: SqliteStore;
    let now: { models: RegisteredModel[]; versions: ModelVersion[] };
    before(async () => {
      store = await SqliteStore.open(path.join(FIXTURES, set, 'server-store', 'mlflow.db'), sqliteOptions(engineKind));
      now = {
        models: (await store.searchRegisteredModels({ maxResults: 1000 })).items,
        versions: (await store.searchModelVersions({ maxResults: 1000 })).items,
      };
    });
    after(() => store.dispose());

    const laterVersionTag = () => request(set, 'model_versions_set_tag');
    const laterVersionDescription = () => request(set, 'model_versions_update_description');
    const laterModelTag = () => request(set, 'registered_models_set_tag');
    const laterModelDescription = () => request(set, 'registered_models_update_description');
    /** Versions whose last-updated time later captures moved (a stage round-trip, an edit, a tag). */
    const touchedVersions = () => [
      `${request(set, 'model_versions_transition_stage').name}/${request(set, 'model_versions_transition_stage').version}`,
      `${laterVersionDescription().name}/${laterVersionDescription().version}`,
    ];

    function versionAsOfNow(captured: ModelVersion, withAliases: boolean): ModelVersion {
      const mv = clean({ ...captured, tags: { ...captured.tags } });
      const id = `${mv.name}/${mv.version}`;
      if (id === `${laterVersionTag().name}/${laterVersionTag().version}`) mv.tags[String(laterVersionTag().key)] = String(laterVersionTag().value);
      if (id === `${laterVersionDescription().name}/${laterVersionDescription().version}`) mv.description = String(laterVersionDescription().description);
      const current = now.versions.find((v) => `${v.name}/${v.version}` === id);
      if (current && touchedVersions().includes(id)) {
        assert.ok((current.lastUpdatedTimestamp ?? 0) > (mv.lastUpdatedTimestamp ?? 0), `${id} was updated later`);
        mv.lastUpdatedTimestamp = current.lastUpdatedTimestamp;
      }
      if (!withAliases) mv.aliases = [];
      return mv;
    }

    function modelAsOfNow(captured: RegisteredModel): RegisteredModel {
      const model = clean({ ...captured, tags: { ...captured.tags } });
      if (model.name === laterModelTag().name) {
        model.tags[String(laterModelTag().key)] = String(laterModelTag().value);
        model.description = String(laterModelDescription().description);
        const current = now.models.find((m) => m.name === model.name);
        assert.ok((current?.lastUpdatedTimestamp ?? 0) > (model.lastUpdatedTimestamp ?? 0));
        model.lastUpdatedTimestamp = current?.lastUpdatedTimestamp;
      }
      model.latestVersions = model.latestVersions.map((v) => versionAsOfNow(v, false));
      return model;
    }

    const withoutLatestAliases = (m: RegisteredModel) => ({ ...m, latestVersions: m.latestVersions.map((v) => ({ ...v, aliases: [] })) });

    const modelSearches = ['registered_models_search', 'registered_models_search_filter', ...(set === 'mlflow-3.x' ? ['registered_models_search_prompts'] : [])];
    for (const name of modelSearches) {
      it(`searches registered models like ${name}`, async () => {
        const page = await store.searchRegisteredModels(registryQuery(request(set, name)));
        const expected = ((response(set, name).registered_models as unknown[]) ?? []).map((m) => modelAsOfNow(toRegisteredModel(m)));
        assert.deepEqual(clean(page.items.map(withoutLatestAliases)), expected);
        assert.equal(page.nextPageToken, response(set, name).next_page_token);
      });
    }

    const modelGets = ['registered_models_get', ...(set === 'mlflow-3.x' ? ['registered_models_get_prompt'] : [])];
    for (const name of modelGets) {
      it(`gets the registered model of ${name}`, async () => {
        const model = await store.getRegisteredModel(String(request(set, name).name));
        assert.deepEqual(clean(withoutLatestAliases(model)), modelAsOfNow(toRegisteredModel(response(set, name).registered_model)));
      });
    }

    it('no longer lists the alias that was set and then deleted (registered_models_get_with_temp_alias)', async () => {
      const captured = toRegisteredModel(response(set, 'registered_models_get_with_temp_alias').registered_model);
      const deleted = String(request(set, 'registered_models_delete_alias').alias);
      const model = await store.getRegisteredModel(captured.name);
      assert.deepEqual(model.aliases, captured.aliases.filter((a) => a.alias !== deleted));
    });

    for (const name of ['model_versions_search', 'model_versions_search_by_run', 'model_versions_search_all']) {
      it(`searches model versions like ${name}`, async () => {
        const page = await store.searchModelVersions(registryQuery(request(set, name)));
        const expected = ((response(set, name).model_versions as unknown[]) ?? []).map((v) => versionAsOfNow(toModelVersion(v), false));
        const key = (v: ModelVersion) => `${v.name}/${v.version}`;
        // The default order is last-updated first, and later captures updated some versions: same
        // versions, ordered by the timestamps they have now.
        const byNow = [...expected].sort((a, b) => (b.lastUpdatedTimestamp ?? 0) - (a.lastUpdatedTimestamp ?? 0) || a.name.localeCompare(b.name));
        assert.deepEqual(clean(page.items.map((v) => ({ ...v, aliases: [] }))), byNow.map(clean), `order ${page.items.map(key)}`);
      });
    }

    it('gets versions, by number and by alias, with their aliases', async () => {
      const q = request(set, 'model_versions_get');
      const mv = await store.getModelVersion(String(q.name), String(q.version));
      assert.deepEqual(clean(mv), versionAsOfNow(toModelVersion(response(set, 'model_versions_get').model_version), true));
      const a = request(set, 'registered_models_get_by_alias');
      const byAlias = await store.getModelVersionByAlias(String(a.name), String(a.alias));
      assert.deepEqual(clean(byAlias), versionAsOfNow(toModelVersion(response(set, 'registered_models_get_by_alias').model_version), true));
      const d = request(set, 'model_versions_get_download_uri');
      assert.equal(await store.getModelVersionDownloadUri(String(d.name), String(d.version)), response(set, 'model_versions_get_download_uri').artifact_uri);
    });

    it('answers missing models, versions and aliases like the server', async () => {
      await rejectsLike(store.getRegisteredModel(String(request(set, 'registered_models_get_404').name)), response(set, 'registered_models_get_404'));
      const v = request(set, 'model_versions_get_404');
      await rejectsLike(store.getModelVersion(String(v.name), String(v.version)), response(set, 'model_versions_get_404'));
      const a = request(set, 'registered_models_get_by_alias_missing_400');
      await rejectsLike(store.getModelVersionByAlias(String(a.name), String(a.alias)), response(set, 'registered_models_get_by_alias_missing_400'));
    });

    it('rejects bad registry filters with the server messages', async () => {
      await rejectsLike(store.searchRegisteredModels(registryQuery(request(set, 'registered_models_search_bad_filter_400'))), response(set, 'registered_models_search_bad_filter_400'));
      await rejectsLike(store.searchModelVersions(registryQuery(request(set, 'model_versions_search_bad_filter_400'))), response(set, 'model_versions_search_bad_filter_400'));
    });
  });
}

for (const engineKind of SQLITE_ENGINES) describe(`SqliteStore (${engineKind}) logged models vs mlflow-3.x REST captures`, () => {
  const set = 'mlflow-3.x';
  let store: SqliteStore;
  before(async () => {
    store = await SqliteStore.open(path.join(FIXTURES, set, 'server-store', 'mlflow.db'), sqliteOptions(engineKind));
  });
  after(() => store.dispose());

  const modelId = (name: string) => getCapture(set, name).request.path.split('/').pop() ?? '';
  const models = (json: Json) => ((json.models as unknown[]) ?? []).map((m) => clean(toLoggedModel(m)));
  /** logged-models/search takes `{field_name, ascending}` objects where the store takes strings. */
  const orderStrings = (q: Json) =>
    ((q.order_by as { field_name: string; ascending?: boolean }[] | undefined) ?? []).map((o) => `${o.field_name} ${o.ascending ? 'ASC' : 'DESC'}`);

  it('reports the capability, which the 2.x schema lacks', async () => {
    assert.equal((await store.capabilities()).loggedModels, true);
    const v2 = await SqliteStore.open(path.join(FIXTURES, 'mlflow-2.17.2', 'server-store', 'mlflow.db'), sqliteOptions(engineKind));
    try {
      assert.equal((await v2.capabilities()).loggedModels, false);
      assert.deepEqual((await v2.searchLoggedModels(['1'])).items, []);
    } finally {
      v2.dispose();
    }
  });

  for (const name of ['logged_models_get', 'logged_models_get_external', 'logged_models_get_pending', 'logged_models_get_failed', 'ajax_logged_models_get']) {
    it(`gets the logged model of ${name}`, async () => {
      const model: LoggedModel = await store.getLoggedModel(modelId(name));
      assert.deepEqual(clean(model), clean(toLoggedModel(response(set, name).model)));
    });
  }

  it('answers deleted and unknown models with 404, as the server', async () => {
    await rejectsLike(store.getLoggedModel(modelId('logged_models_get_deleted_404')), response(set, 'logged_models_get_deleted_404'));
    await rejectsLike(store.getLoggedModel(modelId('logged_models_get_404')), response(set, 'logged_models_get_404'));
  });

  for (const name of [
    'logged_models_search',
    'logged_models_search_all_experiments',
    'logged_models_search_by_name',
    'logged_models_search_by_source_run',
    'logged_models_search_by_status_int',
    'logged_models_search_by_tag_and_type',
    'logged_models_search_filter_order',
  ]) {
    it(`searches logged models like ${name}`, async () => {
      const q = request(set, name);
      const page = await store.searchLoggedModels(q.experiment_ids as string[], {
        filter: q.filter as string | undefined,
        orderBy: orderStrings(q),
        maxResults: q.max_results === undefined ? undefined : Number(q.max_results),
      });
      assert.deepEqual(clean(page.items), models(response(set, name)));
    });
  }

  it('pages like logged_models_search_page1..3 (same models per page; tokens are opaque)', async () => {
    const q = request(set, 'logged_models_search_page1');
    let pageToken: string | undefined;
    for (const name of ['logged_models_search_page1', 'logged_models_search_page2', 'logged_models_search_page3']) {
      const page = await store.searchLoggedModels(['1'], { orderBy: orderStrings(q), maxResults: Number(q.max_results), pageToken });
      assert.deepEqual(clean(page.items), models(response(set, name)));
      assert.equal(page.nextPageToken === undefined, response(set, name).next_page_token === undefined);
      pageToken = page.nextPageToken;
    }
  });

  it("compares status as MLflow's SQL store compares its integer column (search-semantics logged_models.status.*)", async () => {
    const byName = await store.searchLoggedModels(['1'], { filter: "status = 'READY'" });
    const byNumber = await store.searchLoggedModels(['1'], { filter: 'status = 2' });
    const byNumberText = await store.searchLoggedModels(['1'], { filter: "status = '2'" });
    assert.deepEqual(byName.items, []);
    assert.deepEqual(byNumberText.items, byNumber.items);
    assert.equal(byNumber.items.length, 4);
  });

  it('rejects an invalid operator with the server message', async () => {
    const q = request(set, 'logged_models_search_bad_filter_400');
    await rejectsLike(store.searchLoggedModels(q.experiment_ids as string[], { filter: String(q.filter) }), response(set, 'logged_models_search_bad_filter_400'));
  });
});
