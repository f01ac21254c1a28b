import type { TraceStore } from '../../mlflow/traceStore';
import { NewestLoad } from '../../vscode/newestLoad';
import { WebviewSession } from '../../vscode/webviewSession';
import type { TraceCompareHostMessage, TraceCompareRenderSummary, TraceCompareView, TraceCompareWebviewMessage } from './compareProtocol';
import { describeMlflowError } from './errorText';
import { buildCompareView } from './traceCompare';
import { unhandledMessage } from '../../vscode/unhandledMessage';
import { parseCopyMessage } from './copyMessage';

export interface TraceCompareHost {
  post(message: TraceCompareHostMessage): void;
  copy(text: string): void;
  openTrace(traceId: string): void;
  setTitle(title: string): void;
  log: { error(message: string): void };
}

/** The host side of one Compare Traces panel, free of VS Code: reads both traces, sends the merged tree. */
export class TraceCompareSession extends WebviewSession<TraceCompareHostMessage, TraceCompareWebviewMessage, TraceCompareRenderSummary> {
  private view: TraceCompareView | undefined;
  private loadError: string | undefined;
  private readonly loads = new NewestLoad();
  readonly loaded: Promise<void>;

  constructor(
    private readonly host: TraceCompareHost,
    readonly traceIds: readonly [string, string],
    private readonly store: () => TraceStore | undefined,
  ) {
    super((message) => host.post(message), 'Compare Traces panel', host.log);
    this.loaded = this.load();
  }

  async load(): Promise<void> {
    this.channel.post({ type: 'loading' });
    const outcome = await this.loads.run(async () => {
      const store = this.store();
      if (!store) throw new Error('Not connected to an MLflow tracking store.');
      const [a, b] = await Promise.all(this.traceIds.map((id) => store.getTrace(id)));
      return buildCompareView(a!, b!);
    });
    if (!outcome) return;
    if (outcome.ok) {
      this.view = outcome.value;
      this.loadError = undefined;
      this.host.setTitle(`Compare ${this.view.a.name} ↔ ${this.view.b.name}`);
    } else {
      this.loadError = describeMlflowError(outcome.error);
    }
    this.sendAll();
  }

  protected parse(raw: unknown): TraceCompareWebviewMessage | undefined {
    return parseCompareMessage(raw);
  }

  protected sendAll(): void {
    this.channel.post({ type: 'persist', state: { traceIds: [this.traceIds[0], this.traceIds[1]] } });
    if (this.loadError !== undefined) this.channel.post({ type: 'error', message: this.loadError });
    else if (this.view) this.channel.post({ type: 'compare', view: this.view });
    else this.channel.post({ type: 'loading' });
  }

  protected handle(message: Exclude<TraceCompareWebviewMessage, { type: 'ready' | 'rendered' }>): void {
    switch (message.type) {
      case 'openTrace':
        // Only the two traces of this panel: the page must not name arbitrary ids.
        if (this.traceIds.includes(message.traceId)) this.host.openTrace(message.traceId);
        return;
      case 'copy':
        this.host.copy(message.text);
        return;
      default:
        unhandledMessage(message);
    }
  }

  dispose(): void {
    this.loads.dispose();
  }
}

/** Checks a message from the webview; anything of another shape is dropped. */
export function parseCompareMessage(raw: unknown): TraceCompareWebviewMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'rendered': {
      const s = m.summary as Record<string, unknown> | undefined;
      return typeof s === 'object' && s !== null && typeof s.a === 'string' && typeof s.b === 'string' ? { type: 'rendered', summary: s as unknown as TraceCompareRenderSummary } : undefined;
    }
    case 'openTrace':
      return typeof m.traceId === 'string' ? { type: 'openTrace', traceId: m.traceId } : undefined;
    case 'copy':
      return parseCopyMessage(m);
    default:
      return undefined;
  }
}
