/**
 * Starting the stand-in `mlflow` from tests: with an argv array (never a shell line), a clean environment
 * (so a developer's MLFLOW_TRACKING_URI does not leak in), and condition-based waits on its output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { REPO_ROOT } from '../repoRoot';

export const FAKE_MLFLOW = join(REPO_ROOT, 'test', 'support', 'fake-mlflow', 'mlflow');
/** A stand-in venv with MLflow "installed": `bin/` holds mlflow, python, gunicorn and uvicorn (test/support/fake-venv). */
export const FAKE_VENV = join(REPO_ROOT, 'test', 'support', 'fake-venv');
export const FAKE_VENV_BIN = join(FAKE_VENV, 'bin');

export type FakeVersion = '2.17.2' | '3.x';

export interface FakeMlflowOptions {
  version?: FakeVersion;
  env?: Readonly<Record<string, string>>;
  cwd?: string;
  /**
   * Whether PATH starts with the stand-in venv's bin/, as in a shell where it is activated (default):
   * under `--env-manager local` MLflow finds python and gunicorn/uvicorn there.
   */
  activated?: boolean;
}

export interface RecordedInvocation {
  argv: string[];
  version: FakeVersion;
  cwd: string;
  pid: number;
  env: Record<string, string | null>;
  credentials: Record<string, boolean>;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class FakeMlflowProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  stdout = '';
  stderr = '';
  private readonly listeners = new Set<() => void>();

  constructor(argv: readonly string[], options: FakeMlflowOptions = {}) {
    const inherited = process.env.PATH ?? '';
    const env = {
      PATH: options.activated === false ? inherited : `${FAKE_VENV_BIN}${delimiter}${inherited}`,
      FAKE_MLFLOW_VERSION: options.version ?? '2.17.2',
      ...options.env,
    };
    // On Windows a shebang script cannot be spawned directly; everywhere else the executable itself is tested.
    const [file, args] = process.platform === 'win32' ? [process.execPath, [FAKE_MLFLOW, ...argv]] : [FAKE_MLFLOW, [...argv]];
    this.child = spawn(file, args, { env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.append('stdout', chunk));
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.append('stderr', chunk));
    // 'close', not 'exit': by then stdout and stderr have been read to the end.
    this.exited = new Promise((resolve) => this.child.once('close', (code, signal) => resolve({ code, signal })));
  }

  get lines(): string[] {
    return this.stderr.split('\n').filter((line) => line !== '');
  }

  /** Resolves with the first stderr line matching `predicate`; rejects if the process exits first or time runs out. */
  waitForLine(predicate: (line: string) => boolean, timeoutMs = 10_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const line = this.lines.find(predicate);
        if (line === undefined) return false;
        cleanup();
        resolve(line);
        return true;
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`No matching line within ${timeoutMs} ms. stderr so far:\n${this.stderr}`));
      }, timeoutMs);
      const onExit = (): void => {
        if (check()) return;
        cleanup();
        reject(new Error(`mlflow exited before the line appeared. stderr:\n${this.stderr}`));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        this.child.off('close', onExit);
      };
      const listener = (): void => void check();
      if (check()) return;
      this.listeners.add(listener);
      this.child.once('close', onExit);
    });
  }

  /** Sends `signal` (if still running) and waits for the exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<Exit> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  private append(stream: 'stdout' | 'stderr', chunk: string): void {
    this[stream] += chunk;
    for (const listener of [...this.listeners]) listener();
  }
}

export function startFakeMlflow(argv: readonly string[], options?: FakeMlflowOptions): FakeMlflowProcess {
  return new FakeMlflowProcess(argv, options);
}

/** Runs a short-lived command (run, --version, a rejected option) to completion. */
export async function runFakeMlflow(argv: readonly string[], options?: FakeMlflowOptions): Promise<Exit & { stdout: string; stderr: string }> {
  const process = startFakeMlflow(argv, options);
  const exit = await process.exited;
  return { ...exit, stdout: process.stdout, stderr: process.stderr };
}

export function readRecords(file: string): RecordedInvocation[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as RecordedInvocation);
}

/** A port that was free a moment ago (the OS picks it); good enough for a test's own server. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
