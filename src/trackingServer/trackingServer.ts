import type { Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ActiveConnection, ConnectionSwitch } from '../connection/activeStore';
import type { Log } from '../vscode/log';
import { findMlflow, type MlflowExecutable, type MlflowLookup } from '../vscode/python';
import { checkHealth, freeLoopbackPort, waitForHealth } from './health';
import { adoptServerProcess, isAlive, spawnServerProcess, type ServerProcess } from './processGroup';
import { buildServeStartArgv } from '../serving/serveArgv';
import { backendStoreUri, defaultArtifactRoot, localStoreFromTrackingUri, type LocalStore } from './localStore';
import { mlflowVersion } from '../vscode/mlflowVersion';
import { showError, showInfo, showWarning } from '../vscode/notify';
import { offerMlflowInstall } from '../environment/installMlflow';
import { mlflowChildEnv } from '../environment/mlflowChildEnv';

export interface TrackingServerDeps {
  /** Only the current connection is read: which local store to serve, and where to return on stop. */
  readonly activeStore: { readonly current: Pick<ActiveConnection, 'name' | 'kind' | 'trackingUri'> | undefined };
  readonly connections: ConnectionSwitch;
  readonly log: Pick<Log, 'info' | 'warn' | 'error' | 'append' | 'show'>;
  /** Remembers a running server across window reloads, so a surviving one can still be stopped. */
  readonly workspaceState?: vscode.Memento;
}

export type TrackingServerState = 'stopped' | 'starting' | 'running' | 'stopping';

export interface RunningTrackingServer {
  readonly url: string;
  readonly port: number;
  readonly pid: number | undefined;
  readonly executable: string;
  /** Exactly the arguments given to `executable`. */
  readonly argv: readonly string[];
  readonly store: LocalStore;
  /** True for a server started by an earlier session of this window and found still running. */
  readonly adopted: boolean;
}

/** MLflow applies database migrations and starts workers before answering; two minutes covers slow disks. */
const STARTUP_TIMEOUT_MS = 120_000;
/** gunicorn and uvicorn finish in-flight requests on SIGTERM; after this, SIGKILL. */
const STOP_GRACE_MS = 5_000;
const STATE_KEY = 'mlflow.trackingServer';
/** Output kept for the error message when the server exits during startup. */
const OUTPUT_TAIL_LINES = 12;

interface SavedServer {
  pid: number;
  port: number;
  executable: string;
  argv: string[];
  store: LocalStore;
}

/**
 * Runs `mlflow server` for the workspace's local store on a free 127.0.0.1 port, connects the
 * extension to it, and stops it (with everything it started) on Stop or when VS Code closes.
 * One server per window.
 */
