/**
 * Model URIs that `mlflow models serve -m` resolves, parsed with MLflow's rules
 * (`mlflow.store.artifact.utils.models._parse_model_uri`, `RunsArtifactRepository.parse_runs_uri`).
 * MLflow reads the path without percent-decoding, so names go into URIs verbatim.
 */
import { MlflowError } from '../mlflow/errors';
import { supportsLoggedModelUris, type MlflowCliVersion } from '../mlproject/mlflowCli';

export type ModelUri =
  | { kind: 'run'; runId: string; artifactPath: string }
  /** MLflow 3 LoggedModel: `models:/m-<32 hex>`. */
  | { kind: 'loggedModel'; modelId: string }
  | { kind: 'registeredVersion'; name: string; version: string }
  | { kind: 'registeredAlias'; name: string; alias: string }
  /** Deprecated stages (`models:/name/Production`), still resolved by both versions. */
  | { kind: 'registeredStage'; name: string; stage: string }
  | { kind: 'registeredLatest'; name: string }
  | { kind: 'local'; path: string }
  /** Any other scheme MLflow downloads from (s3:, gs:, mlflow-artifacts:, dbfs:, …). */
  | { kind: 'remote'; uri: string };

export type ModelUriParse = { ok: true; model: ModelUri } | { ok: false; message: string };

const LOGGED_MODEL_ID = /^m-[0-9a-f]{32}$/;

export function parseModelUri(uri: string): ModelUriParse {
  if (uri.trim() === '') return fail('The model URI is empty.');
  if (uri.startsWith('runs:')) return parseRunsUri(uri);
  if (uri.startsWith('models:')) return parseModelsUri(uri);
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1];
  // A one-letter "scheme" is a Windows drive (C:\models\iris).
  if (scheme === undefined || scheme.length === 1) return { ok: true, model: { kind: 'local', path: uri } };
  if (scheme.toLowerCase() === 'file') return { ok: true, model: { kind: 'local', path: uri } };
  return { ok: true, model: { kind: 'remote', uri } };
}

function parseRunsUri(uri: string): ModelUriParse {
  if (uri.startsWith('runs://')) {
    // urlparse would take the run id for a host name and the artifact path for the run id.
    return fail(`'${uri}' has two slashes after runs:; write runs:/<run id>/<artifact path>.`);
  }
  const path = uri.slice('runs:/'.length);
  if (!uri.startsWith('runs:/') || path === '') return fail(`'${uri}' is not a runs:/ URI; write runs:/<run id>/<artifact path>.`);
  const [runId, ...rest] = path.split('/');
  const artifactPath = rest.join('/').replace(/\/+$/, '');
  if (runId === '') return fail(`'${uri}' has no run id; write runs:/<run id>/<artifact path>.`);
  if (artifactPath === '') return fail(`'${uri}' names no model: add its artifact path, e.g. runs:/${runId}/model.`);
  return { ok: true, model: { kind: 'run', runId, artifactPath } };
}

function parseModelsUri(uri: string): ModelUriParse {
  const usage = 'write models:/<name>/<version>, models:/<name>@<alias> or models:/<model id>';
  if (!uri.startsWith('models:/') || uri.startsWith('models://')) return fail(`'${uri}' is not a models:/ URI; ${usage}.`);
  const parts = uri.slice('models:/'.length).split('/');
  if (parts.length > 2 || parts[0].trim() === '') return fail(`'${uri}' is not a models:/ URI; ${usage}.`);
  if (parts.length === 2) {
    const [name, suffix] = parts;
    if (suffix.trim() === '') return fail(`'${uri}' ends with a slash; ${usage}.`);
    if (/^\d+$/.test(suffix)) return { ok: true, model: { kind: 'registeredVersion', name, version: suffix } };
    if (suffix.toLowerCase() === 'latest') return { ok: true, model: { kind: 'registeredLatest', name } };
    return { ok: true, model: { kind: 'registeredStage', name, stage: suffix } };
  }
  const at = parts[0].lastIndexOf('@');
  if (at >= 0) {
    const alias = parts[0].slice(at + 1);
    if (alias.trim() === '') return fail(`'${uri}' has an empty alias; ${usage}.`);
    return { ok: true, model: { kind: 'registeredAlias', name: parts[0].slice(0, at), alias } };
  }
  if (LOGGED_MODEL_ID.test(parts[0])) return { ok: true, model: { kind: 'loggedModel', modelId: parts[0] } };
  return fail(`'${uri}' names a registered model without a version or alias; ${usage}.`);
}

function fail(message: string): ModelUriParse {
  return { ok: false, message };
}

export function formatModelUri(model: ModelUri): string {
  switch (model.kind) {
    case 'run':
      return runModelUri(model.runId, model.artifactPath);
    case 'loggedModel':
      return loggedModelUri(model.modelId);
    case 'registeredVersion':
      return registeredModelVersionUri(model.name, model.version);
    case 'registeredAlias':
      return registeredModelAliasUri(model.name, model.alias);
    case 'registeredStage':
      return `models:/${checkName(model.name)}/${model.stage}`;
    case 'registeredLatest':
      return `models:/${checkName(model.name)}/latest`;
    case 'local':
      return model.path;
    case 'remote':
      return model.uri;
  }
}

export function runModelUri(runId: string, artifactPath: string): string {
  if (runId === '' || runId.includes('/')) throw invalid(`'${runId}' is not a run id.`);
  const path = artifactPath.replace(/^\/+|\/+$/g, '');
  if (path === '') throw invalid('A runs:/ model URI needs the artifact path of the model.');
  return `runs:/${runId}/${path}`;
}

export function loggedModelUri(modelId: string): string {
  if (!LOGGED_MODEL_ID.test(modelId)) throw invalid(`'${modelId}' is not a logged model id (m-<32 hex digits>).`);
  return `models:/${modelId}`;
}

export function registeredModelVersionUri(name: string, version: string | number): string {
  const text = String(version);
  if (!/^\d+$/.test(text)) throw invalid(`'${text}' is not a model version number.`);
  return `models:/${checkName(name)}/${text}`;
}

export function registeredModelAliasUri(name: string, alias: string): string {
  if (alias === '' || /[/@?]/.test(alias)) throw invalid(`'${alias}' cannot be used as an alias in a models:/ URI.`);
  return `models:/${checkName(name)}@${alias}`;
}

/** '/' would split the path; '?' starts a query that urlparse drops. */
function checkName(name: string): string {
  if (name.trim() === '' || /[/?]/.test(name)) throw invalid(`Registered model name '${name}' cannot be used in a models:/ URI.`);
  return name;
}

function invalid(message: string): MlflowError {
  return new MlflowError(message, 'INVALID_PARAMETER_VALUE');
}

/** Why this MLflow cannot serve the URI, or undefined. 2.x reads `models:/m-…` as a registered model name. */
export function modelUriUnsupportedReason(model: ModelUri, version: MlflowCliVersion): string | undefined {
  if (model.kind === 'loggedModel' && !supportsLoggedModelUris(version)) {
    return `MLflow ${version.raw} cannot serve logged model URIs (models:/m-…); they need MLflow 3.`;
  }
  return undefined;
}
