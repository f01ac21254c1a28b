import type * as vscode from 'vscode';

/**
 * Polls while there is something live to show and the view is visible; backs off (doubling, up to a
 * cap) while the server errs, and returns to the base interval after a success. Timers only; the
 * callbacks decide what "live" means.
 */
export class AutoRefresh implements vscode.Disposable {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private delayMs: number;
  private inFlight = false;
  private disposed = false;

  constructor(
    private readonly tick: () => Promise<unknown>,
    private readonly shouldRun: () => boolean,
    private baseIntervalMs: number,
    private readonly maxBackoffMs = 5 * 60_000,
    /** Told of each failed poll (the view keeps showing what it has, and polls again later). */
    private readonly onError: (error: unknown, nextDelayMs: number) => void = () => undefined,
  ) {
    this.delayMs = baseIntervalMs;
  }

  setInterval(ms: number): void {
    this.baseIntervalMs = ms;
    this.delayMs = ms;
    this.cancel();
    this.kick();
  }

  /**
   * (Re)considers polling now: call after data loads or visibility changes. A poll already scheduled
   * keeps its time: a stream of events (expanding, loading more, other refreshes) must not keep
   * pushing it back, or a view that is busy would never converge.
   */
  kick(): void {
    if (this.disposed || this.inFlight) return;
    if (this.baseIntervalMs <= 0 || !this.shouldRun()) {
      this.cancel();
      return;
    }
    this.timer ??= setTimeout(() => void this.run(), this.delayMs);
  }

  private cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Whether a poll is scheduled; exposed for tests of the rule. */
  get scheduled(): boolean {
    return this.timer !== undefined;
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    if (this.disposed || !this.shouldRun()) return;
    this.inFlight = true;
    try {
      await this.tick();
      this.delayMs = this.baseIntervalMs;
    } catch (error) {
      // Keep trying, but slower.
      this.delayMs = Math.min(this.delayMs * 2, this.maxBackoffMs);
      this.onError(error, this.delayMs);
    } finally {
      this.inFlight = false;
    }
    // Whatever the tick answered, shouldRun decides: runs may have loaded (or a launch begun) while it
    // was in flight, and the kicks those events made were ignored then.
    this.kick();
  }

  /** The delay before the next poll; exposed for tests of the backoff. */
  get currentDelayMs(): number {
    return this.delayMs;
  }

  dispose(): void {
    this.disposed = true;
    this.cancel();
  }
}
