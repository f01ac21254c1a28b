import type * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { AutoRefresh } from '../explorer/autoRefresh';
import type { Run } from '../mlflow/types';
import { findLaunchRuns, mainRun } from './core/discovery';
import type { ExperimentTarget } from './core/scriptLaunch';

/** First look this soon after the start, then at this interval (doubling while the store errs). */
const LOOK_INTERVAL_MS = 1_000;
const MAX_BACKOFF_MS = 30_000;

export interface WatchOptions {
  readonly launchId: string;
  readonly experiment?: ExperimentTarget;
  /** Settles when the process has ended: one more look, then the watch stops. */
  readonly finished: Promise<unknown>;
  readonly onError: (error: unknown, nextDelayMs: number) => void;
  /** Between looks while the store answers (doubling while it errs); 1 s unless given. */
  readonly intervalMs?: number;
}

/**
 * Looks for a launch's run on the connected store (by its launch-id tag) until it is found or the
 * process has ended, with the Runs view's polling and back-off (explorer/autoRefresh.ts). A run found
 * before it logged anything is charted all the same: the charts panel adds the metrics it logs later.
 */
export class LaunchWatcher implements vscode.Disposable {
  /** The launch's main run as first seen, or undefined when the process ended without one. */
  readonly run: Promise<Run | undefined>;
  private settle!: (run: Run | undefined) => void;
  private readonly poll: AutoRefresh;
  private ended = false;
  private done = false;

  constructor(
    private readonly activeStore: ActiveStore,
    private readonly options: WatchOptions,
  ) {
    this.run = new Promise((resolve) => (this.settle = resolve));
    const store = activeStore.current?.store;
    this.poll = new AutoRefresh(() => this.look(), () => !this.done && !this.ended, options.intervalMs ?? LOOK_INTERVAL_MS, MAX_BACKOFF_MS, options.onError);
    if (!store) {
      this.finish(undefined);
      return;
    }
    this.poll.kick();
    const last = async () => {
      this.ended = true;
      // The process may have ended between two looks: one more, whatever happens to the poll.
      try {
        if (!this.done) await this.look();
      } catch (error) {
        options.onError(error, 0);
      }
      this.finish(undefined);
    };
    options.finished.then(last, last);
  }

  /** Whether another look is scheduled (for tests: none once the run is found or the process ended). */
  get looking(): boolean {
    return this.poll.scheduled;
  }

  private async look(): Promise<void> {
    const connection = this.activeStore.current;
    if (!connection || this.done) return;
    const found = mainRun(await findLaunchRuns(connection.store, this.options.launchId, this.options.experiment));
    if (found) this.finish(found);
  }

  private finish(run: Run | undefined): void {
    if (this.done) return;
    this.done = true;
    this.poll.dispose();
    this.settle(run);
  }

  dispose(): void {
    this.finish(undefined);
  }
}
