/**
 * When the Runs view polls the server, as a pure rule so it can be tested without VS Code.
 *
 * The view follows an experiment while it is expanded and either shows a run that is still going
 * (RUNNING or SCHEDULED), showed one less than FOLLOW_AFTER_LAST_ACTIVE_MS ago (a script or a sweep
 * that ends one run usually starts the next at once), or a launch from the extension is in flight (its
 * run may not exist yet, or may land in an experiment whose loaded runs are all finished). Collapsed
 * experiments are not polled: they are re-read when expanded again. Nothing is polled while the view
 * is hidden.
 */

/** How long an experiment is still followed after the last running run it showed has ended. */
export const FOLLOW_AFTER_LAST_ACTIVE_MS = 60_000;

export interface ExperimentLiveState {
  readonly experimentId: string;
  /** Expanded in the tree (its runs are on screen). */
  readonly expanded: boolean;
  /** Its first page of runs has loaded (a poll re-reads what is loaded, never a first load). */
  readonly loaded: boolean;
  /** A page request is in flight; the poll leaves it alone rather than racing it. */
  readonly loading: boolean;
  /** Some loaded run is RUNNING or SCHEDULED. */
  readonly hasActiveRuns: boolean;
  /** When a load or poll last showed a RUNNING or SCHEDULED run here (ms since epoch), if ever. */
  readonly activeSeenAt?: number;
}

export interface LiveRefreshInputs {
  readonly viewVisible: boolean;
  readonly launchInFlight: boolean;
  /** The current time (ms since epoch). */
  readonly now: number;
  readonly experiments: readonly ExperimentLiveState[];
}

/** The experiments one poll re-reads. */
export function experimentsToPoll(inputs: LiveRefreshInputs): string[] {
  if (!inputs.viewVisible) return [];
  const recentlyActive = (e: ExperimentLiveState) =>
    e.activeSeenAt !== undefined && inputs.now - e.activeSeenAt < FOLLOW_AFTER_LAST_ACTIVE_MS;
  return inputs.experiments
    .filter((e) => e.expanded && e.loaded && !e.loading && (e.hasActiveRuns || recentlyActive(e) || inputs.launchInFlight))
    .map((e) => e.experimentId);
}

/**
 * Whether a poll should be scheduled. A page still loading is not polled: the model announces when it
 * lands, and the question is asked again then.
 */
export function shouldPoll(inputs: LiveRefreshInputs): boolean {
  return experimentsToPoll(inputs).length > 0;
}

/** MLflow's run statuses that can still change on their own. */
export function isActiveStatus(status: string): boolean {
  return status === 'RUNNING' || status === 'SCHEDULED';
}
