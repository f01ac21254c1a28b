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
import { SERVE_VIEW_TYPE } from '../vscode/viewTypes';


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
