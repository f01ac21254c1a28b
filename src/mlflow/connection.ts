import { MlflowError } from './errors';
import { fileUriToPath, isAbsoluteOn, pathToFileUri, pathsFor } from './platformPaths';
import type { PathPlatform } from './safePath';
import type { HttpAuth, HttpClientOptions } from './http';
import type { DatabricksProfiles } from './databricksConfig';

/**
 * Which tracking store to open, decided the way MLflow's Python client decides it, so the extension
 * shows the runs that `mlflow.start_run()` in the same workspace writes. Pure: the environment and the
 * file system come in as arguments.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export interface TrackingUriInputs {
  /** The `mlflow.trackingUri` setting; empty means unset. */
  setting?: string;
  env: Env;
  /** Absolute paths of the workspace folders, in order. */
  workspaceFolders: readonly string[];
  exists: (absolutePath: string) => boolean;
  /** The platform of those paths; this machine's by default. */
  platform?: PathPlatform;
}

/**
 * The explicit setting, else `MLFLOW_TRACKING_URI`, else a store in a workspace folder: `mlflow.db`
 * (what MLflow 3 writes with no URI set) before `mlruns/` (the 2.x default), else undefined.
 */
export function resolveTrackingUri(inputs: TrackingUriInputs): string | undefined {
  const explicit = inputs.setting?.trim() || inputs.env.MLFLOW_TRACKING_URI?.trim();
  if (explicit) return explicit;
  const paths = pathsFor(inputs.platform);
  for (const folder of inputs.workspaceFolders) {
    const db = paths.join(folder, 'mlflow.db');
    if (inputs.exists(db)) return sqliteUri(db);
  }
  for (const folder of inputs.workspaceFolders) {
    const mlruns = paths.join(folder, 'mlruns');
    if (inputs.exists(mlruns)) return pathToFileUri(mlruns, inputs.platform);
  }
  return undefined;
}

/** `sqlite:///` + an absolute path: SQLAlchemy's form, four slashes on POSIX (`sqlite:////home/…`). */
function sqliteUri(absolutePath: string): string {
  return `sqlite:///${absolutePath.replace(/\\/g, '/')}`;
}

export type TrackingTarget =
  | { kind: 'rest'; baseUrl: string; auth?: HttpAuth }
  | { kind: 'databricks'; profile?: string }
  | { kind: 'sqlite'; path: string }
  | { kind: 'file'; path: string };

const DATABASE_SCHEMES = ['postgresql', 'postgres', 'mysql', 'mssql', 'oracle'];

/**
 * A tracking URI → what to open. Relative store paths (`sqlite:///mlflow.db`, `./mlruns`) resolve
 * against `baseDir` (the workspace folder), as they would against the working directory of a script.
 * Credentials in an http(s) URL move to `auth` so that `baseUrl` can be shown.
 */
export function parseTrackingUri(uri: string, options: { baseDir?: string; platform?: PathPlatform } = {}): TrackingTarget {
  const text = uri.trim();
  const { platform } = options;
  const resolve = (p: string): string =>
    options.baseDir && !isAbsoluteOn(p, platform) ? pathsFor(platform).resolve(options.baseDir, p) : pathsFor(platform).normalize(p);
  if (!text) throw new MlflowError('The tracking URI is empty', 'INVALID_PARAMETER_VALUE');
  // MLflow's bare scheme names, written without a colon.
  if (/^databricks$/i.test(text)) return { kind: 'databricks' };
  if (/^databricks-uc(:|$)/i.test(text)) {
    throw new MlflowError('databricks-uc is a model registry URI, not a tracking URI; use `databricks` as the tracking URI', 'NOT_SUPPORTED');
  }
  // A Windows drive path (C:\…) looks like a one-letter scheme.
  const scheme = /^([a-z][a-z0-9+.-]+):/i.exec(text)?.[1]?.toLowerCase();

  if (scheme === undefined) return { kind: 'file', path: resolve(text) };
  if (scheme === 'http' || scheme === 'https') return restTarget(text);
  if (scheme === 'databricks') {
    // `databricks` or `databricks://<profile>` (a `<scope>:<prefix>` secret reference keeps its scope).
    const profile = text.slice('databricks'.length).replace(/^:\/\//, '').split(':')[0];
    return profile ? { kind: 'databricks', profile } : { kind: 'databricks' };
  }
  if (scheme === 'sqlite') {
    const match = /^sqlite:\/\/\/(.+)$/i.exec(text);
    if (!match?.[1]) throw new MlflowError(`${text} names no database file (in-memory SQLite cannot be shared with MLflow)`, 'INVALID_PARAMETER_VALUE');
    return { kind: 'sqlite', path: resolve(decodeURIComponent(match[1].split('?')[0] ?? '')) };
  }
  if (scheme === 'file') {
    return { kind: 'file', path: resolve(filePathOf(text, platform)) };
  }
  if (DATABASE_SCHEMES.some((s) => scheme === s || scheme.startsWith(`${s}+`))) {
    throw new MlflowError(
      `${scheme} tracking stores are read through a tracking server: run \`mlflow server --backend-store-uri <that URI>\` and connect to its http:// address`,
      'NOT_SUPPORTED',
    );
  }
  throw new MlflowError(
    `Unsupported tracking URI scheme "${scheme}:". Use http(s)://…, databricks, sqlite:///…/mlflow.db or file:///…/mlruns`,
    'NOT_SUPPORTED',
  );
}

function filePathOf(uri: string, platform: PathPlatform | undefined): string {
  if (!uri.startsWith('file://')) return decodeURIComponent(uri.slice('file:'.length));
  try {
    return fileUriToPath(uri, platform);
  } catch {
    throw new MlflowError(`${uri} is not a local file URI (file:///absolute/path/to/mlruns)`, 'INVALID_PARAMETER_VALUE');
  }
}

function restTarget(text: string): TrackingTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new MlflowError('The tracking URI is not a valid http(s) URL', 'INVALID_PARAMETER_VALUE');
  }
  const auth: HttpAuth | undefined =
    url.username || url.password ? { kind: 'basic', username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } : undefined;
  url.username = '';
  url.password = '';
  const baseUrl = url.toString().replace(/\/+$/, '');
  return auth ? { kind: 'rest', baseUrl, auth } : { kind: 'rest', baseUrl };
}

