import { checkMaxResults, pageOf } from './local/paging';
import { type FilterDialect, type FilterToken, invalidParameter, likeToRegExp, parseFilter, pyRepr, stringList, stripQuotes, trimBackticks } from './searchFilter';
import { compareByKeys, splitOrderBy } from './searchOrder';
import type { OrderKey, SortValue } from './searchOrder';
import { MAX_TRACES_PER_PAGE } from './traceStore';
import type { TraceInfo, TraceQuery } from './traceTypes';
import { TraceKeys } from './traceTypes';
import type { Page } from './types';

/**
 * MLflow's trace search (filter, order, pages) evaluated over trace infos read from a local store, so
 * that a filter typed against `mlflow.db` or `mlruns/` finds what MLflow finds on that store: every
 * search_traces the real MLflow client ran on the fixture stores is repeated by
 * test/unit/searchConformance.test.ts, and the cross-backend tests run the server captures.
 *
 * Grammar (MLflow 3): clauses joined by AND; `trace.`/`attribute(s).` (or bare) status, name,
 * timestamp_ms/timestamp, execution_time_ms/execution_time, end_time_ms/end_time, run_id, request_id,
 * client_request_id, text, prompt; `tag(s).`, `metadata.` / `request_metadata.` (key bare-dotted, in
 * backticks or double quotes); `span.` name, type, status, content; `feedback.<name>`,
 * `expectation.<name>`. `name` is the tag `mlflow.traceName` and `run_id` the metadata
 * `mlflow.sourceRun`, with those entities' comparators (so no IN).
 *
 * Where MLflow's two local stores answer differently, `store` says whose rules apply:
 * - `sql` (`mlflow.db`): ILIKE folds ASCII letters only (SQLite's lower()); a quoted value compared with
 *   a numeric column follows SQLite's type affinity (`timestamp_ms > 'x'` matches nothing, `> '5'` is
 *   `> 5`); experiment ids order as numbers.
 * - `file` (`mlruns/`): ILIKE folds all of Unicode (Python's regex); span and assessment filters are
 *   errors, as in MLflow's FileStore; a quoted number on a numeric attribute, which crashes MLflow's
 *   FileStore, is an error naming the key.
 */
export type TraceSearchStore = 'sql' | 'file';

/** One span's searchable columns (the SQL store's `spans` table). */
export interface SpanSearchRow {
  name: string;
  type: string;
  /** `OK`, `ERROR` or `UNSET`. */
  status: string;
  /** The span's JSON document. */
  content: string;
}

export interface TraceClause {
  entity: 'attribute' | 'tag' | 'metadata' | 'span' | 'feedback' | 'expectation' | 'prompt';
  key: string;
  comparator: string;
  /** A string, a list for IN, a number for a numeric attribute written as one, undefined for IS [NOT] NULL. */
  value?: string | number | string[];
}

type TraceValue = string | number | string[];

// The sets MLflow prints in its messages, in the order it printed them on the recorded searches.
const ENTITY_TYPES = ['span', 'tag', 'metadata', 'expectation', 'feedback', 'attribute', 'issue', 'request_metadata', 'trace', 'attributes', 'tags'];
const ENTITY_OF: Record<string, string> = {
  attribute: 'attribute',
  attributes: 'attribute',
  trace: 'attribute',
  tag: 'tag',
  tags: 'tag',
  metadata: 'metadata',
  request_metadata: 'metadata',
  span: 'span',
  feedback: 'feedback',
  expectation: 'expectation',
  issue: 'issue',
};
const SEARCH_ATTRIBUTES = [
  'timestamp_ms', 'status', 'execution_time_ms', 'name', 'request_id', 'text', 'client_request_id', 'timestamp', 'run_id', 'prompt',
  'execution_time', 'end_time', 'end_time_ms',
];
const ORDER_ATTRIBUTES = [
  'timestamp_ms', 'status', 'experiment_id', 'execution_time_ms', 'name', 'request_id', 'timestamp', 'run_id', 'execution_time', 'end_time',
  'end_time_ms',
];
const NUMERIC_ATTRIBUTES = ['timestamp_ms', 'execution_time_ms', 'execution_time', 'timestamp', 'end_time', 'end_time_ms'];
/** The attributes MLflow parses `IN (…)` for (name and run_id then fail: their tag / metadata take no IN). */
const LIST_ATTRIBUTES = ['name', 'status', 'request_id', 'run_id', 'client_request_id'];
const ATTRIBUTE_ALIASES: Record<string, string> = { timestamp: 'timestamp_ms', execution_time: 'execution_time_ms', end_time: 'end_time_ms' };
const STRING_ATTRIBUTE_COMPARATORS = ['IN', 'LIKE', '=', 'NOT IN', 'ILIKE', 'RLIKE', '!='];
const KEY_VALUE_COMPARATORS = ['LIKE', '=', 'IS NULL', 'IS NOT NULL', 'ILIKE', 'RLIKE', '!='];
const NUMERIC_COMPARATORS = ['>', '>=', '!=', '=', '<', '<='];
const ANY_COMPARATOR = new Set([...NUMERIC_COMPARATORS, ...STRING_ATTRIBUTE_COMPARATORS, ...KEY_VALUE_COMPARATORS]);
const SPAN_KEYS = ['name', 'type', 'status', 'content'];

