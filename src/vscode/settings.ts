import * as vscode from 'vscode';

/** A named tracking server from `mlflow.servers`. Secrets are never here: they live in SecretStorage. */
export interface ServerSetting {
  name: string;
  uri: string;
  auth?: 'none' | 'basic' | 'token' | 'databricks';
  username?: string;
  insecureTls?: boolean;
  caCertPath?: string;
}

/** Typed reads of the `mlflow.*` settings, with the defaults package.json declares. */
export const settings = {
  trackingUri(): string {
    return vscode.workspace.getConfiguration('mlflow').get<string>('trackingUri', '').trim();
  },
  servers(): ServerSetting[] {
    const raw = vscode.workspace.getConfiguration('mlflow').get<unknown[]>('servers', []);
    return raw.filter(isServerSetting);
  },
  pageSize(): number {
    const value = vscode.workspace.getConfiguration('mlflow').get<number>('runs.pageSize', 100);
    return Math.min(Math.max(Math.floor(value), 10), 1000);
  },
  keyMetric(): string | undefined {
    return vscode.workspace.getConfiguration('mlflow').get<string>('runs.keyMetric', '').trim() || undefined;
  },
  refreshIntervalSeconds(): number {
    return Math.max(0, vscode.workspace.getConfiguration('mlflow').get<number>('runs.refreshInterval', 10));
  },
};

function isServerSetting(value: unknown): value is ServerSetting {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.name === 'string' && typeof record.uri === 'string';
}
