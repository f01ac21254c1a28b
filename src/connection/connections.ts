import * as fs from 'fs';
import * as vscode from 'vscode';
import {
  credentialsFromEnv,
  databricksCredentials,
  parseTrackingUri,
  resolveTrackingUri,
  type EnvCredentials,
  type TrackingTarget,
} from '../mlflow/connection';
import { readDatabricksProfiles } from '../mlflow/databricksConfig';
import type { HttpAuth } from '../mlflow/http';
import type { TrackingStore } from '../mlflow/store';
import { ContextKey, setContext } from '../vscode/contextKeys';
import type { Log } from '../vscode/log';
import { settings, type ServerSetting } from '../vscode/settings';
import type { ActiveConnection, ActiveStore, ConnectionSwitch } from './activeStore';
import { CredentialStore, type StoredCredentials } from './credentials';
import { showError } from '../vscode/notify';

/** A place the user can connect to: the default one (setting, env, workspace store) or a named server. */
export interface ConnectionProfile {
  readonly name: string;
  readonly uri: string;
  readonly source: 'setting' | 'environment' | 'workspace' | 'servers' | 'session';
  readonly server?: ServerSetting;
}

/** Builds the backend for a target; `credentials` are the effective ones (stored, URL or environment). */
export type StoreFactory = (target: TrackingTarget, credentials: EnvCredentials) => TrackingStore;

const ACTIVE_KEY = 'mlflow.activeConnection';

/**
 * Decides which tracking store is active and builds it. Nothing here touches the network: the store is
 * created lazily and the views make the first call. Credentials come from SecretStorage (asked for on
 * 401/403) or MLflow's environment variables, and go only into the HTTP client and child processes.
 */
