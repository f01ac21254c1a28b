import { searchModelVersionsIn, searchRegisteredModelsIn } from '../../../src/mlflow/local/registryQuery';
import type { RegistryQuery, Stage } from '../../../src/mlflow/types';
import type { DatasetModel, DatasetVersion } from './dataset';
import { modelVersionJson, registeredModelJson, type Json } from './json';
import { alreadyExists, invalid, type ApiRequest, type Params, type Route } from './protocol';
import type { ServerState } from './state';

/** The model registry: registered models, model versions, stages and aliases, as 2.17.2 answers. */

export function registryRoutes(): Route[] {
  return [
    { method: 'GET', path: '/registered-models/search', handle: searchModels },
    { method: 'GET', path: '/registered-models/get', handle: ({ params, state }) => ({ registered_model: modelJson(state, state.model(params.required('name'))) }) },
    { method: 'POST', path: '/registered-models/create', handle: createModel },
    { method: 'POST', path: '/registered-models/rename', handle: renameModel },
    { method: 'PATCH', path: '/registered-models/update', handle: updateModel },
    { method: 'DELETE', path: '/registered-models/delete', handle: deleteModel },
    { method: 'POST', path: '/registered-models/set-tag', handle: ({ params, state }) => setTag(state.model(params.required('name')), params) },
    { method: 'DELETE', path: '/registered-models/delete-tag', handle: ({ params, state }) => deleteTag(state.model(params.required('name')), params) },
    { method: 'GET', path: '/registered-models/get-latest-versions', handle: latestVersions },
    { method: 'POST', path: '/registered-models/get-latest-versions', handle: latestVersions },
    { method: 'POST', path: '/registered-models/alias', handle: setAlias },
    { method: 'DELETE', path: '/registered-models/alias', handle: deleteAlias },
    { method: 'GET', path: '/registered-models/alias', handle: getByAlias },
    { method: 'GET', path: '/model-versions/search', handle: searchVersions },
    { method: 'GET', path: '/model-versions/get', handle: ({ params, state }) => ({ model_version: versionJson(state, versionOf(params, state), true) }) },
    { method: 'POST', path: '/model-versions/create', handle: createVersion },
    { method: 'PATCH', path: '/model-versions/update', handle: updateVersion },
    { method: 'DELETE', path: '/model-versions/delete', handle: deleteVersion },
    { method: 'POST', path: '/model-versions/set-tag', handle: ({ params, state }) => setTag(versionOf(params, state), params) },
    { method: 'DELETE', path: '/model-versions/delete-tag', handle: ({ params, state }) => deleteTag(versionOf(params, state), params) },
    { method: 'GET', path: '/model-versions/get-download-uri', handle: ({ params, state }) => ({ artifact_uri: versionOf(params, state).source }) },
    { method: 'POST', path: '/model-versions/transition-stage', handle: transitionStage },
  ];
}

function modelJson(state: ServerState, model: DatasetModel): Json {
  return registeredModelJson(model, state.latestVersions(model.name));
}

function versionJson(state: ServerState, version: DatasetVersion, withAliases: boolean): Json {
  return modelVersionJson(version, withAliases ? state.aliasesOf(version) : undefined);
}

function versionOf(params: Params, state: ServerState): DatasetVersion {
  return state.version(params.required('name'), params.required('version'));
}

function registryQuery(params: Params): RegistryQuery {
  return { filter: params.string('filter'), orderBy: params.list('order_by'), maxResults: params.int('max_results'), pageToken: params.string('page_token') };
}

function searchModels({ params, state }: ApiRequest): Json {
  const page = searchRegisteredModelsIn(state.data.registeredModels.map((m) => state.fullModel(m)), registryQuery(params));
  const json: Json = {};
  if (page.items.length) json.registered_models = page.items.map((m) => modelJson(state, state.model(m.name)));
  if (page.nextPageToken) json.next_page_token = page.nextPageToken;
  return json;
}

function searchVersions({ params, state }: ApiRequest): Json {
  const page = searchModelVersionsIn(state.data.modelVersions.map((v) => state.fullVersion(v)), registryQuery(params));
  const json: Json = {};
  if (page.items.length) json.model_versions = page.items.map((v) => versionJson(state, state.version(v.name, v.version), false));
  if (page.nextPageToken) json.next_page_token = page.nextPageToken;
  return json;
}

function checkModelNameFree(state: ServerState, name: string): void {
  if (state.data.registeredModels.some((m) => m.name === name)) throw alreadyExists(`Registered Model (name=${name}) already exists.`);
}

function createModel({ params, state }: ApiRequest): Json {
  const name = params.required('name');
  checkModelNameFree(state, name);
  const time = state.now();
  const model: DatasetModel = { name, creationTimestamp: time, lastUpdatedTimestamp: time, description: params.string('description') ?? '', tags: params.keyValues('tags'), aliases: [] };
  state.data.registeredModels.push(model);
  return { registered_model: modelJson(state, model) };
}

