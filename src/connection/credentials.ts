import type * as vscode from 'vscode';
import type { HttpAuth } from '../mlflow/http';

export type StoredCredentials = HttpAuth;

/** Credentials per tracking URI in VS Code's SecretStorage (the OS keychain); never in settings. */
export class CredentialStore {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  async get(trackingUri: string): Promise<StoredCredentials | undefined> {
    const raw = await this.secrets.get(keyOf(trackingUri));
    if (!raw) return undefined;
    try {
      const parsed = JSON.parse(raw) as Partial<StoredCredentials>;
      if (parsed.kind === 'basic' && typeof parsed.username === 'string' && typeof parsed.password === 'string') return parsed as StoredCredentials;
      if (parsed.kind === 'bearer' && typeof parsed.token === 'string') return parsed as StoredCredentials;
    } catch {
      // A corrupt entry is as good as none; the next sign-in overwrites it.
    }
    return undefined;
  }

  set(trackingUri: string, credentials: StoredCredentials): Thenable<void> {
    return this.secrets.store(keyOf(trackingUri), JSON.stringify(credentials));
  }

  delete(trackingUri: string): Thenable<void> {
    return this.secrets.delete(keyOf(trackingUri));
  }
}

function keyOf(trackingUri: string): string {
  return `mlflow.credentials:${trackingUri.replace(/\/+$/, '')}`;
}
