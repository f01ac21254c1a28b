import { checkMaxResults, pageOf } from './local/paging';
import { compareValue as compare, type FilterToken, invalidParameter, stripQuotes, tokenize } from './searchFilter';
import { compareByKeys, splitOrderBy } from './searchOrder';
import type { OrderKey, SortValue } from './searchOrder';
import { MAX_TRACES_PER_PAGE } from './traceStore';
import type { TraceInfo, TraceQuery } from './traceTypes';
import { TraceKeys } from './traceTypes';
import type { Page } from './types';

/**
 * MLflow's trace search (filter, order, pages) evaluated over trace infos read from a local store, so
 * that a filter typed against `mlflow.db` or `mlruns/` finds what the server finds for the same data
 * (the cross-backend tests run every traces/search capture against the genai store).
 *
 * Grammar (MLflow 3): clauses joined by AND; `trace.`/`attributes.` status, name, timestamp_ms,
 * execution_time_ms, run_id, request_id, client_request_id, text; `tags.`, `metadata.` /
 * `request_metadata.` (key bare-dotted, in backticks or double quotes); `span.` name, type, status,
 * content; `feedback.<name>`, `expectation.<name>`; `prompt = 'name/version'`.
 */

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
  /** Strings, a list for IN, a number for numeric attributes, undefined for IS [NOT] NULL. */
  value?: string | number | string[];
}

const ATTRIBUTES = ['status', 'name', 'timestamp_ms', 'execution_time_ms', 'run_id', 'request_id', 'client_request_id', 'text', 'end_time_ms'];
const NUMERIC_ATTRIBUTES = new Set(['timestamp_ms', 'execution_time_ms', 'end_time_ms']);
const SPAN_KEYS = ['name', 'type', 'status', 'content'];
const COMPARATORS = new Set(['=', '!=', '<', '<=', '>', '>=', 'LIKE', 'ILIKE', 'IN', 'NOT IN', 'IS NULL', 'IS NOT NULL']);

function identify(text: string): { entity: TraceClause['entity']; key: string } {
  if (text === 'prompt') return { entity: 'prompt', key: '' };
  const dot = text.indexOf('.');
  if (dot < 0) {
    if (ATTRIBUTES.includes(text)) return { entity: 'attribute', key: text };
    throw invalidParameter(`Invalid attribute key '${text}' specified.`);
  }
  const prefix = text.slice(0, dot).toLowerCase();
  const key = unquoteKey(text.slice(dot + 1));
  switch (prefix) {
    case 'trace':
    case 'attribute':
    case 'attributes':
      if (!ATTRIBUTES.includes(key)) throw invalidParameter(`Invalid attribute key '${key}' specified.`);
      return { entity: 'attribute', key };
    case 'tag':
    case 'tags':
      return { entity: 'tag', key };
    case 'metadata':
    case 'request_metadata':
      return { entity: 'metadata', key };
    case 'span':
      if (!SPAN_KEYS.includes(key)) throw invalidParameter(`Invalid span key '${key}' specified.`);
      return { entity: 'span', key };
    case 'feedback':
      return { entity: 'feedback', key };
    case 'expectation':
      return { entity: 'expectation', key };
    default:
      throw invalidParameter(`Invalid entity type '${prefix}'. Valid values are ['attributes', 'tags', 'metadata', 'span', 'feedback', 'expectation', 'prompt'].`);
  }
}

function unquoteKey(key: string): string {
  if (key.length >= 2 && ((key.startsWith('`') && key.endsWith('`')) || (key.startsWith('"') && key.endsWith('"')))) return key.slice(1, -1);
  return key;
}

function stringValue(token: FilterToken | undefined): string {
  if (!token || (token.kind !== 'string' && !(token.kind === 'identifier' && token.text.startsWith('"')))) {
    throw invalidParameter(`Expected a quoted string value, got ${token ? token.text : 'nothing'}.`);
  }
  return stripQuotes(token.text, true);
}

