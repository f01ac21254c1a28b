import * as os from 'node:os';
import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { MlflowError } from '../mlflow/errors';
import type { EnvManager } from '../mlproject/mlflowCli';
import { buildServeArgv } from '../serving/serveArgv';
import { mlflowChildEnv } from '../environment/mlflowChildEnv';
import type { Log } from '../vscode/log';
import type { MlflowCli } from './cliLookup';
import { ModelServer, type ModelServerInfo } from './modelServer';
import { portProblem } from './ports';

export interface ServeRequest {
  readonly cli: MlflowCli;
  readonly modelUri: string;
  readonly host: string;
  readonly port: number;
  readonly envManager: EnvManager;
  readonly workers?: number;
  readonly timeout?: number;
}

export interface ModelServersDeps {
  /** Where `MLFLOW_TRACKING_URI` and credentials for the child come from (runs:/ and models:/ resolve there). */
  readonly activeStore: Pick<ActiveStore, 'current'>;
  readonly log: Pick<Log, 'info' | 'warn'>;
  /** One read-only terminal per server; on unless a caller has no use for them. */
  readonly terminals?: boolean;
}

/** `local` only imports the model; the other managers first build an environment, which takes minutes. */
const HEALTH_TIMEOUT_LOCAL_MS = 3 * 60_000;
const HEALTH_TIMEOUT_BUILD_MS = 30 * 60_000;
/** MLflow's default `--timeout`: a request is abandoned after it anyway. */
const DEFAULT_SERVER_TIMEOUT_S = 60;

/**
 * The model servers of this window: starts them, lists them, and stops every one of them when the
 * window closes. Owns no UI beyond each server's terminal; the panels and the Model Servers view read
 * from here.
 */
export class ModelServers implements vscode.Disposable {
  private readonly list: ModelServer[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<void>();
  /** A server was added or changed state. */
  readonly onDidChange = this.changed.event;
  private nextId = 1;
  private disposed = false;

  constructor(private readonly deps: ModelServersDeps) {}

  /** Every server started in this window, stopped ones included, oldest first. */
  get all(): readonly ModelServer[] {
    return [...this.list];
  }

  /** Those not yet stopped. */
  get live(): readonly ModelServer[] {
    return this.list.filter((server) => server.state.phase !== 'stopped');
  }

  get infos(): ModelServerInfo[] {
    return this.list.map((server) => server.info);
  }

  byId(id: number): ModelServer | undefined {
    return this.list.find((server) => server.spec.id === id);
  }

  /**
   * Spawns `mlflow models serve` for `request` once the argv is valid for the installed version and the
   * port is free; rejects with an MlflowError saying which is not. Resolves as soon as the process is
   * spawned: follow `server.onDidChange` (or `whenState`) for starting → healthy → stopped.
   */
  async start(request: ServeRequest): Promise<ModelServer> {
    if (this.disposed) throw new MlflowError('The extension is shutting down.', 'CANCELLED');
    if (!vscode.workspace.isTrusted) {
      // The executable may come from the workspace's own virtual environment: running it needs trust.
      throw new MlflowError("Serving a model runs mlflow from this workspace's Python environment, which needs a trusted workspace.", 'PERMISSION_DENIED');
    }
    const argv = buildServeArgv({ ...request, version: request.cli.versionLine });
    const taken = await portProblem(request.host, request.port);
    if (taken) throw new MlflowError(taken, 'INVALID_PARAMETER_VALUE');
    const connection = this.deps.activeStore.current;
    const storeEnv = connection ? await connection.processEnv() : undefined;
    const server = new ModelServer(
      {
        id: this.nextId++,
        modelUri: request.modelUri,
        host: request.host,
        port: request.port,
        envManager: request.envManager,
        executable: request.cli.executable,
        argv,
        // The executable's environment first on PATH (MLflow starts gunicorn/uvicorn through it), the
        // connection's credentials instead of inherited ones, and the file-store opt-in of MLflow 3.
        env: mlflowChildEnv(request.cli.environment, { connection: storeEnv, fileStore: connection?.kind === 'file' }),
        cwd: vscode.workspace.workspaceFolders?.find((folder) => folder.uri.scheme === 'file')?.uri.fsPath ?? os.homedir(),
        healthTimeoutMs: request.envManager === 'local' ? HEALTH_TIMEOUT_LOCAL_MS : HEALTH_TIMEOUT_BUILD_MS,
        requestTimeoutMs: ((request.timeout ?? DEFAULT_SERVER_TIMEOUT_S) + 10) * 1000,
      },
      this.deps.log,
      { terminal: this.deps.terminals ?? true },
    );
    this.list.push(server);
    this.subscriptions.push(server.onDidChange(() => this.changed.fire()));
    this.changed.fire();
    return server;
  }

  /** Resolves when `accept` holds for the list of servers (checked now and on every change). */
  whenServers(accept: (servers: readonly ModelServerInfo[]) => boolean, timeoutMs = 60_000): Promise<ModelServerInfo[]> {
    if (accept(this.infos)) return Promise.resolve(this.infos);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        subscription.dispose();
        reject(new Error(`the model servers did not reach the expected state within ${timeoutMs} ms: ${JSON.stringify(this.infos)}`));
      }, timeoutMs);
      const subscription = this.changed.event(() => {
        if (!accept(this.infos)) return;
        clearTimeout(timer);
        subscription.dispose();
        resolve(this.infos);
      });
    });
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.live.map((server) => server.stop()));
  }

  /** VS Code is closing: every process group gets SIGTERM now and SIGKILL after the grace period. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const server of this.list) server.dispose();
    for (const subscription of this.subscriptions.splice(0)) subscription.dispose();
    this.changed.dispose();
  }
}
