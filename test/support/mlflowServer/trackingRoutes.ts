import { searchExperimentsIn } from '../../../src/mlflow/local/experimentQuery';
import { checkMaxResults, createPageToken, parsePageToken } from '../../../src/mlflow/local/paging';
import { sampleHistories, validateSampleWindow, MAX_SAMPLED_RESULTS_PER_RUN } from '../../../src/mlflow/sampling';
import { parseRunFilter, runMatchesFilter } from '../../../src/mlflow/searchFilter';
import { sortRuns } from '../../../src/mlflow/searchOrder';
import { randomUUID } from 'node:crypto';
import type { Metric, Run, RunStatus } from '../../../src/mlflow/types';
import { latestOf } from './dataset';
import { experimentJson, metricJson, metricValueJson, runInfoJson, runJson, type Json } from './json';
import { alreadyExists, invalid, notFound, type ApiRequest, type Route } from './protocol';
import { inView, viewTypeOf, type ServerState } from './state';

/** Experiments, runs and metrics: MLflow 2.17.2's tracking handlers over the in-memory state. */

const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];
const RUN_NAME_TAG = 'mlflow.runName';

export interface TrackingOptions {
  /** get-history honours max_results/page_token (MLflow ≥ 3.0) instead of ignoring them (2.17.2). */
  historyPaging: boolean;
}

export function trackingRoutes(options: TrackingOptions): Route[] {
  return [
    { method: 'GET', path: '/experiments/search', handle: searchExperiments },
    { method: 'POST', path: '/experiments/search', handle: searchExperiments },
    { method: 'GET', path: '/experiments/get', handle: ({ params, state }) => ({ experiment: experimentJson(state.experiment(params.required('experiment_id'))) }) },
    { method: 'GET', path: '/experiments/get-by-name', handle: getExperimentByName },
    { method: 'POST', path: '/experiments/create', handle: createExperiment },
    { method: 'POST', path: '/experiments/update', handle: renameExperiment },
    { method: 'POST', path: '/experiments/delete', handle: (request) => setExperimentStage(request, 'deleted') },
    { method: 'POST', path: '/experiments/restore', handle: (request) => setExperimentStage(request, 'active') },
    { method: 'POST', path: '/experiments/set-experiment-tag', handle: setExperimentTag },
    { method: 'POST', path: '/runs/search', handle: searchRuns },
    { method: 'GET', path: '/runs/get', handle: ({ params, state }) => ({ run: runJson(state.run(params.required('run_id', 'run_uuid'))) }) },
    { method: 'POST', path: '/runs/update', handle: updateRun },
    { method: 'POST', path: '/runs/delete', handle: (request) => setRunStage(request, 'deleted') },
    { method: 'POST', path: '/runs/restore', handle: (request) => setRunStage(request, 'active') },
    { method: 'POST', path: '/runs/set-tag', handle: setRunTag },
    { method: 'POST', path: '/runs/delete-tag', handle: deleteRunTag },
    { method: 'POST', path: '/runs/create', handle: createRun },
    { method: 'POST', path: '/runs/log-metric', handle: logMetric },
    { method: 'POST', path: '/runs/log-parameter', handle: logParameter },
    { method: 'POST', path: '/runs/log-batch', handle: logBatch },
    { method: 'GET', path: '/metrics/get-history', handle: (request) => metricHistory(request, options) },
    { method: 'GET', path: '/metrics/get-history-bulk-interval', handle: sampledHistories },
  ];
}

// ---- experiments ----

function searchExperiments({ params, state }: ApiRequest): Json {
  const viewType = viewTypeOf(params.string('view_type'));
  // Without max_results the proto default 0 reaches the SQL store, which refuses it.
  const maxResults = params.int('max_results') ?? 0;
  if (maxResults < 1) throw invalid(`Invalid value ${maxResults} for parameter 'max_results' supplied. It must be a positive integer`);
  const page = searchExperimentsIn(
    state.data.experiments.filter((e) => inView(e.lifecycleStage, viewType)),
    { filter: params.string('filter'), orderBy: params.list('order_by'), maxResults, pageToken: params.string('page_token') },
  );
  const json: Json = {};
  if (page.items.length) json.experiments = page.items.map(experimentJson);
  if (page.nextPageToken) json.next_page_token = page.nextPageToken;
  return json;
}

