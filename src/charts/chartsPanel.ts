import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { Disposer } from '../vscode/disposer';
import { webviewHtml, webviewOptions } from '../vscode/webviewHtml';
import { ChartsSession, type Logger } from './chartsSession';
import type { ChartsRenderSummary, ChartsViewState } from './protocol';

export const CHARTS_VIEW_TYPE = 'mlflow.charts';

export interface PanelDependencies {
  extensionUri: vscode.Uri;
  activeStore: ActiveStore;
  log: Logger;
  pollIntervalMs?: number;
}

/**
 * One charts webview panel: VS Code wiring around a {@link ChartsSession}. Created by
 * `ChartsFeature.openCharts`, or adopted from VS Code by the panel serializer after a reload.
 */
export class ChartsPanel implements vscode.Disposable {
  readonly session: ChartsSession;
  private readonly disposer = new Disposer();
  private readonly disposed = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposed.event;
  private isDisposed = false;

  static create(deps: PanelDependencies, state: ChartsViewState): ChartsPanel {
    const panel = vscode.window.createWebviewPanel(CHARTS_VIEW_TYPE, state.target.title ?? 'Charts', vscode.ViewColumn.Active, {
      // Zoom, hidden runs and the loaded windows live in the page; rebuilding them on every tab switch
      // would refetch everything. Polling still pauses while hidden.
      retainContextWhenHidden: true,
      ...webviewOptions(deps.extensionUri),
    });
    return new ChartsPanel(panel, deps, state);
  }

  constructor(
    readonly panel: vscode.WebviewPanel,
    deps: PanelDependencies,
    state: ChartsViewState,
  ) {
    panel.webview.options = webviewOptions(deps.extensionUri);
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'mlflow.svg');
    panel.webview.html = webviewHtml({ webview: panel.webview, extensionUri: deps.extensionUri, app: 'charts', title: 'Charts' });
    this.session = new ChartsSession(
      {
        post: (message) => void panel.webview.postMessage(message),
        save: (file) => saveFile(file),
        setTitle: (title) => (panel.title = title),
        log: deps.log,
      },
      state,
      { store: () => deps.activeStore.current?.store, pollIntervalMs: deps.pollIntervalMs },
    );
    this.disposer.track(this.disposed);
    this.disposer.track(panel.webview.onDidReceiveMessage((message: unknown) => this.session.receive(message)));
    this.disposer.track(panel.onDidChangeViewState(() => this.session.setVisible(panel.visible)));
    this.disposer.track(deps.activeStore.onDidChange(() => this.session.reload()));
    this.disposer.track(panel.onDidDispose(() => this.dispose()));
    this.session.setVisible(panel.visible);
  }

  /** What the webview last reported drawing; for integration tests and "current chart" commands. */
  get rendered(): ChartsRenderSummary | undefined {
    return this.session.rendered;
  }

  /** Resolves with the first rendered report (the current one included) that `accept` takes. */
  whenRendered(accept?: (summary: ChartsRenderSummary) => boolean, timeoutMs?: number): Promise<ChartsRenderSummary> {
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

/** Save dialog, then write; the default folder is the first workspace folder when there is one. */
export async function saveFile(file: { name: string; kind: 'png' | 'csv'; bytes: Uint8Array }): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, file.name) : undefined,
    filters: file.kind === 'png' ? { 'PNG image': ['png'] } : { CSV: ['csv'] },
    saveLabel: file.kind === 'png' ? 'Export Chart' : 'Export Data',
  });
  if (!uri) return;
  await vscode.workspace.fs.writeFile(uri, file.bytes);
}
