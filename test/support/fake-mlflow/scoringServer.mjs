/**
 * `mlflow models serve` without Python: MLflow's scoring protocol (/ping, /health, /version, /invocations)
 * with the request handling and error bodies seen in the serve_* captures of both versions.
 *
 * The model's input schema comes from the MLmodel when --model-uri is a local model directory; for
 * runs:/ and models:/ URIs it is the iris schema of the model the captures were taken against. Predictions
 * are deterministic: for iris columns a fixed decision rule (reproducing the captured 0, 2, 1), otherwise
 * the sum of each row's numbers.
 *
 * Env: FAKE_MLFLOW_SERVE_DELAY_MS waits before binding (environment creation); FAKE_MLFLOW_SERVE_FAIL=1
 * exits 1 as if the model could not be loaded.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { FLASK_404, serve } from './httpHost.mjs';
import { logMlflow, pythonException, pythonList } from './logLines.mjs';
import { refusesFileStore, startScoringBackend } from './environment.mjs';

const IRIS_COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const FORMATS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'];
// MLflow prints a Python set, whose order differed between the two captured servers.
const FORMAT_SET_TEXT = {
  '2.17.2': "{'inputs', 'dataframe_records', 'instances', 'dataframe_split'}",
  '3.x': "{'instances', 'dataframe_records', 'inputs', 'dataframe_split'}",
};
const SCORING_PROTOCOL_CHANGE_INFO =
  "IMPORTANT: The MLflow Model scoring protocol has changed in MLflow version 2.0. If you are seeing this error, you are likely using an outdated scoring request format. To resolve the error, either update your request format or adjust your MLflow Model's requirements file to specify an older version of MLflow (for example, change the 'mlflow' requirement specifier to 'mlflow==1.30.0'). If you are making a request using the MLflow client (e.g. via `mlflow.pyfunc.spark_udf()`), upgrade your MLflow client to a version >= 2.0 in order to use the new request format. For more information about the updated MLflow Model scoring protocol in MLflow 2.0, see https://mlflow.org/docs/latest/models.html#deploy-mlflow-models.";

export async function serveModel({ values, versionKey, version, envManagers }) {
  const envManager = values.get('no_conda') ? 'local' : values.get('env_manager');
  if (envManager !== undefined && !envManagers.includes(envManager)) {
    pythonException('mlflow.exceptions.MlflowException', `Invalid value for \`env_manager\`: ${envManager}. Must be one of ${pythonList(envManagers)}`);
    return 1;
  }
  const modelUri = values.get('model_uri');
  const host = values.get('host') ?? '127.0.0.1';
  const port = Number(values.get('port') ?? 5000);
  const workers = values.get('workers') ?? '1';
  const timeout = values.get('timeout') ?? '60';
  await new Promise((resolve) => setTimeout(resolve, Number(process.env.FAKE_MLFLOW_SERVE_DELAY_MS ?? 0)));
  if (process.env.FAKE_MLFLOW_SERVE_FAIL === '1') {
    pythonException('mlflow.exceptions.MlflowException', `Could not load the model at '${modelUri}' (FAKE_MLFLOW_SERVE_FAIL=1)`);
    return 1;
  }
  if (refusesFileStore(versionKey, process.env.MLFLOW_TRACKING_URI)) return 1;
  logMlflow('INFO', 'mlflow.models.flavor_backend_registry', "Selected backend for flavor 'python_function'");
  const uvicorn = versionKey !== '2.17.2';
  const backendCommand = uvicorn
    ? `exec uvicorn --host ${host} --port ${port} --workers ${workers} mlflow.pyfunc.scoring_server.app:app`
    : `exec gunicorn --timeout=${timeout} -b ${host}:${port} -w ${workers} \${GUNICORN_CMD_ARGS} -- mlflow.pyfunc.scoring_server.wsgi:app`;
  logMlflow('INFO', 'mlflow.pyfunc.backend', `=== Running command '${backendCommand}'`);
  // Under `local` the server program comes from PATH (environment.mjs); the other managers build their own environment.
  const backend = envManager === 'local' ? startScoringBackend(backendCommand) : undefined;
  if (envManager === 'local' && !backend) return 1;

  const columns = modelColumns(modelUri);
  const code = await serve({
    host,
    port,
    server: uvicorn ? 'uvicorn' : 'gunicorn',
    ignoreFirstSigterm: process.env.FAKE_MLFLOW_STUBBORN === '1',
    handle: (request, body) => route(request, body, { columns, versionKey, version }),
  });
  if (backend && backend.exitCode === null) {
    backend.kill('SIGTERM');
    // A stubborn program outlives this process; it exits once it sees its parent gone.
    backend.unref();
  }
  return code;
}

function route(request, body, context) {
  const path = new URL(request.url, 'http://fake').pathname;
  if (request.method === 'GET' && (path === '/ping' || path === '/health')) return { status: 200, contentType: 'application/json', body: '\n' };
  if (request.method === 'GET' && path === '/version') return { status: 200, contentType: 'application/json', body: context.version };
  if (request.method === 'POST' && path === '/invocations') return invocations(request.headers['content-type'] ?? '', body, context);
  if (context.versionKey === '2.17.2') return { status: 404, contentType: 'text/html; charset=utf-8', body: FLASK_404 };
  return { status: 404, contentType: 'application/json', body: JSON.stringify({ detail: 'Not Found' }) };
}

function invocations(contentType, body, context) {
  const [mimeType, ...parameters] = contentType.split(';').map((part) => part.trim());
  const charset = parameters.find((p) => p.startsWith('charset='))?.slice('charset='.length).toLowerCase() ?? 'utf-8';
  if (charset !== 'utf-8') return text(415, 'The scoring server only supports UTF-8');
  let table;
  if (mimeType === 'text/csv') {
    table = parseCsv(body);
  } else if (mimeType === 'application/json') {
    const parsed = parseJsonPayload(body, context);
    if (parsed.error) return parsed.error;
    table = parsed.table;
  } else {
    return text(415, `This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got '${contentType}'.`);
  }
  const missing = context.columns.filter((column) => !table.columns.includes(column));
  if (missing.length > 0) {
    const extra = table.columns.filter((column) => !context.columns.includes(column));
    const frame = dataFrameRepr(table);
    const schema = `[${context.columns.map((column) => `'${column}': double (required)`).join(', ')}]`;
    let detail = `Model is missing inputs ${pythonList(missing)}.`;
    if (extra.length > 0) detail += ` Note that there were extra inputs: ${pythonList(extra)}${context.versionKey === '2.17.2' ? '' : '.'}`;
    const message = `Failed to predict data '${frame}'. \nError: Failed to enforce schema of data '${frame}' with schema '${schema}'. Error: ${detail}`;
    logMlflow(
      'WARNING',
      'mlflow.pyfunc.scoring_server',
      'If using `instances` as input key, we internally convert the data type from `records` (List[Dict]) type to `list` (Dict[str, List]) type if the data is a pandas dataframe representation. This might cause schema changes. Please use `inputs` to avoid this conversion.\n',
    );
    return mlflowError(400, 'INVALID_PARAMETER_VALUE', message, context, { sqlstate: 'KAM01', errorClass: 'SCHEMA_ENFORCEMENT_FAILED' });
  }
  const predictions = table.rows.map((row) => predict(Object.fromEntries(table.columns.map((column, i) => [column, row[i]]))));
  return { status: 200, contentType: 'application/json', body: JSON.stringify({ predictions }) };
}

function parseJsonPayload(body, context) {
  let decoded;
  try {
    decoded = JSON.parse(body);
  } catch (error) {
    const message = `Invalid input. Ensure that input is a valid JSON formatted string. Error: 'JSONDecodeError(${JSON.stringify(error.message)})'\nInput: \n${body}\n`;
    return { error: mlflowError(400, 'INVALID_PARAMETER_VALUE', message, context) };
  }
  if (Array.isArray(decoded) || decoded === null || typeof decoded !== 'object') {
    const received = Array.isArray(decoded) ? 'Received a list.' : `Received unexpected input type '${typeof decoded}.`;
    const message = `Invalid input. The input must be a JSON dictionary with exactly one of the input fields ${FORMAT_SET_TEXT[context.versionKey]}. ${received}`;
    return { error: mlflowError(400, 'INVALID_PARAMETER_VALUE', message, context) };
  }
  const present = Object.keys(decoded).filter((key) => FORMATS.includes(key));
  if (present.length !== 1) {
    const message = `The input must be a JSON dictionary with exactly one of the input fields ${FORMAT_SET_TEXT[context.versionKey]}. Received dictionary with input fields: ${pythonList(present)}. ${SCORING_PROTOCOL_CHANGE_INFO}`;
    return { error: mlflowError(400, 'BAD_REQUEST', message, context, { sqlstate: 'KAM00', errorClass: 'INVALID_PARAMETER_VALUE' }) };
  }
  const table = toTable(present[0], decoded[present[0]], context.columns);
  if (!table) {
    const message = `Invalid input. The '${present[0]}' value does not describe a table of rows (fake-mlflow accepts records, lists of rows and column mappings).`;
    return { error: mlflowError(400, 'BAD_REQUEST', message, context, { sqlstate: 'KAM00', errorClass: 'INVALID_PARAMETER_VALUE' }) };
  }
  return { table };
}

/** The payload as { columns, rows }, or undefined when it is not tabular. */
function toTable(format, value, schemaColumns) {
  if (format === 'dataframe_split') {
    if (!value || typeof value !== 'object' || !Array.isArray(value.data) || !value.data.every(Array.isArray)) return undefined;
    const width = value.data[0]?.length ?? 0;
    const columns = Array.isArray(value.columns) ? value.columns.map(String) : Array.from({ length: width }, (_, i) => String(i));
    return { columns, rows: value.data };
  }
  if (Array.isArray(value) && value.every((row) => row && typeof row === 'object' && !Array.isArray(row))) {
    const columns = [...new Set(value.flatMap((row) => Object.keys(row)))];
    return { columns, rows: value.map((row) => columns.map((column) => row[column] ?? null)) };
  }
  if (format !== 'dataframe_records' && Array.isArray(value) && value.every(Array.isArray)) {
    // A tensor: columns are positional, as the model's schema orders them.
    const width = value[0]?.length ?? 0;
    const columns = Array.from({ length: width }, (_, i) => schemaColumns[i] ?? String(i));
    return { columns, rows: value };
  }
  if (format !== 'dataframe_records' && value && typeof value === 'object' && !Array.isArray(value)) {
    const columns = Object.keys(value);
    const lists = columns.map((column) => (Array.isArray(value[column]) ? value[column] : [value[column]]));
    const length = Math.max(0, ...lists.map((list) => list.length));
    return { columns, rows: Array.from({ length }, (_, i) => lists.map((list) => list[i] ?? null)) };
  }
  return undefined;
}

