import assert from 'node:assert/strict';
import * as path from 'node:path';
import { MlflowError } from '../../src/mlflow/errors';
import { SqliteStore } from '../../src/mlflow/local/sqliteStore';
import { toExperiment, toMetric, toRun } from '../../src/mlflow/rest/mapping';
import type { Experiment, ExperimentQuery, Run, RunQuery } from '../../src/mlflow/types';
import { CAPTURE_SETS, type CaptureSetName, captureIds, getCapture } from '../support/replayServer';
import { SQLITE_ENGINES, sqliteOptions } from '../support/sqliteEngine';

/**
 * SqliteStore over each server's own `mlflow.db` answers what that server answered over REST
 * (rest-captures), compared as domain objects (the captures go through the REST backend's mapping).
 *
 * The stores are the servers' FINAL state, and `_index.json` shows captures interleaved with
 * changes. What changed after a capture is accounted for explicitly:
 * - experiments 6 (`api-captures`) and 7 were created after the experiments/search captures, so
 *   those searches are repeated with `creation_time < <creation of api-captures>` added;
 * - runs in experiments 1–3 were not changed after their captures; the run the capture script
 *   mutated (runs_get_after_mutations) was deleted and restored afterwards, which leaves it equal.
 */

const FIXTURES = path.resolve(__dirname, '../fixtures');

type Json = Record<string, unknown>;

function response(set: CaptureSetName, name: string): Json {
  return getCapture(set, name).response as Json;
}

function request(set: CaptureSetName, name: string): Json {
  const { query, body } = getCapture(set, name).request;
  return (query ?? body ?? {}) as Json;
}

/** Drops undefined-valued properties, which the REST mapping writes and deep equality would see. */
export function clean<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clean) as T;
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined).map(([k, v]) => [k, clean(v)])) as T;
  }
  return value;
}

/** Python prints sets in hash order, which differs between server runs: compare set members sorted. */
function normalizeMessage(message: string): string {
  return message.replace(/\{([^{}]*)\}/g, (_, items: string) => `{${items.split(', ').sort().join(', ')}}`);
}

async function rejectsLike(promise: Promise<unknown>, capture: Json): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof MlflowError, String(error));
    assert.equal(error.errorCode, capture.error_code);
    assert.equal(normalizeMessage(error.message), normalizeMessage(String(capture.message)));
    return true;
  });
}

function runQueryFrom(body: Json): RunQuery {
  return {
    experimentIds: (body.experiment_ids as string[]) ?? [],
    filter: body.filter as string | undefined,
    orderBy: body.order_by as string[] | undefined,
    runViewType: body.run_view_type as RunQuery['runViewType'],
    maxResults: body.max_results as number | undefined,
    pageToken: body.page_token as string | undefined,
  };
}

const runs = (json: Json) => ((json.runs as unknown[]) ?? []).map((r) => clean(toRun(r)));
const experimentsOf = (json: Json) => ((json.experiments as unknown[]) ?? []).map((e) => clean(toExperiment(e)));