function getExperimentByName({ params, state }: ApiRequest): Json {
  const name = params.required('experiment_name');
  const experiment = state.data.experiments.find((e) => e.name === name);
  if (!experiment) throw notFound(`Could not find experiment with name '${name}'`);
  return { experiment: experimentJson(experiment) };
}

function checkNameFree(state: ServerState, name: string): void {
  if (state.data.experiments.some((e) => e.name === name)) {
    // The SQL store's message carries the database's own error after the first sentence.
    throw alreadyExists(`Experiment(name=${name}) already exists. Error: (sqlite3.IntegrityError) UNIQUE constraint failed: experiments.name`);
  }
}

function createExperiment({ params, state }: ApiRequest): Json {
  const name = params.required('name');
  checkNameFree(state, name);
  const experimentId = String(Math.max(-1, ...state.data.experiments.map((e) => Number(e.experimentId)).filter(Number.isFinite)) + 1);
  const time = state.now();
  state.data.experiments.push({
    experimentId,
    name,
    artifactLocation: params.string('artifact_location') || `${state.artifactRoot}/${experimentId}`,
    lifecycleStage: 'active',
    creationTime: time,
    lastUpdateTime: time,
    tags: params.keyValues('tags'),
  });
  return { experiment_id: experimentId };
}

function renameExperiment({ params, state }: ApiRequest): Json {
  const experiment = state.experiment(params.required('experiment_id'));
  const newName = params.required('new_name');
  if (experiment.lifecycleStage !== 'active') throw invalid('Cannot rename a non-active experiment.');
  if (newName !== experiment.name) checkNameFree(state, newName);
  experiment.name = newName;
  experiment.lastUpdateTime = state.now();
  return {};
}

/** Deleting or restoring an experiment takes its runs along, as the SQL store does. */
function setExperimentStage({ params, state }: ApiRequest, stage: 'active' | 'deleted'): Json {
  const experiment = state.experiment(params.required('experiment_id'));
  experiment.lifecycleStage = stage;
  experiment.lastUpdateTime = state.now();
  for (const run of state.data.runs) if (run.info.experimentId === experiment.experimentId) run.info.lifecycleStage = stage;
  return {};
}

function setExperimentTag({ params, state }: ApiRequest): Json {
  const experiment = state.activeExperiment(params.required('experiment_id'));
  experiment.tags[params.required('key')] = params.string('value') ?? '';
  return {};
}

// ---- runs ----

/** MLflow's largest `max_results` for runs/search. */
const MAX_RUN_RESULTS = 50000;

function searchRuns({ params, state }: ApiRequest): Json {
  const maxResults = checkMaxResults(params.int('max_results'), 1000, MAX_RUN_RESULTS);
  const experimentIds = params.list('experiment_ids');
  const viewType = viewTypeOf(params.string('run_view_type'));
  const offset = parsePageToken(params.string('page_token'));
  const clauses = parseRunFilter(params.string('filter'));
  const candidates = state.data.runs.filter(
    (r) => experimentIds.includes(r.info.experimentId) && inView(r.info.lifecycleStage, viewType) && runMatchesFilter(r, clauses),
  );
  const page = sortRuns(candidates, params.list('order_by')).slice(offset, offset + maxResults);
  const json: Json = {};
  if (page.length) json.runs = page.map(runJson);
  // 2.17's SQL store hands out a token whenever the page is full, even when nothing follows.
  if (page.length === maxResults) json.next_page_token = createPageToken(offset + maxResults);
  return json;
}

function renameRun(run: Run, name: string): void {
  run.info.runName = name;
  run.data.tags[RUN_NAME_TAG] = name;
}