function parseCsv(body) {
  const [header = '', ...lines] = body.trim().split(/\r?\n/);
  const cell = (value) => (value !== '' && !Number.isNaN(Number(value)) ? Number(value) : value);
  return { columns: header.split(','), rows: lines.map((line) => line.split(',').map(cell)) };
}

function predict(row) {
  const petalLength = Number(row.petal_length ?? row['petal length (cm)']);
  const petalWidth = Number(row.petal_width ?? row['petal width (cm)']);
  if (!Number.isNaN(petalLength) && !Number.isNaN(petalWidth)) {
    if (petalLength < 2.5) return 0;
    return petalWidth >= 1.75 ? 2 : 1;
  }
  const sum = Object.values(row).reduce((total, value) => total + (typeof value === 'number' ? value : 0), 0);
  return Math.round(sum * 1e6) / 1e6;
}

/** A rough pandas DataFrame repr (right-aligned columns, index first), as MLflow puts into schema errors. */
function dataFrameRepr({ columns, rows }) {
  const cells = rows.map((row, i) => [String(i), ...row.map((value) => String(value))]);
  const header = ['', ...columns.map(String)];
  const widths = header.map((title, c) => Math.max(title.length, ...cells.map((row) => row[c].length)));
  const line = (row) => row.map((value, c) => (c === 0 ? value.padEnd(widths[0]) : value.padStart(widths[c]))).join('  ');
  return [line(header), ...cells.map(line)].join('\n');
}

function modelColumns(modelUri) {
  const dir = modelUri.startsWith('file://') ? new URL(modelUri).pathname : modelUri;
  const mlmodel = join(dir, 'MLmodel');
  if (!/^[a-z][a-z0-9+.-]*:/i.test(modelUri.replace(/^file:/, '')) && existsSync(mlmodel)) {
    const inputs = parse(readFileSync(mlmodel, 'utf8'))?.signature?.inputs;
    const names = inputs ? JSON.parse(inputs).map((spec) => spec.name).filter((name) => typeof name === 'string') : [];
    return names;
  }
  return IRIS_COLUMNS;
}

function text(status, body) {
  return { status, contentType: 'text/plain', body };
}

/** MLflow's JSON error body; 3.x adds `sqlstate` and `error_class`. */
function mlflowError(status, errorCode, message, context, { sqlstate = 'KAM00', errorClass = errorCode } = {}) {
  const payload = { error_code: errorCode, message };
  if (context.versionKey !== '2.17.2') Object.assign(payload, { sqlstate, error_class: errorClass });
  return { status, contentType: 'application/json', body: JSON.stringify(payload) };
}
