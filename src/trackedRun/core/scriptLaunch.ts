/**
 * What one "Run Python File with Tracking" launch is: the interpreter's argv (never a shell line), the
 * environment of that one process, and how its runs are found again. Pure: the parent's variables, the
 * platform and the connection come in as arguments, so every form is tested on every platform.
 *
 * How the run is found: MLflow 2.x and 3.x add the tags of the JSON object in `MLFLOW_RUN_CONTEXT` to
 * every run the process starts (mlflow/tracking/context/system_environment_context.py, a
 * `@developer_stable` name). The launch puts a fresh id there under LAUNCH_ID_TAG, and the extension
 * searches for that tag: no guessing by start time or name.
 */
import * as path from 'node:path';
import { buildChildEnv, type Env, type MlflowEnvironment } from '../../environment/core/childEnv';
import { parseTrackingUri } from '../../mlflow/connection';
import { pathToFileUri } from '../../mlflow/platformPaths';
import type { PathPlatform } from '../../mlflow/safePath';

/** The run tag that carries a launch's id. */
export const LAUNCH_ID_TAG = 'mlflow.workbench.launchId';
export const RUN_CONTEXT_VARIABLE = 'MLFLOW_RUN_CONTEXT';

/**
 * Variables MLflow reads that would make the script log somewhere else than where the user chose
 * (an inherited MLFLOW_RUN_ID would resume another run); the run context is merged, not inherited.
 */
const INHERITED_RUN_VARIABLES = ['MLFLOW_RUN_ID', RUN_CONTEXT_VARIABLE];
/** Replaced by the chosen experiment; without a choice, an inherited one stays MLflow's default. */
const EXPERIMENT_VARIABLES = ['MLFLOW_EXPERIMENT_NAME', 'MLFLOW_EXPERIMENT_ID'];

/** Where the script's runs go: an experiment by id (picked from the store) or by name (typed, maybe new). */
export type ExperimentTarget = { readonly kind: 'id'; readonly experimentId: string; readonly name?: string } | { readonly kind: 'name'; readonly name: string };

/** The connected store as the launch needs it. */
export interface LaunchConnection {
  readonly kind: 'rest' | 'databricks' | 'sqlite' | 'file';
  /** The connection's URI without credentials (ActiveConnection.trackingUri). */
  readonly trackingUri: string;
  /** MLFLOW_TRACKING_URI and the credentials (ActiveConnection.processEnv()). */
  readonly env: Readonly<Record<string, string>>;
}

export interface ScriptLaunchInputs {
  /** Absolute path of the Python interpreter. */
  readonly interpreter: string;
  /** Its environment (venv, conda), activated for the child as a terminal would; undefined leaves PATH alone. */
  readonly environment?: MlflowEnvironment;
  /** Absolute path of the script. */
  readonly script: string;
  /** The script's arguments, one argv element each. */
  readonly args: readonly string[];
  /** The working directory: the script's workspace folder, else its own folder. */
  readonly cwd: string;
  readonly experiment?: ExperimentTarget;
  readonly launchId: string;
  /** Undefined: nothing connected, MLflow's own default applies (MLFLOW_TRACKING_URI if set, else ./mlruns or mlflow.db). */
  readonly connection?: LaunchConnection;
  /** The extension host's variables (process.env). */
  readonly base: Env;
  readonly platform: NodeJS.Platform;
}

export interface ScriptLaunch {
  readonly executable: string;
  /** Exactly what the process is given after the executable: the script, then its arguments. */
  readonly argv: readonly string[];
  readonly cwd: string;
  /** The whole environment of the process. */
  readonly env: Record<string, string>;
  /** Only what the launch adds or replaces: what a debug configuration's `env` carries. */
  readonly overlay: Record<string, string>;
  readonly launchId: string;
}

/** Builds the process for one launch. Throws (with a message for the user) on an unusable launch id. */
export function buildScriptLaunch(inputs: ScriptLaunchInputs): ScriptLaunch {
  checkLaunchId(inputs.launchId);
  const overlay = launchOverlay(inputs);
  const env = buildChildEnv({
    base: withoutVariables(inputs.base, [...INHERITED_RUN_VARIABLES, ...(inputs.experiment ? EXPERIMENT_VARIABLES : [])], inputs.platform),
    platform: inputs.platform,
    environment: inputs.environment,
    connection: inputs.connection ? overlayConnection(overlay) : undefined,
    fileStore: inputs.connection?.kind === 'file',
  });
  Object.assign(env, launchVariables(overlay));
  return { executable: inputs.interpreter, argv: [inputs.script, ...inputs.args], cwd: inputs.cwd, env, overlay, launchId: inputs.launchId };
}

/**
 * The variables the launch sets: the store (URI and credentials), the experiment, the run context with
 * the launch id (merged into an object the user already set, so their own tags still apply).
 */
