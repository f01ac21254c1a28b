/**
 * Reads the log lines of `mlflow models serve` and `mlflow server`: when the server is bound and where
 * (gunicorn on 2.x, uvicorn on 3.x, waitress on Windows), and the bind failure to tell the user the port
 * is taken instead of waiting for a timeout. Shapes from test/fixtures/cli/mlflow-VERSION/output-*.log.
 */

export type ServerKind = 'gunicorn' | 'uvicorn' | 'waitress';

export type ServerLogEvent =
  | { kind: 'listening'; server: ServerKind; url: string; host: string; port: number }
  | { kind: 'portInUse'; host: string; port: number }
  /** MLflow's `=== Running command 'exec gunicorn …'` line: the scoring server is about to start. */
  | { kind: 'backendCommand'; command: string }
  | { kind: 'stopped'; server: ServerKind };

const LISTENING: ReadonlyArray<[ServerKind, RegExp]> = [
  ['gunicorn', /\[INFO\] Listening at: (https?:\/\/\S+)/],
  ['uvicorn', /Uvicorn running on (https?:\/\/\S+)/],
  ['waitress', /Serving on (https?:\/\/\S+)/],
];
const GUNICORN_IN_USE = /Connection in use: \('([^']*)', (\d+)\)/;
const UVICORN_IN_USE = /error while attempting to bind on address \('([^']*)', (\d+)\)/;
const BACKEND_COMMAND = /=== Running command '(.*)'\s*$/;

export function parseServerLogLine(line: string): ServerLogEvent | undefined {
  const text = line.replace(/\r$/, '');
  for (const [server, pattern] of LISTENING) {
    const match = pattern.exec(text);
    if (!match) continue;
    const address = new URL(match[1]);
    return { kind: 'listening', server, url: match[1], host: address.hostname.replace(/^\[|\]$/g, ''), port: Number(address.port || 80) };
  }
  const inUse = GUNICORN_IN_USE.exec(text) ?? UVICORN_IN_USE.exec(text);
  if (inUse) return { kind: 'portInUse', host: inUse[1], port: Number(inUse[2]) };
  const command = BACKEND_COMMAND.exec(text);
  // `mlflow run` logs "=== Running command '…' in run with ID …"; that is not a server line.
  if (command && !/' in run with ID '/.test(text)) return { kind: 'backendCommand', command: command[1] };
  if (/\[INFO\] Shutting down: Master/.test(text)) return { kind: 'stopped', server: 'gunicorn' };
  if (/INFO:\s+Finished server process/.test(text)) return { kind: 'stopped', server: 'uvicorn' };
  return undefined;
}

/**
 * Turns stdout/stderr chunks into whole lines (a chunk may end mid-line, and Windows writes CRLF).
 * `flush` returns the unterminated rest when the stream ends.
 */
export class LineSplitter {
  private pending = '';

  push(chunk: string): string[] {
    const text = this.pending + chunk;
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    return lines.map((line) => line.replace(/\r$/, ''));
  }

  flush(): string[] {
    const rest = this.pending.replace(/\r$/, '');
    this.pending = '';
    return rest === '' ? [] : [rest];
  }
}
