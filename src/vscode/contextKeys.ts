import * as vscode from 'vscode';

/** The context keys package.json `when` clauses read; the only place that sets them. */
export enum ContextKey {
  Connected = 'mlflow.connected',
  ReadOnlyStore = 'mlflow.readOnlyStore',
  RegistryEmpty = 'mlflow.registryEmpty',
  /** The active store's registry has legacy stages (Staging/Production/Archived). */
  RegistryStages = 'mlflow.registryStages',
  ServersRunning = 'mlflow.serversRunning',
  TrackingServerRunning = 'mlflow.trackingServerRunning',
  RunsFiltered = 'mlflow.runsFiltered',
}

export function setContext(key: ContextKey, value: boolean | string): Thenable<unknown> {
  return vscode.commands.executeCommand('setContext', key, value);
}
