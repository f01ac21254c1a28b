import * as vscode from 'vscode';
import { Disposer } from '../vscode/disposer';
import { webviewHtml, webviewOptions } from '../vscode/webviewHtml';
import type { PanelDependencies } from './chartsPanel';
import { CompareSession } from './compareSession';
import type { CompareRenderSummary, CompareViewState } from './protocol';

export const COMPARE_VIEW_TYPE = 'mlflow.compare';

export interface CompareActions {
  diffParams(runIdA: string, runIdB: string): Promise<void>;
  openCharts(runIds: string[], metricKeys: string[]): void;
}

/** One compare webview panel: VS Code wiring around a {@link CompareSession}. */
export class ComparePanel implements vscode.Disposable {
  readonly session: CompareSession;
  private readonly disposer = new Disposer();
  private readonly disposed = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposed.event;
  private isDisposed = false;

  static create(deps: PanelDependencies, actions: CompareActions, state: CompareViewState): ComparePanel {
    const panel = vscode.window.createWebviewPanel(COMPARE_VIEW_TYPE, 'Compare Runs', vscode.ViewColumn.Active, {
      retainContextWhenHidden: true,
      ...webviewOptions(deps.extensionUri),
    });
    return new ComparePanel(panel, deps, actions, state);
  }

  constructor(
    readonly panel: vscode.WebviewPanel,
    deps: PanelDependencies,
    actions: CompareActions,
    state: CompareViewState,
  ) {
    panel.webview.options = webviewOptions(deps.extensionUri);
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'mlflow.svg');
    panel.webview.html = webviewHtml({ webview: panel.webview, extensionUri: deps.extensionUri, app: 'compare', title: 'Compare Runs' });
    this.session = new CompareSession(
      {
        post: (message) => void panel.webview.postMessage(message),
        diffParams: (a, b) => actions.diffParams(a, b),
        openCharts: (runIds, metricKeys) => actions.openCharts(runIds, metricKeys),
        setTitle: (title) => (panel.title = title),
        log: deps.log,
      },
      state,
      () => deps.activeStore.current?.store,
    );
    this.disposer.track(this.disposed);
    this.disposer.track(panel.webview.onDidReceiveMessage((message: unknown) => this.session.receive(message)));
    this.disposer.track(panel.onDidChangeViewState(() => this.session.setVisible(panel.visible)));
    this.disposer.track(deps.activeStore.onDidChange(() => this.session.reload()));
    this.disposer.track(panel.onDidDispose(() => this.dispose()));
    this.session.setVisible(panel.visible);
  }

  /** What the webview last reported drawing; for integration tests and "current chart" commands. */
  get rendered(): CompareRenderSummary | undefined {
    return this.session.rendered;
  }

  /** Resolves with the first rendered report (the current one included) that `accept` takes. */
  whenRendered(accept?: (summary: CompareRenderSummary) => boolean, timeoutMs?: number): Promise<CompareRenderSummary> {
    return this.session.whenRendered(accept, timeoutMs);
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    this.session.dispose();
    this.disposed.fire();
    this.disposer.dispose();
    this.panel.dispose();
  }
}
