import * as vscode from 'vscode';
import { waitForHealthy } from '../serving/health';
import { LineSplitter, parseServerLogLine } from '../serving/serverLog';
import { spawnServerProcess, type ServerProcess } from '../trackingServer/processGroup';
import type { Log } from '../vscode/log';
import { displayCommand, serverBaseUrl } from './launchForm';
import type { ResponseView, ServerView } from './protocol';
import { invokeModel, pingOnce } from './scoringClient';
import { describeState, INITIAL_STATE, nextState, type ServerEvent, type ServerState } from './serverState';
import { ServerTerminal } from './serverTerminal';

/** gunicorn and uvicorn finish in-flight requests on SIGTERM; after this the group gets SIGKILL. */
export const STOP_GRACE_MS = 5_000;

export interface ModelServerSpec {
  readonly id: number;
  readonly modelUri: string;
  readonly host: string;
  readonly port: number;
  readonly envManager: string;
  readonly executable: string;
  /** Exactly the arguments given to `executable`. */
  readonly argv: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** How long to wait for /ping: seconds with `local`, many minutes when an environment is built first. */
  readonly healthTimeoutMs: number;
  /** Per-request limit for invocations (the server's own --timeout, plus a margin). */
  readonly requestTimeoutMs: number;
}

/** What tests and the Model Servers view read about a server. */
export interface ModelServerInfo {
  readonly id: number;
  readonly modelUri: string;
  readonly host: string;
  readonly port: number;
  readonly url: string;
  readonly pid: number | undefined;
  readonly executable: string;
  readonly argv: readonly string[];
  readonly state: ServerState;
}

/**
 * One `mlflow models serve` process: spawned with the argv array (no shell) in its own process group,
 * its output streamed to a read-only terminal and read for the "listening" and "port in use" lines,
 * healthy once `/ping` answers. Stop (or disposal) signals the whole group, so the gunicorn/uvicorn
 * workers go too.
 */
export class ModelServer implements vscode.Disposable {
  private current: ServerState = INITIAL_STATE;
  private readonly changed = new vscode.EventEmitter<ServerState>();
  readonly onDidChange = this.changed.event;
  readonly url: string;
  private readonly process: ServerProcess;
  private readonly pty: ServerTerminal;
  private terminal: vscode.Terminal | undefined;
  private readonly lines = new LineSplitter();
  /** Aborts health polling and in-flight requests once the server is on its way out. */
  private readonly alive = new AbortController();
  private readonly startedAt = Date.now();
  private disposed = false;

  constructor(
    readonly spec: ModelServerSpec,
    private readonly log: Pick<Log, 'info' | 'warn'>,
    options: { terminal: boolean },
  ) {
    this.url = serverBaseUrl(spec.host, spec.port);
    const command = displayCommand(spec.executable, spec.argv);
    this.pty = new ServerTerminal({ stop: () => void this.stop() }, `\x1b[1m$ ${command}\x1b[0m`);
    if (options.terminal) {
      this.terminal = vscode.window.createTerminal({
        name: `MLflow serve :${spec.port}`,
        pty: this.pty,
        iconPath: new vscode.ThemeIcon('server-process'),
        // The process does not survive a window reload, so neither should its terminal.
        isTransient: true,
      });
    }
    this.log.info(`Serving ${spec.modelUri}: ${command}`);
    this.process = spawnServerProcess(spec.executable, spec.argv, { cwd: spec.cwd, env: spec.env, onOutput: (text) => this.output(text) });
    void this.process.exited.then((exit) => {
      for (const line of this.lines.flush()) this.readLine(line);
      this.alive.abort();
      this.dispatch({ kind: 'exited', code: exit.code, signal: exit.signal, ...(exit.error ? { error: exit.error.message } : {}) });
      this.pty.note(`[${describeState(this.current, this.url)}]`);
      this.log.info(`Model server on port ${spec.port} (${spec.modelUri}): ${describeState(this.current, this.url)}`);
    });
    void this.waitHealthy();
  }

