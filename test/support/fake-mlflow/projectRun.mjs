/**
 * `mlflow run` without Python: reads the MLproject, resolves parameters the way MLflow does (defaults,
 * required values, `path` made absolute and checked, `uri` needing a scheme, undeclared ones appended as
 * `--name value`), prints the real log lines and ends with succeeded or failed. Nothing is executed.
 *
 * Env: FAKE_MLFLOW_RUN_FAIL=1 fails the run; FAKE_MLFLOW_RUN_ID fixes the run id;
 * FAKE_MLFLOW_RUN_DELAY_MS keeps the "entry point" running that long (for cancel tests).
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { logMlflow, pythonException, pythonList, shlexQuote, writeErr } from './logLines.mjs';
import { checkEntryPointPython, refusesFileStore } from './environment.mjs';

class ExecutionException extends Error {}

/** An exception MLflow does not catch (a traceback, exit 1), e.g. str.format's KeyError. */
class PythonError extends Error {
  constructor(type, message) {
    super(message);
    this.type = type;
  }
}

export async function runProject({ values, positionals, envManagers, versionKey }) {
  const envManager = values.get('env_manager');
  if (envManager !== undefined && !envManagers.includes(envManager)) {
    pythonException('mlflow.exceptions.MlflowException', `Invalid value for \`env_manager\`: ${envManager}. Must be one of ${pythonList(envManagers)}`);
    return 1;
  }
  if (refusesFileStore(versionKey, process.env.MLFLOW_TRACKING_URI)) return 1;
  const userParams = new Map();
  for (const entry of values.get('param_list') ?? []) {
    const eq = entry.indexOf('=');
    if (eq < 0) return clickException(`Invalid format for -P parameter: '${entry}'. Use -P name=value.`);
    const name = entry.slice(0, eq);
    if (userParams.has(name)) return clickException(`Repeated parameter: '${name}'`);
    userParams.set(name, entry.slice(eq + 1));
  }
  const experimentName = values.get('experiment_name');
  if (experimentName !== undefined && values.get('experiment_id') !== undefined) {
    pythonException('mlflow.exceptions.MlflowException', "Specify only one of 'experiment_name' or 'experiment_id'.");
    return 1;
  }
  if (experimentName !== undefined) {
    logMlflow('INFO', 'mlflow.projects', `'${experimentName}' does not exist. Creating a new experiment`);
  }

  const runId = process.env.FAKE_MLFLOW_RUN_ID ?? randomBytes(16).toString('hex');
  let command;
  try {
    const project = loadProject(positionals[0]);
    const entryPoint = resolveEntryPoint(project, values.get('entry_point') ?? 'main');
    logMlflow('INFO', 'mlflow.projects.utils', "=== Created directory /tmp/fake-mlflow-storage for downloading remote URIs passed to arguments of type 'path' ===");
    command = computeCommand(entryPoint, userParams);
  } catch (error) {
    if (error instanceof PythonError) {
      pythonException(error.type, error.message);
      return 1;
    }
    if (!(error instanceof ExecutionException)) throw error;
    logMlflow('ERROR', 'mlflow.cli', `=== ${error.message} ===`);
    return 1;
  }
  // Listen before announcing the command: a test may send SIGINT as soon as it reads that line.
  const entryPoint = entryPointRuns(Number(process.env.FAKE_MLFLOW_RUN_DELAY_MS ?? 0));
  logMlflow('INFO', 'mlflow.projects.backend.local', `=== Running command '${command}' in run with ID '${runId}' === `);
  const interrupted = await entryPoint;
  if (interrupted) {
    logMlflow('ERROR', 'mlflow.projects', `=== Run (ID '${runId}') interrupted, cancelling run ===`);
    // Click turns KeyboardInterrupt into Abort: an empty line, "Aborted!", exit 1.
    writeErr('\nAborted!');
    return 1;
  }
  // `local` runs the entry point with the python on PATH (environment.mjs): the wrong one fails the run.
  const entryPointCode = envManager === 'local' ? checkEntryPointPython(command) : 0;
  process.stdout.write(`run_id ${runId}\n`);
  viewRunLines(values, runId);
  if (process.env.FAKE_MLFLOW_RUN_FAIL === '1' || entryPointCode !== 0) {
    logMlflow('ERROR', 'mlflow.cli', `=== Run (ID '${runId}') failed ===`);
    return 1;
  }
  logMlflow('INFO', 'mlflow.projects', `=== Run (ID '${runId}') succeeded ===`);
  return 0;
}