function launchOverlay(inputs: ScriptLaunchInputs): Record<string, string> {
  const overlay: Record<string, string> = {};
  if (inputs.connection) {
    Object.assign(overlay, inputs.connection.env);
    overlay.MLFLOW_TRACKING_URI = childTrackingUri(inputs.connection, inputs.platform);
    if (inputs.connection.kind === 'file') overlay.MLFLOW_ALLOW_FILE_STORE = 'true';
  }
  if (inputs.experiment?.kind === 'id') overlay.MLFLOW_EXPERIMENT_ID = inputs.experiment.experimentId;
  if (inputs.experiment?.kind === 'name') overlay.MLFLOW_EXPERIMENT_NAME = inputs.experiment.name;
  overlay[RUN_CONTEXT_VARIABLE] = runContextValue(inputs.launchId, variable(inputs.base, RUN_CONTEXT_VARIABLE, inputs.platform));
  overlay.PYTHONUNBUFFERED = '1';
  return overlay;
}

function overlayConnection(overlay: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(overlay).filter(([name]) => name.startsWith('MLFLOW_TRACKING_') || name.startsWith('DATABRICKS_')));
}

function launchVariables(overlay: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(overlay).filter(([name]) => !name.startsWith('MLFLOW_TRACKING_') && !name.startsWith('DATABRICKS_')));
}

/**
 * MLFLOW_TRACKING_URI for the script, in MLflow's own forms: a server's URL as connected; a local store
 * by absolute path, so that a script started in another folder writes to the same store —
 * `sqlite:////abs/mlflow.db` (SQLAlchemy: `sqlite:///` + the absolute path), `sqlite:///C:/w/mlflow.db`,
 * `file:///abs/mlruns`, `file:///C:/w/mlruns`.
 */
export function childTrackingUri(connection: Pick<LaunchConnection, 'kind' | 'trackingUri'>, platform: NodeJS.Platform): string {
  const pathPlatform: PathPlatform = platform === 'win32' ? 'win32' : 'posix';
  switch (connection.kind) {
    case 'rest':
    case 'databricks':
      return connection.trackingUri;
    case 'sqlite': {
      const target = parseTrackingUri(connection.trackingUri, { platform: pathPlatform });
      if (target.kind !== 'sqlite') return connection.trackingUri;
      return `sqlite:///${target.path.replace(/\\/g, '/')}`;
    }
    case 'file': {
      const target = parseTrackingUri(connection.trackingUri, { platform: pathPlatform });
      if (target.kind !== 'file') return connection.trackingUri;
      return pathToFileUri(target.path, pathPlatform);
    }
  }
}

/**
 * MLFLOW_RUN_CONTEXT: a JSON object of tags. An object the user already has there keeps its tags (the
 * launch id is added); anything else there (not JSON, not an object) would make MLflow fail at
 * start_run, so it is replaced.
 */
export function runContextValue(launchId: string, inherited?: string): string {
  let tags: Record<string, unknown> = {};
  if (inherited !== undefined && inherited.trim() !== '') {
    try {
      const parsed: unknown = JSON.parse(inherited);
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) tags = { ...(parsed as Record<string, unknown>) };
    } catch {
      // Replaced below.
    }
  }
  return JSON.stringify({ ...tags, [LAUNCH_ID_TAG]: launchId });
}

/** 32 lower-case hex digits, like MLflow's run ids: nothing in it needs quoting in a search filter. */
export function checkLaunchId(launchId: string): void {
  if (!/^[0-9a-f]{32}$/.test(launchId)) throw new Error(`Not a launch id: ${JSON.stringify(launchId)}`);
}

/** The search filter that finds a launch's runs, on every backend (REST, SQLite, file store). */
export function launchIdFilter(launchId: string): string {
  checkLaunchId(launchId);
  return `tags.\`${LAUNCH_ID_TAG}\` = '${launchId}'`;
}

/** A name as the parent spelled it (Windows names are case-insensitive). */
function variable(env: Env, name: string, platform: NodeJS.Platform): string | undefined {
  if (platform !== 'win32') return env[name];
  const key = Object.keys(env).find((k) => k.toUpperCase() === name);
  return key === undefined ? undefined : env[key];
}

function withoutVariables(env: Env, names: readonly string[], platform: NodeJS.Platform): Env {
  const drop = (key: string) => names.includes(platform === 'win32' ? key.toUpperCase() : key);
  return Object.fromEntries(Object.entries(env).filter(([key]) => !drop(key)));
}

/**
 * The interpreters to try beside an `mlflow` the extension already found (the mlflow.executablePath
 * setting or PATH): its environment's python, so the script sees the same MLflow. In order; the caller
 * takes the first that exists.
 */
export function interpretersBeside(mlflowPath: string, environment: MlflowEnvironment, platform: NodeJS.Platform): string[] {
  const p = platform === 'win32' ? path.win32 : path.posix;
  const folders = [...(environment.prefix ? [environment.kind === 'conda' && platform === 'win32' ? environment.prefix : p.join(environment.prefix, platform === 'win32' ? 'Scripts' : 'bin')] : []), p.dirname(mlflowPath)];
  const names = platform === 'win32' ? ['python.exe'] : ['python', 'python3'];
  return [...new Set(folders.flatMap((folder) => names.map((name) => p.join(folder, name))))];
}
