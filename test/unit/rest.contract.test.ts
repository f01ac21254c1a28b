import assert from 'node:assert/strict';
import { CAPTURE_SETS, loadCaptures, servedCaptureNames } from '../support/replayServer';
import type { RestCaptureSetName } from '../support/replayServer';
// The contract suites, loaded here so that this file, run alone, still sees every capture they serve.
// Mocha loads each file once; whichever loads first registers the suites, always before the check below.
import './restArtifacts.contract.test';
import './restExperiments.contract.test';
import './restMetrics.contract.test';
import './restModels.contract.test';
import './restRuns.contract.test';
import './restServer.contract.test';
import './restTraces.contract.test';

/**
 * Every capture of both real servers is either replayed by a contract test (the client sent exactly
 * its request and read its answer) or listed here with the reason it is not. A new capture, or a test
 * that stops sending a captured request, fails this suite until it is covered or skipped on purpose.
 */

type SkipList = Readonly<Record<string, string>>;

const NOT_THE_REST_CLIENT = {
  graphql: 'GraphQL is the MLflow UI’s own API; the extension uses the REST API',
  traces: 'the legacy v2 traces API (GET /api/2.0/mlflow/traces); the client searches with the v3 API (traces/search), covered in restTraces.contract.test.ts',
  datasets: 'experiments/search-datasets is a UI-only ajax endpoint; run datasets come with runs/get and runs/search',
  serve: 'made against `mlflow models serve`, not the tracking server: covered by the serving engineer’s tests',
  logging: 'the extension reads runs and edits their metadata; logging runs, metrics, params and models is the training code’s job (no such TrackingStore method)',
  ajaxTwin: 'the same handler as the /api/2.0 route the client uses (MLflow registers its protobuf endpoints under both prefixes), covered under /api',
  getSearch: 'experiments/search over GET; the client searches with POST (long filters stay out of URLs) and the POST captures cover the same handler',
  historyBulk: 'get-history-bulk is the UI’s unsampled predecessor of get-history-bulk-interval, which the client uses',
  historyNoMaxResults: 'sent without max_results; the client always sends max_results=25000 (required since 3.4, ignored by 2.x as metrics_get_history_max_results_ignored shows), so this exact request never happens; its 3.x twin with max_results is covered',
} as const;

const SHARED_SKIPS: SkipList = {
  graphql_get_run: NOT_THE_REST_CLIENT.graphql,
  traces_search_empty: NOT_THE_REST_CLIENT.traces,
  ajax_experiments_search_datasets: NOT_THE_REST_CLIENT.datasets,
  runs_create: NOT_THE_REST_CLIENT.logging,
  runs_log_batch: NOT_THE_REST_CLIENT.logging,
  runs_log_batch_param_overwrite_400: NOT_THE_REST_CLIENT.logging,
  runs_log_metric: NOT_THE_REST_CLIENT.logging,
  runs_log_metric_on_deleted_run_400: NOT_THE_REST_CLIENT.logging,
  runs_log_parameter: NOT_THE_REST_CLIENT.logging,
  ajax_artifacts_list: NOT_THE_REST_CLIENT.ajaxTwin,
  ajax_experiments_search: NOT_THE_REST_CLIENT.ajaxTwin,
  ajax_runs_get: NOT_THE_REST_CLIENT.ajaxTwin,
  ajax_metrics_get_history_bulk_interval: NOT_THE_REST_CLIENT.ajaxTwin,
  // The start_step/end_step window is checked against a loopback server in rest.unit.test.ts.
  ajax_metrics_get_history_bulk_interval_window: NOT_THE_REST_CLIENT.ajaxTwin,
  // The client always sends both ends of a window, so this 400 cannot be provoked (rest.unit.test.ts).
  ajax_metrics_get_history_bulk_interval_bad_400: NOT_THE_REST_CLIENT.ajaxTwin,
  ajax_metrics_get_history_bulk: NOT_THE_REST_CLIENT.historyBulk,
  experiments_search_get: NOT_THE_REST_CLIENT.getSearch,
  experiments_search_deleted_only: NOT_THE_REST_CLIENT.getSearch,
  metrics_get_history_missing_key_400: 'a get-history without metric_key; the client always sends the key it was asked for',
  runs_get_missing_param_400: 'a runs/get without run_id; the client always sends the id it was asked for',
  registered_models_get_latest_versions:
    'get-latest-versions is deprecated with stages; RegisteredModel.latestVersions (registered-models/get and search) carries the same versions',
};