function updateRun({ params, state }: ApiRequest): Json {
  const run = state.activeRun(params.required('run_id', 'run_uuid'));
  const status = params.string('status');
  // An unknown status name ("DONE") is dropped by the proto parser: 200 and no change.
  const known = RUN_STATUSES.find((s) => s === status);
  if (known) run.info.status = known;
  const endTime = params.int('end_time');
  if (endTime !== undefined) run.info.endTime = endTime;
  const runName = params.string('run_name');
  if (runName) renameRun(run, runName);
  return { run_info: runInfoJson(run.info) };
}

function setRunStage({ params, state }: ApiRequest, stage: 'active' | 'deleted'): Json {
  state.run(params.required('run_id', 'run_uuid')).info.lifecycleStage = stage;
  return {};
}

function setRunTag({ params, state }: ApiRequest): Json {
  const run = state.activeRun(params.required('run_id', 'run_uuid'));
  const key = params.required('key');
  const value = params.string('value') ?? '';
  if (key === RUN_NAME_TAG) renameRun(run, value);
  else run.data.tags[key] = value;
  return {};
}

function deleteRunTag({ params, state }: ApiRequest): Json {
  const runId = params.required('run_id', 'run_uuid');
  const run = state.activeRun(runId);
  const key = params.required('key');
  if (!(key in run.data.tags)) throw notFound(`No tag with name: ${key} in run with id ${runId}`);
  delete run.data.tags[key];
  return {};
}

// ---- logging (what mlflow.start_run / log_param / log_metric send) ----

const RUN_NAME_WORDS = [['bold', 'calm', 'eager', 'gentle', 'keen'], ['owl', 'fox', 'lynx', 'wren', 'yak']];

function createRun({ params, state }: ApiRequest): Json {
  const experiment = state.activeExperiment(params.string('experiment_id') || '0');
  const tags = params.keyValues('tags');
  // The SQL store: the run_name parameter, else the mlflow.runName tag, else a generated name.
  const runName = params.string('run_name') || tags[RUN_NAME_TAG] || `${RUN_NAME_WORDS[0]![state.data.runs.length % 5]}-${RUN_NAME_WORDS[1]![(state.data.runs.length >> 2) % 5]}-${state.data.runs.length}`;
  const runId = randomUUID().replace(/-/g, '');
  const run: Run = {
    info: {
      runId,
      experimentId: experiment.experimentId,
      runName,
      userId: params.string('user_id') ?? '',
      status: 'RUNNING',
      startTime: params.int('start_time') ?? state.now(),
      artifactUri: `${experiment.artifactLocation}/${runId}/artifacts`,
      lifecycleStage: 'active',
    },
    data: { metrics: [], params: {}, tags: { ...tags, [RUN_NAME_TAG]: runName } },
    inputs: { datasets: [], modelInputs: [] },
    outputs: { modelOutputs: [] },
  };
  state.data.runs.push(run);
  return { run: runJson(run) };
}

/** A metric point as requests carry it; NaN and ±Infinity come as the strings Python's json writes. */
function metricOf(entry: Record<string, unknown>, state: ServerState): Metric {
  const key = typeof entry.key === 'string' ? entry.key : '';
  if (!key) throw invalid("Missing value for required parameter 'key'. See the API docs for more information about request parameters.");
  const value = Number(entry.value);
  return { key, value, timestamp: Number(entry.timestamp ?? state.now()), step: Number(entry.step ?? 0) };
}

/** Appends points to a run's histories (copy-on-write: the arrays may be the caller's) and moves its latest metrics. */
function appendMetrics(state: ServerState, run: Run, points: readonly Metric[]): void {
  const runId = run.info.runId;
  const histories = (state.data.histories[runId] = { ...state.data.histories[runId] });
  for (const point of points) histories[point.key] = [...(histories[point.key] ?? []), point];
  for (const key of new Set(points.map((p) => p.key))) {
    const latest = latestOf(histories[key] ?? []);
    run.data.metrics = run.data.metrics.filter((m) => m.key !== key);
    if (latest) run.data.metrics.push({ ...latest });
  }
}

