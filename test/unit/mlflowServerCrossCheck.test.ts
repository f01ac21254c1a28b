import assert from 'node:assert/strict';
import { MlflowError } from '../../src/mlflow/errors';
import { HttpClient } from '../../src/mlflow/http';
import type { SqliteStore } from '../../src/mlflow/local/sqliteStore';
import { RestStore } from '../../src/mlflow/rest/restStore';
import type { TrackingStore } from '../../src/mlflow/store';
import type { Page, ViewType } from '../../src/mlflow/types';
import { toMetric } from '../../src/mlflow/rest/mapping';
import { fixtureDataset, openSqliteStore } from '../support/mlflowServer/fixtureStore';
import { getCapture } from '../support/replayServer';
import { readRecords } from '../support/searchSemantics';
import { DIVERGENCES } from './searchConformanceDivergences';
import { startMlflowServer, type MlflowServer } from '../support/mlflowServer/server';

/**
 * The test server is faithful to REAL MLflow. It filters, orders and samples with the extension's own
 * code, so what its searches return is checked against what the real MLflow 2.17.2 client answered
 * on the same store (search-semantics/server-store.jsonl), and its sampled histories against the real
 * server's get-history-bulk-interval captures; never against our own evaluator. What is not a
 * server-side evaluation (runs, experiments, histories, artifacts and registry entries read by id) is
 * compared with a SqliteStore reading the same store from disk.
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

  /**
   * MLflow's own answers for the store the server serves. The records our local stores answer
   * differently on purpose (searchConformanceDivergences.ts) are left out: the server shares that code.
   */
  const diverging = new Set(DIVERGENCES.filter((d) => d.version === 'mlflow-2.17.2' && d.file === 'server-store.jsonl').map((d) => d.id));
  const records = readRecords('mlflow-2.17.2', 'server-store.jsonl').filter((r) => !diverging.has(r.id));
  const answered = (api: string) => records.filter((r) => r.api === api && r.error === undefined);

  /** Ids page by page, following tokens when the record was paged (else the first page only, as recorded). */
  async function idsOf<T>(paged: boolean, fetch: (pageToken?: string) => Promise<Page<T>>, id: (item: T) => string): Promise<string[][]> {
    const pages: string[][] = [];
    let pageToken: string | undefined;
    do {
      const page = await fetch(pageToken);
      pages.push(page.items.map(id));
      pageToken = paged ? page.nextPageToken : undefined;
    } while (pageToken);
    return pages;
  }
  const expectedPages = (r: { pages?: unknown[][]; result?: unknown[] }) =>
    (r.pages ?? [r.result ?? []]).map((page) => page.map((x) => (Array.isArray(x) ? `${String(x[0])}/${String(x[1])}` : String(x))));
  const str = (v: unknown) => (v === undefined || v === null ? undefined : String(v));
  const list = (v: unknown) => (v === undefined ? undefined : ([] as unknown[]).concat(v).map(String));

  it("answers experiments/search with real MLflow's experiments, in MLflow's order and pages", async () => {
    const cases = answered('search_experiments');
    assert.ok(cases.length >= 25, String(cases.length));
    for (const r of cases) {
      const a = r.args;
      const query = { filter: str(a.filter_string), orderBy: list(a.order_by), viewType: a.view_type as ViewType, maxResults: a.max_results as number };
      const pages = await idsOf(r.pages !== undefined, (pageToken) => rest.searchExperiments({ ...query, pageToken }), (e) => e.experimentId);
      assert.deepEqual(pages, expectedPages(r), `${r.id}: ${JSON.stringify(a)}`);
    }
  });

  it('gets experiments by id and name, and fails for a missing one like the store', async () => {
    for (const id of ['0', '1', '4']) assert.deepEqual(...(await both((s) => s.getExperiment(id))));
    assert.deepEqual(...(await both((s) => s.getExperimentByName('wine-regression'))));
    assert.deepEqual(...(await both((s) => s.getExperimentByName('nope'))));
    assert.deepEqual(await failure(rest.getExperiment('424242')), await failure(sqlite.getExperiment('424242')));
  });

  it("answers runs/search with real MLflow's runs for every recorded filter, order and page size", async () => {
    const cases = answered('search_runs');
    assert.ok(cases.length >= 140, String(cases.length));
    for (const r of cases) {
      const a = r.args;
      const query = {
        experimentIds: list(a.experiment_ids) ?? [],
        filter: str(a.filter_string),
        orderBy: list(a.order_by),
        runViewType: a.run_view_type as ViewType,
        maxResults: a.max_results as number,
      };
      const pages = await idsOf(r.pages !== undefined, (pageToken) => rest.searchRuns({ ...query, pageToken }), (run) => run.info.runId);
      assert.deepEqual(pages, expectedPages(r), `${r.id}: ${JSON.stringify(a)}`);
    }
  });

  it("rejects bad run and experiment filters with real MLflow's error code and message", async () => {
    // Only filter and order_by errors: max_results and page tokens are checked by the server's request
    // layer first, in its own words (rest-captures runs_search_max_results_too_large_400).
    const cases = records.filter((r) => r.error && (r.api === 'search_runs' || r.api === 'search_experiments') && !/max_results|page_token/.test(r.id));
    assert.ok(cases.length >= 60, String(cases.length));
    const sortSets = (m: string) => m.replace(/\{([^{}]*)\}/g, (_, items: string) => `{${items.split(', ').sort().join(', ')}}`);
    for (const r of cases) {
      const a = r.args;
      const call =
        r.api === 'search_runs'
          ? rest.searchRuns({ experimentIds: list(a.experiment_ids) ?? [], filter: str(a.filter_string), orderBy: list(a.order_by), maxResults: a.max_results as number })
          : rest.searchExperiments({ filter: str(a.filter_string), orderBy: list(a.order_by), maxResults: a.max_results as number });
      const error = await failure(call);
      assert.equal(error.errorCode, r.error?.error_code, `${r.id}: ${error.message}`);
      assert.equal(sortSets(error.message), sortSets(r.error?.message ?? ''), r.id);
    }
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

  it("samples histories through get-history-bulk-interval as the real server sampled them (rest-captures)", async () => {
    const names = ['api_metrics_get_history_bulk_interval', 'ajax_metrics_get_history_bulk_interval'];
    for (const name of names) {
      const { request, response } = getCapture('mlflow-2.17.2', name);
      const q = request.query as Record<string, unknown>;
      const query = {
        runIds: list(q.run_ids) ?? [],
        metricKey: String(q.metric_key),
        maxResults: Number(q.max_results),
        startStep: q.start_step === undefined ? undefined : Number(q.start_step),
        endStep: q.end_step === undefined ? undefined : Number(q.end_step),
      };
      const body = response as { metrics?: unknown[]; _truncated_original_length?: number };
      const real = (body.metrics ?? []).map((m) => ({ ...toMetric(m), runId: String((m as { run_id: string }).run_id) }));
      assert.ok(real.length > 0, name);
      const served = await rest.getSampledHistories(query);
      // Captures keep the first 50 points of longer answers and say how many there were.
      assert.equal(served.length, body._truncated_original_length ?? real.length, name);
      assert.deepEqual(clean(served.slice(0, real.length)), clean(real), name);
    }
    // A window not starting at the first step: MLflow 2.17.2 kept only the window's ends (its bug, see
    // sampling.ts); the server samples as MLflow 3 does, which the 3.x capture of the same window on the
    // same 20,000-step history shows.
    const { request } = getCapture('mlflow-2.17.2', 'ajax_metrics_get_history_bulk_interval_window');
    const q = request.query as Record<string, unknown>;
    const windowed = await rest.getSampledHistories({ runIds: [String(q.run_ids)], metricKey: String(q.metric_key), maxResults: Number(q.max_results), startStep: Number(q.start_step), endStep: Number(q.end_step) });
    const mlflow3 = getCapture('mlflow-3.x', 'ajax_metrics_get_history_bulk_interval_window');
    assert.deepEqual(mlflow3.request.query, { ...q, run_ids: (mlflow3.request.query as Record<string, unknown>).run_ids }, 'the same window');
    assert.deepEqual(
      windowed.map((m) => m.step),
      ((mlflow3.response as { metrics: { step: number }[] }).metrics).map((m) => m.step),
    );
    assert.ok(server.count('metrics/get-history-bulk-interval') >= names.length + 1, 'the server endpoint answered (no client-side fallback)');
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
    // Which models and versions a search finds, and in what order: real MLflow's answers.
    for (const r of answered('search_registered_models')) {
      const query = { filter: str(r.args.filter_string), orderBy: list(r.args.order_by), maxResults: r.args.max_results as number };
      const pages = await idsOf(r.pages !== undefined, (pageToken) => rest.searchRegisteredModels({ ...query, pageToken }), (m) => m.name);
      assert.deepEqual(pages, expectedPages(r), `${r.id}: ${JSON.stringify(r.args)}`);
    }
    for (const r of answered('search_model_versions')) {
      const query = { filter: str(r.args.filter_string), orderBy: list(r.args.order_by), maxResults: r.args.max_results as number };
      const pages = await idsOf(r.pages !== undefined, (pageToken) => rest.searchModelVersions({ ...query, pageToken }), (v) => `${v.name}/${v.version}`);
      assert.deepEqual(pages, expectedPages(r), `${r.id}: ${JSON.stringify(r.args)}`);
    }
    // What the entries hold: the same as the store on disk.
    const [models, modelsOnDisk] = await both((s) => s.searchRegisteredModels({}));
    assert.deepEqual(models, { ...modelsOnDisk, items: modelsOnDisk.items.map((m) => ({ ...m, latestVersions: m.latestVersions.map(withoutAliases) })) });
    const [versions, versionsOnDisk] = await both((s) => s.searchModelVersions({ maxResults: 100 }));
    assert.deepEqual(versions, { ...versionsOnDisk, items: versionsOnDisk.items.map(withoutAliases) });
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
