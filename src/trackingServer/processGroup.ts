import { execFile, spawn, type ChildProcess } from 'node:child_process';

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all (ENOENT, EACCES, …). */
  readonly error?: Error;
}

/**
 * A process started in its own process group, so that stopping it also stops what it started:
 * `mlflow server` is a Python launcher that runs gunicorn or uvicorn, which fork workers. Killing
 * only the launcher's pid would leave those serving the port.
 */
export interface ServerProcess {
  readonly pid: number | undefined;
  readonly exited: Promise<ExitInfo>;
  readonly hasExited: boolean;
  /** SIGTERM to the group, SIGKILL to whatever is left after `graceMs`; resolves when the leader is gone. */
  stop(graceMs: number): Promise<ExitInfo>;
  /** For shutdown, where nothing can be awaited: SIGTERM now, SIGKILL after `graceMs` unless it exited. */
  stopSoon(graceMs: number): void;
}

export function spawnServerProcess(
  executable: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; onOutput: (text: string) => void },
): ServerProcess {
  const child = spawn(executable, args, {
    cwd: options.cwd,
    env: options.env,
    shell: false,
    // A new process group on POSIX (the group id is the child's pid); Windows uses taskkill /T instead.
    detached: process.platform !== 'win32',
    stdio: ['ignore', 'pipe', 'pipe'],
    windowsHide: true,
  });
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', options.onOutput);
  child.stderr?.on('data', options.onOutput);
  return new ChildGroup(child);
}

/** Re-attaches to a group started by an earlier session of this window (see TrackingServer). */
export function adoptServerProcess(pid: number): ServerProcess {
  return new AdoptedGroup(pid);
}

abstract class GroupBase implements ServerProcess {
  abstract readonly pid: number | undefined;
  abstract readonly exited: Promise<ExitInfo>;
  abstract readonly hasExited: boolean;

  async stop(graceMs: number): Promise<ExitInfo> {
    if (!this.hasExited) {
      this.signalGroup('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const graceful = await Promise.race([
        this.exited.then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), graceMs))),
      ]);
      clearTimeout(timer);
      if (!graceful) this.signalGroup('SIGKILL');
    }
    const info = await this.exited;
    // Workers can outlive a leader that exited on SIGTERM; the group id stays reserved while any do.
    this.signalGroup('SIGKILL');
    return info;
  }

  stopSoon(graceMs: number): void {
    if (this.hasExited) return;
    this.signalGroup('SIGTERM');
    const timer = setTimeout(() => this.signalGroup('SIGKILL'), graceMs);
    void this.exited.then(() => {
      clearTimeout(timer);
      this.signalGroup('SIGKILL');
    });
  }

  protected signalGroup(signal: NodeJS.Signals): void {
    const pid = this.pid;
    if (pid === undefined) return;
    if (process.platform === 'win32') {
      if (!this.hasExited) {
        const [command, args] = windowsTreeKill(pid);
        execFile(command, args, { windowsHide: true }, () => undefined);
      }
      return;
    }
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the whole group is already gone.
    }
  }
}

class ChildGroup extends GroupBase {
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;

  constructor(private readonly child: ChildProcess) {
    super();
    this.exited = new Promise((resolve) => {
      const finish = (info: ExitInfo): void => {
        if (this.exitInfo) return;
        this.exitInfo = info;
        resolve(info);
      };
      child.on('exit', (code, signal) => finish({ code, signal }));
      child.on('error', (error) => finish({ code: null, signal: null, error }));
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exitInfo !== undefined;
  }
}

/** Not our child, so no exit event: liveness is polled (bounded by the caller's grace period). */
class AdoptedGroup extends GroupBase {
  readonly exited: Promise<ExitInfo>;
  private gone = false;

  constructor(readonly pid: number) {
    super();
    this.exited = new Promise((resolve) => {
      const poll = setInterval(() => {
        if (isAlive(pid)) return;
        clearInterval(poll);
        this.gone = true;
        resolve({ code: null, signal: null });
      }, 250);
    });
  }

  get hasExited(): boolean {
    return this.gone;
  }
}

/**
 * Windows has no process groups to signal: `taskkill /T` walks the tree from the launcher down to the
 * waitress/uvicorn workers, and `/F` because console programs ignore the polite WM_CLOSE. Pure, so the
 * argv is tested on every platform.
 */
export function windowsTreeKill(pid: number): [command: string, args: string[]] {
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new Error(`not a process id: ${pid}`);
  return ['taskkill', ['/pid', String(pid), '/T', '/F']];
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