export class TrackingServer implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TrackingServerState>();
  readonly onDidChange = this.changed.event;
  private currentState: TrackingServerState = 'stopped';
  private server: { info: RunningTrackingServer; process: ServerProcess } | undefined;
  private starting: { promise: Promise<RunningTrackingServer | undefined>; cancel: AbortController } | undefined;
  /** The local-store connection that was active before we switched to the server, to return to on stop. */
  private previous: { name: string; trackingUri: string } | undefined;
  private disposed = false;

  constructor(private readonly deps: TrackingServerDeps) {
    void this.adoptSurvivor();
  }

  get state(): TrackingServerState {
    return this.currentState;
  }

  get running(): RunningTrackingServer | undefined {
    return this.currentState === 'running' ? this.server?.info : undefined;
  }

  start(): Promise<RunningTrackingServer | undefined> {
    if (this.running) {
      void showInfo(`The MLflow tracking server is already running at ${this.running.url}.`);
      return Promise.resolve(this.running);
    }
    if (this.starting) return this.starting.promise;
    if (this.currentState === 'stopping') {
      void showInfo('The MLflow tracking server is still stopping; try again in a moment.');
      return Promise.resolve(undefined);
    }
    const cancel = new AbortController();
    const promise = this.startServer(cancel.signal).finally(() => {
      this.starting = undefined;
    });
    this.starting = { promise, cancel };
    return promise;
  }

  async stop(): Promise<void> {
    if (this.starting) {
      this.starting.cancel.abort();
      await this.starting.promise;
    }
    const server = this.server;
    if (!server || this.currentState !== 'running') return;
    this.setState('stopping');
    this.deps.log.info(`Stopping the MLflow tracking server on port ${server.info.port}`);
    await server.process.stop(STOP_GRACE_MS);
    await this.afterExit(server.info);
  }

  /** VS Code is closing: nothing can be awaited, so signal now and let the SIGKILL timer follow. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.starting?.cancel.abort();
    this.server?.process.stopSoon(STOP_GRACE_MS);
    this.changed.dispose();
  }

  private async startServer(signal: AbortSignal): Promise<RunningTrackingServer | undefined> {
    if (!vscode.workspace.isTrusted) {
      // The executable may come from the workspace's own virtual environment: running it needs trust.
      const choice = await showWarning(
        'Starting a tracking server runs `mlflow` from this workspace\'s Python environment, which needs a trusted workspace.',
        'Manage Workspace Trust',
      );
      if (choice) await vscode.commands.executeCommand('workbench.trust.manage');
      return undefined;
    }
    const store = await this.chooseStore();
    if (!store) return undefined;
    const lookup = await findMlflow(vscode.workspace.workspaceFolders?.[0]?.uri);
    if (!lookup.executable) {
      void this.explainMissingMlflow(lookup);
      return undefined;
    }
    if (signal.aborted) return undefined;
    const executable = lookup.executable;

    this.setState('starting');
    const launched = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Starting MLflow tracking server', cancellable: true },
      async (progress, token) => {
        const cancel = new AbortController();
        const onCancel = token.onCancellationRequested(() => cancel.abort());
        const onAbort = (): void => cancel.abort();
        signal.addEventListener('abort', onAbort, { once: true });
        try {
          return await this.launch(store, executable, cancel.signal, (message) => progress.report({ message }));
        } finally {
          onCancel.dispose();
          signal.removeEventListener('abort', onAbort);
        }
      },
    );
    if (!launched.ok || this.disposed) {
      if (launched.ok) await launched.child.stop(STOP_GRACE_MS);
      this.setState('stopped');
      if (!launched.ok && launched.error) this.failed(launched.error);
      return undefined;
    }
    const { info, child } = launched;
    this.server = { info, process: child };
    void child.exited.then((exit) => this.onUnexpectedExit(info, exit.code, exit.signal));
    if (info.pid !== undefined) {
      const saved: SavedServer = { pid: info.pid, port: info.port, executable: info.executable, argv: [...info.argv], store };
      await this.deps.workspaceState?.update(STATE_KEY, saved);
    }
    this.setState('running');
    this.deps.log.info(`MLflow tracking server running at ${info.url} (pid ${info.pid}) for ${backendStoreUri(store)}`);
    await this.connect(info);
    return info;
  }

  /**
   * Checks the executable runs (`mlflow --version`, whose answer the argv builder needs), spawns the
   * server and waits for `/health`. Anything that fails is stopped before returning.
   */
  private async launch(
    store: LocalStore,
    mlflow: MlflowExecutable,
    signal: AbortSignal,
    report: (message: string) => void,
  ): Promise<{ ok: true; info: RunningTrackingServer; child: ServerProcess } | { ok: false; error?: string }> {
    report(`checking ${mlflow.path}…`);
    let argv: string[];
    let port: number;
    try {
      const version = await mlflowVersion(mlflow.path, signal, mlflow.environment);
      this.deps.log.info(`Using ${version} at ${mlflow.path} (${mlflow.source === 'path' ? 'from PATH' : 'the selected Python environment'})`);
      port = await freeLoopbackPort();
      argv = buildServeStartArgv({
        backendStoreUri: backendStoreUri(store),
        defaultArtifactRoot: defaultArtifactRoot(store),
        // Loopback only: the server has no authentication.
        host: '127.0.0.1',
        port,
        version,
      });
    } catch (error) {
      return signal.aborted ? { ok: false } : { ok: false, error: `Can't start the MLflow tracking server: ${errorText(error)}` };
    }
    if (signal.aborted) return { ok: false };

    const url = `http://127.0.0.1:${port}`;
    this.deps.log.info(`Starting: ${[mlflow.path, ...argv].map(displayArg).join(' ')}`);
    const tail: string[] = [];
    const child = spawnServerProcess(mlflow.path, argv, {
      cwd: path.dirname(store.location),
      // In the executable's environment; MLflow 3 serves a file store only with MLFLOW_ALLOW_FILE_STORE=true.
      env: mlflowChildEnv(mlflow.environment, { fileStore: store.kind === 'file' }),
      onOutput: (text) => {
        this.deps.log.append(text);
        tail.push(...text.split(/\r?\n/).filter((line) => line.trim() !== ''));
        tail.splice(0, Math.max(0, tail.length - OUTPUT_TAIL_LINES));
      },
    });

    report(`waiting for ${url}/health…`);
    const waiting = new AbortController();
    const onAbort = (): void => waiting.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    void child.exited.then(() => waiting.abort());
    const health = await waitForHealth(url, { signal: waiting.signal, timeoutMs: STARTUP_TIMEOUT_MS });
    signal.removeEventListener('abort', onAbort);
    if (health === 'healthy') {
      return { ok: true, info: { url, port, pid: child.pid, executable: mlflow.path, argv, store, adopted: false }, child };
    }

    const exitedByItself = child.hasExited;
    await child.stop(STOP_GRACE_MS);
    if (exitedByItself) {
      const exit = await child.exited;
      const how = exit.error ? exit.error.message : exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
      return { ok: false, error: `mlflow server stopped before it answered (${how}).${tail.length ? ` Last output: ${tail.slice(-3).join(' | ')}` : ''}` };
    }
    if (health === 'timeout') {
      return { ok: false, error: `mlflow server did not answer ${url}/health within ${STARTUP_TIMEOUT_MS / 1000} s and was stopped.` };
    }
    return { ok: false };
  }

  private async connect(info: RunningTrackingServer): Promise<void> {
    const current = this.deps.activeStore.current;
    if (current && (current.kind === 'sqlite' || current.kind === 'file')) {
      this.previous = { name: current.name, trackingUri: current.trackingUri };
    }
    try {
      await this.deps.connections.connectTo(`Local server (port ${info.port})`, info.url);
    } catch (error) {
      this.deps.log.error(`Connecting to ${info.url} failed`, error);
      void showWarning(`The tracking server is running at ${info.url}, but connecting to it failed: ${errorText(error)}`);
    }
  }

  private async afterExit(info: RunningTrackingServer): Promise<void> {
    if (this.server?.info !== info) return;
    this.server = undefined;
    await this.deps.workspaceState?.update(STATE_KEY, undefined);
    this.setState('stopped');
    this.deps.log.info(`MLflow tracking server on port ${info.port} stopped`);
    // Back to the store the server was serving, read directly, instead of a dead URL.
    const previous = this.previous;
    this.previous = undefined;
    const activeUri = this.deps.activeStore.current?.trackingUri.replace(/\/+$/, '');
    if (!this.disposed && previous && activeUri === info.url) {
      try {
        await this.deps.connections.connectTo(previous.name, previous.trackingUri);
      } catch (error) {
        this.deps.log.error(`Reconnecting to ${previous.name} failed`, error);
      }
    }
  }

  private async onUnexpectedExit(info: RunningTrackingServer, code: number | null, signal: NodeJS.Signals | null): Promise<void> {
    if (this.server?.info !== info || this.currentState !== 'running') return;
    await this.afterExit(info);
    if (this.disposed) return;
    const choice = await showWarning(
      `The MLflow tracking server on port ${info.port} exited (${signal ? `signal ${signal}` : `exit code ${code}`}).`,
      'Show Log',
      'Restart',
    );
    if (choice === 'Show Log') this.deps.log.show();
    if (choice === 'Restart') await this.start();
  }

  /** The store to serve: the active local store, else `mlflow.db` / `mlruns` in a workspace folder, else a new `mlflow.db`. */
  private async chooseStore(): Promise<LocalStore | undefined> {
    const folders = vscode.workspace.workspaceFolders ?? [];
    const current = this.deps.activeStore.current;
    if (current && (current.kind === 'sqlite' || current.kind === 'file')) {
      const store = localStoreFromTrackingUri(current.trackingUri, folders[0]?.uri.fsPath ?? process.cwd());
      if (store) return store;
    }
    for (const folder of folders.filter((f) => f.uri.scheme === 'file')) {
      const database = path.join(folder.uri.fsPath, 'mlflow.db');
      if ((await statOf(database))?.isFile()) return { kind: 'sqlite', location: database };
      const mlruns = path.join(folder.uri.fsPath, 'mlruns');
      if ((await statOf(mlruns))?.isDirectory()) return { kind: 'file', location: mlruns };
    }
    const folder = folders.find((f) => f.uri.scheme === 'file');
    if (!folder) {
      void showInfo('Open a folder first: the tracking server keeps its store (mlflow.db) in the workspace.');
      return undefined;
    }
    const choice = await showInfo(
      `No MLflow store (mlflow.db or mlruns) in ${folder.name}. Start a tracking server with a new store mlflow.db there?`,
      'Create and Start',
    );
    return choice ? { kind: 'sqlite', location: path.join(folder.uri.fsPath, 'mlflow.db') } : undefined;
  }

  private async explainMissingMlflow(lookup: MlflowLookup): Promise<void> {
    if (lookup.selectedEnvironment?.startsWith('mlflow.executablePath')) {
      void showError(`Can't start the MLflow tracking server: ${lookup.selectedEnvironment} is not usable. Set mlflow.executablePath to an mlflow executable, or clear it.`);
      return;
    }
    await offerMlflowInstall(lookup, "Can't start the MLflow tracking server");
  }

  private failed(message: string): void {
    this.deps.log.error(message);
    void showError(message, 'Show Log').then((choice) => {
      if (choice) this.deps.log.show();
    });
  }

  /**
   * A window reload or crash may leave the server of the previous session running (it has its own
   * process group). When it still answers on its port, take it back so Stop works.
   */
  private async adoptSurvivor(): Promise<void> {
    const saved = this.deps.workspaceState?.get<SavedServer>(STATE_KEY);
    if (!saved || typeof saved.pid !== 'number' || typeof saved.port !== 'number') return;
    const url = `http://127.0.0.1:${saved.port}`;
    if (!isAlive(saved.pid) || !(await checkHealth(url, 1_000))) {
      await this.deps.workspaceState?.update(STATE_KEY, undefined);
      return;
    }
    if (this.disposed || this.currentState !== 'stopped') return;
    const info: RunningTrackingServer = { url, port: saved.port, pid: saved.pid, executable: saved.executable, argv: saved.argv, store: saved.store, adopted: true };
    const survivor = adoptServerProcess(saved.pid);
    this.server = { info, process: survivor };
    void survivor.exited.then(() => this.onUnexpectedExit(info, null, null));
    this.setState('running');
    this.deps.log.info(`Found the MLflow tracking server of an earlier session still running at ${url} (pid ${saved.pid}).`);
  }

  private setState(state: TrackingServerState): void {
    if (this.currentState === state) return;
    this.currentState = state;
    if (!this.disposed) this.changed.fire(state);
  }
}

async function statOf(file: string): Promise<Stats | undefined> {
  try {
    return await fs.stat(file);
  } catch {
    return undefined;
  }
}

function displayArg(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