/** Parses a trace filter; an empty one matches every trace. Bad filters fail with a 400 like the server's. */
export function parseTraceFilter(filter: string | undefined): TraceClause[] {
  if (!filter || filter.trim() === '') return [];
  const tokens = tokenize(filter);
  const clauses: TraceClause[] = [];
  let i = 0;
  while (i < tokens.length) {
    if (clauses.length > 0) {
      const joiner = tokens[i]!;
      if (joiner.kind !== 'keyword' || joiner.text.toUpperCase() !== 'AND') {
        throw invalidParameter(`Invalid clause(s) in filter string: ${joiner.text}. Only AND joins clauses.`);
      }
      i++;
    }
    const ident = tokens[i];
    if (!ident || ident.kind !== 'identifier') throw invalidParameter(`Invalid clause(s) in filter string: ${ident?.text ?? filter}`);
    const { entity, key } = identify(ident.text);
    const op = tokens[i + 1];
    const word = op?.kind === 'keyword' ? op.text.toUpperCase() : undefined;
    let clause: TraceClause;
    if (word === 'IS') {
      const negated = tokens[i + 2]?.text.toUpperCase() === 'NOT';
      const nullToken = tokens[i + (negated ? 3 : 2)];
      if (nullToken?.text.toUpperCase() !== 'NULL') throw invalidParameter(`Invalid clause(s) in filter string: ${filter}`);
      clause = { entity, key, comparator: negated ? 'IS NOT NULL' : 'IS NULL' };
      i += negated ? 4 : 3;
    } else if (word === 'IN' || (word === 'NOT' && tokens[i + 2]?.text.toUpperCase() === 'IN')) {
      const list = tokens[i + (word === 'IN' ? 2 : 3)];
      if (list?.kind !== 'list') throw invalidParameter(`Invalid clause(s) in filter string: ${filter}`);
      if (entity === 'attribute' && key === 'name') throw invalidParameter("Invalid comparator 'IN' for the trace name; use '=', '!=', 'LIKE' or 'ILIKE'.");
      const values = (list.items ?? []).filter((t) => t.kind === 'string').map((t) => stripQuotes(t.text));
      clause = { entity, key, comparator: word === 'IN' ? 'IN' : 'NOT IN', value: values };
      i += word === 'IN' ? 3 : 4;
    } else if (op && (op.kind === 'operator' || word === 'LIKE' || word === 'ILIKE')) {
      const comparator = word ?? op.text;
      if (!COMPARATORS.has(comparator)) {
        throw invalidParameter(`Invalid comparator '${comparator}' not one of '{'NOT IN', '=', 'ILIKE', '!=', 'RLIKE', 'IN', 'LIKE'}'`);
      }
      const valueToken = tokens[i + 2];
      if (entity === 'attribute' && NUMERIC_ATTRIBUTES.has(key)) {
        const n = valueToken?.kind === 'number' ? Number(valueToken.text) : Number.NaN;
        if (Number.isNaN(n)) throw invalidParameter(`Expected a numeric value for attribute '${key}'.`);
        clause = { entity, key, comparator, value: n };
      } else {
        clause = { entity, key, comparator, value: stringValue(valueToken) };
      }
      i += 3;
    } else {
      throw invalidParameter(`Invalid clause(s) in filter string: ${filter}`);
    }
    clauses.push(clause);
  }
  return clauses;
}

