/**
 * The environment of every `mlflow` child process (runs, model servers, the tracking server, tasks,
 * `--version` checks), built in this one place. Pure: the parent's variables, the platform and the
 * file system checks come in as arguments.
 *
 * Why: the extension runs `<env>/bin/mlflow` by its full path, but a child that keeps VS Code's PATH
 * (VS Code started from a desktop launcher, or a login shell that rebuilds PATH) makes MLflow start the
 * wrong `python` and `gunicorn`/`uvicorn` — both are looked up through PATH by MLflow's `bash -c` lines.
 * So the child gets what the Python extension's terminals get when they activate an environment: its
 * scripts folder first on PATH, and VIRTUAL_ENV or CONDA_PREFIX as the environment kind needs.
 */
import * as path from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

export type EnvironmentKind = 'venv' | 'conda' | 'folder';

/** The Python environment an `mlflow` executable belongs to. */
export interface MlflowEnvironment {
  /** `venv` (a pyvenv.cfg in its prefix), `conda` (a conda-meta folder), else just the folder holding mlflow. */
  readonly kind: EnvironmentKind;
  /** sys.prefix of a venv or conda environment. */
  readonly prefix?: string;
  /** Put first on the child's PATH, in this order. */
  readonly binDirs: readonly string[];
}

export interface EnvironmentProbe {
  readonly platform: NodeJS.Platform;
  /** Whether a file or folder exists (pyvenv.cfg, conda-meta). */
  readonly exists: (absolutePath: string) => boolean;
}

/**
 * Where `mlflow` lives tells which environment it belongs to: pip writes console scripts into the
 * environment's `bin/` (POSIX) or `Scripts\` (Windows), whose parent is sys.prefix. `sysPrefix` (from the
 * Python extension, when it selected the environment) wins over that guess.
 */
export function environmentOfMlflow(mlflowPath: string, probe: EnvironmentProbe, sysPrefix?: string): MlflowEnvironment {
  const p = pathApi(probe.platform);
  const scriptsDir = p.dirname(mlflowPath);
  const scriptsName = p.basename(scriptsDir).toLowerCase();
  const guessed = scriptsName === 'bin' || scriptsName === 'scripts' ? p.dirname(scriptsDir) : scriptsDir;
  for (const prefix of unique([sysPrefix, guessed, scriptsDir])) {
    if (probe.exists(p.join(prefix, 'pyvenv.cfg'))) return { kind: 'venv', prefix, binDirs: unique([venvBin(prefix, probe.platform), scriptsDir]) };
    if (probe.exists(p.join(prefix, 'conda-meta'))) return { kind: 'conda', prefix, binDirs: unique([...condaBins(prefix, probe.platform), scriptsDir]) };
  }
  return { kind: 'folder', binDirs: [scriptsDir] };
}

/** For the launchers, after "the"/"in the": "virtual environment /w/.venv", "conda environment /opt/conda/envs/ml". */
export function describeEnvironment(environment: MlflowEnvironment): string {
  switch (environment.kind) {
    case 'venv':
      return `virtual environment ${environment.prefix}`;
    case 'conda':
      return `conda environment ${environment.prefix}`;
    case 'folder':
      return `Python installation of ${environment.binDirs[0]}`;
  }
}

export interface ChildEnvOptions {
  /** The extension host's own variables (process.env). */
  readonly base: Env;
  readonly platform: NodeJS.Platform;
  /** The environment of the `mlflow` being run; undefined keeps PATH as it is. */
  readonly environment?: MlflowEnvironment;
  /**
   * The connected store's variables (MLFLOW_TRACKING_URI, credentials). When given, every inherited
   * `MLFLOW_TRACKING_*` is dropped first: a token meant for another server must not travel with the
   * child, nor override the connection's own. Without a connection the inherited values stay: they are
   * MLflow's own default.
   */
  readonly connection?: Readonly<Record<string, string>>;
  /**
   * The child reads or serves a legacy file store (`mlruns/`): MLflow 3 refuses one unless
   * MLFLOW_ALLOW_FILE_STORE=true ("The filesystem tracking backend … is no longer supported").
   */
  readonly fileStore?: boolean;
}

export function buildChildEnv(options: ChildEnvOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(options.base)) {
    if (value === undefined) continue;
    if (options.connection && name.toUpperCase().startsWith('MLFLOW_TRACKING_')) continue;
    env[name] = value;
  }
  Object.assign(env, options.connection);
  const environment = options.environment;
  if (environment) {
    const windows = options.platform === 'win32';
    // Windows keeps the name as the parent spelled it (`Path`); two spellings would be two variables to spawn.
    const pathKey = (windows ? Object.keys(env).find((name) => name.toUpperCase() === 'PATH') : undefined) ?? 'PATH';
    env[pathKey] = prependPath(env[pathKey] ?? '', environment.binDirs, options.platform);
    if (environment.kind === 'venv' && environment.prefix) {
      env.VIRTUAL_ENV = environment.prefix;
      deleteVariable(env, 'CONDA_PREFIX', windows);
      deleteVariable(env, 'CONDA_DEFAULT_ENV', windows);
    } else if (environment.kind === 'conda' && environment.prefix) {
      env.CONDA_PREFIX = environment.prefix;
      env.CONDA_DEFAULT_ENV = pathApi(options.platform).basename(environment.prefix);
      deleteVariable(env, 'VIRTUAL_ENV', windows);
    }
    // What `activate` does: an inherited PYTHONHOME would point the environment's python at another stdlib.
    if (environment.kind !== 'folder') deleteVariable(env, 'PYTHONHOME', windows);
  }
  if (options.fileStore) env.MLFLOW_ALLOW_FILE_STORE = 'true';
  // Unbuffered, so terminals and logs show MLflow's output as it happens rather than at exit.
  env.PYTHONUNBUFFERED = '1';
  return env;
}

/** `dirs` first, each once; the rest of PATH keeps its order (an entry equal to one of `dirs` moves forward). */
export function prependPath(current: string, dirs: readonly string[], platform: NodeJS.Platform): string {
  const delimiter = platform === 'win32' ? ';' : ':';
  const same = (a: string, b: string): boolean => (platform === 'win32' || platform === 'darwin' ? a.toLowerCase() === b.toLowerCase() : a === b);
  const normalize = (entry: string): string => entry.replace(/[\\/]+$/, '');
  const rest = current.split(delimiter).filter((entry) => entry !== '' && !dirs.some((dir) => same(normalize(entry), normalize(dir))));
  return [...dirs, ...rest].join(delimiter);
}

function venvBin(prefix: string, platform: NodeJS.Platform): string {
  return pathApi(platform).join(prefix, platform === 'win32' ? 'Scripts' : 'bin');
}

/** The folders `conda activate` puts on PATH. */
function condaBins(prefix: string, platform: NodeJS.Platform): string[] {
  const p = pathApi(platform);
  if (platform !== 'win32') return [p.join(prefix, 'bin')];
  return [
    prefix,
    p.join(prefix, 'Library', 'mingw-w64', 'bin'),
    p.join(prefix, 'Library', 'usr', 'bin'),
    p.join(prefix, 'Library', 'bin'),
    p.join(prefix, 'Scripts'),
    p.join(prefix, 'bin'),
  ];
}

function deleteVariable(env: Record<string, string>, name: string, windows: boolean): void {
  for (const key of Object.keys(env)) if (windows ? key.toUpperCase() === name : key === name) delete env[key];
}

function pathApi(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

function unique(values: readonly (string | undefined)[]): string[] {
  return [...new Set(values.filter((value): value is string => value !== undefined && value !== ''))];
}
