import assert from 'node:assert/strict';
import { MlflowError } from '../../src/mlflow/errors';
import { HttpClient } from '../../src/mlflow/http';
import type { SqliteStore } from '../../src/mlflow/local/sqliteStore';
import { RestStore } from '../../src/mlflow/rest/restStore';
import type { TrackingStore } from '../../src/mlflow/store';
import type { ExperimentQuery, Page, RegistryQuery, RunQuery } from '../../src/mlflow/types';
import { fixtureDataset, openSqliteStore } from '../support/mlflowServer/fixtureStore';
import { startMlflowServer, type MlflowServer } from '../support/mlflowServer/server';

/**
 * The test server is faithful: a RestStore talking to it (over HTTP, through MLflow's JSON) returns
 * exactly what a SqliteStore returns reading the same real MLflow store from disk, for experiments,
 * runs under several filters and orders, histories, sampled histories, artifacts and the registry.
 */

/** Drops undefined-valued properties: the REST mapping writes them where the SQLite reader leaves keys out. */
function clean<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clean) as T;
  if (value instanceof Uint8Array) return value;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, clean(v)])) as T;
  }
  return value;
}

async function allPages<T>(fetch: (pageToken?: string) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let pageToken: string | undefined;
  do {
    const page = await fetch(pageToken);
    items.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return items;
}

/** 2.17.2 sends a version's aliases only from model-versions/get and the alias lookup; the SQLite reader fills them in everywhere. */
function withoutAliases<T extends { aliases: unknown }>(version: T): T {
  return { ...version, aliases: [] };
}

async function failure(call: Promise<unknown>): Promise<Pick<MlflowError, 'errorCode' | 'message' | 'status'>> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof MlflowError, String(error));
    return { errorCode: error.errorCode, message: error.message, status: error.status };
  }
  assert.fail('expected the call to fail');
}

