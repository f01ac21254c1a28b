import {
  type FilterClause,
  type FilterDialect,
  LIST_COMPARATORS,
  METRIC_COMPARATORS,
  compareValue,
  invalidParameter,
  parseFilter,
  quotedValue,
  pyRepr,
  stripQuotes,
  tagsAndParamsOnly,
  trimBackticks,
} from '../searchFilter';
import { type OrderKey, type SortValue, compareByKeys, splitOrderBy } from '../searchOrder';
import type { Experiment, ExperimentQuery, Page } from '../types';
import { checkMaxResults, pageOf } from './paging';

/**
 * experiments/search as MLflow runs it (SearchExperimentsUtils and the SQL store's checks):
 * `name LIKE '%x%'`, `tags.team = 'nlp'`, `creation_time > 0`; ordered by name, experiment_id,
 * creation_time or last_update_time, newest first by default. Stores list their few experiments and
 * hand them here.
 */

const STRING_COMPARATORS = ['!=', '=', 'LIKE', 'ILIKE'];

const TAG_OR_ATTRIBUTE = ['attribute', 'tag', 'tags'];

/** The experiment and registry searches accept only `attribute.`, `tag.` and `tags.` prefixes. */
export function tagOrAttributeIdentifier(identifier: string, validAttributes: readonly string[]): { type: string; key: string } {
  const dot = identifier.indexOf('.');
  let type = 'attribute';
  if (dot >= 0) {
    const entity = identifier.slice(0, dot);
    if (!TAG_OR_ATTRIBUTE.includes(entity)) {
      throw invalidParameter(`Invalid entity type '${entity}'. Valid entity types are ${pyRepr(TAG_OR_ATTRIBUTE, '()')}`);
    }
    type = entity === 'attribute' ? 'attribute' : 'tag';
  }
  const key = trimBackticks(stripQuotes(dot < 0 ? identifier : identifier.slice(dot + 1)));
  if (type === 'attribute' && !validAttributes.includes(key)) {
    throw invalidParameter(`Invalid attribute key '${key}' specified. Valid keys are '${pyRepr(validAttributes)}'`);
  }
  return { type, key };
}

const EXPERIMENT_SEARCH_ATTRIBUTES = ['name', 'creation_time', 'last_update_time'];
const EXPERIMENT_NUMERIC_ATTRIBUTES = new Set(['creation_time', 'last_update_time']);

const experimentDialect: FilterDialect = {
  quoteInvalidClauses: false,
  identify: (identifier) => tagOrAttributeIdentifier(identifier, EXPERIMENT_SEARCH_ATTRIBUTES),
  checkNullTest: tagsAndParamsOnly,
  value(type, key, token) {
    if (type === 'attribute' && token.kind === 'list') {
      throw invalidParameter("Only the 'run_id' attribute supports comparison with a list of quoted string values.");
    }
    if (type === 'attribute' && EXPERIMENT_NUMERIC_ATTRIBUTES.has(key)) {
      if (token.kind !== 'number') {
        throw invalidParameter(`Expected numeric value type for numeric attribute: ${key}. Found ${token.text}`);
      }
      return token.text;
    }
    const value = quotedValue(token);
    if (value === undefined) {
      throw invalidParameter(
        type === 'tag'
          ? `Expected a quoted string value for tag (e.g. 'my-value'). Got value ${token.text}`
          : `Expected a quoted string value for attributes. Got value ${token.text}`,
      );
    }
    return value;
  },
};

/** Parses an experiments filter (`name LIKE '%x%'`, `tags.team = 'nlp'`, `creation_time > 0`). */
export function parseExperimentFilter(filter: string | undefined): FilterClause[] {
  const clauses = parseFilter(filter, experimentDialect).map((c) => ({ ...c, comparator: c.comparator.toUpperCase() }));
  for (const { type, key, comparator } of clauses) {
    if (type === 'tag' && ![...STRING_COMPARATORS, 'IS NULL', 'IS NOT NULL'].includes(comparator)) {
      throw invalidParameter(`Invalid comparator for tag: ${comparator}`);
    }
    if (type === 'attribute' && EXPERIMENT_NUMERIC_ATTRIBUTES.has(key)) {
      if (!(METRIC_COMPARATORS as readonly string[]).includes(comparator)) {
        throw invalidParameter(`Invalid comparator for numeric attribute: ${comparator}`);
      }
    } else if (type === 'attribute' && !(LIST_COMPARATORS as readonly string[]).includes(comparator)) {
      throw invalidParameter(`Invalid comparator '${comparator}' not one of '${pyRepr(LIST_COMPARATORS)}'`);
    }
  }
  return clauses;
}

export function experimentMatchesFilter(experiment: Experiment, clauses: readonly FilterClause[]): boolean {
  return clauses.every(({ type, key, comparator, value }) => {
    if (type === 'tag') return compareValue(experiment.tags[key], comparator, value);
    if (key === 'name') return compareValue(experiment.name, comparator, value);
    const lhs = key === 'creation_time' ? experiment.creationTime : experiment.lastUpdateTime;
    return compareValue(lhs, comparator, Number(value));
  });
}

const EXPERIMENT_ORDER_ATTRIBUTES = ['name', 'experiment_id', 'creation_time', 'last_update_time'];
const DEFAULT_EXPERIMENT_ORDER = ['creation_time DESC', 'experiment_id ASC'];

export function parseExperimentOrderBy(orderBy: readonly string[] | undefined): OrderKey[] {
  const list = orderBy && orderBy.length > 0 ? orderBy : DEFAULT_EXPERIMENT_ORDER;
  const keys = list.map((clause) => {
    const { token, ascending } = splitOrderBy(clause);
    const { type, key } = tagOrAttributeIdentifier(token.trim(), EXPERIMENT_ORDER_ATTRIBUTES);
    if (type !== 'attribute') throw invalidParameter(`Invalid order_by entity: ${type}`);
    return { type, key, ascending };
  });
  if (!keys.some((k) => k.key === 'experiment_id')) keys.push({ type: 'attribute', key: 'experiment_id', ascending: false });
  return keys;
}

export function experimentSortValue(experiment: Experiment, { key }: OrderKey): SortValue {
  switch (key) {
    case 'name':
      return experiment.name;
    case 'creation_time':
      return experiment.creationTime;
    case 'last_update_time':
      return experiment.lastUpdateTime;
    default:
      // Experiment ids are integers in SQL (and 18-digit in file stores): compare them as numbers.
      return numericId(experiment.experimentId);
  }
}

/** A decimal id padded so that string order is numeric order (file-store ids exceed 2^53). */
export function numericId(id: string): string {
  return /^\d+$/.test(id) ? id.padStart(24, '0') : id;
}

export function sortExperiments(experiments: readonly Experiment[], orderBy: readonly string[] | undefined): Experiment[] {
  return [...experiments].sort(compareByKeys(parseExperimentOrderBy(orderBy), experimentSortValue));
}

/** Filters, orders and pages experiments; `viewType` is applied by the caller. */
export function searchExperimentsIn(experiments: readonly Experiment[], query: ExperimentQuery): Page<Experiment> {
  const maxResults = checkMaxResults(query.maxResults, 1000, 50000);
  const clauses = parseExperimentFilter(query.filter);
  const matching = experiments.filter((e) => experimentMatchesFilter(e, clauses));
  return pageOf(sortExperiments(matching, query.orderBy), query.pageToken, maxResults);
}
