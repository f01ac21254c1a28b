/**
 * Turns the chunks a running `mlflow run` writes into what the terminal shows and what the launcher
 * learns from it (the run id, how it ended). Pure, so chunk boundaries are unit-tested.
 */
import { parseRunOutput, type RunOutputEvent } from '../mlproject/runOutput';

/** Splits one stream into lines; a chunk may end in the middle of a line, which waits for the rest. */
export class LineSplitter {
  private pending = '';

  /** The lines `chunk` completes, without their line breaks. */
  push(chunk: string): string[] {
    const text = this.pending + chunk;
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    return lines.map((line) => line.replace(/\r$/, ''));
  }

  /** The unterminated last line, once the stream has ended. */
  flush(): string[] {
    const rest = this.pending;
    this.pending = '';
    return rest === '' ? [] : [rest.replace(/\r$/, '')];
  }
}

/**
 * Reads stdout and stderr separately (their chunks interleave, their lines must not) and reports each
 * MLflow event once it has a whole line.
 */
export class RunOutputReader {
  private readonly streams = { stdout: new LineSplitter(), stderr: new LineSplitter() };

  constructor(private readonly onEvent: (event: RunOutputEvent) => void) {}

  push(stream: 'stdout' | 'stderr', chunk: string): void {
    for (const line of this.streams[stream].push(chunk)) this.read(line);
  }

  end(): void {
    for (const splitter of Object.values(this.streams)) for (const line of splitter.flush()) this.read(line);
  }

  private read(line: string): void {
    const event = parseRunOutput(line);
    if (event) this.onEvent(event);
  }
}

/** A terminal moves to the next line only on CRLF; a child's bare LF would leave a staircase. */
export function toTerminalText(text: string): string {
  return text.replace(/\r?\n/g, '\r\n');
}
