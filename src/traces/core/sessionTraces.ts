import type { TraceStore } from '../../mlflow/traceStore';
import type { TraceInfo } from '../../mlflow/traceTypes';
import type { CallOptions } from '../../mlflow/types';
import { traceFingerprint } from './traceLiveRefresh';
import { sessionFilter } from './traceSummary';

/** A session's traces are read this many per request: MLflow's default page (its web UI asks the same). */
export const SESSION_PAGE_SIZE = 100;
/** At most this many turns of one session are listed (50 requests); past it, the newest ones. */
export const MAX_SESSION_TRACES = 5_000;

export interface SessionTraces {
  /** Oldest first: the conversation's turns in order. */
  traces: TraceInfo[];
  /** More traces match than MAX_SESSION_TRACES: `traces` holds the newest of them. */
  truncated: boolean;
}

/**
 * Every trace of one session (`metadata.`mlflow.trace.session` = '<id>'`, ANDed with the view's filter if
 * any), read page by page in the store's default order (newest first, the request MLflow's captures
 * answer) and returned oldest first. Reading all pages, not the list's loaded page, is what makes the
 * session whole; a trace that moves between pages while the app logs is listed once.
 */
export async function listSessionTraces(
  store: TraceStore,
  experimentId: string,
  session: string,
  options: { filter?: string; max?: number } & CallOptions = {},
): Promise<SessionTraces> {
  const max = options.max ?? MAX_SESSION_TRACES;
  const filter = [options.filter, sessionFilter(session)].filter((f): f is string => f !== undefined && f !== '').join(' AND ');
  const seen = new Map<string, TraceInfo>();
  let pageToken: string | undefined;
  let truncated = false;
  do {
    const page = await store.searchTraces({ experimentIds: [experimentId], filter, maxResults: SESSION_PAGE_SIZE, pageToken }, { signal: options.signal });
    for (const info of page.items) if (!seen.has(info.traceId)) seen.set(info.traceId, info);
    pageToken = page.nextPageToken;
    if (pageToken && seen.size >= max) truncated = true;
  } while (pageToken && !truncated);
  const traces = [...seen.values()].slice(0, max).sort((a, b) => a.requestTime - b.requestTime || a.traceId.localeCompare(b.traceId));
  return { traces, truncated };
}

/** What a live re-read of a session changes in the turns already listed. */
export interface SessionMerge {
  /** The turns now: the known ones in their places (updated where they changed), then the new ones, oldest first. */
  traces: TraceInfo[];
  /** Traces not listed before, oldest first: appended after the known turns. */
  added: TraceInfo[];
  /** Known traces whose listing changed (a trace that finished, an assessment added or removed). */
  updated: TraceInfo[];
  /**
   * The re-read was one page, cut short, and every trace on it is new: more new traces may lie past it,
   * so the caller reads every page and merges that instead.
   */
  gap: boolean;
}

/**
 * Merges a live re-read of a session (its newest traces, oldest first) into the turns already shown,
 * without moving them: the page keeps its scroll position and the turns it read. New traces go after
 * the known ones, even one requested before the last known turn (it logged late); a known trace the
 * re-read no longer lists (older than its page, or deleted meanwhile) stays until a full Refresh.
 */
export function mergeSessionTraces(known: readonly TraceInfo[], newest: readonly TraceInfo[], newestIsPartial: boolean): SessionMerge {
  const fresh = new Map(newest.map((t) => [t.traceId, t]));
  const updated: TraceInfo[] = [];
  const traces = known.map((t) => {
    const now = fresh.get(t.traceId);
    if (!now || traceFingerprint(now) === traceFingerprint(t)) return t;
    updated.push(now);
    return now;
  });
  const knownIds = new Set(known.map((t) => t.traceId));
  const added = newest.filter((t) => !knownIds.has(t.traceId)).sort((a, b) => a.requestTime - b.requestTime || a.traceId.localeCompare(b.traceId));
  return { traces: [...traces, ...added], added, updated, gap: newestIsPartial && added.length > 0 && added.length === newest.length };
}