/** `trace.status`, `tags.\`a b\``, `status` (a bare key is an attribute): MLflow's entity and key, before aliases. */
function identify(identifier: string, attributes: readonly string[]): { type: string; key: string } {
  const dot = identifier.indexOf('.');
  const entity = trimBackticks(dot < 0 ? 'attribute' : identifier.slice(0, dot));
  const type = ENTITY_OF[entity];
  if (!type) throw invalidParameter(`Invalid entity type '${entity}'. Valid values are ${pyRepr(ENTITY_TYPES)}`);
  const key = trimBackticks(stripQuotes(dot < 0 ? identifier : identifier.slice(dot + 1)));
  if (type === 'attribute' && !attributes.includes(key)) {
    throw invalidParameter(`Invalid attribute key '${key}' specified. Valid keys are '${pyRepr(attributes)}'`);
  }
  if (type === 'span' && !SPAN_KEYS.includes(key)) {
    if (key.startsWith('attributes.')) throw invalidParameter(`Span attribute filters (span.${key}) are not supported on a local store.`);
    throw invalidParameter(`Invalid span attribute '${key}'. Supported attributes: name, status, type, attributes.<attribute_name>.`);
  }
  if (type === 'issue') throw invalidParameter(`Issue filters (issue.${key}) are not supported on a local store.`);
  return { type, key };
}

function quoted(token: FilterToken): string | undefined {
  return token.kind === 'string' || token.kind === 'identifier' ? stripQuotes(token.text, true) : undefined;
}

const traceDialect: FilterDialect<TraceValue> = {
  quoteInvalidClauses: true,
  rlike: true,
  identify: (identifier) => identify(identifier, SEARCH_ATTRIBUTES),
  value(type, key, token) {
    const text = quoted(token);
    if (type === 'attribute') {
      if (text !== undefined) return text;
      if (token.kind === 'list') {
        if (!LIST_ATTRIBUTES.includes(key)) {
          throw invalidParameter(`Only attributes in ${pyRepr(LIST_ATTRIBUTES)} supports comparison with a list of quoted string values.`);
        }
        return stringList(token, false);
      }
      if (token.kind === 'number') {
        if (!NUMERIC_ATTRIBUTES.includes(key)) {
          throw invalidParameter(`Only the '${pyRepr(NUMERIC_ATTRIBUTES)}' attributes support comparison with numeric values.`);
        }
        return Number(token.text);
      }
      throw invalidParameter(`Expected a quoted string value or a list of quoted string values for attributes. Got value ${token.text}`);
    }
    if (text !== undefined) return text;
    // Tags parse a list (so `name IN (…)` fails on its comparator, as in MLflow); metadata do not.
    if (type === 'tag' && token.kind === 'list') return stringList(token, false);
    const entity = type === 'metadata' ? 'request_metadata' : type;
    throw invalidParameter(`Expected a quoted string value for ${entity} (e.g. 'my-value'). Got value ${token.text}`);
  },
};

