import * as vscode from 'vscode';

/**
 * The "MLflow" output channel. Every line passes through `redact` first: URLs may carry
 * `user:password@` and messages may quote headers, and neither must ever reach a log.
 */
export class Log implements vscode.Disposable {
  private readonly channel = vscode.window.createOutputChannel('MLflow', { log: true });
  private readonly secrets = new Set<string>();

  /** Secrets registered here are masked wherever they appear in a later log line. */
  addSecret(secret: string | undefined): void {
    if (secret && secret.length >= 4) this.secrets.add(secret);
  }

  info(message: string): void {
    this.channel.info(this.redact(message));
  }

  warn(message: string): void {
    this.channel.warn(this.redact(message));
  }

  error(message: string, error?: unknown): void {
    const detail = error instanceof Error ? `: ${error.message}` : error === undefined ? '' : `: ${String(error)}`;
    this.channel.error(this.redact(message + detail));
  }

  /** Raw process output (a tracking server's log), appended as is after redaction. */
  append(text: string): void {
    this.channel.append(this.redact(text));
  }

  show(): void {
    this.channel.show(true);
  }

  redact(text: string): string {
    let out = text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/)[^/\s:@]+:[^/\s@]+@/gi, '$1***@');
    out = out.replace(/(authorization:\s*)(basic|bearer)\s+\S+/gi, '$1$2 ***');
    for (const secret of this.secrets) out = out.split(secret).join('***');
    return out;
  }

  dispose(): void {
    this.channel.dispose();
  }
}
