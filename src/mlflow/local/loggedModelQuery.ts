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
 * `params.solver = 'lbfgs'`, `metrics.test_accuracy > 0.5`, `status = '2'`, `source_run_id = '…'`,
 * `creation_timestamp > …`; order by attributes and metrics. Logged models are read from SQLite
 * stores, so `status` is compared as MLflow's SQL store compares its INTEGER column: `'2'` matches
 * READY models, a name such as `'READY'` matches nothing (and `!= 'READY'` everything).
 * Default order: newest first, then model id.
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
    if (token.kind === 'list') return stringList(token, false);
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
  const isStatus = clause.type === 'attribute' && clause.key === 'status';
  const valid = isStatus ? [...METRIC_COMPARATORS, 'IN', 'NOT IN'] : numeric ? [...METRIC_COMPARATORS] : STRING_COMPARATORS;
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

/** Which MLflow store's rules a search follows: its SQL store (SQLite) or its FileStore (`mlruns/`). */
export type LoggedModelBackend = 'sql' | 'file';

/** The status names MLflow's FileStore compares a `status` filter with (its LoggedModelStatus enum). */
const FILE_STATUS_NAMES: Record<LoggedModelStatus, string> = {
  UNSPECIFIED: 'UNSPECIFIED',
  LOGGED_MODEL_PENDING: 'PENDING',
  LOGGED_MODEL_READY: 'READY',
  LOGGED_MODEL_UPLOAD_FAILED: 'FAILED',
};

function matches(model: LoggedModel, { type, key, comparator, value }: FilterClause, backend: LoggedModelBackend): boolean {
  if (type === 'metric') return model.metrics.some((m) => m.key === key && compareValue(m.value, comparator, Number(value)));
  if (type === 'parameter') return compareValue(model.params[key], comparator, value);
  if (type === 'tag') return compareValue(model.tags[key], comparator, value);
  // The FileStore compares the status by name (`status = 'READY'`), the SQL store by its integer.
  if (key === 'status' && backend === 'file') return compareValue(FILE_STATUS_NAMES[model.status], comparator, value);
  if (key === 'status') return statusMatches(LOGGED_MODEL_STATUS_CODES[model.status], comparator, value);
  const numeric = NUMERIC_ATTRIBUTES.includes(key);
  return compareValue(attribute(model, key), comparator, numeric ? Number(value) : value);
}

/**
 * SQLite compares the INTEGER status column with a text value by converting numeric text to an
 * integer; other text never equals an integer.
 */
function statusMatches(code: number, comparator: string, value: FilterClause['value']): boolean {
  const integer = (v: string) => (/^-?\d+$/.test(v.trim()) ? Number(v) : undefined);
  if (Array.isArray(value)) {
    const codes = value.map(integer).filter((v): v is number => v !== undefined);
    return comparator === 'IN' ? codes.includes(code) : comparator === 'NOT IN' ? !codes.includes(code) : false;
  }
  const n = integer(value);
  if (n === undefined) return comparator === '!=';
  return compareValue(code, comparator, n);
}

function sortValue(model: LoggedModel, { type, key }: OrderKey): SortValue {
  if (type === 'metric') return model.metrics.find((m) => m.key === key)?.value;
  if (type === 'parameter') return model.params[key];
  if (type === 'tag') return model.tags[key];
  if (key === 'status') return LOGGED_MODEL_STATUS_CODES[model.status];
  return attribute(model, key);
}

/** An order_by field: an attribute or `metrics.<key>` (MLflow orders logged models by nothing else). */
function orderField(token: string): { type: string; key: string } {
  let field: { type: string; key: string };
  try {
    field = identify(token);
  } catch {
    throw invalidParameter(`Invalid order by field name: ${token}`);
  }
  if (field.type !== 'attribute' && field.type !== 'metric') {
    throw invalidParameter(`Invalid order by field name: ${token}. Only metrics are supported.`);
  }
  return field;
}

/**
 * The filter's clauses, with the SQL store's message for anything but AND-ed comparisons (the
 * FileStore keeps SearchUtils' own "Invalid clause(s) in filter string: 'OR'").
 */
function parseLoggedModelFilter(filter: string | undefined, parse: (filter: string | undefined) => FilterClause[], backend: LoggedModelBackend): FilterClause[] {
  try {
    return parse(filter);
  } catch (error) {
    if (backend === 'sql' && error instanceof Error && error.message.startsWith('Invalid clause(s) in filter string')) {
      throw invalidParameter(
        `Invalid filter string: "${filter}". Expected a list of comparisons separated by 'AND' (e.g. 'metrics.loss > 0.1 AND params.lr = 0.01').`,
      );
    }
    throw error;
  }
}

export function searchLoggedModelsIn(models: readonly LoggedModel[], query: RegistryQuery = {}, backend: LoggedModelBackend = 'sql'): Page<LoggedModel> {
  const maxResults = checkMaxResults(query.maxResults, 100, 1000);
  const identifiers: string[] = [];
  const clauses = parseLoggedModelFilter(query.filter, (filter) => parseFilter(filter, {
    ...dialect,
    // The FileStore names an invalid clause in quotes (`'OR'`), as its run search does.
    quoteInvalidClauses: backend === 'file',
    identify: (identifier) => {
      identifiers.push(identifier);
      return identify(identifier);
    },
  }), backend).map((c) => ({ ...c, comparator: c.comparator.toUpperCase() }));
  clauses.forEach((clause, i) => checkComparator(identifiers[i], clause));
  const keys: OrderKey[] = (query.orderBy ?? []).map((clause) => {
    const { token, ascending } = splitOrderBy(clause);
    return { ...orderField(token.trim()), ascending };
  });
  // MLflow's SQL store breaks ties by creation time (newest first), then by model id.
  if (!keys.some((k) => k.type === 'attribute' && (k.key === 'creation_timestamp' || k.key === 'creation_time'))) {
    keys.push({ type: 'attribute', key: 'creation_timestamp', ascending: false });
  }
  keys.push({ type: 'attribute', key: 'model_id', ascending: true });
  const matching = models.filter((m) => clauses.every((c) => matches(m, c, backend))).sort(compareByKeys(keys, sortValue));
  return pageOf(matching, query.pageToken, maxResults);
}
