import * as vscode from 'vscode';
import { MIN_SECRET_LENGTH, redact } from '../mlflow/redact';

/**
 * The "MLflow" output channel. Every line passes through `redact` first: URLs may carry
 * `user:password@` and messages may quote headers, and neither must ever reach a log.
 */
export class Log implements vscode.Disposable {
  private readonly channel = vscode.window.createOutputChannel('MLflow', { log: true });
  private readonly secrets = new Set<string>();

  /** Secrets registered here are masked wherever they appear in a later log line. */
  addSecret(secret: string | undefined): void {
    if (secret && secret.length >= MIN_SECRET_LENGTH) this.secrets.add(secret);
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
    return redact(text, this.secrets);
  }

  dispose(): void {
    this.channel.dispose();
  }
}
