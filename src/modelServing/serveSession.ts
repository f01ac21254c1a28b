import { describeEnvironment } from '../environment/core/childEnv';
import { parseModelUri } from '../serving/modelUri';
import type { SignatureItem } from '../serving/mlmodel';
import { convertPayload, type PayloadFormat } from '../serving/payload';
import { serializePayload } from '../serving/payloadText';
import type { Log } from '../vscode/log';
import { WebviewSession } from '../vscode/webviewSession';
import type { CliLookup, MlflowCli } from './cliLookup';
import { checkForm, defaultForm, displayCommand } from './launchForm';
import { parseServeMessage } from './messages';
import type { ModelDetails } from './modelSource';
import type { ServeRequest } from './modelServers';
import type {
  CliStatus,
  FieldErrors,
  LauncherForm,
  LauncherView,
  ModelView,
  PayloadView,
  ResponseView,
  ServeHostMessage,
  ServeRenderSummary,
  ServerView,
  ServeTab,
  ServeWebviewMessage,
} from './protocol';
import type { ServerState } from './serverState';

/** The part of a ModelServer a panel uses; lets the session run without VS Code. */
export interface ServedModel {
  readonly view: ServerView;
  readonly state: ServerState;
  onDidChange(listener: (state: ServerState) => void): { dispose(): void };
  stop(): Promise<unknown>;
  invoke(bodyText: string): Promise<ResponseView>;
}

export interface ServeSessionHost {
  post(message: ServeHostMessage): void;
  lookUpMlflow(signal: AbortSignal): Promise<CliLookup>;
  proposePort(): Promise<number>;
  loadModel(modelUri: string, signal: AbortSignal): Promise<ModelDetails>;
  launch(request: ServeRequest): Promise<ServedModel>;
  setTitle(title: string): void;
  log: Pick<Log, 'info' | 'warn' | 'error'>;
}

/** Typing a model URI reloads its MLmodel once the typing pauses, not on every key. */
const MODEL_RELOAD_DELAY_MS = 400;

const LOADING_MODEL: ModelView = {
  status: 'loading', detail: 'Reading the MLmodel…', flavors: [], servable: false, inputs: [], outputs: [], params: [], exampleSource: 'none', problems: [],
};

/**
 * One Serve Model panel without VS Code: the launcher form and its command, the model's details, the
 * server it launched, and the requests sent to it. ServePanel wires it to a WebviewPanel.
 */
export class ServeSession extends WebviewSession<ServeHostMessage, ServeWebviewMessage, ServeRenderSummary> {
  private readonly lifetime = new AbortController();
  private form: LauncherForm;
  private cli: MlflowCli | undefined;
  private cliStatus: CliStatus = { status: 'checking' };
  private errors: FieldErrors = {};
  /** The displayed command of the form as last checked; undefined while it has errors or mlflow is unknown. */
  private command: string | undefined;
  private launchError: string | undefined;
  private launching = false;
  private model: ModelView = LOADING_MODEL;
  private signatureInputs: SignatureItem[] = [];
  private loadedUri: string | undefined;
  private modelGeneration = 0;
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;
  private payload: PayloadView | undefined;
  private served: ServedModel | undefined;
  private servedSubscription: { dispose(): void } | undefined;
  private response: ResponseView | undefined;
  private tab: ServeTab = 'launch';

  constructor(
    private readonly host: ServeSessionHost,
    modelUri: string,
    server?: ServedModel,
  ) {
    super((message) => host.post(message), 'Serve', host.log);
    this.form = defaultForm(modelUri, server?.view.port);
    host.setTitle(`Serve ${modelUri}`);
    if (server) {
      this.attach(server);
      this.tab = 'request';
    }
    void this.prepare(server === undefined);
    void this.loadModel(modelUri);
  }

  get server(): ServedModel | undefined {
    return this.served;
  }

  /** Whether mlflow was found ('ready'), not found ('missing'), or is still being looked for. */
  get cliState(): CliStatus['status'] {
    return this.cliStatus.status;
  }

