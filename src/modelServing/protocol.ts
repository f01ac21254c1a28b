import type { PayloadFormat } from '../serving/payload';

/**
 * The messages between the extension host and the Serve Model webview (webview/serve). Both sides
 * import these with `import type`: this file holds no code, so nothing of the host reaches the webview
 * bundle. Each direction is a discriminated union on `type`, handled by an exhaustive switch.
 */

/** What the user types into the launcher; strings as typed, checked by the host (launchForm.ts). */
export interface LauncherForm {
  modelUri: string;
  host: string;
  port: string;
  envManager: string;
  /** Empty: MLflow's default (1). */
  workers: string;
  /** Seconds; empty: MLflow's default (60). */
  timeout: string;
}

export type FormField = keyof LauncherForm;
export type FieldErrors = Partial<Record<FormField, string>>;

/** The `mlflow` the launcher will run, once found and asked for its version. */
export type CliStatus =
  | { status: 'checking' }
  /** `environment` names the Python environment the server runs in (its PATH starts there). */
  | { status: 'ready'; executable: string; version: string; environment: string }
  | { status: 'missing'; message: string };

export interface LauncherView {
  form: LauncherForm;
  /** `--env-manager` values the installed MLflow accepts. */
  envManagers: string[];
  /** The exact command, argv joined and quoted for reading; absent while the form has errors. */
  command?: string;
  errors: FieldErrors;
  cli: CliStatus;
  /** Why the last Launch was refused (port taken, untrusted workspace, …). */
  launchError?: string;
  /** A launch is being checked and spawned; Launch is off until it settles. */
  launching: boolean;
}

export interface SignatureRow {
  /** Empty for unnamed tensors. */
  name: string;
  /** Column type, or `tensor <dtype> [shape]`. */
  type: string;
  required: boolean;
}

export type ExampleSource = 'serving_input_example.json' | 'input_example.json' | 'signature' | 'none';

export interface ModelView {
  status: 'loading' | 'loaded' | 'unavailable';
  /** Where the MLmodel was read from (`run 3e56…, model`), or why it could not be. */
  detail: string;
  flavors: string[];
  /** False when no flavor `mlflow models serve` can load (no python_function or crate). */
  servable: boolean;
  inputs: SignatureRow[];
  outputs: SignatureRow[];
  params: { name: string; type: string; default: string }[];
  exampleSource: ExampleSource;
  mlflowVersion?: string;
  /** Parts of the MLmodel that could not be read; the rest is shown. */
  problems: string[];
}

export interface PayloadView {
  format: PayloadFormat;
  body: string;
  source: ExampleSource;
}

export type ServerPhase = 'starting' | 'healthy' | 'stopping' | 'stopped';
export type StopReason = 'user' | 'portInUse' | 'timeout' | 'exited' | 'failedToStart';

export interface ServerView {
  phase: ServerPhase;
  /** The base URL requests go to (`http://127.0.0.1:5001`). */
  url: string;
  port: number;
  pid?: number;
  /** The status line as the panel shows it ("Healthy at http://…", "Stopped (exit code 0)"). */
  text: string;
  reason?: StopReason;
  exitCode?: number | null;
}

export type ResponseKind = 'predictions' | 'unwrapped' | 'error' | 'failed';

export interface ResponseView {
  kind: ResponseKind;
  /** HTTP status; absent when no answer came (connection refused, timeout). */
  status?: number;
  latencyMs: number;
  /** Predictions pretty-printed as JSON, or the server's error message. */
  text: string;
  errorCode?: string;
  missingInputs?: string[];
  extraInputs?: string[];
}

export type ServeTab = 'launch' | 'request';

export type ServeHostMessage =
  | { type: 'launcher'; launcher: LauncherView }
  | { type: 'model'; model: ModelView }
  /** Replaces the request body: the prefilled example, or the body converted to another format. */
  | { type: 'payload'; payload: PayloadView }
  | { type: 'server'; server: ServerView | undefined }
  | { type: 'sending' }
  | { type: 'response'; response: ResponseView }
  | { type: 'showTab'; tab: ServeTab }
  /** A request-side problem that is not a server answer (a body that cannot be converted). */
  | { type: 'notice'; message: string };

export type ServeWebviewMessage =
  | { type: 'ready' }
  | { type: 'formChanged'; form: LauncherForm }
  | { type: 'launch'; form: LauncherForm }
  | { type: 'stop' }
  | { type: 'convert'; format: PayloadFormat; body: string }
  | { type: 'send'; body: string }
  | { type: 'rendered'; summary: ServeRenderSummary };

/** What the page shows, reported after every render so tests can assert on it. */
export interface ServeRenderSummary {
  tab: ServeTab;
  modelUri: string;
  /** The command box's text; empty when none is shown. */
  command: string;
  /** Field errors and the launch error, as displayed. */
  errors: string[];
  launchEnabled: boolean;
  phase: ServerPhase | 'idle';
  status: string;
  model: { status: ModelView['status']; flavors: string[]; inputs: string[]; exampleSource: ExampleSource };
  request: { format: PayloadFormat; body: string; sendEnabled: boolean; sending: boolean; notice: string };
  response?: { kind: ResponseKind; status?: number; text: string };
}