const SKIPPED: Readonly<Record<RestCaptureSetName, SkipList>> = {
  'mlflow-2.17.2': {
    ...SHARED_SKIPS,
    metrics_get_history_20000_steps: NOT_THE_REST_CLIENT.historyNoMaxResults,
    metrics_get_history_200_steps: NOT_THE_REST_CLIENT.historyNoMaxResults,
    metrics_get_history_nan_inf: NOT_THE_REST_CLIENT.historyNoMaxResults,
    metrics_get_history_unknown_key: NOT_THE_REST_CLIENT.historyNoMaxResults,
    metrics_get_history_unknown_run_empty_200: NOT_THE_REST_CLIENT.historyNoMaxResults,
    serve_invocations_bad_format_400: NOT_THE_REST_CLIENT.serve,
    serve_invocations_dataframe_records: NOT_THE_REST_CLIENT.serve,
    serve_invocations_dataframe_split: NOT_THE_REST_CLIENT.serve,
    serve_invocations_inputs: NOT_THE_REST_CLIENT.serve,
    serve_invocations_schema_error_400: NOT_THE_REST_CLIENT.serve,
    serve_ping: NOT_THE_REST_CLIENT.serve,
    serve_version: NOT_THE_REST_CLIENT.serve,
  },
  'mlflow-3.x': {
    ...SHARED_SKIPS,
    // Documents mlflow/mlflow#23916, which the client avoids by always sending max_results (see
    // restMetrics.contract.test.ts: every get-history it sends carries max_results=25000).
    metrics_get_history_no_max_results_BUG_empty: 'the 3.4+ bug itself: get-history without max_results answers no metrics and a useless token',
    metrics_get_history_no_max_results_BUG_follow_token: 'following the bug’s token without max_results (400); the client never gets there',
    experiments_search_no_max_results_400:
      'experiments/search over GET without max_results (400); the client always sends max_results, see "always sends max_results" in restExperiments.contract.test.ts',
    experiments_delete_tag: 'delete-experiment-tag (3.x only) is not a TrackingStore method; experiment tags are set, not removed, by the extension',
    runs_log_metric_with_model_id: NOT_THE_REST_CLIENT.logging,
    runs_log_outputs: NOT_THE_REST_CLIENT.logging,
    logged_models_create: NOT_THE_REST_CLIENT.logging,
    logged_models_delete: NOT_THE_REST_CLIENT.logging,
    logged_models_delete_tag: NOT_THE_REST_CLIENT.logging,
    logged_models_finalize_ready: NOT_THE_REST_CLIENT.logging,
    logged_models_log_params: NOT_THE_REST_CLIENT.logging,
    logged_models_set_tags: NOT_THE_REST_CLIENT.logging,
    logged_models_search_by_dataset:
      'dataset-scoped search (`datasets`, and order_by per dataset) is not in RegistryQuery; the model views search by experiment and filter',
    logged_models_search_by_dataset_name_only_empty: 'dataset-scoped search, as logged_models_search_by_dataset',
    ajax_logged_models_get: NOT_THE_REST_CLIENT.ajaxTwin,
    security_cors_preflight_disallowed_400: 'a browser CORS preflight (OPTIONS); Node in the extension host never sends one',
    traces_v2_search_legacy: NOT_THE_REST_CLIENT.traces,
    serve_health: NOT_THE_REST_CLIENT.serve,
    serve_invocations_bad_format_400: NOT_THE_REST_CLIENT.serve,
    serve_invocations_dataframe_records: NOT_THE_REST_CLIENT.serve,
    serve_invocations_dataframe_split: NOT_THE_REST_CLIENT.serve,
    serve_invocations_inputs: NOT_THE_REST_CLIENT.serve,
    serve_invocations_schema_error_400: NOT_THE_REST_CLIENT.serve,
    serve_ping: NOT_THE_REST_CLIENT.serve,
    serve_version: NOT_THE_REST_CLIENT.serve,
  },
};

describe('REST capture coverage', () => {
  for (const set of CAPTURE_SETS) {
    it(`replays or explicitly skips every ${set} capture`, () => {
      const served = servedCaptureNames(set);
      const skipped = SKIPPED[set];
      const names = loadCaptures(set).map((c) => c.name);
      assert.deepEqual(
        names.filter((n) => !served.has(n) && !(n in skipped)),
        [],
        'captures neither replayed by a contract test nor skipped with a reason',
      );
      assert.deepEqual(
        names.filter((n) => served.has(n) && n in skipped),
        [],
        'captures both replayed and skipped: drop them from the skip list',
      );
      assert.deepEqual(
        Object.keys(skipped).filter((n) => !names.includes(n)),
        [],
        'skip list entries without a capture',
      );
    });
  }
});
