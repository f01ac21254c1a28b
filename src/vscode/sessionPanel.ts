import * as vscode from 'vscode';
import { Disposer } from './disposer';
import { webviewHtml, webviewOptions } from './webviewHtml';

/** The host-side logic of one webview app (no `vscode` import), as the panel that hosts it sees it. */
export interface WebviewSession<Summary> {
  receive(message: unknown): void;
  setVisible(visible: boolean): void;
  readonly rendered: Summary | undefined;
  whenRendered(accept?: (summary: Summary) => boolean, timeoutMs?: number): Promise<Summary>;
  dispose(): void;
}

/** A webview panel for one of the extension's apps: strict CSP page, kept alive across tab switches. */
export function createAppPanel(
  viewType: string,
  title: string,
  extensionUri: vscode.Uri,
  show: vscode.ViewColumn | { readonly viewColumn: vscode.ViewColumn; readonly preserveFocus?: boolean } = vscode.ViewColumn.Active,
): vscode.WebviewPanel {
  return vscode.window.createWebviewPanel(viewType, title, show, {
    // What the user set up in the page (zoom, hidden runs, a typed request body) lives there; rebuilding
    // it on every tab switch would lose it and refetch everything. Sessions pause work while hidden.
    retainContextWhenHidden: true,
    ...webviewOptions(extensionUri),
  });
}

/**
 * The VS Code wiring every panel shares around its session: the page, messages in, visibility, and one
 * dispose path whether the user closes the panel or the extension does. Panels add their own sources.
 */
export abstract class SessionPanel<Summary, Session extends WebviewSession<Summary>> implements vscode.Disposable {
  readonly session: Session;
  protected readonly disposer = new Disposer();
  private readonly disposed = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposed.event;
  private isDisposed = false;

  protected constructor(
    readonly panel: vscode.WebviewPanel,
    extensionUri: vscode.Uri,
    page: { app: string; title: string },
    createSession: (panel: vscode.WebviewPanel) => Session,
  ) {
    panel.webview.options = webviewOptions(extensionUri);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'mlflow.svg');
    panel.webview.html = webviewHtml({ webview: panel.webview, extensionUri, app: page.app, title: page.title });
    this.session = createSession(panel);
    this.disposer.track(this.disposed);
    this.disposer.track(panel.webview.onDidReceiveMessage((message: unknown) => this.session.receive(message)));
    this.disposer.track(panel.onDidChangeViewState(() => this.session.setVisible(panel.visible)));
    this.disposer.track(panel.onDidDispose(() => this.dispose()));
    this.session.setVisible(panel.visible);
  }

  /** What the webview last reported showing; for integration tests. */
  get rendered(): Summary | undefined {
    return this.session.rendered;
  }

  /** Resolves with the first rendered report (the current one included) that `accept` takes. */
  whenRendered(accept?: (summary: Summary) => boolean, timeoutMs?: number): Promise<Summary> {
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
