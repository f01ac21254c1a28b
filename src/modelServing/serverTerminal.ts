import * as vscode from 'vscode';

/** Output kept while the terminal is not open yet; a chatty environment build must not grow it without end. */
const MAX_PENDING_CHARS = 1_000_000;
const CTRL_C = '\x03';

/**
 * A read-only terminal showing a model server's output. Typing does nothing except Ctrl+C, which stops
 * the server, as it would in a shell; closing the terminal stops it too, since its output would be lost.
 */
export class ServerTerminal implements vscode.Pseudoterminal, vscode.Disposable {
  private readonly written = new vscode.EventEmitter<string>();
  readonly onDidWrite = this.written.event;
  private opened = false;
  private pending: string[] = [];
  private pendingChars = 0;
  private closedByUser = false;

  constructor(
    private readonly actions: {
      /** Ctrl+C or the terminal was closed. */
      stop(): void;
    },
    private readonly banner: string,
  ) {}

  /** VS Code ignores writes before `open`; they wait here. */
  open(): void {
    this.opened = true;
    this.emit(`${this.banner}\r\n`);
    for (const text of this.pending.splice(0)) this.emit(text);
    this.pendingChars = 0;
  }

  close(): void {
    this.closedByUser = true;
    this.actions.stop();
  }

  handleInput(data: string): void {
    if (data.includes(CTRL_C)) {
      this.emit('^C\r\n');
      this.actions.stop();
    }
  }

  /** Process output; line ends become CRLF, which a terminal needs to return to column 0. */
  write(text: string): void {
    const converted = text.replace(/\r?\n/g, '\r\n');
    if (this.opened) {
      this.emit(converted);
      return;
    }
    this.pending.push(converted);
    this.pendingChars += converted.length;
    while (this.pendingChars > MAX_PENDING_CHARS && this.pending.length > 1) this.pendingChars -= this.pending.shift()?.length ?? 0;
  }

  /** A line of the extension's own, dimmed so it is not mistaken for server output. */
  note(text: string): void {
    this.write(`\x1b[2m${text}\x1b[0m\n`);
  }

  private emit(text: string): void {
    if (!this.closedByUser) this.written.fire(text);
  }

  dispose(): void {
    this.written.dispose();
  }
}