function clickException(message) {
  writeErr(`Error: ${message}`);
  return 1;
}

/**
 * Resolves true when SIGINT arrives before `ms` have passed. SIGTERM keeps Node's default (the process
 * dies), except with FAKE_MLFLOW_STUBBORN=1, where an entry point busy writing lets the first one pass.
 */
function entryPointRuns(ms) {
  if (process.env.FAKE_MLFLOW_STUBBORN === '1') {
    let seen = 0;
    process.on('SIGTERM', () => {
      seen += 1;
      if (seen > 1) process.exit(143);
    });
  }
  return new Promise((done) => {
    const onInterrupt = () => {
      clearTimeout(timer);
      done(true);
    };
    const timer = setTimeout(() => {
      process.off('SIGINT', onInterrupt);
      done(false);
    }, ms);
    process.once('SIGINT', onInterrupt);
  });
}

function viewRunLines(values, runId) {
  const tracking = process.env.MLFLOW_TRACKING_URI ?? '';
  if (!/^https?:\/\//.test(tracking)) return;
  const experimentId = values.get('experiment_id') ?? '0';
  const base = tracking.replace(/\/$/, '');
  logMlflow('INFO', 'mlflow.tracking._tracking_service.client', `🏃 View run ${values.get('run_name') ?? 'fake-run'} at: ${base}/#/experiments/${experimentId}/runs/${runId}.`);
  logMlflow('INFO', 'mlflow.tracking._tracking_service.client', `🧪 View experiment at: ${base}/#/experiments/${experimentId}.`);
}

function loadProject(uri) {
  const dir = uri.startsWith('file://') ? new URL(uri).pathname : uri;
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new ExecutionException(`Could not find a local project directory at '${uri}' (the stand-in mlflow runs local projects only)`);
  }
  const file = readdirSync(dir).find((name) => name.toLowerCase() === 'mlproject');
  const spec = file ? parse(readFileSync(join(dir, file), 'utf8'), { version: '1.1' }) ?? {} : {};
  return { entryPoints: spec.entry_points ?? {} };
}

function resolveEntryPoint(project, name) {
  const declared = project.entryPoints[name];
  if (declared) {
    const parameters = Object.entries(declared.parameters ?? {}).map(([key, value]) =>
      typeof value === 'string' ? { name: key, type: value } : { name: key, type: value?.type ?? 'string', default: value?.default },
    );
    return { command: declared.command, parameters };
  }
  if (name.endsWith('.py')) return { command: `python ${shlexQuote(name)}`, parameters: [] };
  if (name.endsWith('.sh')) return { command: `${process.env.SHELL ?? 'bash'} ${shlexQuote(name)}`, parameters: [] };
  throw new ExecutionException(
    `Could not find ${name} among entry points ${pythonList(Object.keys(project.entryPoints))} or interpret ${name} as a runnable script. ` +
      "Supported script file extensions: ['.py', '.sh']",
  );
}

function computeCommand(entryPoint, userParams) {
  const missing = entryPoint.parameters.filter((p) => !userParams.has(p.name) && (p.default === undefined || p.default === null));
  if (missing.length > 0) {
    throw new ExecutionException(`No value given for missing parameters: ${missing.map((p) => `'${p.name}'`).join(', ')}`);
  }
  const resolved = new Map();
  for (const parameter of entryPoint.parameters) {
    let value = String(userParams.has(parameter.name) ? userParams.get(parameter.name) : parameter.default);
    if (parameter.type === 'uri' && !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(value)) {
      throw new ExecutionException(`Expected URI for parameter ${parameter.name} but got ${value}`);
    }
    if (parameter.type === 'path' && !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value)) {
      if (!existsSync(value)) {
        throw new ExecutionException(`Got value ${value} for parameter ${parameter.name}, but no such file or directory was found.`);
      }
      value = resolve(value);
    }
    resolved.set(parameter.name, shlexQuote(value));
  }
  const substituted = String(entryPoint.command).replace(/\{\{|\}\}|\{([^{}]*)\}/g, (match, field) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    const name = /^[^.[:!]*/.exec(field)[0];
    if (!resolved.has(name)) throw new PythonError('KeyError', `'${name}'`);
    return resolved.get(name);
  });
  const extras = [...userParams].filter(([name]) => !resolved.has(name)).map(([name, value]) => `--${name} ${shlexQuote(value)}`);
  return [substituted, ...extras].join(' ');
}
