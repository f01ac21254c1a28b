import { invalidParameter } from '../searchFilter';
import type { Page } from '../types';

/**
 * Page tokens exactly as MLflow's SQL store writes them (base64 of `{"offset": N}`, Python's JSON
 * spacing), so a token is opaque to callers yet interchangeable with a server's for the same store.
 */
export function createPageToken(offset: number): string {
  return Buffer.from(`{"offset": ${offset}}`, 'utf8').toString('base64');
}

/** The offset in a page token, with MLflow's messages for tokens it cannot read. */
export function parsePageToken(token: string | undefined): number {
  if (!token) return 0;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(token) || token.length % 4 !== 0) {
    throw invalidParameter('Invalid page token, could not base64-decode');
  }
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoded);
  } catch {
    throw invalidParameter(`Invalid page token, decoded value=${decoded}`);
  }
  const offset = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>).offset : undefined;
  if (offset === undefined || offset === null || offset === 0 || offset === '') {
    throw invalidParameter(`Invalid page token, parsed value=${decoded}`);
  }
  const n = typeof offset === 'number' ? offset : Number(offset);
  if (!Number.isInteger(n) || n < 0) throw invalidParameter(`Invalid page token, not stringable ${String(offset)}`);
  return n;
}

/**
 * Who checks `max_results`, which decides the message (and, for the FileStore, whether 0 is allowed):
 * - `rest`: the tracking server's request validation, before any store sees the call;
 * - `sqlStore`: MLflow's SQL store (`Invalid value 0 for parameter 'max_results' supplied. It must be …`);
 * - `fileStore`: MLflow's FileStore and the registry stores (`Invalid value for request parameter …`),
 *   where 0 is a valid, empty page.
 */
export type MaxResultsCheck = 'rest' | 'sqlStore' | 'fileStore';

/** Checks a page size the way `by` does: a positive integer up to `max`. */
export function checkMaxResults(maxResults: number | undefined, fallback: number, max: number, by: MaxResultsCheck = 'rest'): number {
  const n = maxResults ?? fallback;
  if (by === 'sqlStore' && Number.isInteger(n) && (n < 1 || n > max)) {
    const rule = n < 1 ? 'be a positive integer' : `be at most ${max}`;
    throw invalidParameter(`Invalid value ${n} for parameter 'max_results' supplied. It must ${rule}`);
  }
  if (by === 'fileStore' && Number.isInteger(n) && n > max) {
    throw invalidParameter(`Invalid value for request parameter max_results. It must be at most ${max}, but got value ${n}`);
  }
  if (by === 'fileStore' && n === 0) return 0;
  if (!Number.isInteger(n) || n < 1 || n > max) {
    throw invalidParameter(
      `Invalid value ${n} for parameter 'max_results' supplied:  Hint: Value was of type 'int'. ` +
        'See the API docs for more information about request parameters.',
    );
  }
  return n;
}

/**
 * One page of an already ordered list. A next token only when more items exist (MLflow 3's rule;
 * 2.x servers also sent one when a page was exactly full).
 */
export function pageOf<T>(items: readonly T[], pageToken: string | undefined, maxResults: number): Page<T> {
  const offset = parsePageToken(pageToken);
  const end = offset + maxResults;
  const page: Page<T> = { items: items.slice(offset, end) };
  if (end < items.length) page.nextPageToken = createPageToken(end);
  return page;
}

/** Up to this many leading items are picked by insertion instead of sorting them all. */
const PARTIAL_ORDER_MAX = 2000;

/**
 * pageOf over `items` ordered by `compare` (a stable order, as Array.prototype.sort), without
 * ordering more than the page needs: for the first pages of a long list only the leading
 * `offset + maxResults` items are kept in order while the rest is looked at once (100,000 runs
 * take some 100,000 comparisons instead of 1.7 million). Later pages sort `items` in place.
 */
export function pageOfOrdered<T>(items: T[], compare: (a: T, b: T) => number, pageToken: string | undefined, maxResults: number): Page<T> {
  const offset = parsePageToken(pageToken);
  const end = offset + maxResults;
  if (end === 0 || end > PARTIAL_ORDER_MAX || end * 4 >= items.length) return pageOf(items.sort(compare), pageToken, maxResults);
  const leading: T[] = [];
  for (const item of items) {
    if (leading.length === end && compare(item, leading[end - 1]) >= 0) continue;
    // After every item it equals: the order stays stable.
    let lo = 0;
    let hi = leading.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compare(item, leading[mid]) < 0) hi = mid;
      else lo = mid + 1;
    }
    leading.splice(lo, 0, item);
    if (leading.length > end) leading.pop();
  }
  const page: Page<T> = { items: leading.slice(offset, end) };
  if (end < items.length) page.nextPageToken = createPageToken(end);
  return page;
}
