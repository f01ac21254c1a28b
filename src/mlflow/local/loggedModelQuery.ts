import {
  type FilterClause,
  type FilterDialect,
  METRIC_COMPARATORS,
  compareValue,
  invalidParameter,
  parseFilter,
  quotedValue,
  stringList,
  trimBackticks,
  stripQuotes,
} from '../searchFilter';
import { type OrderKey, type SortValue, compareByKeys, splitOrderBy } from '../searchOrder';
import type { LoggedModel, LoggedModelStatus, Page, RegistryQuery } from '../types';
import { checkMaxResults, pageOf } from './paging';

/**
 * logged-models/search (MLflow 3) over loaded models: `name = 'model'`, `tags.kind = 'x'`,
 * `params.solver = 'lbfgs'`, `metrics.test_accuracy > 0.5`, `status = 2`, `source_run_id = '…'`,
 * `creation_timestamp > …`; order by the same keys. The server only matches `status` against the
 * stored integer (a documented quirk); here the status names match too, since a name is what a
 * user sees. Default order: newest first.
 */

export const LOGGED_MODEL_STATUS_CODES: Record<LoggedModelStatus, number> = {
  UNSPECIFIED: 0,
  LOGGED_MODEL_PENDING: 1,
  LOGGED_MODEL_READY: 2,
  LOGGED_MODEL_UPLOAD_FAILED: 3,
};

const STRING_ATTRIBUTES = ['name', 'model_id', 'model_type', 'source_run_id', 'experiment_id'];
const NUMERIC_ATTRIBUTES = ['creation_timestamp', 'creation_time', 'last_updated_timestamp', 'last_updated_time'];
const ENTITY_ALIASES: Record<string, string> = {
  metric: 'metric', metrics: 'metric',
  param: 'parameter', params: 'parameter', parameter: 'parameter', parameters: 'parameter',
  tag: 'tag', tags: 'tag',
  attribute: 'attribute', attributes: 'attribute',
};
const STRING_COMPARATORS = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];

function identify(identifier: string): { type: string; key: string } {
  const dot = identifier.indexOf('.');
  const entity = dot < 0 ? 'attribute' : trimBackticks(identifier.slice(0, dot));
  const type = ENTITY_ALIASES[entity];
  if (!type) {
    throw invalidParameter(`Invalid entity type '${entity}'. Valid values are ['metrics', 'params', 'tags', 'attributes']`);
  }
  const key = trimBackticks(stripQuotes(dot < 0 ? identifier : identifier.slice(dot + 1)));
  if (type === 'attribute' && ![...STRING_ATTRIBUTES, ...NUMERIC_ATTRIBUTES, 'status'].includes(key)) {
    throw invalidParameter(`Invalid attribute key '${key}' for logged model search.`);
  }
  return { type, key };
}

const dialect: FilterDialect = {
  quoteInvalidClauses: false,
  identify,
  value(_type, _key, token) {
    if (token.kind === 'number') return token.text;
    if (token.kind === 'list') return stringList(token);
    const value = quotedValue(token);
    if (value === undefined) throw invalidParameter(`Expected a quoted string or a number. Got value ${token.text}`);
    return value;
  },
};

function isNumericKey(type: string, key: string): boolean {
  return type === 'metric' || (type === 'attribute' && (NUMERIC_ATTRIBUTES.includes(key) || key === 'status'));
}

function checkComparator(identifier: string, clause: FilterClause): void {
  const numeric = isNumericKey(clause.type, clause.key);
  const valid = numeric ? [...METRIC_COMPARATORS] : STRING_COMPARATORS;
  if (!valid.includes(clause.comparator)) {
    // Worded (and listed) as the 3.x server words it.
    throw invalidParameter(
      `Invalid comparison operator for ${identifier}: '${clause.comparator}'. Expected one of ('=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN').`,
    );
  }
}

function attribute(model: LoggedModel, key: string): string | number | undefined {
  switch (key) {
    case 'name': return model.name;
    case 'model_id': return model.modelId;
    case 'model_type': return model.modelType ?? '';
    case 'source_run_id': return model.sourceRunId ?? '';
    case 'experiment_id': return model.experimentId;
    case 'creation_timestamp':
    case 'creation_time': return model.creationTimestamp;
    case 'last_updated_timestamp':
    case 'last_updated_time': return model.lastUpdatedTimestamp;
    default: return undefined;
  }
}

function matches(model: LoggedModel, { type, key, comparator, value }: FilterClause): boolean {
  if (type === 'metric') return model.metrics.some((m) => m.key === key && compareValue(m.value, comparator, Number(value)));
  if (type === 'parameter') return compareValue(model.params[key], comparator, value);
  if (type === 'tag') return compareValue(model.tags[key], comparator, value);
  if (key === 'status') {
    const code = LOGGED_MODEL_STATUS_CODES[model.status];
    if (typeof value === 'string' && /^-?\d+$/.test(value)) return compareValue(code, comparator, Number(value));
    const names = [model.status, model.status.replace(/^LOGGED_MODEL_/, '')];
    return names.some((name) => compareValue(name, comparator, value));
  }
  const numeric = NUMERIC_ATTRIBUTES.includes(key);
  return compareValue(attribute(model, key), comparator, numeric ? Number(value) : value);
}

function sortValue(model: LoggedModel, { type, key }: OrderKey): SortValue {
  if (type === 'metric') return model.metrics.find((m) => m.key === key)?.value;
  if (type === 'parameter') return model.params[key];
  if (type === 'tag') return model.tags[key];
  if (key === 'status') return LOGGED_MODEL_STATUS_CODES[model.status];
  return attribute(model, key);
}

export function searchLoggedModelsIn(models: readonly LoggedModel[], query: RegistryQuery = {}): Page<LoggedModel> {
  const maxResults = checkMaxResults(query.maxResults, 100, 1000);
  const identifiers: string[] = [];
  const clauses = parseFilter(query.filter, {
    ...dialect,
    identify: (identifier) => {
      identifiers.push(identifier);
      return identify(identifier);
    },
  }).map((c) => ({ ...c, comparator: c.comparator.toUpperCase() }));
  clauses.forEach((clause, i) => checkComparator(identifiers[i], clause));
  const keys: OrderKey[] = (query.orderBy ?? []).map((clause) => {
    const { token, ascending } = splitOrderBy(clause);
    return { ...identify(token.trim()), ascending };
  });
  if (keys.length === 0) keys.push({ type: 'attribute', key: 'creation_timestamp', ascending: false });
  keys.push({ type: 'attribute', key: 'model_id', ascending: true });
  const matching = models.filter((m) => clauses.every((c) => matches(m, c))).sort(compareByKeys(keys, sortValue));
  return pageOf(matching, query.pageToken, maxResults);
}