/** Checks a clause's comparator as MLflow's trace search does (MLflow leaves off some closing quotes). */
function checkComparator(clause: TraceClause, store: TraceSearchStore): void {
  const { entity, key, comparator } = clause;
  const fail = (valid: readonly string[], closeQuote: boolean): never => {
    throw invalidParameter(`Invalid comparator '${comparator}' not one of '${pyRepr(valid)}${closeQuote ? "'" : ''}`);
  };
  if (entity === 'tag' && !KEY_VALUE_COMPARATORS.includes(comparator)) fail(KEY_VALUE_COMPARATORS, false);
  if (entity === 'metadata' && !KEY_VALUE_COMPARATORS.includes(comparator)) fail(KEY_VALUE_COMPARATORS, true);
  if (entity === 'attribute' && key !== 'text') {
    if (NUMERIC_ATTRIBUTES.includes(key)) {
      if (!NUMERIC_COMPARATORS.includes(comparator)) fail(NUMERIC_COMPARATORS, true);
      if (store === 'file' && typeof clause.value === 'string' && comparator !== '=' && comparator !== '!=') {
        // MLflow's FileStore compares the number with the string and crashes (TypeError).
        throw invalidParameter(`Expected a number for '${key}', got '${clause.value}': write ${key} ${comparator} 1234 without quotes.`);
      }
    } else if (!STRING_ATTRIBUTE_COMPARATORS.includes(comparator)) {
      fail(STRING_ATTRIBUTE_COMPARATORS, true);
    }
  }
  if (!ANY_COMPARATOR.has(comparator)) fail(STRING_ATTRIBUTE_COMPARATORS, true);
  if (store === 'file' && entity === 'span') {
    throw invalidParameter('Span filtering requires database support and cannot be performed on in-memory trace data.');
  }
  if (store === 'file' && (entity === 'feedback' || entity === 'expectation')) {
    throw invalidParameter('Assessment filtering requires database support and cannot be performed on in-memory trace data.');
  }
}

/** MLflow's search key mapping: `name` is a tag, `run_id` metadata, `timestamp` is `timestamp_ms`. */
function resolve(type: string, key: string): { entity: TraceClause['entity']; key: string } {
  if (type !== 'attribute') return { entity: type as TraceClause['entity'], key };
  if (key === 'name') return { entity: 'tag', key: TraceKeys.traceName };
  if (key === 'run_id') return { entity: 'metadata', key: TraceKeys.sourceRun };
  if (key === 'prompt') return { entity: 'prompt', key: '' };
  return { entity: 'attribute', key: ATTRIBUTE_ALIASES[key] ?? key };
}

/**
 * Parses a trace filter; an empty one matches every trace. Bad filters fail with MLflow's message:
 * every clause's syntax first, then each clause's comparator.
 */
export function parseTraceFilter(filter: string | undefined, store: TraceSearchStore): TraceClause[] {
  const clauses = parseFilter(filter, traceDialect).map(({ type, key, comparator, value }): TraceClause => {
    const clause: TraceClause = { ...resolve(type, key), comparator: comparator.toUpperCase() };
    if (clause.comparator !== 'IS NULL' && clause.comparator !== 'IS NOT NULL') clause.value = value;
    return clause;
  });
  for (const clause of clauses) checkComparator(clause, store);
  return clauses;
}

function attribute(info: TraceInfo, key: string, store: TraceSearchStore): string | number | undefined {
  switch (key) {
    case 'status':
      return info.state;
    case 'timestamp_ms':
      return info.requestTime;
    case 'execution_time_ms':
      return info.executionDurationMs;
    case 'end_time_ms':
      return info.executionDurationMs === undefined ? undefined : info.requestTime + info.executionDurationMs;
    case 'request_id':
      return info.traceId;
    case 'client_request_id':
      return info.clientRequestId;
    case 'experiment_id':
      // An INTEGER column in mlflow.db; a folder name in mlruns/.
      return store === 'sql' ? Number(info.experimentId) : info.experimentId;
    default:
      return undefined;
  }
}

/** SQLite's lower(): ASCII letters only. */
function asciiLower(text: string): string {
  return text.replace(/[A-Z]+/g, (s) => s.toLowerCase());
}

