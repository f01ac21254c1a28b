import { MlflowError } from '../errors';
import {
  type FilterClause,
  type FilterDialect,
  type FilterToken,
  METRIC_COMPARATORS,
  compareValue,
  invalidParameter,
  parseFilter,
  pyRepr,
  quotedValue,
  stringList,
} from '../searchFilter';
import { type OrderKey, type SortValue, compareByKeys, splitOrderBy } from '../searchOrder';
import type { ModelVersion, Page, RegisteredModel, RegistryQuery } from '../types';
import { tagOrAttributeIdentifier } from './experimentQuery';
import { checkMaxResults, pageOf } from './paging';

/**
 * Model registry search as MLflow's SQL registry store does it (SearchModelUtils /
 * SearchModelVersionUtils rules and messages), over registry entries a local store has loaded. The
 * registry is small, so both local stores filter, sort and page it in memory.
 */

const IS_PROMPT_TAG = 'mlflow.prompt.is_prompt';
const STRING_COMPARATORS = ['=', '!=', 'LIKE', 'ILIKE'];

function registryValue(numericKeys: ReadonlySet<string>) {
  return (type: string, key: string, token: FilterToken): string | string[] => {
    if (type === 'tag') {
      const value = quotedValue(token);
      if (value === undefined) {
        throw invalidParameter(`Expected a quoted string value for tag (e.g. 'my-value'). Got value ${token.text}`);
      }
      return value;
    }
    const value = quotedValue(token);
    if (value !== undefined) return value;
    if (token.kind === 'list') {
      if (key !== 'run_id') {
        throw invalidParameter("Only the 'run_id' attribute supports comparison with a list of quoted string values.");
      }
      return stringList(token);
    }
    if (token.kind === 'number') {
      if (!numericKeys.has(key)) {
        throw invalidParameter(`Only the '${pyRepr([...numericKeys])}' attributes support comparison with numeric values.`);
      }
      return token.text;
    }
    throw invalidParameter(
      `Expected a quoted string value or a list of quoted string values for attributes. Got value ${token.text}`,
    );
  };
}

// ---- registered models ----

const modelDialect: FilterDialect = {
  quoteInvalidClauses: false,
  identify: (identifier) => tagOrAttributeIdentifier(identifier, ['name']),
  value: registryValue(new Set()),
};

function checkTagComparator(clause: FilterClause): void {
  if (clause.type === 'tag' && !STRING_COMPARATORS.includes(clause.comparator)) {
    throw invalidParameter(`Invalid comparator for tag: ${clause.comparator}`);
  }
}

/** MLflow 3 hides prompts (models tagged mlflow.prompt.is_prompt=true) unless the filter asks for them. */
function queriesPrompts(clauses: readonly FilterClause[]): boolean {
  const clause = clauses.find((c) => c.type === 'tag' && c.key === IS_PROMPT_TAG);
  if (!clause || typeof clause.value !== 'string') return false;
  const value = clause.value.toLowerCase();
  return (clause.comparator === '=' && value === 'true') || (clause.comparator === '!=' && value === 'false');
}

function withoutPrompts(clauses: FilterClause[]): { clauses: FilterClause[]; hidePrompts: boolean } {
  if (queriesPrompts(clauses)) return { clauses, hidePrompts: false };
  return { clauses: clauses.filter((c) => !(c.type === 'tag' && c.key === IS_PROMPT_TAG)), hidePrompts: true };
}

export function searchRegisteredModelsIn(models: readonly RegisteredModel[], query: RegistryQuery, backend: RegistryBackend = 'sql'): Page<RegisteredModel> {
  const maxResults = checkMaxResults(query.maxResults, 100, 1000, 'fileStore');
  const parsed = parseFilter(query.filter, modelDialect).map((c) => ({ ...c, comparator: c.comparator.toUpperCase() }));
  for (const clause of parsed) {
    checkTagComparator(clause);
    if (clause.type === 'attribute' && !STRING_COMPARATORS.includes(clause.comparator)) {
      throw invalidParameter(`Invalid comparator for attribute: ${clause.comparator}`);
    }
  }
  const { clauses, hidePrompts } = withoutPrompts(parsed);
  const keys = parseRegisteredModelOrderBy(query.orderBy, backend);
  const sortValue = (m: RegisteredModel, k: OrderKey) => (k.key === 'name' ? m.name : k.key === 'creation_timestamp' ? m.creationTimestamp : m.lastUpdatedTimestamp);
  const matching = models
    .filter((m) => !(hidePrompts && m.tags[IS_PROMPT_TAG] === 'true'))
    .filter((m) => clauses.every((c) => compareValue(c.type === 'tag' ? m.tags[c.key] : m.name, c.comparator, c.value)))
    .sort(compareByKeys(keys, sortValue));
  return pageOf(matching, query.pageToken, maxResults);
}

