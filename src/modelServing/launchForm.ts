/**
 * The launcher's form without VS Code: what is wrong with each field, the argv it becomes, and the
 * command as the panel shows it. The argv itself always comes from buildServeArgv, so what is shown is
 * exactly what is spawned.
 */
import { MlflowError } from '../mlflow/errors';
import { parseMlflowVersion, serveEnvManagers, type EnvManager } from '../mlproject/mlflowCli';
import { modelUriUnsupportedReason, parseModelUri } from '../serving/modelUri';
import { buildServeArgv, type ServeModelOptions } from '../serving/serveArgv';
import type { FieldErrors, LauncherForm } from './protocol';

/** Loopback: the scoring server has no authentication, so it is not offered to the network by default. */
export const DEFAULT_HOST = '127.0.0.1';
/** `local` reuses the Python environment mlflow runs in: no environment to build, so it starts in seconds. */
export const DEFAULT_ENV_MANAGER: EnvManager = 'local';

export function defaultForm(modelUri: string, port: number | undefined): LauncherForm {
  return { modelUri, host: DEFAULT_HOST, port: port === undefined ? '' : String(port), envManager: DEFAULT_ENV_MANAGER, workers: '', timeout: '' };
}

export type FormCheck =
  | { ok: true; options: ServeModelOptions; argv: string[] }
  | { ok: false; errors: FieldErrors };

/** Checks every field against the installed MLflow (`version`, as `mlflow --version` printed it). */
export function checkForm(form: LauncherForm, version: string): FormCheck {
  const errors: FieldErrors = {};
  let parsedVersion;
  try {
    parsedVersion = parseMlflowVersion(version);
  } catch (error) {
    return { ok: false, errors: { envManager: errorText(error) } };
  }

  const modelUri = form.modelUri.trim();
  const parsed = parseModelUri(modelUri);
  if (!parsed.ok) errors.modelUri = parsed.message;
  else {
    const unsupported = modelUriUnsupportedReason(parsed.model, parsedVersion);
    if (unsupported) errors.modelUri = unsupported;
  }

  const host = form.host.trim();
  if (host === '') errors.host = 'Enter a host, e.g. 127.0.0.1 (this machine only) or 0.0.0.0 (all interfaces).';
  else if (/[\s\0/]/.test(host)) errors.host = `'${host}' is not a host name or address.`;

  const port = wholeNumber(form.port);
  if (port === undefined || port < 1 || port > 65535) errors.port = 'Enter a TCP port between 1 and 65535.';

  const allowed = serveEnvManagers(parsedVersion);
  if (!allowed.includes(form.envManager as EnvManager)) {
    errors.envManager = `MLflow ${parsedVersion.raw} serves with ${allowed.join(', ')}; '${form.envManager}' is not one of them.`;
  }

  const workers = optionalPositive(form.workers);
  if (workers === null) errors.workers = 'Workers must be a whole number of 1 or more (empty: 1).';
  const timeout = optionalPositive(form.timeout);
  if (timeout === null) errors.timeout = 'The timeout must be a whole number of seconds, 1 or more (empty: 60).';

  if (Object.keys(errors).length > 0) return { ok: false, errors };
  const options: ServeModelOptions = {
    modelUri,
    host,
    port: port as number,
    envManager: form.envManager as EnvManager,
    version,
    ...(workers !== undefined && workers !== null ? { workers } : {}),
    ...(timeout !== undefined && timeout !== null ? { timeout } : {}),
  };
  try {
    return { ok: true, options, argv: buildServeArgv(options) };
  } catch (error) {
    // Everything above mirrors buildServeArgv's checks; this catches what only it knows (NUL bytes, …).
    return { ok: false, errors: { modelUri: errorText(error) } };
  }
}

/**
 * The command for reading and copying: each element quoted only when a shell would split or expand it.
 * Display only; the process is spawned with the argv array, never through a shell.
 */
export function displayCommand(executable: string, argv: readonly string[], platform: NodeJS.Platform = process.platform): string {
  const quote = platform === 'win32' ? quoteWindows : quotePosix;
  return [executable, ...argv].map(quote).join(' ');
}

function quotePosix(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The quoting CommandLineToArgvW undoes: double quotes, with backslashes before a quote doubled. */
function quoteWindows(arg: string): string {
  if (/^[\w@%+=:,./\\-]+$/.test(arg)) return arg;
  return `"${arg.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, '$1$1')}"`;
}

/**
 * Where the extension reaches a server bound to `host`: a wildcard bind answers on loopback, and an
 * IPv6 literal needs brackets in a URL.
 */
export function serverBaseUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' || host === '[::]' ? '::1' : host;
  const inUrl = reachable.includes(':') && !reachable.startsWith('[') ? `[${reachable}]` : reachable;
  return `http://${inUrl}:${port}`;
}

function wholeNumber(text: string): number | undefined {
  const trimmed = text.trim();
  return /^\d{1,9}$/.test(trimmed) ? Number(trimmed) : undefined;
}

/** undefined when empty (MLflow's default), null when not a positive whole number. */
function optionalPositive(text: string): number | undefined | null {
  if (text.trim() === '') return undefined;
  const value = wholeNumber(text);
  return value !== undefined && value >= 1 ? value : null;
}

function errorText(error: unknown): string {
  return error instanceof MlflowError || error instanceof Error ? error.message : String(error);
}
