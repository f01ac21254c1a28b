import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { freeLoopbackPort } from '../trackingServer/health';
import { Disposer } from '../vscode/disposer';
import type { Log } from '../vscode/log';
import { webviewHtml, webviewOptions } from '../vscode/webviewHtml';
import { lookUpMlflow } from './cliLookup';
import type { ModelServer } from './modelServer';
import type { ModelServers } from './modelServers';
import { loadModelDetails } from './modelSource';
import type { ServeRenderSummary, ServeTab } from './protocol';
import { ServeSession } from './serveSession';

export const SERVE_VIEW_TYPE = 'mlflow.serveModel';

export interface ServePanelDeps {
  readonly extensionUri: vscode.Uri;
  readonly activeStore: ActiveStore;
  readonly log: Pick<Log, 'info' | 'warn' | 'error'>;
  readonly servers: ModelServers;
}

/** One Serve Model webview panel: VS Code wiring around a {@link ServeSession}. */
export class ServePanel implements vscode.Disposable {
  readonly session: ServeSession;
  private readonly disposer = new Disposer();
  private readonly disposed = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposed.event;
  private isDisposed = false;

  static create(deps: ServePanelDeps, modelUri: string, server?: ModelServer): ServePanel {
    const panel = vscode.window.createWebviewPanel(SERVE_VIEW_TYPE, `Serve ${modelUri}`, vscode.ViewColumn.Active, {
      // The typed request body and the last response live in the page; keep them across tab switches.
      retainContextWhenHidden: true,
      ...webviewOptions(deps.extensionUri),
    });
    return new ServePanel(panel, deps, modelUri, server);
  }

  constructor(
    readonly panel: vscode.WebviewPanel,
    deps: ServePanelDeps,
    modelUri: string,
    server?: ModelServer,
  ) {
    panel.webview.options = webviewOptions(deps.extensionUri);
    panel.iconPath = vscode.Uri.joinPath(deps.extensionUri, 'media', 'mlflow.svg');
    panel.webview.html = webviewHtml({ webview: panel.webview, extensionUri: deps.extensionUri, app: 'serve', title: 'Serve Model' });
    this.session = new ServeSession(
      {
        post: (message) => void panel.webview.postMessage(message),
        lookUpMlflow: (signal) => lookUpMlflow(signal),
        proposePort: () => freeLoopbackPort(),
        loadModel: (uri, signal) => loadModelDetails(deps.activeStore.current?.store, uri, signal),
        launch: async (request) => {
          const started = await deps.servers.start(request);
          started.showTerminal();
          return started;
        },
        setTitle: (title) => (panel.title = title),
        log: deps.log,
      },
      modelUri,
      server,
    );
    this.disposer.track(this.disposed);
    this.disposer.track(panel.webview.onDidReceiveMessage((message: unknown) => this.session.receive(message)));
    this.disposer.track(panel.onDidChangeViewState(() => this.session.setVisible(panel.visible)));
    this.disposer.track(panel.onDidDispose(() => this.dispose()));
    this.session.setVisible(panel.visible);
  }

  /** What the webview last reported showing; for tests. */
  get rendered(): ServeRenderSummary | undefined {
    return this.session.rendered;
  }

  whenRendered(accept?: (summary: ServeRenderSummary) => boolean, timeoutMs?: number): Promise<ServeRenderSummary> {
    return this.session.whenRendered(accept, timeoutMs);
  }

  reveal(tab?: ServeTab): void {
    this.panel.reveal();
    if (tab) this.session.showTab(tab);
  }

  /** Closing the panel leaves its server running: it is listed in Model Servers and stopped from there. */
  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    this.session.dispose();
    this.disposed.fire();
    this.disposer.dispose();
    this.panel.dispose();
  }
}

/** The open Serve panels: one per model URI for launching, found again for a server's requests. */
export class ServePanels implements vscode.Disposable {
  private readonly list: ServePanel[] = [];

  constructor(private readonly deps: ServePanelDeps) {}

  get panels(): readonly ServePanel[] {
    return [...this.list];
  }

  /** The launcher for `modelUri`: an open panel for it that is not serving, else a new one. */
  openLauncher(modelUri: string): ServePanel {
    const idle = this.list.find((p) => p.session.modelUri === modelUri && (!p.session.server || p.session.server.state.phase === 'stopped'));
    if (idle) {
      idle.reveal('launch');
      return idle;
    }
    return this.track(ServePanel.create(this.deps, modelUri));
  }

  /** The request side for a running server: the panel that launched it, else a new one attached to it. */
  openForServer(server: ModelServer): ServePanel {
    const existing = this.list.find((p) => p.session.server === server);
    if (existing) {
      existing.reveal('request');
      return existing;
    }
    return this.track(ServePanel.create(this.deps, server.spec.modelUri, server));
  }

  /** A panel VS Code restored after a window reload, with the model URI its page saved. */
  restore(panel: vscode.WebviewPanel, modelUri: string): ServePanel {
    return this.track(new ServePanel(panel, this.deps, modelUri));
  }

  dispose(): void {
    for (const panel of this.list.splice(0)) panel.dispose();
  }

  private track(panel: ServePanel): ServePanel {
    this.list.push(panel);
    const subscription = panel.onDidDispose(() => {
      subscription.dispose();
      const index = this.list.indexOf(panel);
      if (index >= 0) this.list.splice(index, 1);
    });
    return panel;
  }
}
