import { PAYLOAD_FORMATS, type PayloadFormat } from '../serving/payload';
import type { ExampleSource, LauncherForm, ResponseKind, ServeRenderSummary, ServeTab, ServeWebviewMessage, ServerPhase } from './protocol';
import { isRecord } from '../mlflow/values';

/**
 * Validation of everything the Serve webview posts. A webview is a web page: its messages are checked
 * before the host acts on them, and anything of an unknown shape is rejected whole (undefined).
 */

/** A request body the host will forward; far beyond any example, still bounded. */
const MAX_BODY = 20 * 1024 * 1024;
const MAX_FIELD = 4_096;
const MAX_LIST = 10_000;
const FORM_FIELDS = ['modelUri', 'host', 'port', 'envManager', 'workers', 'timeout'] as const satisfies readonly (keyof LauncherForm)[];
const PHASES: readonly (ServerPhase | 'idle')[] = ['idle', 'starting', 'healthy', 'stopping', 'stopped'];
const TABS: readonly ServeTab[] = ['launch', 'request'];
const SOURCES: readonly ExampleSource[] = ['serving_input_example.json', 'input_example.json', 'signature', 'none'];
const RESPONSE_KINDS: readonly ResponseKind[] = ['predictions', 'unwrapped', 'error', 'failed'];
const MODEL_STATUSES = ['loading', 'loaded', 'unavailable'] as const;

export function parseServeMessage(raw: unknown): ServeWebviewMessage | undefined {
  if (!isRecord(raw)) return undefined;
  switch (raw.type) {
    case 'ready':
      return { type: 'ready' };
    case 'stop':
      return { type: 'stop' };
    case 'formChanged':
    case 'launch': {
      const form = parseForm(raw.form);
      return form && { type: raw.type, form };
    }
    case 'convert':
      return isFormat(raw.format) && isBody(raw.body) ? { type: 'convert', format: raw.format, body: raw.body } : undefined;
    case 'send':
      return isBody(raw.body) ? { type: 'send', body: raw.body } : undefined;
    case 'rendered': {
      const summary = parseSummary(raw.summary);
      return summary && { type: 'rendered', summary };
    }
    default:
      return undefined;
  }
}

export function parseForm(raw: unknown): LauncherForm | undefined {
  if (!isRecord(raw) || !FORM_FIELDS.every((field) => isText(raw[field]))) return undefined;
  const [modelUri, host, port, envManager, workers, timeout] = FORM_FIELDS.map((field) => raw[field] as string);
  return { modelUri, host, port, envManager, workers, timeout };
}

function parseSummary(raw: unknown): ServeRenderSummary | undefined {
  if (!isRecord(raw) || !oneOf(TABS, raw.tab) || !oneOf(PHASES, raw.phase)) return undefined;
  if (!isText(raw.modelUri) || !isBody(raw.command) || !isText(raw.status) || typeof raw.launchEnabled !== 'boolean') return undefined;
  if (!isTextList(raw.errors)) return undefined;
  const { model, request, response } = raw;
  if (!isRecord(model) || !oneOf(MODEL_STATUSES, model.status) || !isTextList(model.flavors) || !isTextList(model.inputs) || !oneOf(SOURCES, model.exampleSource)) {
    return undefined;
  }
  if (!isRecord(request) || !isFormat(request.format) || !isBody(request.body) || typeof request.sendEnabled !== 'boolean') return undefined;
  if (typeof request.sending !== 'boolean' || !isBody(request.notice)) return undefined;
  const summary: ServeRenderSummary = {
    tab: raw.tab,
    modelUri: raw.modelUri,
    command: raw.command,
    errors: raw.errors,
    launchEnabled: raw.launchEnabled,
    phase: raw.phase,
    status: raw.status,
    model: { status: model.status, flavors: model.flavors, inputs: model.inputs, exampleSource: model.exampleSource },
    request: { format: request.format, body: request.body, sendEnabled: request.sendEnabled, sending: request.sending, notice: request.notice },
  };
  if (response !== undefined) {
    if (!isRecord(response) || !oneOf(RESPONSE_KINDS, response.kind) || !isBody(response.text)) return undefined;
    if (response.status !== undefined && !Number.isSafeInteger(response.status)) return undefined;
    summary.response = { kind: response.kind, text: response.text, ...(typeof response.status === 'number' ? { status: response.status } : {}) };
  }
  return summary;
}


function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_FIELD;
}

function isBody(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_BODY;
}

function isTextList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length <= MAX_LIST && value.every(isText);
}

function isFormat(value: unknown): value is PayloadFormat {
  return oneOf(PAYLOAD_FORMATS, value);
}

function oneOf<T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}