function renameModel({ params, state }: ApiRequest): Json {
  const model = state.model(params.required('name'));
  const newName = params.required('new_name');
  if (newName !== model.name) checkModelNameFree(state, newName);
  state.renameModel(model, newName);
  model.lastUpdatedTimestamp = state.now();
  return { registered_model: modelJson(state, model) };
}

function updateModel({ params, state }: ApiRequest): Json {
  const model = state.model(params.required('name'));
  model.description = params.string('description') ?? '';
  model.lastUpdatedTimestamp = state.now();
  return { registered_model: modelJson(state, model) };
}

function deleteModel({ params, state }: ApiRequest): Json {
  const model = state.model(params.required('name'));
  state.data.registeredModels = state.data.registeredModels.filter((m) => m !== model);
  state.data.modelVersions = state.data.modelVersions.filter((v) => v.name !== model.name);
  return {};
}

function setTag(target: { tags: Record<string, string> }, params: Params): Json {
  target.tags[params.required('key')] = params.string('value') ?? '';
  return {};
}

/** A registry tag that is not there is deleted silently (unlike run tags). */
function deleteTag(target: { tags: Record<string, string> }, params: Params): Json {
  delete target.tags[params.required('key')];
  return {};
}

function latestVersions({ params, state }: ApiRequest): Json {
  const stages = params.list('stages').map((s) => s.toLowerCase());
  const versions = state.latestVersions(state.model(params.required('name')).name).filter((v) => stages.length === 0 || stages.includes(v.currentStage.toLowerCase()));
  return versions.length ? { model_versions: versions.map((v) => versionJson(state, v, false)) } : {};
}

function setAlias({ params, state }: ApiRequest): Json {
  const model = state.model(params.required('name'));
  const alias = params.required('alias');
  if (alias.toLowerCase() === 'latest') throw invalid("'latest' alias name (case insensitive) is reserved.");
  const version = state.version(model.name, params.required('version')).version;
  model.aliases = [...model.aliases.filter((a) => a.alias !== alias), { alias, version }].sort((a, b) => a.alias.localeCompare(b.alias));
  return {};
}

function deleteAlias({ params, state }: ApiRequest): Json {
  const model = state.model(params.required('name'));
  const alias = params.required('alias');
  model.aliases = model.aliases.filter((a) => a.alias !== alias);
  return {};
}

function getByAlias({ params, state }: ApiRequest): Json {
  const model = state.model(params.required('name'));
  const alias = params.required('alias');
  const entry = model.aliases.find((a) => a.alias === alias);
  // MLflow answers a missing alias with 400 INVALID_PARAMETER_VALUE, not 404.
  if (!entry) throw invalid(`Registered model alias ${alias} not found.`);
  return { model_version: versionJson(state, state.version(model.name, entry.version), true) };
}

function createVersion({ params, state }: ApiRequest): Json {
  const model = state.model(params.required('name'));
  const source = params.required('source');
  const time = state.now();
  const version: DatasetVersion = {
    name: model.name,
    version: state.nextVersion(model.name),
    creationTimestamp: time,
    lastUpdatedTimestamp: time,
    currentStage: 'None',
    description: params.string('description') ?? '',
    source,
    runId: params.string('run_id') || undefined,
    runLink: params.string('run_link') || undefined,
    status: 'READY',
    tags: params.keyValues('tags'),
  };
  state.data.modelVersions.push(version);
  model.lastUpdatedTimestamp = time;
  return { model_version: versionJson(state, version, false) };
}

function updateVersion({ params, state }: ApiRequest): Json {
  const version = versionOf(params, state);
  version.description = params.string('description') ?? '';
  version.lastUpdatedTimestamp = state.now();
  return { model_version: versionJson(state, version, true) };
}

function deleteVersion({ params, state }: ApiRequest): Json {
  const version = versionOf(params, state);
  state.data.modelVersions = state.data.modelVersions.filter((v) => v !== version);
  const model = state.model(version.name);
  model.aliases = model.aliases.filter((a) => a.version !== version.version);
  return {};
}

const STAGES: readonly Stage[] = ['None', 'Staging', 'Production', 'Archived'];

function transitionStage({ params, state }: ApiRequest): Json {
  const version = versionOf(params, state);
  const requested = params.required('stage');
  const stage = STAGES.find((s) => s.toLowerCase() === requested.toLowerCase());
  if (!stage) throw invalid(`Invalid Model Version stage: ${requested}. Value must be one of None, Staging, Production, Archived.`);
  const time = state.now();
  if (params.bool('archive_existing_versions') && (stage === 'Staging' || stage === 'Production')) {
    for (const other of state.versionsOf(version.name)) {
      if (other !== version && other.currentStage === stage) {
        other.currentStage = 'Archived';
        other.lastUpdatedTimestamp = time;
      }
    }
  }
  version.currentStage = stage;
  version.lastUpdatedTimestamp = time;
  return { model_version: versionJson(state, version, false) };
}