describe('test MLflow server: a RestStore over it reads what a SqliteStore reads from the same store', () => {
  let sqlite: SqliteStore;
  let server: MlflowServer;
  let rest: RestStore;
  /** Both stores' answers to one call, for deepEqual. */
  const both = async <T>(call: (store: TrackingStore) => Promise<T>): Promise<[T, T]> => [clean(await call(rest)), clean(await call(sqlite))];

  before(async () => {
    sqlite = openSqliteStore();
    server = await startMlflowServer({ dataset: await fixtureDataset() });
    rest = new RestStore(new HttpClient({ baseUrl: server.baseUrl }));
  });

  after(async () => {
    rest?.dispose();
    sqlite?.dispose();
    await server?.close();
  });

  it('serves the experiments in every view, filtered, ordered and paged like the SQLite store', async () => {
    const queries: ExperimentQuery[] = [
      { viewType: 'ALL', maxResults: 100 },
      { viewType: 'DELETED_ONLY', maxResults: 100 },
      { filter: "name LIKE '%-%'", orderBy: ['name ASC'], maxResults: 100 },
      { filter: "tags.team = 'nlp'", maxResults: 10 },
      { orderBy: ['last_update_time DESC'], maxResults: 1000 },
    ];
    for (const query of queries) {
      const [viaServer, fromDisk] = await both((s) => allPages((pageToken) => s.searchExperiments({ ...query, pageToken })));
      assert.deepEqual(viaServer, fromDisk, JSON.stringify(query));
      assert.ok(viaServer.length > 0, JSON.stringify(query));
    }
    // Page by page, tokens included: experiments/search gives a token only when more follow, as SQLite does.
    for (let pageToken: string | undefined, pages = 0; pages === 0 || pageToken; pages++) {
      const [viaServer, fromDisk] = await both((s) => s.searchExperiments({ orderBy: ['name ASC'], maxResults: 2, pageToken }));
      assert.deepEqual(viaServer, fromDisk);
      pageToken = viaServer.nextPageToken;
    }
  });

  it('gets experiments by id and name, and fails for a missing one like the store', async () => {
    for (const id of ['0', '1', '4']) assert.deepEqual(...(await both((s) => s.getExperiment(id))));
    assert.deepEqual(...(await both((s) => s.getExperimentByName('wine-regression'))));
    assert.deepEqual(...(await both((s) => s.getExperimentByName('nope'))));
    assert.deepEqual(await failure(rest.getExperiment('424242')), await failure(sqlite.getExperiment('424242')));
  });

  it('searches runs with the same filters and orders into the same runs', async () => {
    const ids = (await sqlite.searchExperiments({ viewType: 'ALL', maxResults: 100 })).items.map((e) => e.experimentId);
    const queries: RunQuery[] = [
      { experimentIds: ids, runViewType: 'ALL' },
      { experimentIds: ['1', '2', '3'], filter: "metrics.accuracy > 0.5 AND tags.model_type = 'LogisticRegression'", orderBy: ['metrics.accuracy DESC', 'attributes.start_time DESC'] },
      { experimentIds: ['1', '2', '3'], filter: "attributes.status != 'FINISHED'", orderBy: ['attributes.run_name ASC'] },
      { experimentIds: ['1', '2', '3'], filter: "tags.model_type LIKE 'Log%' AND attributes.run_name ILIKE '%base%'" },
      { experimentIds: ['3'], filter: 'metrics.`eval/accuracy` > 0.7', orderBy: ['metrics.`eval/accuracy` DESC'] },
      { experimentIds: ['1'], filter: "params.solver = 'saga'" },
      { experimentIds: ['1', '2'], orderBy: ['params.C DESC', 'metrics.rmse ASC'] },
      { experimentIds: ['1'], filter: "tags.mlflow.parentRunId = '3bb3373964ac4932bcdd69f248acfbe3'" },
      { experimentIds: ['1'], filter: "datasets.name = 'iris-train'" },
      { experimentIds: ['1'], runViewType: 'DELETED_ONLY' },
    ];
    for (const query of queries) {
      const [viaServer, fromDisk] = await both((s) => allPages((pageToken) => s.searchRuns({ ...query, maxResults: 4, pageToken })));
      assert.ok(viaServer.length > 0, `${JSON.stringify(query)} finds runs`);
      assert.deepEqual(viaServer, fromDisk, JSON.stringify(query));
    }
    assert.deepEqual(
      await failure(rest.searchRuns({ experimentIds: ['1'], filter: 'metrics.accuracy >>> 1' })),
      await failure(sqlite.searchRuns({ experimentIds: ['1'], filter: 'metrics.accuracy >>> 1' })),
    );
  });

  it('gets every run, deleted ones included, with params, tags, latest metrics and datasets', async () => {
    const runs = await allPages((pageToken) => sqlite.searchRuns({ experimentIds: ['0', '1', '2', '3', '4', '5', '6', '7'], runViewType: 'ALL', pageToken }));
    assert.ok(runs.length >= 30);
    for (const run of runs) assert.deepEqual(...(await both((s) => s.getRun(run.info.runId))));
    assert.deepEqual(await failure(rest.getRun('0123456789abcdef0123456789abcdef')), await failure(sqlite.getRun('0123456789abcdef0123456789abcdef')));
  });

  it('serves full metric histories, NaN and ±inf included, 20,000 steps in one answer', async () => {
    const cases: [string, string][] = [
      ['93a9dcf673e44f0daec73cfc6b810ef0', 'train/loss'], // NaN, +inf, -inf at steps 50-52
      ['872d5d2291c0442bb27da7ef80365366', 'loss'], // 20,000 steps
      ['b49032a29fff4690aa1d348ddafbc008', 'accuracy'],
      ['b6018b06ee1d4ca0b0b9c15450bf3092', 'test_accuracy'],
      ['b49032a29fff4690aa1d348ddafbc008', 'nope'],
    ];
    for (const [runId, key] of cases) {
      const [viaServer, fromDisk] = await both((s) => s.getMetricHistory(runId, key));
      assert.deepEqual(viaServer, fromDisk, `${runId} ${key}`);
    }
    const withNan = await rest.getMetricHistory('93a9dcf673e44f0daec73cfc6b810ef0', 'train/loss');
    assert.deepEqual(withNan.slice(50, 53).map((m) => m.value), [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
  });

  it('samples histories through get-history-bulk-interval like the store samples them', async () => {
    const runIds = ['872d5d2291c0442bb27da7ef80365366', '7cb856d6b13c4a49a3c018f56e621f4c', 'd14dfcac3efd453c84070fd4d3be2b0b'];
    for (const query of [
      { runIds, metricKey: 'loss', maxResults: 50 },
      { runIds, metricKey: 'loss', maxResults: 20, startStep: 1000, endStep: 2000 },
      { runIds: ['b49032a29fff4690aa1d348ddafbc008', '3e6dbbaad03347c5a066753cfaf59306'], metricKey: 'accuracy', maxResults: 10 },
    ]) {
      const [viaServer, fromDisk] = await both((s) => s.getSampledHistories(query));
      assert.ok(viaServer.length > 0);
      assert.deepEqual(viaServer, fromDisk, JSON.stringify(query));
    }
    assert.ok(server.count('metrics/get-history-bulk-interval') >= 3, 'the server endpoint answered (no client-side fallback)');
  });

  it('lists nested artifact folders and reads every file byte for byte', async () => {
    const runIds = Object.keys((await fixtureDataset()).artifacts);
    assert.ok(runIds.length >= 3);
    const walk = async (runId: string, dir?: string): Promise<number> => {
      const [viaServer, fromDisk] = await both((s) => s.listArtifacts(runId, dir));
      assert.deepEqual(viaServer, fromDisk, `${runId}/${dir ?? ''}`);
      let files = 0;
      for (const entry of viaServer) {
        if (entry.isDir) files += await walk(runId, entry.path);
        else {
          assert.deepEqual(Buffer.from(await rest.readArtifact(runId, entry.path)), Buffer.from(await sqlite.readArtifact(runId, entry.path)), entry.path);
          files++;
        }
      }
      return files;
    };
    for (const runId of runIds) assert.ok((await walk(runId)) > 0);
    assert.deepEqual(...(await both((s) => s.listArtifacts('b49032a29fff4690aa1d348ddafbc008'))));
  });

  it('serves the model registry: models, versions, aliases and download URIs', async () => {
    const modelQueries: RegistryQuery[] = [{}, { filter: "name LIKE 'iris%'", orderBy: ['name ASC'], maxResults: 5 }, { filter: "tags.task = 'classification'" }];
    for (const query of modelQueries) {
      const [viaServer, fromDisk] = await both((s) => s.searchRegisteredModels(query));
      assert.ok(viaServer.items.length > 0);
      assert.deepEqual(viaServer, { ...fromDisk, items: fromDisk.items.map((m) => ({ ...m, latestVersions: m.latestVersions.map(withoutAliases) })) }, JSON.stringify(query));
    }
    const versionQueries: RegistryQuery[] = [{ maxResults: 100 }, { filter: "name='iris-classifier'" }, { filter: "run_id='b6018b06ee1d4ca0b0b9c15450bf3092'" }, { orderBy: ['version_number ASC'] }];
    for (const query of versionQueries) {
      const [viaServer, fromDisk] = await both((s) => s.searchModelVersions(query));
      assert.deepEqual(viaServer, { ...fromDisk, items: fromDisk.items.map(withoutAliases) }, JSON.stringify(query));
    }
    for (const name of ['iris-classifier', 'wine-regressor']) {
      const [viaServer, fromDisk] = await both((s) => s.getRegisteredModel(name));
      assert.deepEqual(viaServer, { ...fromDisk, latestVersions: fromDisk.latestVersions.map(withoutAliases) });
      for (const { version } of (await sqlite.searchModelVersions({ filter: `name='${name}'` })).items) {
        assert.deepEqual(...(await both((s) => s.getModelVersion(name, version))));
        assert.deepEqual(...(await both((s) => s.getModelVersionDownloadUri(name, version))));
      }
    }
    assert.deepEqual(...(await both((s) => s.getModelVersionByAlias('iris-classifier', 'champion'))));
    assert.deepEqual(await failure(rest.getModelVersionByAlias('iris-classifier', 'nope')), await failure(sqlite.getModelVersionByAlias('iris-classifier', 'nope')));
    assert.deepEqual(await failure(rest.getRegisteredModel('no-such-model')), await failure(sqlite.getRegisteredModel('no-such-model')));
  });
});
