import * as vscode from 'vscode';
import { displayCommand } from './launchForm';
import type { ModelServer } from './modelServer';
import type { ModelServers } from './modelServers';
import { describeState } from './serverState';

export const SERVERS_VIEW_ID = 'mlflow.servers';

/** `contextValue`s of server items, matched by package.json menus (`viewItem =~ /^modelServer(Starting|Healthy)$/`). */
export const enum ServerContext {
  Starting = 'modelServerStarting',
  Healthy = 'modelServerHealthy',
  Stopping = 'modelServerStopping',
}

/** The Model Servers view: an adapter over ModelServers listing the servers not yet stopped. */
export class ServersTreeProvider implements vscode.TreeDataProvider<ModelServer>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly servers: ModelServers,
    private readonly openCommand: string,
  ) {
    this.subscription = servers.onDidChange(() => this.changed.fire());
  }

  getChildren(element?: ModelServer): ModelServer[] {
    return element ? [] : [...this.servers.live];
  }

  getTreeItem(server: ModelServer): vscode.TreeItem {
    const { state } = server;
    const item = new vscode.TreeItem(server.spec.modelUri, vscode.TreeItemCollapsibleState.None);
    item.id = `modelServer-${server.spec.id}`;
    item.description = `:${server.spec.port} · ${state.phase}`;
    // Without it, screen readers (and the tree's own name) would read the tooltip instead of the model.
    item.accessibilityInformation = { label: `${server.spec.modelUri}, port ${server.spec.port}, ${state.phase}` };
    item.tooltip = `${describeState(state, server.url)}\n${displayCommand(server.spec.executable, server.spec.argv)}${server.info.pid ? `\npid ${server.info.pid}` : ''}`;
    switch (state.phase) {
      case 'starting':
        item.iconPath = new vscode.ThemeIcon('loading~spin');
        item.contextValue = ServerContext.Starting;
        break;
      case 'healthy':
        item.iconPath = new vscode.ThemeIcon('server-process', new vscode.ThemeColor('testing.iconPassed'));
        item.contextValue = ServerContext.Healthy;
        break;
      case 'stopping':
      case 'stopped':
        item.iconPath = new vscode.ThemeIcon('loading~spin');
        item.contextValue = ServerContext.Stopping;
        break;
    }
    item.command = { command: this.openCommand, title: 'Open Request Panel', arguments: [server] };
    return item;
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
