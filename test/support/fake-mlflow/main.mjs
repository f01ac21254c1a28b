/**
 * The stand-in `mlflow` CLI (see README.md): picks the emulated version, records the invocation, parses
 * the arguments like Click against that version's option table, and runs the subcommand.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommandArgs, UsageError, usageErrorText } from './clickArgs.mjs';
import { serveModel } from './scoringServer.mjs';
import { runProject } from './projectRun.mjs';
import { serveTracking } from './trackingServer.mjs';
import { writeErr } from './logLines.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const SPEC = JSON.parse(readFileSync(join(here, 'cliSpec.json'), 'utf8'));
const HELP_FILES = { run: 'help-run.txt', 'models serve': 'help-models-serve.txt', server: 'help-server.txt', ui: 'help-ui.txt' };
const ROOT_USAGE = 'mlflow [OPTIONS] COMMAND [ARGS]...';
// MLflow's own order in `env_manager.validate` (mlflow/utils/env_manager.py), used in its error message.
const ENV_MANAGER_ORDER = ['local', 'conda', 'virtualenv', 'uv'];
const RECORDED_ENV = ['MLFLOW_TRACKING_URI', 'MLFLOW_REGISTRY_URI', 'MLFLOW_EXPERIMENT_NAME', 'MLFLOW_EXPERIMENT_ID', 'MLFLOW_ALLOW_FILE_STORE', 'VIRTUAL_ENV', 'PATH'];
// Only whether these are set is recorded: their values must never land in a file.
const CREDENTIAL_ENV = [
  'MLFLOW_TRACKING_TOKEN',
  'MLFLOW_TRACKING_USERNAME',
  'MLFLOW_TRACKING_PASSWORD',
  'DATABRICKS_TOKEN',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AZURE_STORAGE_CONNECTION_STRING',
  'GOOGLE_APPLICATION_CREDENTIALS',
];

export async function main(argv) {
  const versionKey = process.env.FAKE_MLFLOW_VERSION ?? '2.17.2';
  const spec = SPEC[versionKey];
  if (!spec) {
    writeErr(`fake-mlflow: FAKE_MLFLOW_VERSION must be one of ${Object.keys(SPEC).join(', ')}, not '${versionKey}'.`);
    return 3;
  }
  record(argv, versionKey);

  if (argv[0] === '--version') {
    process.stdout.write(`mlflow, version ${spec.version}\n`);
    return 0;
  }
  if (argv.length === 0 || argv[0] === '--help') {
    process.stdout.write(`Usage: ${ROOT_USAGE}\n\nCommands:\n  models  Deploy MLflow models locally.\n  run     Run an MLflow project from the given URI.\n  server  Run the MLflow tracking server.\n  ui      Run the MLflow tracking server.\n`);
    return 0;
  }
  if (argv[0].startsWith('-')) return usageError(ROOT_USAGE, 'mlflow', `No such option: ${argv[0]}`);
  let command = argv[0];
  let args = argv.slice(1);
  if (command === 'models') {
    if (args[0] !== 'serve') {
      return args.length === 0
        ? usageError('mlflow models [OPTIONS] COMMAND [ARGS]...', 'mlflow models', 'Missing command.')
        : usageError('mlflow models [OPTIONS] COMMAND [ARGS]...', 'mlflow models', `No such command '${args[0]}'.`);
    }
    command = 'models serve';
    args = args.slice(1);
  }
  const page = spec.commands[command];
  if (!page) return usageError(ROOT_USAGE, 'mlflow', `No such command '${command}'.`);

  let parsed;
  try {
    parsed = parseCommandArgs(page, args);
  } catch (error) {
    if (error instanceof UsageError) return usageError(page.usage, `mlflow ${command}`, error.message);
    throw error;
  }
  if (parsed.help) {
    process.stdout.write(helpText(versionKey, command, page));
    return 0;
  }
  const listed = page.options.find((option) => option.names.includes('--env-manager'))?.listedValues ?? [];
  const envManagers = ENV_MANAGER_ORDER.filter((name) => listed.includes(name));
  const context = { values: parsed.values, positionals: parsed.positionals, versionKey, version: spec.version, envManagers };
  if (command === 'run') return runProject(context);
  if (command === 'models serve') return serveModel(context);
  return serveTracking(context);
}

function usageError(usage, commandPath, message) {
  process.stderr.write(usageErrorText(usage, commandPath, message));
  return 2;
}

/** The captured help page when the fixtures are there, otherwise the option list from cliSpec.json. */
function helpText(versionKey, command, page) {
  try {
    const captured = readFileSync(join(here, '..', '..', 'fixtures', 'cli', `mlflow-${versionKey}`, HELP_FILES[command]), 'utf8');
    return captured.replace(/^Usage: python -m mlflow/, 'Usage: mlflow');
  } catch {
    const lines = page.options.map((option) => `  ${option.names.join(', ')}${option.metavar ? ` ${option.metavar}` : ''}`);
    return `Usage: ${page.usage}\n\nOptions:\n${lines.join('\n')}\n`;
  }
}

function record(argv, versionKey) {
  const file = process.env.FAKE_MLFLOW_RECORD;
  if (!file) return;
  const env = Object.fromEntries(RECORDED_ENV.map((name) => [name, process.env[name] ?? null]));
  const credentials = Object.fromEntries(CREDENTIAL_ENV.map((name) => [name, process.env[name] !== undefined]));
  appendFileSync(file, `${JSON.stringify({ argv, version: versionKey, cwd: process.cwd(), pid: process.pid, env, credentials })}\n`);
}