  get modelUri(): string {
    return this.form.modelUri;
  }

  protected parse(raw: unknown): ServeWebviewMessage | undefined {
    return parseServeMessage(raw);
  }

  protected handle(message: Exclude<ServeWebviewMessage, { type: 'ready' | 'rendered' }>): void {
    switch (message.type) {
      case 'formChanged':
        this.formChanged(message.form);
        return;
      case 'launch':
        void this.launch(message.form);
        return;
      case 'stop':
        void this.served?.stop();
        return;
      case 'convert':
        this.convert(message.format, message.body);
        return;
      case 'send':
        void this.send(message.body);
        return;
      default:
        assertNever(message);
    }
  }

  /** Follows `server` from now on (a launch from this panel, or "Open Request Panel" on a running one). */
  attach(server: ServedModel): void {
    this.servedSubscription?.dispose();
    this.served = server;
    this.response = undefined;
    let wasHealthy = server.state.phase === 'healthy';
    this.servedSubscription = server.onDidChange((state) => {
      this.channel.post({ type: 'server', server: server.view });
      if (state.phase === 'healthy' && !wasHealthy) this.showTab('request');
      wasHealthy = state.phase === 'healthy';
    });
    this.channel.post({ type: 'server', server: server.view });
  }

  showTab(tab: ServeTab): void {
    this.tab = tab;
    this.channel.post({ type: 'showTab', tab });
  }

  dispose(): void {
    this.lifetime.abort();
    clearTimeout(this.reloadTimer);
    this.servedSubscription?.dispose();
  }

  private async prepare(proposePort: boolean): Promise<void> {
    const [lookup, port] = await Promise.all([
      this.host.lookUpMlflow(this.lifetime.signal),
      proposePort ? this.host.proposePort().catch(() => undefined) : Promise.resolve(undefined),
    ]);
    if (this.lifetime.signal.aborted) return;
    if (lookup.ok) {
      this.cli = lookup.cli;
      this.cliStatus = { status: 'ready', executable: lookup.cli.executable, version: lookup.cli.version, environment: describeEnvironment(lookup.cli.environment) };
    } else {
      this.cliStatus = { status: 'missing', message: lookup.message };
    }
    if (port !== undefined && this.form.port === '') this.form = { ...this.form, port: String(port) };
    this.check();
    this.sendLauncher();
  }

  private formChanged(form: LauncherForm): void {
    const uriChanged = form.modelUri.trim() !== this.form.modelUri.trim();
    this.form = form;
    this.launchError = undefined;
    this.check();
    this.sendLauncher();
    if (uriChanged && parseModelUri(form.modelUri.trim()).ok) {
      clearTimeout(this.reloadTimer);
      this.reloadTimer = setTimeout(() => void this.loadModel(form.modelUri.trim()), MODEL_RELOAD_DELAY_MS);
    }
  }

  private async loadModel(modelUri: string): Promise<void> {
    if (modelUri === this.loadedUri) return;
    const generation = ++this.modelGeneration;
    this.loadedUri = modelUri;
    this.model = LOADING_MODEL;
    this.channel.post({ type: 'model', model: this.model });
    const details = await this.host.loadModel(modelUri, this.lifetime.signal).catch((error: unknown) => failedDetails(error));
    if (generation !== this.modelGeneration || this.lifetime.signal.aborted) return;
    this.model = details.model;
    this.payload = details.payload;
    this.signatureInputs = details.inputs ?? [];
    this.host.setTitle(`Serve ${modelUri}`);
    this.channel.post({ type: 'model', model: this.model });
    this.channel.post({ type: 'payload', payload: this.payload });
  }