function attribute(info: TraceInfo, key: string): string | number | undefined {
  switch (key) {
    case 'status':
      return info.state;
    case 'name':
      return info.tags[TraceKeys.traceName];
    case 'timestamp_ms':
      return info.requestTime;
    case 'execution_time_ms':
      return info.executionDurationMs;
    case 'end_time_ms':
      return info.executionDurationMs === undefined ? undefined : info.requestTime + info.executionDurationMs;
    case 'run_id':
      return info.metadata[TraceKeys.sourceRun];
    case 'request_id':
      return info.traceId;
    case 'client_request_id':
      return info.clientRequestId;
    default:
      return undefined;
  }
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

export function traceMatches(info: TraceInfo, clauses: readonly TraceClause[], spansOf: SpansOf): boolean {
  return clauses.every((clause) => {
    switch (clause.entity) {
      case 'attribute':
        if (clause.key === 'text') {
          return spansOf(info.traceId).some((s) => compare(s.content, clause.comparator, clause.value)) ||
            compare(info.requestPreview, clause.comparator, clause.value) ||
            compare(info.responsePreview, clause.comparator, clause.value);
        }
        return compare(attribute(info, clause.key), clause.comparator, clause.value);
      case 'tag':
        return compare(info.tags[clause.key], clause.comparator, clause.value);
      case 'metadata':
        return compare(info.metadata[clause.key], clause.comparator, clause.value);
      case 'span': {
        const spans = spansOf(info.traceId);
        const key = clause.key as keyof SpanSearchRow;
        return spans.some((s) => compare(s[key], clause.comparator, clause.value));
      }
      case 'feedback':
      case 'expectation': {
        const matching = info.assessments.filter((a) => a.kind === clause.entity && a.name === clause.key && a.valid);
        if (clause.comparator === 'IS NULL') return matching.length === 0;
        if (clause.comparator === 'IS NOT NULL') return matching.length > 0;
        return matching.some((a) => compare(assessmentText(a.value), clause.comparator, clause.value));
      }
      case 'prompt':
        return linkedPrompts(info).some((p) => compare(p, clause.comparator, clause.value));
    }
  });
}

const ORDER_KEYS = new Set(['timestamp_ms', 'execution_time_ms', 'status', 'name', 'request_id', 'run_id', 'client_request_id']);

function parseOrderBy(orderBy: readonly string[] | undefined): OrderKey[] {
  const keys = (orderBy ?? []).map((clause) => {
    const { token, ascending } = splitOrderBy(clause);
    const dot = token.indexOf('.');
    const prefix = dot < 0 ? 'attribute' : token.slice(0, dot);
    const key = dot < 0 ? token : token.slice(dot + 1);
    if (prefix === 'tag' || prefix === 'tags') return { type: 'tag', key, ascending };
    if (!['attribute', 'attributes', 'trace'].includes(prefix) || !ORDER_KEYS.has(key)) {
      throw invalidParameter(`Invalid order_by entity: ${token}`);
    }
    return { type: 'attribute', key, ascending };
  });
  if (keys.length === 0) keys.push({ type: 'attribute', key: 'timestamp_ms', ascending: false });
  // The SQL store's tie-breaker: the trace id.
  if (!keys.some((k) => k.type === 'attribute' && k.key === 'request_id')) keys.push({ type: 'attribute', key: 'request_id', ascending: true });
  return keys;
}

function sortValue(info: TraceInfo, key: OrderKey): SortValue {
  return key.type === 'tag' ? info.tags[key.key] : attribute(info, key.key);
}

/** Filter, order and one page of `infos` (all traces of the queried experiments), MLflow's way. */
export function searchTraceInfos(infos: readonly TraceInfo[], query: TraceQuery, spansOf: SpansOf): Page<TraceInfo> {
  if (query.experimentIds.length === 0) throw invalidParameter('At least one experiment location is required to search traces.');
  const maxResults = checkMaxResults(query.maxResults, 100, MAX_TRACES_PER_PAGE);
  const clauses = parseTraceFilter(query.filter);
  const wanted = new Set(query.experimentIds);
  const matching = infos.filter((info) => wanted.has(info.experimentId) && traceMatches(info, clauses, spansOf));
  matching.sort(compareByKeys(parseOrderBy(query.orderBy), sortValue));
  return pageOf(matching, query.pageToken, maxResults);
}

/** Whether a filter needs span rows (so a store reads them only then). */
export function needsSpans(filter: string | undefined): boolean {
  return parseTraceFilter(filter).some((c) => c.entity === 'span' || (c.entity === 'attribute' && c.key === 'text'));
}
