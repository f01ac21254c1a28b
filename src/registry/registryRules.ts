/**
 * The model registry's rules, as MLflow applies them, kept free of `vscode` so plain unit tests cover
 * them: which alias and tag names the server accepts (checked before a request, with MLflow's own
 * messages), how to ask the server for one model's versions whatever its name contains, and what a
 * model URI must look like to be registered.
 */
import { parseModelUri } from '../serving/modelUri';

/** `mlflow.utils.validation.MAX_REGISTERED_MODEL_ALIAS_LENGTH`. */
const MAX_ALIAS_LENGTH = 255;
/** `MAX_MODEL_REGISTRY_TAG_KEY_LENGTH`. */
const MAX_TAG_KEY_LENGTH = 250;

/**
 * Why MLflow would refuse `alias` (`_validate_model_alias_name`), or undefined. Python's `\w` is
 * Unicode-aware, hence letters and digits of any script. `latest` would shadow `models:/name/latest`
 * and `v3` the version-alias syntax, so the server reserves both.
 */
export function aliasNameProblem(alias: string): string | undefined {
  if (alias === '') return 'Registered model alias name cannot be empty.';
  if (!/^[\p{L}\p{N}_-]+$/u.test(alias)) {
    return `Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`;
  }
  if ([...alias].length > MAX_ALIAS_LENGTH) {
    return `'Registered model alias name' exceeds the maximum length of ${MAX_ALIAS_LENGTH} characters`;
  }
  if (alias.toLowerCase() === 'latest') return "'latest' alias name (case insensitive) is reserved.";
  if (/^[vV]\p{Nd}+$/u.test(alias)) return `Version alias name '${alias}' is reserved.`;
  return undefined;
}

/**
 * Why MLflow would refuse a registry tag key (`_validate_tag_name` and the registry's length limit), or
 * undefined. Keys may be used as file names by some stores, so they must not normalise to another path.
 */
export function tagKeyProblem(key: string): string | undefined {
  if (key === '') return 'A tag key cannot be empty.';
  if (!/^[/\p{L}\p{N}_.\- :]*$/u.test(key)) {
    return `Invalid tag key '${key}': names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).`;
  }
  const normalised = normalisePosixPath(key);
  if (normalised !== key || normalised === '.' || normalised.startsWith('..') || normalised.startsWith('/')) {
    return `Invalid tag key '${key}': it would resolve to '${normalised}' when treated as a file name.`;
  }
  if ([...key].length > MAX_TAG_KEY_LENGTH) return `The tag key exceeds the maximum length of ${MAX_TAG_KEY_LENGTH} characters.`;
  return undefined;
}

/** Python's `posixpath.normpath`, for the one check above. */
export function normalisePosixPath(path: string): string {
  if (path === '') return '.';
  const leadingSlashes = path.startsWith('//') && !path.startsWith('///') ? 2 : path.startsWith('/') ? 1 : 0;
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..' || (leadingSlashes === 0 && parts.length === 0) || parts[parts.length - 1] === '..') parts.push(part);
    else if (parts.length > 0) parts.pop();
  }
  const joined = '/'.repeat(leadingSlashes) + parts.join('/');
  return joined === '' ? '.' : joined;
}

/**
 * The search-model-versions filter that selects the versions of `name`. MLflow strips one pair of
 * quotes and never unescapes, so a name is sent in single quotes, else in double quotes when it holds a
 * single quote; a name with both quotes or a backslash (sqlparse reads `\'` as an escape) cannot be
 * quoted at all and is matched with LIKE, those characters as `_` wildcards. LIKE can match more
 * names, so callers keep only the versions whose name is exactly `name` (see `versionsNamed`).
 */
export function versionsFilter(name: string): string {
  if (!/['\\]/.test(name)) return `name='${name}'`;
  if (!/["\\]/.test(name)) return `name="${name}"`;
  return `name LIKE '${name.replace(/['"\\]/g, '_')}'`;
}

export function versionsNamed<T extends { name: string }>(versions: readonly T[], name: string): T[] {
  return versions.filter((v) => v.name === name);
}

/** What "Register Model" accepts: a run's model folder or an MLflow 3 logged model. */
export type RegistrationSource =
  | { kind: 'run'; uri: string; runId: string; artifactPath: string }
  | { kind: 'loggedModel'; uri: string; modelId: string };

export function parseRegistrationSource(uri: string): { ok: true; source: RegistrationSource } | { ok: false; message: string } {
  const parsed = parseModelUri(uri.trim());
  if (!parsed.ok) return parsed;
  const model = parsed.model;
  switch (model.kind) {
    case 'run':
      return { ok: true, source: { kind: 'run', uri: uri.trim(), runId: model.runId, artifactPath: model.artifactPath } };
    case 'loggedModel':
      return { ok: true, source: { kind: 'loggedModel', uri: uri.trim(), modelId: model.modelId } };
    case 'registeredVersion':
    case 'registeredAlias':
    case 'registeredStage':
    case 'registeredLatest':
      return { ok: false, message: `'${uri}' is a registered model already; register a run's model (runs:/<run id>/<path>) or a logged model (models:/m-…).` };
    case 'local':
    case 'remote':
      return { ok: false, message: `'${uri}' is not a model MLflow tracks; register a run's model (runs:/<run id>/<path>) or a logged model (models:/m-…).` };
  }
}

/**
 * The source MLflow's own `register_model` stores for a `runs:/` URI: the run's artifact location joined
 * with the model path (`RunsArtifactRepository.get_underlying_uri`), so the version keeps pointing at
 * the files even if the run is later deleted.
 */
export function runArtifactSource(artifactUri: string, artifactPath: string): string {
  return `${artifactUri.replace(/\/+$/, '')}/${artifactPath.replace(/^\/+/, '')}`;
}