for (const engineKind of SQLITE_ENGINES) for (const set of CAPTURE_SETS) {
  describe(`SqliteStore (${engineKind}) tracking vs ${set} REST captures`, () => {
    let store: SqliteStore;
    let cutoff: number;
    before(async () => {
      store = await SqliteStore.open(path.join(FIXTURES, set, 'server-store', 'mlflow.db'), sqliteOptions(engineKind));
      cutoff = (await store.getExperimentByName('api-captures'))?.creationTime ?? Number.POSITIVE_INFINITY;
    });
    after(() => store.dispose());

    /** The experiments/search a capture made, as of its time (see the header). */
    function experimentQuery(name: string): ExperimentQuery {
      const q = request(set, name);
      const filter = [q.filter, `creation_time < ${cutoff}`].filter(Boolean).join(' AND ');
      const orderBy = q.order_by === undefined ? undefined : ([] as string[]).concat(q.order_by as string);
      return { filter, orderBy, maxResults: Number(q.max_results), pageToken: q.page_token as string | undefined, viewType: q.view_type as ExperimentQuery['viewType'] };
    }

    for (const name of [
      'experiments_search_get',
      'experiments_search_post_filter_order',
      'experiments_search_page2',
      'experiments_search_all_view_types',
      'experiments_search_deleted_only',
      'experiments_search_by_tag',
      'ajax_experiments_search',
    ]) {
      it(`searches experiments like ${name} (same experiments, order and next page token)`, async () => {
        const page = await store.searchExperiments(experimentQuery(name));
        assert.deepEqual(clean(page.items), experimentsOf(response(set, name)));
        assert.equal(page.nextPageToken, response(set, name).next_page_token);
      });
    }

    it('gets experiments by id and by name, and answers missing ones like the server', async () => {
      const byId = response(set, 'experiments_get').experiment;
      assert.deepEqual(clean(await store.getExperiment(String(request(set, 'experiments_get').experiment_id))), clean(toExperiment(byId)));
      const byName = response(set, 'experiments_get_by_name').experiment;
      const found = await store.getExperimentByName(String(request(set, 'experiments_get_by_name').experiment_name));
      assert.deepEqual(clean(found as Experiment), clean(toExperiment(byName)));
      await rejectsLike(store.getExperiment(String(request(set, 'experiments_get_404').experiment_id)), response(set, 'experiments_get_404'));
      assert.equal(await store.getExperimentByName('nope'), undefined);
    });

    for (const name of [
      'runs_search_basic',
      'runs_search_filter_order_page1',
      'runs_search_filter_order_page2',
      'runs_search_filter_order_page3',
      'runs_search_by_status_and_name',
      'runs_search_by_tag_like',
      'runs_search_children_of_parent',
      'runs_search_deleted_only',
      'runs_search_metric_slash_name_backticks',
    ]) {
      it(`searches runs like ${name} (same runs with all their data, same order)`, async () => {
        const page = await store.searchRuns(runQueryFrom(request(set, name)));
        const expected = runs(response(set, name));
        // MLflow 3's runs/search leaves `model_inputs` out (runs/get has them); local stores always
        // fill them, so they are compared with what the same run's runs/get would say.
        for (const [i, run] of page.items.entries()) {
          if (expected[i] && set === 'mlflow-3.x') expected[i].inputs.modelInputs = (await store.getRun(run.info.runId)).inputs.modelInputs;
        }
        assert.deepEqual(clean(page.items), expected);
        const token = response(set, name).next_page_token;
        if (set === 'mlflow-2.17.2' && name === 'runs_search_metric_slash_name_backticks') {
          // 2.17.2 also sent a token when a page was exactly full; the next page was empty. Local
          // stores follow MLflow 3 (a token only when more runs exist).
          assert.equal(token, 'eyJvZmZzZXQiOiAzfQ==');
          assert.equal(page.nextPageToken, undefined);
          assert.equal((await store.searchRuns({ ...runQueryFrom(request(set, name)), pageToken: String(token) })).items.length, 0);
        } else {
          assert.equal(page.nextPageToken, token);
        }
      });
    }

    it('orders an unfiltered listing in SQL exactly as a filtered search orders in memory', async () => {
      const orders = [
        ['metrics.accuracy DESC'],
        ['metrics.`train/loss` ASC'],
        ['params.C ASC', 'attributes.run_name DESC'],
        ['tags.model_type DESC'],
        ['attributes.end_time ASC'],
        ['attributes.status', 'attributes.start_time ASC'],
      ];
      const scope = { experimentIds: ['0', '1', '2', '3', '4', '5', '6'], runViewType: 'ALL' as const, maxResults: 1000 };
      for (const orderBy of orders) {
        const viaSql = await store.searchRuns({ ...scope, orderBy });
        const viaMemory = await store.searchRuns({ ...scope, orderBy, filter: "attributes.run_id != ''" });
        assert.deepEqual(viaSql.items.map((r) => r.info.runId), viaMemory.items.map((r) => r.info.runId), orderBy.join());
      }
    });

    it('pages an unfiltered listing with LIMIT/OFFSET tokens until the last page', async () => {
      const all = await store.searchRuns({ experimentIds: ['1', '2', '3'], orderBy: ['metrics.accuracy DESC'], maxResults: 1000 });
      const ids: string[] = [];
      let pageToken: string | undefined;
      do {
        const page = await store.searchRuns({ experimentIds: ['1', '2', '3'], orderBy: ['metrics.accuracy DESC'], maxResults: 4, pageToken });
        ids.push(...page.items.map((r) => r.info.runId));
        pageToken = page.nextPageToken;
      } while (pageToken);
      assert.deepEqual(ids, all.items.map((r) => r.info.runId));
    });

    for (const name of [
      'runs_get_model_run',
      'runs_get_running',
      'runs_get_failed',
      'runs_get_child',
      'runs_get_nan_inf_metrics',
      'runs_get_deleted',
      'runs_get_after_mutations',
      'ajax_runs_get',
    ]) {
      it(`gets the run of ${name}`, async () => {
        const run = await store.getRun(String(request(set, name).run_id));
        assert.deepEqual(clean(run), clean(toRun(response(set, name).run)));
      });
    }

    it('reads NaN and ±inf latest values as NaN and ±Infinity', async () => {
      const run: Run = await store.getRun(String(request(set, 'runs_get_nan_inf_metrics').run_id));
      const values = run.data.metrics.map((m) => m.value);
      assert.ok(values.every((v) => typeof v === 'number'));
    });

    it('answers a missing run like the server', async () => {
      await rejectsLike(store.getRun(String(request(set, 'runs_get_404').run_id)), response(set, 'runs_get_404'));
    });

    for (const name of [
      'runs_search_bad_filter_400',
      'runs_search_bad_filter_unknown_entity_400',
      'runs_search_bad_order_by_400',
      'runs_search_bad_page_token_400',
      // Not runs_search_max_results_too_large_400: there the server's request validation answers
      // before the store does. A store read directly answers as MLflow's SQL store itself does
      // (search-semantics `runs.syntax.max_results_*`, checked in searchConformance.test.ts).
    ]) {
      it(`rejects the search of ${name} with the server's error`, async () => {
        await rejectsLike(store.searchRuns(runQueryFrom(request(set, name))), response(set, name));
      });
    }

    it('returns metric histories in step order, NaN and ±inf restored (captures truncated to 50)', async () => {
      const names = ['metrics_get_history_200_steps', 'metrics_get_history_20000_steps', 'metrics_get_history_nan_inf'];
      for (const name of names) {
        const q = request(set, name);
        const captured = ((response(set, name).metrics as unknown[]) ?? []).map(toMetric);
        const history = await store.getMetricHistory(String(q.run_id), String(q.metric_key));
        const note = getCapture(set, name).note ?? '';
        const window = /entries \[(\d+):(\d+)\]/.exec(note);
        const from = window ? Number(window[1]) : 0;
        assert.equal(history.length, Number(response(set, name)._truncated_original_length ?? captured.length), name);
        assert.deepEqual(history.slice(from, from + captured.length), captured, name);
      }
      const nanInf = await store.getMetricHistory(String(request(set, 'metrics_get_history_nan_inf').run_id), 'train/loss');
      assert.deepEqual(nanInf.slice(50, 53).map((m) => m.value), [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    });

    it('returns an empty history for an unknown key or run, as the server answers {}', async () => {
      for (const name of ['metrics_get_history_unknown_key', 'metrics_get_history_unknown_run_empty_200']) {
        const q = request(set, name);
        assert.deepEqual(await store.getMetricHistory(String(q.run_id), String(q.metric_key)), []);
      }
    });

    it('covers every run ids.json names', async () => {
      const ids = captureIds(set).runs;
      for (const [name, runId] of Object.entries(ids)) {
        const run = await store.getRun(runId);
        assert.equal(run.info.runName, name.replace(/ \(deleted\)$/, ''));
        assert.equal(run.info.lifecycleStage, name.endsWith('(deleted)') || name === 'deleted-run' || name === 'scratch-run' ? 'deleted' : 'active');
      }
    });
  });
}
