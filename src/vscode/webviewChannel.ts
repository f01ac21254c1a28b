/**
 * The host's side of the ready handshake. Nothing is posted before the webview said `ready`: the page
 * would miss it. The session re-sends its whole state on every `ready` (the first, and any after the
 * webview reloaded), so messages from before it are dropped rather than queued. VS Code cannot deliver
 * to a hidden webview, so while hidden messages queue and go out in order once visible again.
 */
export class WebviewChannel<M> {
  private ready = false;
  private visible = true;
  private queue: M[] = [];

  constructor(private readonly send: (message: M) => void) {}

  get isReady(): boolean {
    return this.ready;
  }

  /** Call on each `ready`, then post the full state. */
  markReady(): void {
    this.ready = true;
    this.queue = [];
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    if (!visible || !this.ready) return;
    for (const message of this.queue.splice(0)) this.send(message);
  }

  post(message: M): void {
    if (!this.ready) return;
    if (this.visible) this.send(message);
    else this.queue.push(message);
  }
}

/** Resolves with the first summary `accept` takes, from `latest` or a later one; rejects on timeout. */
export class RenderedWaiters<S> {
  private latest: S | undefined;
  private readonly waiters = new Set<(summary: S) => void>();

  get current(): S | undefined {
    return this.latest;
  }

  update(summary: S): void {
    this.latest = summary;
    for (const waiter of [...this.waiters]) waiter(summary);
  }

  wait(accept: (summary: S) => boolean = () => true, timeoutMs = 60_000): Promise<S> {
    if (this.latest !== undefined && accept(this.latest)) return Promise.resolve(this.latest);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`no matching rendered summary within ${timeoutMs} ms; last: ${JSON.stringify(this.latest)}`));
      }, timeoutMs);
      const waiter = (summary: S): void => {
        if (!accept(summary)) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve(summary);
      };
      this.waiters.add(waiter);
    });
  }
}
