import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { modelUriOf } from '../explorer/runCommands';
import type { ExplorerNode } from '../explorer/nodes';
import { parseModelUri } from '../serving/modelUri';
import { ContextKey, setContext } from '../vscode/contextKeys';
import { Disposer } from '../vscode/disposer';
import type { Log } from '../vscode/log';
import { ModelServer, type ModelServerInfo } from './modelServer';
import { ModelServers } from './modelServers';
import { SERVE_VIEW_TYPE } from '../vscode/viewTypes';
import type { ServePanel } from './servePanel';
import { ServePanels } from './servePanels';
import { SERVERS_VIEW_ID, ServersTreeProvider } from './serversTree';
import { describeState, isUnexpectedStop } from './serverState';
import { showError, showWarning } from '../vscode/notify';

export const ServingCommand = {
  Serve: 'mlflow.serveModel',
  Stop: 'mlflow.stopModelServer',
  OpenRequest: 'mlflow.openModelServer',
  ShowOutput: 'mlflow.showModelServerOutput',
  StopAll: 'mlflow.stopAllModelServers',
} as const;

export interface ServingFeatureDeps {
  readonly extensionUri: vscode.Uri;
  readonly activeStore: ActiveStore;
  readonly log: Pick<Log, 'info' | 'warn' | 'error'>;
}

/**
 * "Serve Model": the launcher/request panels, the servers they start, and the Model Servers view.
 * Every server stops when this is disposed (the window closing).
 */
export class ServingFeature implements vscode.Disposable {
  private readonly disposer = new Disposer();
  readonly modelServers: ModelServers;
  readonly panels: ServePanels;
  private readonly treeView: vscode.TreeView<ModelServer>;
  private readonly phases = new Map<number, string>();

  constructor(private readonly deps: ServingFeatureDeps) {
    this.modelServers = this.disposer.track(new ModelServers({ activeStore: deps.activeStore, log: deps.log }));
    this.panels = this.disposer.track(new ServePanels({ ...deps, servers: this.modelServers }));
    const tree = this.disposer.track(new ServersTreeProvider(this.modelServers, ServingCommand.OpenRequest));
    this.treeView = this.disposer.track(vscode.window.createTreeView(SERVERS_VIEW_ID, { treeDataProvider: tree }));
    const register = (id: string, handler: (...args: unknown[]) => unknown): void => {
      this.disposer.track(vscode.commands.registerCommand(id, (...args: unknown[]) => this.guard(id, () => handler(...args))));
    };
    register(ServingCommand.Serve, (target) => this.serveModel(target));
    register(ServingCommand.Stop, (target) => this.pickServer(target, 'Stop which model server?').then((server) => server?.stop()));
    register(ServingCommand.OpenRequest, (target) => this.pickServer(target, 'Send requests to which model server?').then((server) => server && this.panels.openForServer(server)));
    register(ServingCommand.ShowOutput, (target) => this.pickServer(target, 'Show the output of which model server?').then((server) => server?.showTerminal()));
    register(ServingCommand.StopAll, () => this.modelServers.stopAll());
    this.disposer.track(
      vscode.window.registerWebviewPanelSerializer(SERVE_VIEW_TYPE, {
        deserializeWebviewPanel: async (panel, state: unknown) => {
          const modelUri = typeof state === 'object' && state !== null ? (state as { modelUri?: unknown }).modelUri : undefined;
          if (typeof modelUri === 'string' && parseModelUri(modelUri).ok) this.panels.restore(panel, modelUri);
          else panel.dispose();
        },
      }),
    );
    this.disposer.track(this.modelServers.onDidChange(() => this.serversChanged()));
    this.serversChanged();
  }

  /** Test hook: every server of this window with its state, port and argv. */
  get servers(): ModelServerInfo[] {
    return this.modelServers.infos;
  }

  /** Test hook: resolves when `accept` holds for the servers list. */
  whenServers(accept: (servers: readonly ModelServerInfo[]) => boolean, timeoutMs?: number): Promise<ModelServerInfo[]> {
    return this.modelServers.whenServers(accept, timeoutMs);
  }

  /**
   * Opens the launcher for a Runs-view node (a model folder, a run that logged a model, a logged model),
   * `{ modelUri }` (Models view), a URI string, or, from the palette, a URI the user types.
   */
  async serveModel(target?: unknown): Promise<ServePanel | undefined> {
    const modelUri = targetModelUri(target) ?? (await this.askModelUri());
    return modelUri ? this.panels.openLauncher(modelUri) : undefined;
  }

  stopAll(): Promise<void> {
    return this.modelServers.stopAll();
  }

  dispose(): void {
    this.disposer.dispose();
  }

  private async askModelUri(): Promise<string | undefined> {
    const uri = await vscode.window.showInputBox({
      title: 'Serve Model',
      prompt: 'The model to serve with `mlflow models serve`',
      placeHolder: 'runs:/<run id>/model, models:/<name>/<version>, models:/<name>@<alias> or models:/m-<id>',
      ignoreFocusOut: true,
      validateInput: (value) => {
        const parsed = parseModelUri(value.trim());
        return parsed.ok ? undefined : parsed.message;
      },
    });
    return uri?.trim() || undefined;
  }

  private async pickServer(target: unknown, title: string): Promise<ModelServer | undefined> {
    if (target instanceof ModelServer) return target;
    const live = this.modelServers.live;
    if (live.length <= 1) return live[0];
    const picked = await vscode.window.showQuickPick(
      live.map((server) => ({ label: server.spec.modelUri, description: `:${server.spec.port} · ${server.state.phase}`, server })),
      { title },
    );
    return picked?.server;
  }

  private serversChanged(): void {
    const live = this.modelServers.live.length;
    void setContext(ContextKey.ServersRunning, live > 0);
    this.treeView.badge = live > 0 ? { value: live, tooltip: `${live} model server${live === 1 ? '' : 's'} running` } : undefined;
    for (const server of this.modelServers.all) {
      const before = this.phases.get(server.spec.id);
      this.phases.set(server.spec.id, server.state.phase);
      if (before === undefined || before === 'stopped' || server.state.phase !== 'stopped' || !isUnexpectedStop(server.state)) continue;
      // A panel following the server already says so; otherwise the user would not notice.
      if (this.panels.panels.some((panel) => panel.session.server === server && panel.panel.visible)) continue;
      void showWarning(`The model server for ${server.spec.modelUri} on port ${server.spec.port}: ${describeState(server.state, server.url)}`, 'Show Output')
        .then((choice) => choice && server.showTerminal());
    }
  }

  private async guard(id: string, action: () => unknown): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.deps.log.error(`${id} failed`, error);
      void showError(`MLflow: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}

/** The model URI a command was invoked with, from whichever view invoked it. */
export function targetModelUri(target: unknown): string | undefined {
  if (typeof target === 'string') return target.trim() || undefined;
  if (typeof target !== 'object' || target === null) return undefined;
  const record = target as { modelUri?: unknown; kind?: unknown };
  if (typeof record.modelUri === 'string') return record.modelUri.trim() || undefined;
  if (typeof record.kind === 'string') return modelUriOf(target as ExplorerNode);
  return undefined;
}