/** MLflow refuses to change a logged param (same value again is fine). */
function checkParams(run: Run, incoming: Record<string, string>, single: boolean): void {
  const changed = Object.entries(incoming).filter(([key, value]) => key in run.data.params && run.data.params[key] !== value);
  if (changed.length === 0) return;
  if (single) {
    const [key, value] = changed[0]!;
    throw invalid(
      `Changing param values is not allowed. Param with key='${key}' was already logged with value='${run.data.params[key]}' for run ID='${run.info.runId}'. Attempted logging new value '${value}'.`,
    );
  }
  const listed = changed.map(([key, value]) => `{'key': '${key}', 'old_value': '${run.data.params[key]}', 'new_value': '${value}'}`).join(', ');
  throw invalid(`Changing param values is not allowed. Params were already logged='[${listed}]' for run ID='${run.info.runId}'.`);
}

function logMetric({ params, state, body }: ApiRequest): Json {
  const run = state.activeRun(params.required('run_id', 'run_uuid'));
  appendMetrics(state, run, [metricOf(body, state)]);
  return {};
}

function logParameter({ params, state }: ApiRequest): Json {
  const run = state.activeRun(params.required('run_id', 'run_uuid'));
  const key = params.required('key');
  const incoming = { [key]: params.string('value') ?? '' };
  checkParams(run, incoming, true);
  Object.assign(run.data.params, incoming);
  return {};
}

function logBatch({ params, state, body }: ApiRequest): Json {
  const run = state.activeRun(params.required('run_id'));
  const incoming = params.keyValues('params');
  checkParams(run, incoming, false);
  const metrics = Array.isArray(body.metrics) ? body.metrics.map((m) => metricOf((m ?? {}) as Record<string, unknown>, state)) : [];
  Object.assign(run.data.params, incoming);
  for (const [key, value] of Object.entries(params.keyValues('tags'))) {
    if (key === RUN_NAME_TAG) renameRun(run, value);
    else run.data.tags[key] = value;
  }
  appendMetrics(state, run, metrics);
  return {};
}

// ---- metrics ----

/** A history as the SQL store reads it: by step, then timestamp, then value. */
function historyOf(state: ServerState, runId: string, key: string): Metric[] {
  return [...(state.data.histories[runId]?.[key] ?? [])].sort((a, b) => a.step - b.step || a.timestamp - b.timestamp || a.value - b.value);
}

function metricHistory({ params, state }: ApiRequest, options: TrackingOptions): Json {
  const runId = params.required('run_id', 'run_uuid');
  const key = params.required('metric_key');
  // An unknown run id is not an error here: 200 and `{}`.
  let points = historyOf(state, runId, key);
  let nextPageToken: string | undefined;
  if (options.historyPaging) {
    const maxResults = params.int('max_results');
    const offset = parsePageToken(params.string('page_token'));
    if (maxResults !== undefined) {
      if (offset + maxResults < points.length) nextPageToken = createPageToken(offset + maxResults);
      points = points.slice(offset, offset + maxResults);
    }
  }
  const json: Json = {};
  if (points.length) json.metrics = points.map(metricJson);
  if (nextPageToken) json.next_page_token = nextPageToken;
  return json;
}

function sampledHistories({ params, state }: ApiRequest): Json {
  const runIds = params.list('run_ids');
  const key = params.required('metric_key');
  const window = { maxResults: params.int('max_results') ?? MAX_SAMPLED_RESULTS_PER_RUN, startStep: params.int('start_step'), endStep: params.int('end_step') };
  if (runIds.length === 0) throw invalid('GetMetricHistoryBulkInterval request must specify at least one run_id.');
  validateSampleWindow(window, runIds.length);
  const points = sampleHistories(new Map(runIds.map((id) => [id, historyOf(state, id, key)])), window);
  const json: Json = {};
  if (points.length) {
    json.metrics = points.map((m) => ({ key: m.key, value: metricValueJson(m.value), timestamp: m.timestamp, step: m.step, run_id: m.runId }));
  }
  return json;
}