  get state(): ServerState {
    return this.current;
  }

  get info(): ModelServerInfo {
    const { id, modelUri, host, port, executable, argv } = this.spec;
    return { id, modelUri, host, port, url: this.url, pid: this.process.pid, executable, argv, state: this.current };
  }

  get view(): ServerView {
    const state = this.current;
    return {
      phase: state.phase,
      url: this.url,
      port: this.spec.port,
      ...(this.process.pid !== undefined ? { pid: this.process.pid } : {}),
      text: describeState(state, this.url),
      ...(state.reason ? { reason: state.reason } : {}),
      ...(state.phase === 'stopped' ? { exitCode: state.exitCode ?? null } : {}),
    };
  }

  /** SIGTERM to the group, SIGKILL after the grace period; resolves with the final state. */
  async stop(): Promise<ServerState> {
    if (this.current.phase !== 'stopped') {
      this.dispatch({ kind: 'stopRequested' });
      await this.process.stop(STOP_GRACE_MS);
    }
    return this.whenState((state) => state.phase === 'stopped');
  }

  invoke(bodyText: string): Promise<ResponseView> {
    return invokeModel(this.url, bodyText, { timeoutMs: this.spec.requestTimeoutMs, signal: this.alive.signal });
  }

  showTerminal(): void {
    this.terminal?.show(true);
  }

  /** Resolves with the first state (the current one included) that `accept` takes. */
  whenState(accept: (state: ServerState) => boolean, timeoutMs = 60_000): Promise<ServerState> {
    if (accept(this.current)) return Promise.resolve(this.current);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        subscription.dispose();
        reject(new Error(`server on port ${this.spec.port} did not reach the expected state within ${timeoutMs} ms; it is ${JSON.stringify(this.current)}`));
      }, timeoutMs);
      const subscription = this.changed.event((state) => {
        if (!accept(state)) return;
        clearTimeout(timer);
        subscription.dispose();
        resolve(state);
      });
    });
  }

  /** VS Code is closing: nothing can be awaited, so signal now and let the SIGKILL timer follow. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.dispatch({ kind: 'stopRequested' });
    this.alive.abort();
    this.process.stopSoon(STOP_GRACE_MS);
    this.terminal?.dispose();
    this.pty.dispose();
    // Listeners still waiting hear the exit before the emitter goes.
    void this.process.exited.then(() => this.changed.dispose());
  }

  private async waitHealthy(): Promise<void> {
    try {
      const healthy = await waitForHealthy((signal) => pingOnce(this.url, signal), { signal: this.alive.signal, timeoutMs: this.spec.healthTimeoutMs });
      this.dispatch({ kind: 'healthy', elapsedMs: healthy.elapsedMs });
      this.pty.note(`[healthy: ${this.url}/ping answered after ${(healthy.elapsedMs / 1000).toFixed(1)} s]`);
    } catch (error) {
      if (this.alive.signal.aborted) return;
      const message = error instanceof Error ? error.message : String(error);
      this.dispatch({ kind: 'healthTimeout', message });
      await this.process.stop(STOP_GRACE_MS);
    }
  }

  private output(text: string): void {
    this.pty.write(text);
    for (const line of this.lines.push(text)) this.readLine(line);
  }

  private readLine(line: string): void {
    const event = parseServerLogLine(line);
    if (event?.kind === 'listening') this.dispatch({ kind: 'listening', url: event.url });
    if (event?.kind === 'portInUse') {
      this.dispatch({ kind: 'portInUse', host: event.host, port: event.port });
      void this.process.stop(STOP_GRACE_MS);
    }
  }

  private dispatch(event: ServerEvent): void {
    const next = nextState(this.current, event);
    if (next === this.current) return;
    const phaseChanged = next.phase !== this.current.phase;
    this.current = next;
    if (phaseChanged && next.phase === 'healthy') this.log.info(`Model server ${this.url} is healthy after ${Date.now() - this.startedAt} ms`);
    this.changed.fire(next);
  }
}
