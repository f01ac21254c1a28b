import { RenderedWaiters, WebviewChannel } from './webviewChannel';

/** The messages every webview app sends besides its own: it booted, and what it drew. */
type SessionMessage<Summary> = { type: 'ready' } | { type: 'rendered'; summary: Summary };

/**
 * The host side every webview session shares (charts, compare, serve): messages from the webview are
 * checked by `parse`, unknown shapes logged and dropped; `ready` marks the channel ready and re-sends the
 * whole state (`sendAll`); `rendered` summaries are kept for `whenRendered`; the rest goes to `handle`.
 */
export abstract class WebviewSession<Out, In extends { type: string }, Summary> {
  protected readonly channel: WebviewChannel<Out>;
  private readonly renderedWaiters = new RenderedWaiters<Summary>();

  constructor(
    post: (message: Out) => void,
    private readonly label: string,
    private readonly errorLog: { error(message: string): void },
  ) {
    this.channel = new WebviewChannel(post);
  }

  /** What the webview said it drew last. */
  get rendered(): Summary | undefined {
    return this.renderedWaiters.current;
  }

  /** Resolves with the first rendered summary (the current one included) that `accept` takes. */
  whenRendered(accept?: (summary: Summary) => boolean, timeoutMs?: number): Promise<Summary> {
    return this.renderedWaiters.wait(accept, timeoutMs);
  }

  receive(raw: unknown): void {
    const message = this.parse(raw);
    if (!message) {
      this.errorLog.error(`${this.label}: ignored a webview message of unknown shape (${describeMessage(raw)})`);
      return;
    }
    const shared = message as In | SessionMessage<Summary>;
    if (shared.type === 'ready') {
      this.channel.markReady();
      this.sendAll();
    } else if (shared.type === 'rendered') {
      this.renderedWaiters.update((shared as { summary: Summary }).summary);
    } else {
      this.handle(message as Exclude<In, SessionMessage<unknown>>);
    }
  }

  /** Messages wait while the panel is hidden (VS Code cannot deliver them) and go out when it shows. */
  setVisible(visible: boolean): void {
    this.channel.setVisible(visible);
  }

  /** The webview's message, if it has one of the shapes this app sends. */
  protected abstract parse(raw: unknown): In | undefined;
  /** Posts the whole state: after every `ready` (the first, and after the webview reloaded). */
  protected abstract sendAll(): void;
  /** Every message but `ready` and `rendered`. */
  protected abstract handle(message: Exclude<In, SessionMessage<unknown>>): void;
}

/** Only the type of a rejected message goes to the log: its content came from a webview. */
function describeMessage(raw: unknown): string {
  const type = typeof raw === 'object' && raw !== null && 'type' in raw ? String((raw as { type: unknown }).type) : typeof raw;
  return `type ${type.slice(0, 40)}`;
}
