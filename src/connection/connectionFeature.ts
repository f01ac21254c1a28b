import * as vscode from 'vscode';
import { Disposer } from '../vscode/disposer';
import type { Log } from '../vscode/log';
import type { ActiveConnection } from './activeStore';
import type { Connections } from './connections';
import { splitUserinfo } from './core/serverUri';

const LOCALHOST_UI = 'http://localhost:5000';

/**
 * Connection commands and the status bar item that names the active store and whether it answers.
 * The status check is one cheap capabilities call per connection change, not a poll.
 */
export class ConnectionFeature implements vscode.Disposable {
  private readonly disposer = new Disposer();
  private readonly statusItem: vscode.StatusBarItem;
  private checkGeneration = 0;

  constructor(private readonly deps: { connections: Connections; log: Log }) {
    const { connections } = deps;
    this.statusItem = this.disposer.track(vscode.window.createStatusBarItem('mlflow.connection', vscode.StatusBarAlignment.Left, 50));
    this.statusItem.name = 'MLflow connection';
    this.statusItem.command = 'mlflow.selectConnection';
    this.disposer.track(connections.onDidChange((connection) => void this.showStatus(connection)));
    this.disposer.track(vscode.workspace.onDidChangeConfiguration((event) => {
      // A password typed into settings.json by hand is moved out as soon as it is saved.
      if (event.affectsConfiguration('mlflow.servers')) void this.moveCredentialsOutOfSettings();
      if (event.affectsConfiguration('mlflow.trackingUri') || event.affectsConfiguration('mlflow.servers')) void connections.reconnect();
    }));
    const register = (id: string, handler: (...args: never[]) => unknown) => this.disposer.track(vscode.commands.registerCommand(id, handler));
    register('mlflow.connect', () => this.connect());
    register('mlflow.connectLocalhost', () => connections.connectTo('localhost:5000', LOCALHOST_UI));
    register('mlflow.selectConnection', () => this.selectConnection());
    register('mlflow.signIn', () => connections.signIn());
    register('mlflow.signOut', () => connections.signOut());
    void this.moveCredentialsOutOfSettings();
  }

  /**
   * Servers saved before credentials were split off (or written by hand) may hold `user:pass@` in
   * settings.json: move each to SecretStorage and rewrite the entry without it, in the scope it was in.
   */
  private async moveCredentialsOutOfSettings(): Promise<void> {
    const config = vscode.workspace.getConfiguration('mlflow');
    const inspected = config.inspect<unknown[]>('servers');
    const scopes: [unknown[] | undefined, vscode.ConfigurationTarget][] = [
      [inspected?.globalValue, vscode.ConfigurationTarget.Global],
      [inspected?.workspaceValue, vscode.ConfigurationTarget.Workspace],
    ];
    for (const [entries, target] of scopes) {
      if (!Array.isArray(entries)) continue;
      let moved = 0;
      const rewritten: unknown[] = [];
      for (const entry of entries) {
        const uri = (entry as { uri?: unknown } | null)?.uri;
        const split = typeof uri === 'string' ? splitUserinfo(uri) : undefined;
        if (!split?.credentials) {
          rewritten.push(entry);
          continue;
        }
        try {
          await this.deps.connections.storeCredentials(split.uri, split.credentials);
          rewritten.push({ ...(entry as object), uri: split.uri });
          moved++;
        } catch (error) {
          this.deps.log.error('Could not move the credentials of a server in mlflow.servers to the keychain', error);
          rewritten.push(entry);
        }
      }
      if (moved === 0) continue;
      await config.update('servers', rewritten, target);
      this.deps.log.info(`Moved the credentials of ${moved} server(s) from the mlflow.servers setting to VS Code's SecretStorage.`);
    }
  }

  /** Shows the active connection at once, then whether it answers. */
  private async showStatus(connection: ActiveConnection | undefined): Promise<void> {
    const generation = ++this.checkGeneration;
    if (!connection) {
      this.statusItem.hide();
      return;
    }
    this.statusItem.text = `$(beaker) ${connection.name}`;
    this.statusItem.tooltip = `MLflow: ${connection.trackingUri}\nChecking…`;
    this.statusItem.backgroundColor = undefined;
    this.statusItem.show();
    try {
      const capabilities = await connection.store.capabilities();
      if (generation !== this.checkGeneration) return;
      const notes = [capabilities.readOnly ? 'read-only (local store)' : 'read-write', capabilities.registry ? 'model registry' : 'no registry'];
      this.statusItem.text = `$(beaker) ${connection.name}`;
      this.statusItem.tooltip = `MLflow: ${connection.trackingUri}\n${notes.join(' · ')}\nClick to switch connection`;
    } catch (error) {
      if (generation !== this.checkGeneration) return;
      this.statusItem.text = `$(warning) ${connection.name}`;
      this.statusItem.tooltip = `MLflow: ${connection.trackingUri}\nNot answering: ${error instanceof Error ? error.message : String(error)}`;
      this.statusItem.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
    }
  }

  private async selectConnection(): Promise<void> {
    const { connections } = this.deps;
    const active = connections.current?.name;
    const items: (vscode.QuickPickItem & { profile?: string; action?: 'add' })[] = connections.profiles().map((p) => ({
      label: `${p.name === active ? '$(check) ' : ''}${p.name}`,
      description: p.uri.replace(/\/\/[^/@]*@/, '//'),
      detail: p.source === 'servers' ? 'from mlflow.servers' : p.source === 'session' ? 'this session' : `from ${p.source}`,
      profile: p.name,
    }));
    items.push({ label: '$(add) Connect to another server…', action: 'add' });
    const chosen = await vscode.window.showQuickPick(items, { title: 'MLflow: switch tracking store' });
    if (!chosen) return;
    if (chosen.action === 'add') return this.connect();
    if (chosen.profile) await connections.select(chosen.profile);
  }

  /** Asks for a tracking URI and optionally saves it as a named server in the user's settings. */
  private async connect(): Promise<void> {
    const uri = await vscode.window.showInputBox({
      title: 'Connect to an MLflow tracking store',
      prompt: 'http(s)://host:port, databricks, databricks://<profile>, sqlite:///path/mlflow.db or file:///path/mlruns',
      value: LOCALHOST_UI,
      ignoreFocusOut: true,
      validateInput: (value) => (/^(https?:\/\/\S+|databricks(:\/\/\S*)?|sqlite:\/\/\/\S+|file:\/\/\S+)$/i.test(value.trim()) ? undefined : 'Not a tracking URI MLflow Workbench can open'),
    });
    if (!uri) return;
    // `https://user:pass@host` as typed: the password goes to the keychain, the setting gets the URI without it.
    const split = splitUserinfo(uri);
    const name = await vscode.window.showInputBox({
      title: 'Name this connection',
      prompt: 'Saved in the mlflow.servers setting (credentials, if any, are asked for when the server wants them and kept in the OS keychain)',
      value: new URL(split.uri.startsWith('http') ? split.uri : 'http://local').host || 'MLflow',
      ignoreFocusOut: true,
    });
    if (!name) return;
    const config = vscode.workspace.getConfiguration('mlflow');
    const servers = config.get<unknown[]>('servers', []).filter((s) => (s as { name?: unknown }).name !== name);
    if (split.credentials) await this.deps.connections.storeCredentials(split.uri, split.credentials);
    await config.update('servers', [...servers, { name, uri: split.uri }], vscode.ConfigurationTarget.Global);
    await this.deps.connections.select(name);
  }

  dispose(): void {
    this.disposer.dispose();
  }
}
