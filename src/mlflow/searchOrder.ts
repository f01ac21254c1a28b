import {
  invalidParameter,
  latestMetric,
  pyRepr,
  runAttribute,
  runIdentifier,
  translateRunKey,
} from './searchFilter';
import type { Run } from './types';

/**
 * MLflow's order_by clauses (`metrics.\`val/loss\` DESC`, `attributes.start_time`, `name ASC`) and
 * the orderings the SQL store applies, so local stores page through results in the server's order.
 */

export interface OrderKey {
  type: string;
  key: string;
  ascending: boolean;
}

export type SortValue = string | number | undefined;

/**
 * MLflow's `_parse_order_by_string`: one identifier, optionally followed by ASC or DESC. Backticks
 * group like double quotes (MLflow swaps them before its shlex split).
 */
export function splitOrderBy(clause: string): { token: string; ascending: boolean } {
  const couldNotParse = () => invalidParameter(`Invalid order_by clause '${clause}'. Could not be parsed.`);
  if (clause.trim() === '' || /[<>=!(),;']/.test(unquoted(clause))) throw couldNotParse();
  const words = shlexSplit(clause.replace(/`/g, '"'));
  if (!words || words.length === 0 || words.length > 2) throw couldNotParse();
  if (words.length === 1) return { token: words[0], ascending: true };
  const direction = words[1].toLowerCase();
  if (direction !== 'asc' && direction !== 'desc') {
    throw invalidParameter(`Invalid ordering key in order_by clause '${clause}'.`);
  }
  return { token: words[0], ascending: direction === 'asc' };
}

/** The text outside backticks and double quotes (where operators would make the clause unparsable). */
function unquoted(clause: string): string {
  return clause.replace(/`[^`]*`|"[^"]*"/g, '');
}

/** POSIX shlex.split for what order_by needs: whitespace splitting, quotes, backslash escapes. */
export function shlexSplit(text: string): string[] | undefined {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && (text[i + 1] === '"' || text[i + 1] === '\\')) word += text[++i];
      else word += c;
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
      word = word ?? '';
    } else if (c === '\\' && i + 1 < text.length) {
      word = (word ?? '') + text[++i];
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote) return undefined;
  if (word !== undefined) words.push(word);
  return words;
}

/** Sort values MLflow's SQL way: values first, then NaN, then missing, whatever the direction. */
export function compareByKeys<T>(keys: readonly OrderKey[], get: (item: T, key: OrderKey) => SortValue): (a: T, b: T) => number {
  return (a, b) => {
    for (const key of keys) {
      const va = get(a, key);
      const vb = get(b, key);
      const ra = rank(va);
      const rb = rank(vb);
      if (ra !== rb) return ra - rb;
      if (ra !== 0 || va === undefined || vb === undefined) continue;
      const cmp = va < vb ? -1 : va > vb ? 1 : 0;
      if (cmp !== 0) return key.ascending ? cmp : -cmp;
    }
    return 0;
  };
}

function rank(value: SortValue): number {
  if (value === undefined) return 2;
  return typeof value === 'number' && Number.isNaN(value) ? 1 : 0;
}

function duplicateCheck(orderBy: readonly string[], seen: Set<string>, id: string): void {
  if (seen.has(id)) throw invalidParameter(`\`order_by\` contains duplicate fields: ${pyRepr(orderBy, '[]')}`);
  seen.add(id);
}

// ---- runs ----

/** RunInfo's orderable attributes plus MLflow's `created` alias. */
export const RUN_ORDER_ATTRIBUTES = [
  'artifact_uri', 'end_time', 'run_id', 'run_name', 'start_time', 'status', 'user_id', 'created', 'Created',
];

export function parseRunOrderBy(orderBy: readonly string[] | undefined): OrderKey[] {
  const seen = new Set<string>();
  return (orderBy ?? []).map((clause) => {
    const { token, ascending } = splitOrderBy(clause);
    const { type, key } = runIdentifier(token.trim(), RUN_ORDER_ATTRIBUTES);
    if (type === 'dataset') throw invalidParameter(`Invalid identifier type '${type}'`);
    const translated = translateRunKey(key);
    duplicateCheck(orderBy ?? [], seen, `${type}\u0000${translated}`);
    return { type, key: translated, ascending };
  });
}

/**
 * The SQL store's run order: the requested keys, then start_time DESC unless already ordered on,
 * then run_id as the final tie-breaker.
 */
export function withRunTieBreakers(keys: readonly OrderKey[]): OrderKey[] {
  const all = [...keys];
  if (!keys.some((k) => k.type === 'attribute' && k.key === 'start_time')) {
    all.push({ type: 'attribute', key: 'start_time', ascending: false });
  }
  all.push({ type: 'attribute', key: 'run_id', ascending: true });
  return all;
}

export function runSortValue(run: Run, { type, key }: OrderKey): SortValue {
  switch (type) {
    case 'metric':
      return latestMetric(run, key);
    case 'parameter':
      return run.data.params[key];
    case 'tag':
      return run.data.tags[key];
    default:
      return runAttribute(run, key);
  }
}

/** Sorts runs as the tracking server orders `runs/search` results. */
export function sortRuns(runs: readonly Run[], orderBy: readonly string[] | undefined): Run[] {
  const keys = withRunTieBreakers(parseRunOrderBy(orderBy));
  return [...runs].sort(compareByKeys(keys, runSortValue));
}