  /** Checks the form as it stands: the request and its command, or the field errors. */
  private check(): { ok: true; request: ServeRequest } | { ok: false } {
    this.errors = {};
    this.command = undefined;
    if (!this.cli) return { ok: false };
    const checked = checkForm(this.form, this.cli.versionLine);
    if (!checked.ok) {
      this.errors = checked.errors;
      return { ok: false };
    }
    this.command = displayCommand(this.cli.executable, checked.argv);
    const { modelUri, host, port, envManager, workers, timeout } = checked.options;
    return { ok: true, request: { cli: this.cli, modelUri, host, port, envManager, ...(workers ? { workers } : {}), ...(timeout ? { timeout } : {}) } };
  }

  private async launch(form: LauncherForm): Promise<void> {
    this.form = form;
    if (this.launching) return;
    if (this.served && this.served.state.phase !== 'stopped') {
      this.launchError = 'A server from this panel is still running; stop it before launching another.';
      this.sendLauncher();
      return;
    }
    const checked = this.check();
    if (!checked.ok) {
      this.launchError = this.cliStatus.status === 'missing' ? this.cliStatus.message : undefined;
      this.sendLauncher();
      return;
    }
    this.launching = true;
    this.launchError = undefined;
    this.sendLauncher();
    try {
      this.attach(await this.host.launch(checked.request));
    } catch (error) {
      this.launchError = errorText(error);
      this.host.log.warn(`Serve: launch refused: ${this.launchError}`);
    } finally {
      this.launching = false;
      this.sendLauncher();
    }
  }

  private convert(format: PayloadFormat, body: string): void {
    const source = this.payload?.source ?? 'none';
    let parsed: unknown;
    try {
      parsed = JSON.parse(body);
    } catch (error) {
      this.notice(`The body is not valid JSON, so it cannot be converted: ${errorText(error)}`, body);
      return;
    }
    const converted = convertPayload(parsed, format);
    if (!converted) {
      this.notice(`This body is not a table of rows, so it cannot be converted to ${format}.`, body);
      return;
    }
    this.payload = { format, body: serializePayload(converted, this.signatureInputs), source };
    this.channel.post({ type: 'payload', payload: this.payload });
  }

  /** Keeps the body as typed and the format selector on the format it is in. */
  private notice(message: string, body: string): void {
    this.payload = { format: this.payload?.format ?? 'dataframe_split', body, source: this.payload?.source ?? 'none' };
    this.channel.post({ type: 'payload', payload: this.payload });
    this.channel.post({ type: 'notice', message });
  }

  private async send(body: string): Promise<void> {
    const server = this.served;
    if (!server || server.state.phase !== 'healthy') {
      this.response = { kind: 'failed', latencyMs: 0, text: 'No healthy server to send to: launch the model first.' };
    } else {
      this.channel.post({ type: 'sending' });
      this.response = await server.invoke(body);
    }
    this.channel.post({ type: 'response', response: this.response });
  }

  private launcherView(): LauncherView {
    return {
      form: this.form,
      envManagers: this.cli ? [...this.cli.envManagers] : [this.form.envManager],
      ...(this.command !== undefined ? { command: this.command } : {}),
      errors: this.errors,
      cli: this.cliStatus,
      ...(this.launchError ? { launchError: this.launchError } : {}),
      launching: this.launching,
    };
  }

  private sendLauncher(): void {
    this.channel.post({ type: 'launcher', launcher: this.launcherView() });
  }

  protected sendAll(): void {
    this.sendLauncher();
    this.channel.post({ type: 'model', model: this.model });
    if (this.payload) this.channel.post({ type: 'payload', payload: this.payload });
    this.channel.post({ type: 'server', server: this.served?.view });
    if (this.response) this.channel.post({ type: 'response', response: this.response });
    this.channel.post({ type: 'showTab', tab: this.tab });
  }
}

function failedDetails(error: unknown): ModelDetails {
  return {
    model: { ...LOADING_MODEL, status: 'unavailable', detail: `Could not read the model: ${errorText(error)}` },
    payload: { format: 'dataframe_split', body: '{}', source: 'none' },
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function assertNever(value: never): never {
  throw new Error(`unhandled webview message ${JSON.stringify(value)}`);
}
