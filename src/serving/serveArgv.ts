/**
 * Argv arrays for the two servers the extension starts: `mlflow models serve` (Serve model) and
 * `mlflow server` (Start tracking server). Options are the ones the captured `--help` of each version
 * lists (test/fixtures/cli/); long spellings, because `-h` means host there, not help.
 */
import { MlflowError } from '../mlflow/errors';
import {
  assertArgvSafe,
  assertEnvManager,
  parseMlflowVersion,
  serveEnvManagers,
  supportsServerSecurityOptions,
  type EnvManager,
} from '../mlproject/mlflowCli';
import { modelUriUnsupportedReason, parseModelUri } from './modelUri';

export interface ServeModelOptions {
  modelUri: string;
  host: string;
  port: number;
  envManager: EnvManager;
  /** Server worker processes (gunicorn on 2.x, uvicorn on 3.x); MLflow's default is 1. */
  workers?: number;
  /** Seconds per request; MLflow's default is 60. */
  timeout?: number;
  /** The deprecated spelling of `--env-manager local`; passed instead of `--env-manager`, never with it. */
  noConda?: boolean;
  enableMlserver?: boolean;
  installMlflow?: boolean;
  /** The installed MLflow: a version (`2.17.2`) or the `mlflow --version` line. */
  version: string;
}

export function buildServeArgv(options: ServeModelOptions): string[] {
  const version = parseMlflowVersion(options.version);
  const parsed = parseModelUri(options.modelUri);
  if (!parsed.ok) throw new MlflowError(parsed.message, 'INVALID_PARAMETER_VALUE');
  const unsupported = modelUriUnsupportedReason(parsed.model, version);
  if (unsupported) throw new MlflowError(unsupported, 'NOT_SUPPORTED');
  assertArgvSafe('The model URI', options.modelUri);
  checkHost(options.host);
  checkPort(options.port);

  const argv = ['models', 'serve', '--model-uri', options.modelUri, '--host', options.host, '--port', String(options.port)];
  if (options.noConda) {
    if (options.envManager !== 'local') {
      throw new MlflowError(`--no-conda means the local environment; it cannot be combined with '${options.envManager}'.`, 'INVALID_PARAMETER_VALUE');
    }
    argv.push('--no-conda');
  } else {
    assertEnvManager('mlflow models serve', options.envManager, serveEnvManagers(version), version);
    argv.push('--env-manager', options.envManager);
  }
  if (options.workers !== undefined) argv.push('--workers', String(positiveInteger('workers', options.workers)));
  if (options.timeout !== undefined) argv.push('--timeout', String(positiveInteger('timeout', options.timeout)));
  if (options.enableMlserver) argv.push('--enable-mlserver');
  if (options.installMlflow) argv.push('--install-mlflow');
  return argv;
}

export interface TrackingServerOptions {
  /** e.g. from `sqliteStoreUri('/work/project/mlflow.db')`. */
  backendStoreUri: string;
  /** Loopback unless the user asks otherwise: the server has no authentication. */
  host?: string;
  port: number;
  version: string;
  /** `ui` is the same server under another name; `server` is what the extension starts. */
  command?: 'server' | 'ui';
  registryStoreUri?: string;
  /** Where new experiments put artifacts (e.g. the workspace's `mlruns`, to match what scripts write). */
  defaultArtifactRoot?: string;
  /** Where proxied (`mlflow-artifacts:`) artifacts live; defaults to `./mlartifacts` in the server's cwd. */
  artifactsDestination?: string;
  /** Omitted: MLflow's default (on in both versions). */
  serveArtifacts?: boolean;
  workers?: number;
  /**
   * Extra Host headers and CORS origins for the 3.x security middleware (e.g. a webview origin). Ignored for
   * servers without the middleware (< 3.5), which accept every host and origin anyway.
   */
  allowedHosts?: readonly string[];
  corsAllowedOrigins?: readonly string[];
}

export function buildServeStartArgv(options: TrackingServerOptions): string[] {
  const version = parseMlflowVersion(options.version);
  const host = options.host ?? '127.0.0.1';
  checkHost(host);
  checkPort(options.port);
  if (options.backendStoreUri === '') throw new MlflowError('The backend store URI is empty.', 'INVALID_PARAMETER_VALUE');

  const argv = [options.command ?? 'server', '--backend-store-uri', options.backendStoreUri, '--host', host, '--port', String(options.port)];
  const optional: Array<[string, string | undefined]> = [
    ['--registry-store-uri', options.registryStoreUri],
    ['--default-artifact-root', options.defaultArtifactRoot],
    ['--artifacts-destination', options.artifactsDestination],
  ];
  for (const [flag, value] of optional) if (value !== undefined) argv.push(flag, value);
  if (options.serveArtifacts !== undefined) argv.push(options.serveArtifacts ? '--serve-artifacts' : '--no-serve-artifacts');
  if (options.workers !== undefined) argv.push('--workers', String(positiveInteger('workers', options.workers)));
  if (supportsServerSecurityOptions(version)) {
    if (options.allowedHosts?.length) argv.push('--allowed-hosts', commaList('allowed hosts', options.allowedHosts));
    if (options.corsAllowedOrigins?.length) argv.push('--cors-allowed-origins', commaList('CORS origins', options.corsAllowedOrigins));
  }
  argv.forEach((element) => assertArgvSafe('A server option', element));
  return argv;
}

/**
 * SQLAlchemy's URL for a SQLite file: `sqlite:///` + an absolute path (so four slashes on POSIX). A `?`
 * would start SQLAlchemy's query string, so such paths are refused rather than mangled.
 */
export function sqliteStoreUri(absolutePath: string): string {
  const posix = absolutePath.replace(/\\/g, '/');
  if (!posix.startsWith('/') && !/^[A-Za-z]:\//.test(posix)) {
    throw new MlflowError(`'${absolutePath}' is not an absolute path.`, 'INVALID_PARAMETER_VALUE');
  }
  if (posix.includes('?') || posix.includes('#')) {
    throw new MlflowError(`The store path '${absolutePath}' contains '?' or '#', which a sqlite:/// URI cannot carry.`, 'INVALID_PARAMETER_VALUE');
  }
  return `sqlite:///${posix}`;
}

function checkHost(host: string): void {
  if (host === '' || /[\s\0]/.test(host)) throw new MlflowError(`'${host}' is not a host name or address.`, 'INVALID_PARAMETER_VALUE');
}

function checkPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new MlflowError(`${port} is not a TCP port (1–65535).`, 'INVALID_PARAMETER_VALUE');
  }
}

function positiveInteger(label: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new MlflowError(`${label} must be a positive whole number, not ${value}.`, 'INVALID_PARAMETER_VALUE');
  return value;
}

function commaList(label: string, items: readonly string[]): string {
  for (const item of items) {
    if (item === '' || item.includes(',')) throw new MlflowError(`'${item}' cannot be one of the ${label}: MLflow splits the list at commas.`, 'INVALID_PARAMETER_VALUE');
  }
  return items.join(',');
}