/**
 * Which MLflow registry store a local store's registry follows: their registered-model order keys
 * differ. The SQL store takes `name`, `timestamp` (= last updated) and `last_updated_timestamp`; the
 * FileStore takes `name`, `creation_timestamp` and `last_updated_timestamp`.
 */
export type RegistryBackend = 'sql' | 'file';

const REGISTERED_MODEL_ORDER_KEYS: Record<RegistryBackend, readonly string[]> = {
  sql: ['name', 'timestamp', 'last_updated_timestamp'],
  file: ['name', 'creation_timestamp', 'last_updated_timestamp'],
};

function parseRegisteredModelOrderBy(orderBy: readonly string[] | undefined, backend: RegistryBackend): OrderKey[] {
  const seen = new Set<string>();
  const keys = (orderBy ?? []).map((clause) => {
    const { token, ascending } = splitOrderBy(clause);
    const key = token.trim();
    if (!['name', 'timestamp', 'last_updated_timestamp', 'creation_timestamp'].includes(key)) {
      throw invalidParameter(`Invalid order_by clause '${clause}'. Could not be parsed.`);
    }
    if (!REGISTERED_MODEL_ORDER_KEYS[backend].includes(key)) {
      throw invalidParameter(
        backend === 'sql'
          ? `Invalid order by key '${key}' specified. Valid keys are '${pyRepr(['name', 'timestamp'])}'`
          : `Invalid attribute key '${key}' specified. Valid keys are '${pyRepr(REGISTERED_MODEL_ORDER_KEYS.file)}'`,
      );
    }
    const field = key === 'name' || key === 'creation_timestamp' ? key : 'last_updated_timestamp';
    if (seen.has(field)) throw invalidParameter(`\`order_by\` contains duplicate fields: ${pyRepr(orderBy ?? [], '[]')}`);
    seen.add(field);
    return { type: 'attribute', key: field, ascending };
  });
  if (!seen.has('name')) keys.push({ type: 'attribute', key: 'name', ascending: true });
  return keys;
}

/**
 * `latest_versions` as MLflow's SQL entity builds it: the highest version per stage, stages in the
 * order they first appear going up the versions.
 */
export function latestVersionsPerStage(versions: readonly ModelVersion[]): ModelVersion[] {
  const latest = new Map<string, ModelVersion>();
  for (const mv of [...versions].sort((a, b) => Number(a.version) - Number(b.version))) {
    const current = latest.get(mv.currentStage);
    if (!current || Number(current.version) < Number(mv.version)) latest.set(mv.currentStage, mv);
  }
  return [...latest.values()];
}

// ---- model versions ----

const VERSION_NUMERIC_KEYS = new Set(['version_number', 'creation_timestamp', 'last_updated_timestamp']);

const versionDialect: FilterDialect = {
  quoteInvalidClauses: false,
  identify: (identifier) => tagOrAttributeIdentifier(identifier, ['name', 'version_number', 'run_id', 'source_path']),
  value: registryValue(VERSION_NUMERIC_KEYS),
};

function versionAttribute(mv: ModelVersion, key: string): string | number | undefined {
  switch (key) {
    case 'name': return mv.name;
    case 'run_id': return mv.runId ?? '';
    case 'source_path': return mv.source;
    case 'version_number': return Number(mv.version);
    case 'creation_timestamp': return mv.creationTimestamp;
    case 'last_updated_timestamp': return mv.lastUpdatedTimestamp;
    default: return undefined;
  }
}

