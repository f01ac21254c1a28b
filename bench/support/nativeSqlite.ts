import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { type Samples, summarise } from './measure';
import type { RecordedQuery } from './sqlRecorder';

const SCRIPT = path.join(__dirname, 'nativeSqlite.py');

/**
 * Native SQLite (Python's sqlite3, what MLflow runs on) replaying recorded statements on the same file,
 * timed inside Python: the speed of SQLite itself, the baseline the SQLite figures are printed beside.
 */
export class NativeSqlite {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly answers: AsyncIterator<string>;

  constructor() {
    this.child = spawn('python3', [SCRIPT], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    this.answers = createInterface({ input: this.child.stdout })[Symbol.asyncIterator]();
  }

  async time(db: string, queries: readonly RecordedQuery[], options: { warmup: number; reps: number; connect?: boolean }): Promise<Samples & { rows: number }> {
    this.child.stdin.write(`${JSON.stringify({ db, queries, ...options })}\n`);
    const next = await this.answers.next();
    if (next.done) throw new Error('the native SQLite helper (python3) exited');
    const answer = JSON.parse(next.value) as { ms: number[]; rows: number };
    return { ...summarise(answer.ms), rows: answer.rows };
  }

  /**
   * The same statements read once per `periodMs` slot (starting `jitterMs[i]` into the i-th) as one read transaction while the process `writerPid`
   * writes the store, until it exits: what any SQLite reader of a rollback-journal store gets (see
   * nativeSqlite.py). Per-read milliseconds of the reads that succeeded, and the failures.
   */
  async live(
    db: string,
    queries: readonly RecordedQuery[],
    live: { writerPid: number; periodMs: number; maxSeconds: number; jitterMs: readonly number[] },
  ): Promise<{ ms: number[]; failures: number; error: string }> {
    const spec = { writer_pid: live.writerPid, period_ms: live.periodMs, max_seconds: live.maxSeconds, jitter_ms: live.jitterMs };
    this.child.stdin.write(`${JSON.stringify({ db, queries, live: spec })}\n`);
    const next = await this.answers.next();
    if (next.done) throw new Error('the native SQLite helper (python3) exited');
    return JSON.parse(next.value) as { ms: number[]; failures: number; error: string };
  }

  dispose(): void {
    this.child.stdin.end();
  }
}
