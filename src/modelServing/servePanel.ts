import type * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { freeLoopbackPort } from '../trackingServer/health';
import type { Log } from '../vscode/log';
import { createAppPanel, SessionPanel } from '../vscode/sessionPanel';
import { offerMlflowInstall } from '../environment/installMlflow';
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

/**
 * One Serve Model webview panel: VS Code wiring around a {@link ServeSession}. Closing the panel leaves
 * its server running: it is listed in Model Servers and stopped from there.
 */
export class ServePanel extends SessionPanel<ServeRenderSummary, ServeSession> {
  static create(deps: ServePanelDeps, modelUri: string, server?: ModelServer): ServePanel {
    return new ServePanel(createAppPanel(SERVE_VIEW_TYPE, `Serve ${modelUri}`, deps.extensionUri), deps, modelUri, server);
  }

  constructor(panel: vscode.WebviewPanel, deps: ServePanelDeps, modelUri: string, server?: ModelServer) {
    super(panel, deps.extensionUri, { app: 'serve', title: 'Serve Model' }, () =>
      new ServeSession(
        {
          post: (message) => void panel.webview.postMessage(message),
          lookUpMlflow: async (signal) => {
            const lookup = await lookUpMlflow(signal);
            // The panel says it too; the notification carries the way out (install, select, set).
            if (!lookup.ok && lookup.notInstalled) void offerMlflowInstall(lookup.notInstalled, "Can't serve the model");
            return lookup;
          },
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
      ),
    );
  }

  reveal(tab?: ServeTab): void {
    this.panel.reveal();
    if (tab) this.session.showTab(tab);
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