export function searchModelVersionsIn(versions: readonly ModelVersion[], query: RegistryQuery): Page<ModelVersion> {
  const maxResults = checkMaxResults(query.maxResults, 10000, 200000);
  const parsed = parseFilter(query.filter, versionDialect).map((c) => ({ ...c, comparator: c.comparator.toUpperCase() }));
  for (const clause of parsed) {
    checkTagComparator(clause);
    if (clause.type !== 'attribute') continue;
    if (VERSION_NUMERIC_KEYS.has(clause.key)) {
      if (!(METRIC_COMPARATORS as readonly string[]).includes(clause.comparator)) {
        throw invalidParameter(`Invalid comparator for attribute ${clause.key}: ${clause.comparator}`);
      }
    } else if (
      ![...STRING_COMPARATORS, 'IN'].includes(clause.comparator) ||
      (clause.comparator === 'IN' && clause.key !== 'run_id')
    ) {
      throw invalidParameter(`Invalid comparator for attribute: ${clause.comparator}`);
    }
  }
  const { clauses, hidePrompts } = withoutPrompts(parsed);
  const keys = parseModelVersionOrderBy(query.orderBy);
  const matching = versions
    .filter((mv) => !(hidePrompts && mv.tags[IS_PROMPT_TAG] === 'true'))
    .filter((mv) =>
      clauses.every((c) => {
        if (c.type === 'tag') return compareValue(mv.tags[c.key], c.comparator, c.value);
        const numeric = VERSION_NUMERIC_KEYS.has(c.key);
        return compareValue(versionAttribute(mv, c.key), c.comparator, numeric ? Number(c.value) : c.value);
      }),
    )
    .sort(compareByKeys(keys, (mv, k): SortValue => versionAttribute(mv, k.key)));
  return pageOf(matching, query.pageToken, maxResults);
}

const VERSION_ORDER_KEYS = ['name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'];

function parseModelVersionOrderBy(orderBy: readonly string[] | undefined): OrderKey[] {
  const list = orderBy && orderBy.length > 0 ? orderBy : ['last_updated_timestamp DESC', 'name ASC', 'version_number DESC'];
  const seen = new Set<string>();
  const keys = list.map((clause) => {
    const { token, ascending } = splitOrderBy(clause);
    const { key } = tagOrAttributeIdentifier(token.trim(), VERSION_ORDER_KEYS);
    if (!VERSION_ORDER_KEYS.includes(key)) {
      throw invalidParameter(`Invalid order by key '${key}' specified. Valid keys are ${pyRepr(VERSION_ORDER_KEYS)}`);
    }
    if (seen.has(key)) throw invalidParameter(`\`order_by\` contains duplicate fields: ${pyRepr(list, '[]')}`);
    seen.add(key);
    return { type: 'attribute', key, ascending };
  });
  if (!seen.has('name')) keys.push({ type: 'attribute', key: 'name', ascending: true });
  if (!seen.has('version_number')) keys.push({ type: 'attribute', key: 'version_number', ascending: false });
  return keys;
}

// ---- lookups, with the server's not-found answers ----

export interface RegistryEntries {
  models: RegisteredModel[];
  versions: ModelVersion[];
}

export function registeredModelOrThrow(registry: Pick<RegistryEntries, 'models'>, name: string): RegisteredModel {
  const model = registry.models.find((m) => m.name === name);
  if (!model) throw new MlflowError(`Registered Model with name=${name} not found`, 'RESOURCE_DOES_NOT_EXIST', 404);
  return model;
}

export function modelVersionOrThrow(registry: Pick<RegistryEntries, 'versions'>, name: string, version: string): ModelVersion {
  const mv = registry.versions.find((v) => v.name === name && v.version === String(version));
  if (!mv) {
    throw new MlflowError(`Model Version (name=${name}, version=${version}) not found`, 'RESOURCE_DOES_NOT_EXIST', 404);
  }
  return mv;
}

export function modelVersionByAliasOrThrow(registry: RegistryEntries, name: string, alias: string): ModelVersion {
  const entry = registry.models.find((m) => m.name === name)?.aliases.find((a) => a.alias === alias);
  // MLflow answers a missing alias with 400 INVALID_PARAMETER_VALUE, not 404.
  if (!entry) throw new MlflowError(`Registered model alias ${alias} not found.`, 'INVALID_PARAMETER_VALUE', 400);
  return modelVersionOrThrow(registry, name, entry.version);
}
