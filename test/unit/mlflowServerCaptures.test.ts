import assert from 'node:assert/strict';
import { fixtureDataset } from '../support/mlflowServer/fixtureStore';
import { startMlflowServer, type MlflowServer } from '../support/mlflowServer/server';
import { getCapture, type Capture } from '../support/replayServer';

/**
 * The test server answers the captured requests like the real MLflow 2.17.2 server did: same status,
 * content type and JSON (key order included), byte-identical HTML pages. It serves the store the
 * captures were made against, in its final state, so captures taken before a later write (the
 * registry was edited after its reads, experiments 6 and 7 were created after the searches) are
 * compared by shape: the same keys in the same order with the same value types.
 */

interface Answer {
  status: number;
  contentType: string;
  text: string;
  bytes: Buffer;
}

/** Sends a capture's request (its query as a multimap, its JSON body) to the test server. */
async function send(server: MlflowServer, capture: Capture): Promise<Answer> {
  const url = new URL(capture.request.path, server.baseUrl);
  for (const [key, value] of Object.entries(capture.request.query ?? {})) {
    for (const v of Array.isArray(value) ? value : [value]) url.searchParams.append(key, String(v));
  }
  const body = capture.request.body === null || capture.request.body === undefined ? undefined : JSON.stringify(capture.request.body);
  const response = await fetch(url, { method: capture.request.method, body, headers: body ? { 'Content-Type': 'application/json' } : {} });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', text: bytes.toString('utf8'), bytes };
}

/** The capture tool cut long `metrics` lists to a window and noted the original length. */
function capturedWindow(capture: Capture): [number, number] | undefined {
  const match = /entries \[(\d+):(\d+)\]/.exec(capture.note ?? '');
  return match ? [Number(match[1]), Number(match[2])] : undefined;
}

/**
 * A dataset's `schema` and `profile` are not in the domain types a Dataset is made of (the extension
 * never reads them), so the server cannot send them back: left out of the comparison.
 */
function withoutDatasetDetails(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutDatasetDetails);
  if (!value || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'schema' && key !== 'profile')
      .map(([key, v]) => [key, withoutDatasetDetails(v)]),
  );
}

function comparable(capture: Capture, served: unknown): { expected: unknown; actual: unknown } {
  const { _truncated_original_length: originalLength, ...response } = capture.response as Record<string, unknown>;
  const expected = withoutDatasetDetails(response);
  const window = capturedWindow(capture);
  if (!window) return { expected, actual: served };
  const actual = served as { metrics: unknown[] };
  assert.equal(actual.metrics.length, originalLength, `${capture.name}: the full list is served`);
  return { expected, actual: { ...actual, metrics: actual.metrics.slice(...window) } };
}

/** Keys in order and value types, recursively; array items merged into their distinct shapes. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return [...new Set(value.map((v) => JSON.stringify(shapeOf(v))))].sort().map((s) => JSON.parse(s) as unknown);
  if (value && typeof value === 'object') return Object.entries(value).map(([k, v]) => [k, shapeOf(v)]);
  return value === null ? 'null' : typeof value;
}

const EXACT_JSON = [
  'runs_search_basic',
  'runs_search_filter_order_page1',
  'runs_search_filter_order_page2',
  'runs_search_filter_order_page3',
  'runs_search_by_status_and_name',
  'runs_search_by_tag_like',
  'runs_search_children_of_parent',
  'runs_search_metric_slash_name_backticks',
  'runs_get_model_run',
  'runs_get_running',
  'runs_get_failed',
  'runs_get_child',
  'runs_get_deleted',
  'runs_get_nan_inf_metrics',
  'ajax_runs_get',
  'experiments_get',
  'experiments_get_by_name',
  'experiments_search_by_tag',
  'metrics_get_history_200_steps',
  'metrics_get_history_20000_steps',
  'metrics_get_history_max_results_ignored',
  'metrics_get_history_nan_inf',
  'metrics_get_history_unknown_key',
  'metrics_get_history_unknown_run_empty_200',
  'api_metrics_get_history_bulk_interval',
  'ajax_metrics_get_history_bulk_interval',
  'artifacts_list_root',
  'artifacts_list_model_dir',
  'artifacts_list_plots',
  'artifacts_list_nonexistent_path',
  'artifacts_list_run_without_artifacts',
  'ajax_artifacts_list',
  'model_versions_get_download_uri',
  // errors: MLflow's {error_code, message} with its status
  'runs_get_404',
  'runs_get_missing_param_400',
  'experiments_get_404',
  'experiments_get_by_name_404',
  'runs_search_bad_filter_400',
  'runs_search_bad_filter_unknown_entity_400',
  'runs_search_bad_order_by_400',
  'runs_search_bad_page_token_400',
  'runs_search_max_results_too_large_400',
  'metrics_get_history_missing_key_400',
  'ajax_metrics_get_history_bulk_interval_bad_400',
  'artifacts_list_bad_path_traversal_400',
  'artifacts_list_run_404',
  'registered_models_get_404',
  'registered_models_get_by_alias_missing_400',
  'registered_models_search_bad_filter_400',
  'model_versions_get_404',
  'model_versions_search_bad_filter_400',
  'model_versions_transition_stage_bad_400',
  'registered_models_set_alias_bad_version_404',
  'registered_models_set_alias_reserved_latest_400',
];

/** Captured before later writes to what they read: compared by shape. */
const SAME_SHAPE = [
  'experiments_search_get',
  'experiments_search_all_view_types',
  'experiments_search_deleted_only',
  'ajax_experiments_search',
  'registered_models_get',
  'registered_models_search',
  'registered_models_search_filter',
  'registered_models_get_by_alias',
  'registered_models_get_latest_versions',
  'model_versions_get',
  'model_versions_search',
  'model_versions_search_all',
  'model_versions_search_by_run',
];

