import { MlflowError } from './errors';
import type { Run } from './types';
import { sqlStoredMetricValue } from './values';

/**
 * MLflow's search filter language, parsed and evaluated the way the tracking server does it, so a
 * filter typed against a local store finds the same runs as against a server, and a bad filter fails
 * with the server's message. MLflow tokenises with sqlparse; this lexer reproduces the token classes
 * that matter: identifiers (dotted, with `backticked` or "double-quoted" parts), single-quoted
 * strings, numbers, comparison operators (any run of `<>=~!`, so `>>>` is one bad operator),
 * keywords and parenthesised lists. Only AND joins clauses: MLflow has no OR.
 */

export type TokenKind = 'identifier' | 'string' | 'number' | 'operator' | 'keyword' | 'list' | 'comma' | 'other';

export interface FilterToken {
  kind: TokenKind;
  /** The source text, quotes included. */
  text: string;
  /** The tokens inside a parenthesised list. */
  items?: FilterToken[];
}

export type ClauseValue = string | string[];

export interface FilterClause<V = ClauseValue> {
  type: string;
  key: string;
  /** Upper-cased, as MLflow compares it (`like` means LIKE). */
  comparator: string;
  /** `''` for IS NULL / IS NOT NULL. */
  value: V | '';
}

/** How one search API names its entities and types its values (trace searches also keep numbers as numbers). */
export interface FilterDialect<V = ClauseValue> {
  identify(identifier: string): { type: string; key: string };
  value(type: string, key: string, token: FilterToken): V;
  /** MLflow 3's trace search also compares with RLIKE (a regular expression); the other searches do not. */
  rlike?: boolean;
  /** Runs quote each invalid clause in the error; the other APIs print them bare. */
  quoteInvalidClauses: boolean;
  /** Throws when `IS NULL` / `IS NOT NULL` is not allowed on this key (MLflow 3 allows it on tags and params). */
  checkNullTest?(type: string, key: string): void;
}

/** MLflow 3's `IS NULL` / `IS NOT NULL`: only tags and params have them. */
export function tagsAndParamsOnly(type: string, key: string): void {
  if (type !== 'tag' && type !== 'parameter') {
    throw invalidParameter(`IS NULL / IS NOT NULL is only supported for tags and params, not for '${type}' '${key}'`);
  }
}

const KEYWORDS = new Set(['AND', 'OR', 'NOT', 'IN', 'LIKE', 'ILIKE', 'IS', 'NULL', 'BETWEEN']);
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?(?![\w$])/i;

export function invalidParameter(message: string): MlflowError {
  return new MlflowError(message, 'INVALID_PARAMETER_VALUE', 400);
}

export function tokenize(source: string): FilterToken[] {
  const { tokens } = lexUntil(source, 0, false);
  return tokens;
}

