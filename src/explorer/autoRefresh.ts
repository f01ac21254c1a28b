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
    private readonly tick: () => Promise<boolean>,
    private readonly shouldRun: () => boolean,
    private baseIntervalMs: number,
    private readonly maxBackoffMs = 5 * 60_000,
  ) {
    this.delayMs = baseIntervalMs;
  }

  setInterval(ms: number): void {
    this.baseIntervalMs = ms;
    this.delayMs = ms;
    this.kick();
  }

  /** (Re)considers polling now: call after data loads or visibility changes. */
  kick(): void {
    if (this.disposed || this.inFlight) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.baseIntervalMs <= 0 || !this.shouldRun()) return;
    this.timer = setTimeout(() => void this.run(), this.delayMs);
  }

  private async run(): Promise<void> {
    this.timer = undefined;
    if (this.disposed || !this.shouldRun()) return;
    this.inFlight = true;
    let live = false;
    try {
      live = await this.tick();
      this.delayMs = this.baseIntervalMs;
    } catch {
      live = true; // keep trying, but slower
      this.delayMs = Math.min(this.delayMs * 2, this.maxBackoffMs);
    } finally {
      this.inFlight = false;
    }
    if (live) this.kick();
  }

  /** The delay before the next poll; exposed for tests of the backoff. */
  get currentDelayMs(): number {
    return this.delayMs;
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
