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
  /** The active store can hold MLflow 3 GenAI traces (the Traces view shows). */
  TracesAvailable = 'mlflow.tracesAvailable',
  TracesFiltered = 'mlflow.tracesFiltered',
  TracesBySession = 'mlflow.tracesBySession',
  /** The active editor holds a prompt draft made by "Edit as New Prompt Version". */
  PromptDraft = 'mlflow.promptDraft',
}

export function setContext(key: ContextKey, value: boolean | string): Thenable<unknown> {
  return vscode.commands.executeCommand('setContext', key, value);
}
