import { FOLLOW_AFTER_LAST_ACTIVE_MS, experimentsToPoll, type ExperimentLiveState } from '../../explorer/core/liveRefresh';
import type { TraceInfo } from '../../mlflow/traceTypes';

/**
 * When the Traces view polls, by the Runs view's rule (explorer/core/liveRefresh.ts): an experiment is
 * followed while it is expanded, its traces are loaded, and it is live: it shows a trace still
 * IN_PROGRESS, or it showed a new trace less than FOLLOW_AFTER_LAST_ACTIVE_MS ago (a GenAI app that
 * logs one trace usually logs the next soon). Nothing is polled while the view is hidden; failed polls
 * back off in AutoRefresh like the Runs view's.
 */

/** Whether a loaded trace makes its experiment live: still running, or requested within the follow window. */
export function isLiveTrace(trace: TraceInfo, now: number): boolean {
  return trace.state === 'IN_PROGRESS' || (trace.requestTime <= now + FOLLOW_AFTER_LAST_ACTIVE_MS && now - trace.requestTime < FOLLOW_AFTER_LAST_ACTIVE_MS);
}

export function tracesToPoll(inputs: { viewVisible: boolean; now: number; experiments: readonly ExperimentLiveState[] }): string[] {
  return experimentsToPoll({ ...inputs, launchInFlight: false });
}

/** What of a listed trace a poll watches: it finished (state, duration), or gained or lost an assessment. */
export function traceFingerprint(t: TraceInfo): string {
  return `${t.traceId}|${t.state}|${t.executionDurationMs ?? ''}|${t.assessments.length}|${t.assessments.filter((a) => a.valid).length}`;
}

/** What a poll changed: traces not shown before (the view then follows on), and whether anything differs. */
export function compareTracePages(before: readonly TraceInfo[], after: readonly TraceInfo[]): { added: number; changed: boolean } {
  const known = new Set(before.map((t) => t.traceId));
  const added = after.filter((t) => !known.has(t.traceId)).length;
  const changed = before.length !== after.length || before.some((t, i) => traceFingerprint(t) !== traceFingerprint(after[i]!));
  return { added, changed };
}