export class Connections implements ActiveStore, ConnectionSwitch, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<ActiveConnection | undefined>();
  readonly onDidChange = this.changed.event;
  private active: ActiveConnection | undefined;
  private readonly sessionProfiles: ConnectionProfile[] = [];
  private readonly credentials: CredentialStore;

  constructor(
    private readonly deps: {
      secrets: vscode.SecretStorage;
      workspaceState: vscode.Memento;
      log: Log;
      createStore: StoreFactory;
      env?: NodeJS.ProcessEnv;
    },
  ) {
    this.credentials = new CredentialStore(deps.secrets);
  }

  get current(): ActiveConnection | undefined {
    return this.active;
  }

  private get env(): NodeJS.ProcessEnv {
    return this.deps.env ?? process.env;
  }

  /** Everything the user can switch between, the default first. */
  profiles(): ConnectionProfile[] {
    const list: ConnectionProfile[] = [];
    const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => f.uri.fsPath);
    const setting = settings.trackingUri();
    const uri = resolveTrackingUri({ setting, env: this.env, workspaceFolders: folders, exists: fs.existsSync });
    if (uri) {
      const source = setting ? 'setting' : this.env.MLFLOW_TRACKING_URI?.trim() ? 'environment' : 'workspace';
      const name = source === 'workspace' ? 'Workspace store' : source === 'setting' ? 'Configured server' : 'MLFLOW_TRACKING_URI';
      list.push({ name, uri, source });
    }
    for (const server of settings.servers()) list.push({ name: server.name, uri: server.uri, source: 'servers', server });
    for (const profile of this.sessionProfiles) if (!list.some((p) => p.name === profile.name)) list.push(profile);
    return list;
  }

  /** Connects to the remembered choice, else the default; leaves the views' welcome showing if none. */
  async initialize(): Promise<void> {
    const remembered = this.deps.workspaceState.get<string>(ACTIVE_KEY);
    const profiles = this.profiles();
    const profile = profiles.find((p) => p.name === remembered) ?? profiles[0];
    if (profile) await this.use(profile);
    else await this.setActive(undefined);
  }

  async select(name: string): Promise<void> {
    const profile = this.profiles().find((p) => p.name === name);
    if (!profile) throw new Error(`No MLflow connection named "${name}"`);
    await this.deps.workspaceState.update(ACTIVE_KEY, name);
    await this.use(profile);
  }

  async connectTo(name: string, trackingUri: string): Promise<void> {
    const index = this.sessionProfiles.findIndex((p) => p.name === name);
    const profile: ConnectionProfile = { name, uri: trackingUri, source: 'session' };
    if (index >= 0) this.sessionProfiles[index] = profile;
    else this.sessionProfiles.push(profile);
    await this.use(profile);
  }

  /** Rebuilds the active store (after credentials or settings change). */
  async reconnect(): Promise<void> {
    const name = this.active?.name;
    const profile = this.profiles().find((p) => p.name === name) ?? this.profiles()[0];
    if (profile) await this.use(profile);
    else await this.setActive(undefined);
  }

  /** Asks for and stores credentials for the active server, then reconnects. Returns false if cancelled. */
  async signIn(): Promise<boolean> {
    const active = this.active;
    if (!active || (active.kind !== 'rest' && active.kind !== 'databricks')) return false;
    const kind = await vscode.window.showQuickPick(
      [
        { label: 'Username and password', description: 'HTTP basic auth (mlflow server --app-name basic-auth)', value: 'basic' as const },
        { label: 'Access token', description: 'Bearer token (MLFLOW_TRACKING_TOKEN, Databricks PAT)', value: 'token' as const },
      ],
      { title: `Sign in to ${active.name}`, ignoreFocusOut: true },
    );
    if (!kind) return false;
    let stored: StoredCredentials;
    if (kind.value === 'basic') {
      const username = await vscode.window.showInputBox({ title: `Username for ${active.trackingUri}`, ignoreFocusOut: true });
      if (!username) return false;
      const password = await vscode.window.showInputBox({ title: `Password for ${username}`, password: true, ignoreFocusOut: true });
      if (password === undefined) return false;
      stored = { kind: 'basic', username, password };
    } else {
      const token = await vscode.window.showInputBox({ title: `Access token for ${active.trackingUri}`, password: true, ignoreFocusOut: true });
      if (!token) return false;
      stored = { kind: 'bearer', token };
    }
    await this.credentials.set(active.trackingUri, stored);
    await this.reconnect();
    return true;
  }

  /**
   * Keeps credentials typed into a server URI in SecretStorage, under the URI they were split from
   * (what `build` looks them up by), so the setting can hold the URI without them.
   */
  async storeCredentials(uri: string, credentials: StoredCredentials): Promise<void> {
    const target = parseTrackingUri(uri);
    if (target.kind !== 'rest') throw new Error(`Credentials are kept for http(s) servers only, not ${uri}`);
    await this.credentials.set(target.baseUrl, credentials);
    this.deps.log.addSecret(credentials.kind === 'basic' ? credentials.password : credentials.token);
  }

  async signOut(): Promise<void> {
    if (!this.active) return;
    await this.credentials.delete(this.active.trackingUri);
    await this.reconnect();
  }

  private async use(profile: ConnectionProfile): Promise<void> {
    let connection: ActiveConnection | undefined;
    try {
      connection = await this.build(profile);
    } catch (error) {
      this.deps.log.error(`Cannot open ${profile.name}`, error);
      void showError(`MLflow: cannot open ${profile.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
    await this.setActive(connection);
  }

  private async build(profile: ConnectionProfile): Promise<ActiveConnection> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    const target = parseTrackingUri(profile.uri, { baseDir: folder });
    const envCredentials: EnvCredentials = {
      ...credentialsFromEnv(this.env),
      // Read on each connect, like MLflow: `databricks auth login` may have just written it.
      ...(target.kind === 'databricks' ? { databricksProfiles: await readDatabricksProfiles(this.env) } : {}),
    };
    const trackingUri = displayUri(profile.uri, target);
    const stored = await this.credentials.get(trackingUri);
    const auth = stored ?? (target.kind === 'rest' ? target.auth : undefined) ?? envCredentials.auth;
    const insecureTls = profile.server?.insecureTls ?? envCredentials.insecureTls;
    const caCertPath = profile.server?.caCertPath ?? envCredentials.caCertPath;
    for (const secret of secretsOf(target, auth, envCredentials)) this.deps.log.addSecret(secret);
    const store = this.deps.createStore(target, { ...envCredentials, auth, insecureTls, caCertPath });
    this.deps.log.info(`Connected to ${profile.name}: ${store.description}`);
    return {
      name: profile.name,
      trackingUri,
      kind: target.kind,
      store,
      webUiUrl: target.kind === 'rest' ? target.baseUrl : undefined,
      processEnv: async () => processEnvFor(trackingUri, target, auth, envCredentials, insecureTls, caCertPath),
    };
  }

  private async setActive(connection: ActiveConnection | undefined): Promise<void> {
    await setContext(ContextKey.Connected, Boolean(connection));
    await setContext(ContextKey.ReadOnlyStore, connection?.kind === 'sqlite' || connection?.kind === 'file');
    // The switch and its event in one turn: a view that read `active` between them would load the new
    // store once for itself and again for the event (the 10,000-experiments load test saw 13 requests).
    const previous = this.active;
    this.active = connection;
    previous?.store.dispose();
    this.changed.fire(connection);
  }

  dispose(): void {
    this.active?.store.dispose();
    this.changed.dispose();
  }
}

/** What child processes get: the URI they log to, and the credentials only in their own environment. */
function processEnvFor(
  trackingUri: string,
  target: TrackingTarget,
  auth: HttpAuth | undefined,
  env: EnvCredentials,
  insecureTls: boolean,
  caCertPath: string | undefined,
): Record<string, string> {
  const out: Record<string, string> = { MLFLOW_TRACKING_URI: trackingUri };
  if (target.kind === 'databricks' && env.databricks) {
    out.DATABRICKS_HOST = env.databricks.host;
    out.DATABRICKS_TOKEN = env.databricks.token;
  }
  if (auth?.kind === 'basic') {
    out.MLFLOW_TRACKING_USERNAME = auth.username;
    out.MLFLOW_TRACKING_PASSWORD = auth.password;
  } else if (auth?.kind === 'bearer' && target.kind !== 'databricks') {
    out.MLFLOW_TRACKING_TOKEN = auth.token;
  }
  if (insecureTls) out.MLFLOW_TRACKING_INSECURE_TLS = 'true';
  if (caCertPath) out.MLFLOW_TRACKING_SERVER_CERT_PATH = caCertPath;
  return out;
}

/** The URI without credentials; local stores as absolute URIs so child processes in other folders agree. */
function displayUri(uri: string, target: TrackingTarget): string {
  switch (target.kind) {
    case 'rest':
      return target.baseUrl;
    case 'sqlite':
      return `sqlite:///${target.path.replace(/\\/g, '/')}`;
    case 'file':
      return vscode.Uri.file(target.path).toString();
    case 'databricks':
      return uri.trim();
  }
}

/** What the log must never show; for Databricks, the token of the profile or variables in use. */
function secretsOf(target: TrackingTarget, auth: HttpAuth | undefined, env: EnvCredentials): string[] {
  const out: string[] = [];
  if (auth?.kind === 'basic') out.push(auth.password);
  if (auth?.kind === 'bearer') out.push(auth.token);
  if (env.databricks) out.push(env.databricks.token);
  if (target.kind === 'databricks') out.push(databricksCredentials(target, env).token);
  return out;
}
