import { spawn, type ChildProcess } from 'node:child_process';
import * as vscode from 'vscode';
import type { RunOutputEvent } from '../mlproject/runOutput';
import { RunOutputReader, toTerminalText } from './runOutputReader';

export interface RunProcessOptions {
  executable: string;
  /** Handed to the process as is: no shell ever parses it, so parameter values arrive verbatim. */
  argv: readonly string[];
  cwd: string;
  env: Record<string, string>;
  /** Lines shown before the process's own output (the command, where the run is logged). */
  header: readonly string[];
  /**
   * Tasks end when the process does (VS Code then prints its own "press any key" line); a plain
   * terminal stays open with the output until a key is pressed.
   */
  closeOnExit: boolean;
  /** What the closing line calls the process ("mlflow run" unless given). */
  processLabel?: string;
}

/** After Close, the run gets this long to stop (MLflow marks it FAILED) before it is killed. */
const KILL_GRACE_MS = 3_000;
const CTRL_C = '\x03';

/**
 * A terminal whose process is `mlflow run`, spawned here (not by a shell) so that its output can be
 * read: the run id is in MLflow's `=== Running command … in run with ID '…' ===` line, which a plain
 * shell terminal would not let the extension see. Ctrl+C interrupts the run like in a real terminal;
 * closing the terminal stops it.
 */
export class MlflowRunTerminal implements vscode.Pseudoterminal {
  private readonly writer = new vscode.EventEmitter<string>();
  private readonly closer = new vscode.EventEmitter<number | void>();
  private readonly events = new vscode.EventEmitter<RunOutputEvent>();
  readonly onDidWrite = this.writer.event;
  readonly onDidClose = this.closer.event;
  /** MLflow's log lines as they complete (started with the run id, succeeded, failed, …). */
  readonly onRunEvent = this.events.event;
  /** The exit code, or undefined when the process was killed by a signal or could not start. */
  readonly exitCode: Promise<number | undefined>;
  readonly runId: Promise<string | undefined>;
  private settleExit!: (code: number | undefined) => void;
  private settleRunId!: (runId: string | undefined) => void;
  private child: ChildProcess | undefined;
  private exited = false;
  private closed = false;
  private text = '';

  constructor(private readonly options: RunProcessOptions) {
    this.exitCode = new Promise((resolve) => (this.settleExit = resolve));
    this.runId = new Promise((resolve) => (this.settleRunId = resolve));
  }

  /** Everything the process wrote so far, as it wrote it (stdout and stderr interleaved). */
  get output(): string {
    return this.text;
  }

  open(): void {
    if (this.child || this.closed) return;
    for (const line of this.options.header) this.write(`\x1b[2m${line}\x1b[0m\n`);
    const reader = new RunOutputReader((event) => {
      if (event.kind === 'started') this.settleRunId(event.runId);
      this.events.fire(event);
    });
    const child = spawn(this.options.executable, [...this.options.argv], {
      cwd: this.options.cwd,
      env: this.options.env,
      shell: false,
      // Its own process group on POSIX, so Ctrl+C and Close reach the entry point MLflow starts too,
      // as they would from a shell's foreground job.
      detached: process.platform !== 'win32',
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    this.child = child;
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream]?.setEncoding('utf8');
      child[stream]?.on('data', (chunk: string) => {
        this.text += chunk;
        this.writer.fire(toTerminalText(chunk));
        reader.push(stream, chunk);
      });
    }
    child.on('error', (error) => {
      this.write(`\nCould not start ${this.options.executable}: ${error.message}\n`);
      this.finish(undefined);
    });
    // 'close', not 'exit': by then the last lines (how the run ended) have been read.
    child.on('close', (code) => {
      reader.end();
      this.finish(code ?? undefined);
    });
  }

  handleInput(data: string): void {
    if (this.exited) {
      this.closeTerminal();
      return;
    }
    if (data.includes(CTRL_C)) {
      this.write('^C\n');
      this.signal('SIGINT');
    }
  }

  /** The user closed the terminal (or the window is closing): stop the run. */
  close(): void {
    this.closed = true;
    if (!this.child) this.finish(undefined);
    this.stop();
  }

  /** SIGTERM to the run's process group, SIGKILL if it is still there after a grace period. */
  stop(): void {
    if (!this.child || this.exited) return;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), KILL_GRACE_MS);
    void this.exitCode.then(() => clearTimeout(timer));
  }

  dispose(): void {
    this.stop();
    this.writer.dispose();
    this.closer.dispose();
    this.events.dispose();
  }

  private finish(code: number | undefined): void {
    if (this.exited) return;
    this.exited = true;
    this.settleRunId(undefined);
    this.settleExit(code);
    if (this.closed) return;
    if (this.options.closeOnExit) {
      this.closer.fire(code ?? 1);
      return;
    }
    const label = this.options.processLabel ?? 'mlflow run';
    const how = code === undefined ? `${label} was stopped` : `${label} exited with code ${code}`;
    this.write(`\n\x1b[2m${how}. Press any key to close the terminal.\x1b[0m\n`);
  }

  private closeTerminal(): void {
    if (this.closed) return;
    this.closed = true;
    this.closer.fire();
  }

  private signal(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined || this.exited) return;
    try {
      if (process.platform === 'win32') this.child?.kill(signal);
      else process.kill(-pid, signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }

  private write(text: string): void {
    this.writer.fire(toTerminalText(text));
  }
}

/** A task that could not start: says why and ends with exit code 1, so the task shows as failed. */
export class MessageTerminal implements vscode.Pseudoterminal {
  private readonly writer = new vscode.EventEmitter<string>();
  private readonly closer = new vscode.EventEmitter<number>();
  readonly onDidWrite = this.writer.event;
  readonly onDidClose = this.closer.event;

  constructor(private readonly message: string) {}

  open(): void {
    this.writer.fire(toTerminalText(`\x1b[31m${this.message}\x1b[0m\n`));
    this.closer.fire(1);
  }

  close(): void {
    this.writer.dispose();
    this.closer.dispose();
  }
}