function lexUntil(s: string, start: number, inList: boolean): { tokens: FilterToken[]; end: number } {
  const tokens: FilterToken[] = [];
  let i = start;
  while (i < s.length) {
    const c = s[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === ')' && inList) {
      return { tokens, end: i + 1 };
    } else if (c === '(') {
      const inner = lexUntil(s, i + 1, true);
      tokens.push({ kind: 'list', text: s.slice(i, inner.end), items: inner.tokens });
      i = inner.end;
    } else if (c === "'") {
      // An unclosed quote is one error token, and lexing goes on after it, as sqlparse does.
      const end = closingQuote(s, i, "'");
      tokens.push(end < 0 ? { kind: 'other', text: c } : { kind: 'string', text: s.slice(i, end + 1) });
      i = end < 0 ? i + 1 : end + 1;
    } else if (c === ';') {
      tokens.push({ kind: 'other', text: c });
      i++;
    } else if (c === ',') {
      tokens.push({ kind: 'comma', text: c });
      i++;
    } else if (/[<>=~!]/.test(c)) {
      const match = /^[<>=~!]+/.exec(s.slice(i));
      const text = match ? match[0] : c;
      tokens.push({ kind: 'operator', text });
      i += text.length;
    } else if (NUMBER.test(s.slice(i)) && (/[\d.]/.test(c) || c === '-')) {
      const text = (NUMBER.exec(s.slice(i)) ?? [c])[0];
      tokens.push({ kind: 'number', text });
      i += text.length;
    } else if ((c === '`' || c === '"') && s.indexOf(c, i + 1) < 0) {
      tokens.push({ kind: 'other', text: c });
      i++;
    } else if (/[A-Za-z_`"]/.test(c)) {
      let end = identifierEnd(s, i);
      // `metrics.train/loss` is arithmetic to sqlparse, not an identifier: keep it whole to say so.
      while (s[end] === '/' && /[A-Za-z_]/.test(s[end + 1] ?? '')) end = identifierEnd(s, end + 1);
      const text = s.slice(i, end);
      const isKeyword = /^[A-Za-z]+$/.test(text) && KEYWORDS.has(text.toUpperCase());
      tokens.push({ kind: isKeyword ? 'keyword' : 'identifier', text });
      i = end;
    } else {
      tokens.push({ kind: 'other', text: c });
      i++;
    }
  }
  if (inList) tokens.push({ kind: 'other', text: '(' });
  return { tokens, end: s.length };
}

/** Index of the quote closing the one at `open` (a doubled quote is an escaped one), or -1. */
function closingQuote(s: string, open: number, quote: string): number {
  let i = open + 1;
  while (i < s.length) {
    if (s[i] === '\\' && quote === "'") {
      i += 2;
    } else if (s[i] === quote) {
      if (s[i + 1] === quote) i += 2;
      else return i;
    } else {
      i++;
    }
  }
  return -1;
}

function identifierEnd(s: string, start: number): number {
  let i = start;
  while (i < s.length) {
    const c = s[i];
    if (c === '`' || c === '"') {
      const close = s.indexOf(c, i + 1);
      // An unclosed quote ends the identifier; it becomes an error token of its own.
      if (close < 0) return i;
      i = close + 1;
    } else if (/[\w$.]/.test(c)) {
      i++;
    } else {
      break;
    }
  }
  return i;
}

/**
 * Parses `filter` into AND-ed clauses; an empty filter matches everything. As in MLflow, every token
 * that is neither a comparison nor `AND` is an invalid clause (so `a = 'x' OR b = 'y'` lists only
 * `OR`), and a leading or trailing `AND` is tolerated.
 */
export function parseFilter<V = ClauseValue>(filter: string | undefined, dialect: FilterDialect<V>): FilterClause<V>[] {
  if (!filter) return [];
  if (filter.trim() === '') throw invalidParameter(`Invalid filter '${filter}'. Could not be parsed.`);
  const tokens = tokenize(filter);
  if (tokens.some((t) => t.kind === 'other' && t.text === ';')) {
    throw invalidParameter(`Search filter contained multiple expression "${filter}". Provide AND-ed expression list.`);
  }
  const comparisons: { identifier: string; comparator: string; value?: FilterToken }[] = [];
  const invalid: FilterToken[] = [];
  let i = 0;
  while (i < tokens.length) {
    const t = tokens[i];
    if (t.kind === 'keyword' && t.text.toUpperCase() === 'AND') {
      i++;
      continue;
    }
    const comparison = t.kind === 'identifier' ? readComparison(tokens, i, dialect.rlike === true) : undefined;
    if (!comparison) {
      invalid.push(t);
      i++;
      continue;
    }
    comparisons.push({ identifier: t.text, comparator: comparison.comparator, value: comparison.value });
    i = comparison.next;
  }
  // Invalid clauses are reported before any comparison is looked at, as MLflow does.
  if (invalid.length > 0) {
    const listed = invalid.map((t) => (dialect.quoteInvalidClauses ? `'${t.text}'` : t.text)).join(', ');
    throw invalidParameter(`Invalid clause(s) in filter string: ${listed}`);
  }
  return comparisons.map(({ identifier, comparator, value }) => {
    if (/^[^`"]*\//.test(identifier)) throw invalidParameter(`Invalid comparison clause. Expected 'Identifier' found '${identifier}'`);
    const { type, key } = dialect.identify(identifier);
    if (value === undefined) dialect.checkNullTest?.(type, key);
    return { type, key, comparator, value: value === undefined ? '' : dialect.value(type, key, value) };
  });
}

/** A token that can stand right of a comparator (an unclosed quote or `;` cannot). */
function isOperand(token: FilterToken | undefined): token is FilterToken {
  return token !== undefined && token.kind !== 'other' && token.kind !== 'comma' && token.kind !== 'operator';
}

/** `IS NULL` / `IS NOT NULL` (MLflow 3) have no value token. */
function readComparison(
  tokens: readonly FilterToken[],
  i: number,
  rlike: boolean,
): { comparator: string; value?: FilterToken; next: number } | undefined {
  const op = tokens[i + 1];
  const word = (k: number) => (tokens[k]?.kind === 'keyword' ? tokens[k].text.toUpperCase() : undefined);
  const value = tokens[i + 2];
  if (op?.kind === 'operator' && isOperand(value)) return { comparator: op.text, value, next: i + 3 };
  if ((word(i + 1) === 'LIKE' || word(i + 1) === 'ILIKE') && isOperand(value)) return { comparator: word(i + 1) as string, value, next: i + 3 };
  // RLIKE is no keyword of the shared lexer (the other searches read it as a bad clause, as before).
  if (rlike && op?.kind === 'identifier' && op.text.toUpperCase() === 'RLIKE' && isOperand(value)) return { comparator: 'RLIKE', value, next: i + 3 };
  if (word(i + 1) === 'IN' && value?.kind === 'list') return { comparator: 'IN', value, next: i + 3 };
  if (word(i + 1) === 'NOT' && word(i + 2) === 'IN' && tokens[i + 3]?.kind === 'list') {
    return { comparator: 'NOT IN', value: tokens[i + 3], next: i + 4 };
  }
  if (word(i + 1) === 'IS' && word(i + 2) === 'NULL') return { comparator: 'IS NULL', next: i + 3 };
  if (word(i + 1) === 'IS' && word(i + 2) === 'NOT' && word(i + 3) === 'NULL') return { comparator: 'IS NOT NULL', next: i + 4 };
  return undefined;
}

// ---- shared value helpers (MLflow's SearchUtils) ----

function isQuoted(value: string, quote: string): boolean {
  return value.length >= 2 && value.startsWith(quote) && value.endsWith(quote);
}

export function trimBackticks(value: string): string {
  return isQuoted(value, '`') ? value.slice(1, -1) : value;
}

/** Removes one pair of ' or " quotes; MLflow does not unescape what is inside. */
export function stripQuotes(value: string, expectQuoted = false): string {
  if (isQuoted(value, "'") || isQuoted(value, '"')) return value.slice(1, -1);
  if (expectQuoted) {
    throw invalidParameter(
      `Parameter value is either not quoted or unidentified quote types used for string value ${value}. ` +
        'Use either single or double quotes.',
    );
  }
  return value;
}

/** A string value: a single-quoted string or a double-quoted identifier; undefined for other tokens. */
export function quotedValue(token: FilterToken): string | undefined {
  return token.kind === 'string' || token.kind === 'identifier' ? stripQuotes(token.text, true) : undefined;
}

/**
 * `('a', 'b')`: a non-empty list of quoted strings. For run ids MLflow keeps only all-lowercase
 * values (`lowercaseOnly`); logged-model searches keep every value.
 */
export function stringList(token: FilterToken, lowercaseOnly = true): string[] {
  const items = token.items ?? [];
  if (items.length === 0) {
    throw invalidParameter('While parsing a list in the query, expected a non-empty list of string values, but got empty list');
  }
  const values: string[] = [];
  items.forEach((item, index) => {
    const expected = index % 2 === 0 ? 'string' : 'comma';
    // MLflow 3 also takes double-quoted items: ("a", "b").
    const kind = item.kind === 'identifier' && isQuoted(item.text, '"') ? 'string' : item.kind;
    if (kind !== expected) {
      if (kind === 'string' || kind === 'comma') {
        throw invalidParameter('While parsing a list in the query, expected a non-empty list of string values, but got ill-formed list.');
      }
      throw invalidParameter(
        `While parsing a list in the query, expected string value, punctuation, or whitespace, but got different type in list: ${token.text}`,
      );
    }
    if (kind === 'string') values.push(item.text.slice(1, -1));
  });
  // Python's str.islower(): some cased character and no uppercase one (MLflow's MySQL workaround).
  return lowercaseOnly ? values.filter((v) => v !== v.toUpperCase() && v === v.toLowerCase()) : values;
}

/** SQL LIKE as MLflow runs it on SQLite (case_sensitive_like on): `%` any run, `_` one character. */
export function likeToRegExp(pattern: string, ignoreCase: boolean): RegExp {
  let source = '';
  for (const c of pattern) {
    if (c === '%') source += '[\\s\\S]*';
    else if (c === '_') source += '[\\s\\S]';
    else source += c.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, ignoreCase ? 'iu' : 'u');
}

/**
 * Applies a comparator MLflow's way: a missing left-hand side never matches. Shared by every search
 * (runs, experiments, models, logged models, traces); `rhs` is undefined only for `IS [NOT] NULL`.
 */
export function compareValue(lhs: string | number | undefined, comparator: string, rhs: ClauseValue | number | undefined): boolean {
  if (comparator === 'IS NULL') return lhs === undefined;
  if (comparator === 'IS NOT NULL') return lhs !== undefined;
  if (lhs === undefined) return false;
  switch (comparator) {
    case '=':
      return lhs === rhs;
    case '!=':
      return lhs !== rhs;
    case '<':
      return lhs < (rhs as typeof lhs);
    case '<=':
      return lhs <= (rhs as typeof lhs);
    case '>':
      return lhs > (rhs as typeof lhs);
    case '>=':
      return lhs >= (rhs as typeof lhs);
    case 'LIKE':
    case 'ILIKE':
      return typeof rhs === 'string' && likeToRegExp(rhs, comparator === 'ILIKE').test(String(lhs));
    case 'IN':
      return Array.isArray(rhs) && rhs.includes(String(lhs));
    case 'NOT IN':
      return Array.isArray(rhs) && !rhs.includes(String(lhs));
    default:
      return false;
  }
}

// ---- runs (SearchUtils) ----

export const METRIC_COMPARATORS = ['>', '!=', '<=', '>=', '<', '='] as const;
/** MLflow 3's param and tag comparators (2.17 had no IS NULL: local stores follow MLflow 3). */
const STRING_COMPARATORS = ['!=', '=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL'] as const;
export const LIST_COMPARATORS = ['!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'] as const;

export const RUN_ENTITY_TYPES = ['metric', 'parameter', 'tag', 'attribute', 'dataset'] as const;
const RUN_ENTITY_ALIASES: Record<string, string> = {
  metric: 'metric', metrics: 'metric',
  parameter: 'parameter', parameters: 'parameter', param: 'parameter', params: 'parameter',
  tag: 'tag', tags: 'tag',
  attribute: 'attribute', attributes: 'attribute', attr: 'attribute', run: 'attribute',
  dataset: 'dataset', datasets: 'dataset',
};
export const RUN_NUMERIC_ATTRIBUTES = new Set(['start_time', 'end_time', 'created', 'Created']);
/** RunInfo's searchable attributes plus MLflow's aliases (lifecycle_stage is not one: the view type covers it). */
export const RUN_SEARCH_ATTRIBUTES = [
  'artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id',
  'created', 'Created', 'run name', 'Run name', 'Run Name',
];
const DATASET_ATTRIBUTES = ['name', 'digest', 'context'];

/** Python's repr of a list/set of strings, for messages that print one. */
export function pyRepr(values: readonly string[], brackets: '[]' | '{}' | '()' = '{}'): string {
  return `${brackets[0]}${values.map((v) => `'${v}'`).join(', ')}${brackets[1]}`;
}

export function runEntityType(raw: string): string {
  const entity = trimBackticks(raw);
  const type = RUN_ENTITY_ALIASES[entity];
  if (!type) {
    throw invalidParameter(`Invalid entity type '${entity}'. Valid values are ${pyRepr(RUN_ENTITY_TYPES, '[]')}`);
  }
  return type;
}

/** `metrics.x`, `tags.\`a b\``, `status` (a bare key is an attribute). */
export function runIdentifier(identifier: string, validAttributes: readonly string[]): { type: string; key: string } {
  const dot = identifier.indexOf('.');
  const type = dot < 0 ? 'attribute' : runEntityType(identifier.slice(0, dot));
  const key = trimBackticks(stripQuotes(dot < 0 ? identifier : identifier.slice(dot + 1)));
  if (type === 'attribute' && !validAttributes.includes(key)) {
    throw invalidParameter(`Invalid attribute key '${key}' specified. Valid keys are '${pyRepr(validAttributes)}'`);
  }
  if (type === 'dataset' && !DATASET_ATTRIBUTES.includes(key)) {
    throw invalidParameter(`Invalid dataset key '${key}' specified. Valid keys are '${pyRepr(DATASET_ATTRIBUTES)}'`);
  }
  return { type, key };
}

const runDialect: FilterDialect = {
  quoteInvalidClauses: true,
  checkNullTest: tagsAndParamsOnly,
  identify: (identifier) => runIdentifier(identifier, RUN_SEARCH_ATTRIBUTES),
  value(type, key, token) {
    if (type === 'metric') {
      if (token.kind !== 'number') throw invalidParameter(`Expected numeric value type for metric. Found ${token.text}`);
      return token.text;
    }
    if (type === 'parameter' || type === 'tag') {
      const value = quotedValue(token);
      if (value === undefined) {
        throw invalidParameter(`Expected a quoted string value for ${type} (e.g. 'my-value'). Got value ${token.text}`);
      }
      return value;
    }
    if (type === 'attribute' && RUN_NUMERIC_ATTRIBUTES.has(key)) {
      if (token.kind !== 'number') {
        throw invalidParameter(`Expected numeric value type for numeric attribute: ${key}. Found ${token.text}`);
      }
      return token.text;
    }
    const value = quotedValue(token);
    if (value !== undefined) return value;
    if (token.kind === 'list') {
      if (type === 'attribute' && key !== 'run_id') {
        throw invalidParameter("Only the 'run_id' attribute supports comparison with a list of quoted string values.");
      }
      return stringList(token);
    }
    throw invalidParameter(
      type === 'dataset'
        ? `Expected a quoted string value for dataset attributes. Got value ${token.text}`
        : `Expected a quoted string value for attributes. Got value ${token.text}`,
    );
  },
};

const RUN_KEY_ALIASES: Record<string, string> = {
  created: 'start_time', Created: 'start_time', 'run name': 'run_name', 'Run name': 'run_name', 'Run Name': 'run_name',
};

/** MLflow's `translate_key_alias`: `created` is start_time, `Run Name` is run_name. */
export function translateRunKey(key: string): string {
  return RUN_KEY_ALIASES[key] ?? key;
}

/** Parses a runs filter and checks every comparator, with the tracking server's messages. */
export function parseRunFilter(filter: string | undefined): FilterClause[] {
  const clauses = parseFilter(filter, runDialect).map((c) => ({ ...c, comparator: c.comparator.toUpperCase() }));
  for (const clause of clauses) checkRunComparator(clause.type, translateRunKey(clause.key), clause.comparator);
  return clauses;
}

export function checkRunComparator(type: string, key: string, comparator: string): void {
  const fail = (valid: readonly string[], closeQuote: boolean) => {
    throw invalidParameter(`Invalid comparator '${comparator}' not one of '${pyRepr(valid)}${closeQuote ? "'" : ''}`);
  };
  // Which lists MLflow prints, and its missing closing quotes, are reproduced as the server words them.
  if (type === 'metric' && !(METRIC_COMPARATORS as readonly string[]).includes(comparator)) fail(METRIC_COMPARATORS, false);
  if (type === 'parameter' && !(STRING_COMPARATORS as readonly string[]).includes(comparator)) fail(STRING_COMPARATORS, true);
  if (type === 'tag' && !(STRING_COMPARATORS as readonly string[]).includes(comparator)) fail(STRING_COMPARATORS, false);
  if (type === 'dataset' && !(LIST_COMPARATORS as readonly string[]).includes(comparator)) fail(LIST_COMPARATORS, false);
  if (type === 'attribute') {
    if (RUN_NUMERIC_ATTRIBUTES.has(key)) {
      if (!(METRIC_COMPARATORS as readonly string[]).includes(comparator)) fail(LIST_COMPARATORS, false);
    } else if (!(LIST_COMPARATORS as readonly string[]).includes(comparator)) {
      fail(LIST_COMPARATORS, true);
    }
  }
}

/** A run attribute by its search key (`run_id`, `start_time`, …). */
export function runAttribute(run: Run, key: string): string | number | undefined {
  const info = run.info;
  switch (translateRunKey(key)) {
    case 'run_id': return info.runId;
    case 'run_name': return info.runName;
    case 'status': return info.status;
    case 'user_id': return info.userId;
    case 'artifact_uri': return info.artifactUri;
    case 'lifecycle_stage': return info.lifecycleStage;
    case 'start_time': return info.startTime;
    case 'end_time': return info.endTime;
    case 'experiment_id': return info.experimentId;
    default: return undefined;
  }
}

export function latestMetric(run: Run, key: string): number | undefined {
  return run.data.metrics.find((m) => m.key === key)?.value;
}

/**
 * How a backend compares metric values, as MLflow's own store for it does:
 * - `sql`: MLflow's SQL store keeps NaN as 0 (with an is_nan flag its filters ignore) and ±∞ as
 *   ±1.7976931348623157e308, so a NaN latest value matches `= 0`, and `= 1e309` (∞) matches nothing;
 * - `ieee`: the FileStore compares Python floats: NaN satisfies only `!=`, ∞ is ∞.
 */
export type MetricSemantics = 'sql' | 'ieee';

/** Whether `run` satisfies every clause (MLflow's `_does_run_match_clause`). */
export function runMatchesFilter(run: Run, clauses: readonly FilterClause[], semantics: MetricSemantics = 'ieee'): boolean {
  return clauses.every((clause) => runMatchesClause(run, clause, semantics));
}

function runMatchesClause(run: Run, { type, key, comparator, value }: FilterClause, semantics: MetricSemantics): boolean {
  switch (type) {
    case 'metric': {
      const latest = latestMetric(run, key);
      const lhs = latest === undefined || semantics === 'ieee' ? latest : sqlStoredMetricValue(latest);
      return compareValue(lhs, comparator, Number(value));
    }
    case 'parameter':
      return compareValue(run.data.params[key], comparator, value);
    case 'tag':
      return compareValue(run.data.tags[key], comparator, value);
    case 'attribute': {
      const numeric = RUN_NUMERIC_ATTRIBUTES.has(key);
      return compareValue(runAttribute(run, key), comparator, numeric ? Number(value) : value);
    }
    case 'dataset':
      return run.inputs.datasets.some((d) =>
        compareValue(key === 'context' ? d.context : key === 'name' ? d.name : d.digest, comparator, value),
      );
    default:
      return false;
  }
}

/** The metric, param and tag keys a filter reads, so a store can load only those. */
export function referencedKeys(clauses: readonly { type: string; key: string }[]): Record<'metric' | 'parameter' | 'tag', Set<string>> {
  const keys = { metric: new Set<string>(), parameter: new Set<string>(), tag: new Set<string>() };
  for (const { type, key } of clauses) {
    if (type === 'metric' || type === 'parameter' || type === 'tag') keys[type].add(key);
  }
  return keys;
}