/** Python's `re.search` for RLIKE (SQLAlchemy gives SQLite a Python REGEXP; the FileStore uses `re`). */
function pythonRegExp(pattern: string): RegExp {
  // Python's named groups, written the JavaScript way.
  const source = pattern.replace(/\(\?P</g, '(?<').replace(/\(\?P=(\w+)\)/g, '\\k<$1>');
  for (const flags of ['u', '']) {
    try {
      return new RegExp(source, flags);
    } catch {
      // Some patterns Python takes are only valid without the u flag (e.g. `\-` outside a class).
    }
  }
  throw invalidParameter(`Invalid regular expression for RLIKE: '${pattern}'`);
}

const patterns = new Map<string, RegExp>();
function cached(key: string, make: () => RegExp): RegExp {
  let re = patterns.get(key);
  if (!re) {
    if (patterns.size > 100) patterns.clear();
    patterns.set(key, (re = make()));
  }
  return re;
}

/** SQLite's NUMERIC affinity: a string that reads as a number is compared as that number. */
function sqliteNumber(text: string): number | undefined {
  return /^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*$/.test(text) ? Number(text) : undefined;
}

/** A comparison of a string value; a missing one never matches (but IS NULL). */
function compareText(lhs: string | undefined, comparator: string, rhs: TraceClause['value'], store: TraceSearchStore): boolean {
  if (comparator === 'IS NULL') return lhs === undefined;
  if (comparator === 'IS NOT NULL') return lhs !== undefined;
  if (lhs === undefined) return false;
  if (Array.isArray(rhs)) {
    if (comparator === 'IN') return rhs.includes(lhs);
    if (comparator === 'NOT IN') return !rhs.includes(lhs);
    return false;
  }
  const value = String(rhs);
  switch (comparator) {
    case 'LIKE':
      return cached(`L${value}`, () => likeToRegExp(value, false)).test(lhs);
    case 'ILIKE':
      // SQLite runs ILIKE as lower(x) LIKE lower(y), and its lower() folds ASCII only.
      return store === 'sql'
        ? cached(`S${value}`, () => likeToRegExp(asciiLower(value), false)).test(asciiLower(lhs))
        : cached(`I${value}`, () => likeToRegExp(value, true)).test(lhs);
    case 'RLIKE':
      return cached(`R${value}`, () => pythonRegExp(value)).test(lhs);
    default:
      return compareOrdered(lhs, comparator, value);
  }
}

/** `=`, `!=`, `<`, `<=`, `>`, `>=` between two strings or two numbers; any other comparator is false. */
function compareOrdered<T extends string | number>(lhs: T, comparator: string, value: T): boolean {
  switch (comparator) {
    case '=':
      return lhs === value;
    case '!=':
      return lhs !== value;
    case '<':
      return lhs < value;
    case '<=':
      return lhs <= value;
    case '>':
      return lhs > value;
    case '>=':
      return lhs >= value;
    default:
      return false;
  }
}

/** A numeric attribute against a number, or against a quoted value (see TraceSearchStore). */
function compareNumber(lhs: number | undefined, comparator: string, rhs: TraceClause['value'], affinity: boolean): boolean {
  if (lhs === undefined || rhs === undefined || Array.isArray(rhs)) return false;
  let value: number | string = rhs;
  if (typeof value === 'string' && affinity) value = sqliteNumber(value) ?? value;
  if (typeof value === 'string') {
    // SQLite orders every number before every string (the FileStore's = and != agree; checkComparator
    // refuses its other comparators).
    return comparator === '!=' || comparator === '<' || comparator === '<=';
  }
  return compareOrdered(lhs, comparator, value);
}

/** How an assessment value reads in a filter: JSON text (`true`, `0.8`, `"neutral"` without quotes). */
function assessmentText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function linkedPrompts(info: TraceInfo): string[] {
  const raw = info.tags['mlflow.linkedPrompts'];
  if (!raw) return [];
  try {
    const list = JSON.parse(raw) as unknown;
    return Array.isArray(list)
      ? list.flatMap((p: unknown) => (typeof p === 'object' && p !== null && 'name' in p && 'version' in p ? [`${String(p.name)}/${String(p.version)}`] : []))
      : [];
  } catch {
    return [];
  }
}

export type SpansOf = (traceId: string) => readonly SpanSearchRow[];

export function traceMatches(info: TraceInfo, clauses: readonly TraceClause[], spansOf: SpansOf, store: TraceSearchStore): boolean {
  return clauses.every((clause) => {
    const text = (lhs: string | undefined) => compareText(lhs, clause.comparator, clause.value, store);
    switch (clause.entity) {
      case 'attribute': {
        if (clause.key === 'text') {
          return spansOf(info.traceId).some((s) => text(s.content)) || text(info.requestPreview) || text(info.responsePreview);
        }
        if (NUMERIC_ATTRIBUTES.includes(clause.key)) {
          // end_time_ms is a sum (no column affinity), so SQLite never reads a quoted value as a number there.
          const lhs = attribute(info, clause.key, store) as number | undefined;
          return compareNumber(lhs, clause.comparator, clause.value, store === 'sql' && clause.key !== 'end_time_ms');
        }
        return text(attribute(info, clause.key, store) as string | undefined);
      }
      case 'tag':
        return text(info.tags[clause.key]);
      case 'metadata':
        return text(info.metadata[clause.key]);
      case 'span': {
        const key = clause.key as keyof SpanSearchRow;
        return spansOf(info.traceId).some((s) => text(s[key]));
      }
      case 'feedback':
      case 'expectation': {
        const matching = info.assessments.filter((a) => a.kind === clause.entity && a.name === clause.key && a.valid);
        if (clause.comparator === 'IS NULL') return matching.length === 0;
        if (clause.comparator === 'IS NOT NULL') return matching.length > 0;
        return matching.some((a) => text(assessmentText(a.value)));
      }
      case 'prompt':
        return linkedPrompts(info).some((p) => text(p));
    }
  });
}

/**
 * MLflow's trace order: the requested keys (attributes, or a tag's or metadata's value, missing ones
 * last), then `timestamp_ms DESC` and `request_id ASC` unless already ordered on.
 */
function parseOrderBy(orderBy: readonly string[] | undefined): OrderKey[] {
  const keys = (orderBy ?? []).map((clause): OrderKey => {
    const { token, ascending } = splitOrderBy(clause);
    const { type, key } = identify(token.trim(), ORDER_ATTRIBUTES);
    const resolved = resolve(type, key);
    if (resolved.entity !== 'attribute' && resolved.entity !== 'tag' && resolved.entity !== 'metadata') {
      throw invalidParameter(`Invalid order_by entity \`${type}\` with key \`${key}\``);
    }
    return { type: resolved.entity, key: resolved.key, ascending };
  });
  const has = (key: string) => keys.some((k) => k.type === 'attribute' && k.key === key);
  if (!has('timestamp_ms')) keys.push({ type: 'attribute', key: 'timestamp_ms', ascending: false });
  if (!has('request_id')) keys.push({ type: 'attribute', key: 'request_id', ascending: true });
  return keys;
}

/** Filter, order and one page of `infos` (all traces of the queried experiments), MLflow's way on `store`. */
export function searchTraceInfos(infos: readonly TraceInfo[], query: TraceQuery, spansOf: SpansOf, store: TraceSearchStore): Page<TraceInfo> {
  if (query.experimentIds.length === 0) throw invalidParameter('At least one experiment location is required to search traces.');
  const maxResults = checkMaxResults(query.maxResults, 100, MAX_TRACES_PER_PAGE);
  const clauses = parseTraceFilter(query.filter, store);
  const keys = parseOrderBy(query.orderBy);
  const wanted = new Set(query.experimentIds);
  const matching = infos.filter((info) => wanted.has(info.experimentId) && traceMatches(info, clauses, spansOf, store));
  const sortValue = (info: TraceInfo, key: OrderKey): SortValue =>
    key.type === 'tag' ? info.tags[key.key] : key.type === 'metadata' ? info.metadata[key.key] : attribute(info, key.key, store);
  matching.sort(compareByKeys(keys, sortValue));
  return pageOf(matching, query.pageToken, maxResults);
}

/**
 * Whether a filter needs span rows (so a store reads them only then). Parses with `store`'s rules, so a
 * filter that store refuses fails here, before anything is read.
 */
export function needsSpans(filter: string | undefined, store: TraceSearchStore): boolean {
  return parseTraceFilter(filter, store).some((c) => c.entity === 'span' || (c.entity === 'attribute' && c.key === 'text'));
}