export interface EnvCredentials {
  auth?: HttpAuth;
  insecureTls: boolean;
  caCertPath?: string;
  /** From DATABRICKS_HOST + DATABRICKS_TOKEN, for the `databricks` tracking URI. */
  databricks?: { host: string; token: string };
  /** `~/.databrickscfg`, for `databricks://<profile>` and for `databricks` without the variables above. */
  databricksProfiles?: DatabricksProfiles;
}

/**
 * The credentials MLflow's Python client reads from the environment (mlflow.utils.rest_utils):
 * username + password win over a token, as there.
 */
export function credentialsFromEnv(env: Env): EnvCredentials {
  const username = env.MLFLOW_TRACKING_USERNAME;
  const password = env.MLFLOW_TRACKING_PASSWORD;
  const token = env.MLFLOW_TRACKING_TOKEN;
  const insecureTls = (env.MLFLOW_TRACKING_INSECURE_TLS ?? '').trim().toLowerCase() === 'true';
  const caCertPath = env.MLFLOW_TRACKING_SERVER_CERT_PATH?.trim() || undefined;
  if (insecureTls && caCertPath) {
    // MLflow refuses this combination too: skipping verification and pinning a CA contradict each other.
    throw new MlflowError('MLFLOW_TRACKING_INSECURE_TLS=true and MLFLOW_TRACKING_SERVER_CERT_PATH cannot both be set', 'INVALID_PARAMETER_VALUE');
  }
  const auth: HttpAuth | undefined =
    username && password ? { kind: 'basic', username, password } : token ? { kind: 'bearer', token } : undefined;
  const host = env.DATABRICKS_HOST?.trim();
  const databricksToken = env.DATABRICKS_TOKEN?.trim();
  return {
    ...(auth ? { auth } : {}),
    insecureTls,
    ...(caCertPath ? { caCertPath } : {}),
    ...(host && databricksToken ? { databricks: { host: normaliseHost(host), token: databricksToken } } : {}),
  };
}

/**
 * The workspace and token for a `databricks` target, as MLflow finds them: a named profile from the
 * profiles file; else DATABRICKS_HOST + DATABRICKS_TOKEN; else the file's DEFAULT profile.
 */
export function databricksCredentials(target: { profile?: string }, credentials: EnvCredentials): { host: string; token: string } {
  const file = credentials.databricksProfiles;
  if (!target.profile && credentials.databricks) return credentials.databricks;
  const name = target.profile ?? 'DEFAULT';
  const profile = file?.profiles.get(name);
  if (!profile) {
    if (!target.profile) {
      throw new MlflowError(
        'The tracking URI "databricks" needs DATABRICKS_HOST and DATABRICKS_TOKEN in the environment, or a [DEFAULT] profile in ~/.databrickscfg',
        'UNAUTHENTICATED',
      );
    }
    const where = file ? file.file : '~/.databrickscfg (there is no such file)';
    throw new MlflowError(`No Databricks profile [${name}] in ${where}`, 'UNAUTHENTICATED');
  }
  const source = `profile [${name}] of ${file?.file ?? '~/.databrickscfg'}`;
  if (!profile.host) throw new MlflowError(`The Databricks ${source} has no host`, 'UNAUTHENTICATED');
  if (!profile.token) {
    const authType = profile.auth_type ? ` (its auth_type is ${profile.auth_type})` : '';
    throw new MlflowError(
      `The Databricks ${source} has no token${authType}; MLflow Workbench signs in with personal access tokens only`,
      'UNAUTHENTICATED',
    );
  }
  return { host: normaliseHost(profile.host), token: profile.token };
}

/** Databricks hosts are often given without a scheme (`adb-123.azuredatabricks.net`). */
function normaliseHost(host: string): string {
  return (/^https?:\/\//i.test(host) ? host : `https://${host}`).replace(/\/+$/, '');
}

/**
 * The HTTP client options for a REST or Databricks target. Credentials in the URL win over the
 * environment's, as they are the more specific choice.
 */
export function httpOptionsFor(target: TrackingTarget, credentials: EnvCredentials): HttpClientOptions {
  const tls = { insecureTls: credentials.insecureTls, ...(credentials.caCertPath ? { caCertPath: credentials.caCertPath } : {}) };
  if (target.kind === 'rest') {
    const auth = target.auth ?? credentials.auth;
    return { baseUrl: target.baseUrl, ...(auth ? { auth } : {}), ...tls };
  }
  if (target.kind === 'databricks') {
    const { host, token } = databricksCredentials(target, credentials);
    return { baseUrl: host, auth: { kind: 'bearer', token }, ...tls };
  }
  throw new MlflowError(`A ${target.kind} store is read from disk, not over HTTP`, 'INVALID_PARAMETER_VALUE');
}