/** Not JSON: compared byte for byte with their content type. */
const EXACT_TEXT = ['health', 'version', 'unknown_endpoint_404', 'wrong_method_405', 'get_artifact_json', 'get_artifact_text', 'get_artifact_mlmodel', 'get_artifact_missing_file_500', 'model_versions_get_artifact_mlmodel'];

describe('test MLflow server answers the captured requests like MLflow 2.17.2', () => {
  let server: MlflowServer;

  before(async () => {
    server = await startMlflowServer({ dataset: await fixtureDataset() });
  });

  after(async () => {
    await server?.close();
  });

  for (const name of EXACT_JSON) {
    it(`${name}: same status and JSON`, async () => {
      const capture = getCapture('mlflow-2.17.2', name);
      const answer = await send(server, capture);
      assert.equal(answer.status, capture.status);
      assert.equal(answer.contentType, capture.response_content_type);
      const { expected, actual } = comparable(capture, JSON.parse(answer.text));
      // Stringified, so the order of keys counts too.
      assert.equal(JSON.stringify(actual), JSON.stringify(expected));
    });
  }

  for (const name of SAME_SHAPE) {
    it(`${name}: same status and JSON shape`, async () => {
      const capture = getCapture('mlflow-2.17.2', name);
      const answer = await send(server, capture);
      assert.equal(answer.status, capture.status);
      assert.equal(answer.contentType, capture.response_content_type);
      assert.deepEqual(shapeOf(JSON.parse(answer.text)), shapeOf(capture.response));
    });
  }

  for (const name of EXACT_TEXT) {
    it(`${name}: same status, content type and text`, async () => {
      const capture = getCapture('mlflow-2.17.2', name);
      const answer = await send(server, capture);
      assert.equal(answer.status, capture.status);
      assert.equal(answer.contentType, capture.response_content_type);
      assert.equal(answer.text, capture.response);
    });
  }

  it('get_artifact_png: the image bytes as image/png', async () => {
    const capture = getCapture('mlflow-2.17.2', 'get_artifact_png');
    const answer = await send(server, capture);
    const stub = capture.response as { _binary_body_bytes: number; _first_bytes_hex: string };
    assert.equal(answer.status, 200);
    assert.equal(answer.contentType, 'image/png');
    assert.equal(answer.bytes.length, stub._binary_body_bytes);
    assert.equal(answer.bytes.subarray(0, 16).toString('hex'), stub._first_bytes_hex);
  });

  it('pretty-prints JSON and writes `{}` for an empty answer', async () => {
    const answer = await send(server, getCapture('mlflow-2.17.2', 'metrics_get_history_unknown_run_empty_200'));
    assert.equal(answer.text, '{}');
    const run = await send(server, getCapture('mlflow-2.17.2', 'runs_get_running'));
    assert.match(run.text, /^\{\n {2}"run": \{\n {4}"info": \{\n/);
  });
});
