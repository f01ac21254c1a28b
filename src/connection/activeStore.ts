import type * as vscode from 'vscode';
import type { TrackingStore } from '../mlflow/store';

/** What features need to know about the tracking store the user is connected to. */
export interface ActiveConnection {
  /** The configured name ("Local store", "team-server", …). */
  readonly name: string;
  /** The tracking URI without credentials, for display and for `MLFLOW_TRACKING_URI` of child processes. */
  readonly trackingUri: string;
  readonly kind: 'rest' | 'databricks' | 'sqlite' | 'file';
  readonly store: TrackingStore;
  /** Base URL of the MLflow web UI for "Open in MLflow UI", when the store has one. */
  readonly webUiUrl?: string;
  /**
   * Environment for a child process (`mlflow run`, `mlflow models serve`) that should log to / read from
   * this store: MLFLOW_TRACKING_URI and the credentials, given only to that process, never to a shell line.
   */
  processEnv(): Promise<Record<string, string>>;
}

/** The single source of the current connection; features subscribe instead of holding their own. */
export interface ActiveStore {
  readonly current: ActiveConnection | undefined;
  readonly onDidChange: vscode.Event<ActiveConnection | undefined>;
}

/** Lets a feature (e.g. the tracking server it just started) make a store the active connection. */
export interface ConnectionSwitch {
  /** Connects to `trackingUri` for this session under `name`, replacing the active connection. */
  connectTo(name: string, trackingUri: string): Promise<void>;
}
