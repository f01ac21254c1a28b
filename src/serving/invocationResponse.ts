/**
 * Reads what `POST /invocations` answered: predictions, or one of MLflow's error bodies (JSON
 * `error_code`/`message`, plus `sqlstate`/`error_class` on 3.x), or the plain-text 415s of the scoring
 * server. Schema-enforcement errors are common when a user edits a request, so their missing and extra
 * columns are pulled out for the panel to show next to the request.
 */
import { isRecord } from '../mlflow/values';

export type InvocationResult =
  | { kind: 'predictions'; predictions: unknown; metadata: Record<string, unknown> }
  /** LLM-style models answer without the `predictions` wrapper. */
  | { kind: 'unwrapped'; value: unknown }
  | InvocationError;

export interface InvocationError {
  kind: 'error';
  status: number;
  /** MLflow's `error_code`, or `HTTP_<status>` / `BAD_RESPONSE` when the body has none. */
  errorCode: string;
  message: string;
  errorClass?: string;
  sqlstate?: string;
  stackTrace?: string;
  /** From "Model is missing inputs [...]" / "Note that there were extra inputs: [...]". */
  missingInputs?: string[];
  extraInputs?: string[];
}

export function parseInvocationResponse(status: number, bodyText: string, contentType = ''): InvocationResult {
  let json: unknown;
  let isJson = false;
  try {
    json = JSON.parse(bodyText);
    isJson = true;
  } catch {
    // handled below by content
  }
  if (status >= 200 && status < 300) {
    if (!isJson) return error(status, 'BAD_RESPONSE', `The model server answered ${status} with a body that is not JSON: ${excerpt(bodyText)}`);
    if (isRecord(json) && Object.hasOwn(json, 'predictions')) {
      const { predictions, ...metadata } = json;
      return { kind: 'predictions', predictions, metadata };
    }
    return { kind: 'unwrapped', value: json };
  }
  if (isJson && isRecord(json) && typeof json.error_code === 'string') {
    const message = typeof json.message === 'string' ? json.message : '';
    const result: InvocationError = error(status, json.error_code, message);
    if (typeof json.error_class === 'string') result.errorClass = json.error_class;
    if (typeof json.sqlstate === 'string') result.sqlstate = json.sqlstate;
    if (typeof json.stack_trace === 'string') result.stackTrace = json.stack_trace;
    const missing = /Model is missing inputs (\[[^\]]*\])/.exec(message);
    if (missing) result.missingInputs = pythonStringList(missing[1]);
    const extra = /there were extra inputs: (\[[^\]]*\])/.exec(message);
    if (extra) result.extraInputs = pythonStringList(extra[1]);
    return result;
  }
  if (/html/i.test(contentType) || /^\s*<!doctype html/i.test(bodyText)) {
    const title = /<title>([^<]*)<\/title>/i.exec(bodyText)?.[1];
    return error(status, `HTTP_${status}`, title ?? `HTTP ${status}`);
  }
  const code = status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : `HTTP_${status}`;
  return error(status, code, bodyText.trim() === '' ? `HTTP ${status}` : bodyText.trim());
}

function error(status: number, errorCode: string, message: string): InvocationError {
  return { kind: 'error', status, errorCode, message };
}

/** The items of a Python list repr of strings: `['a', "b's"]`. */
function pythonStringList(repr: string): string[] {
  return [...repr.matchAll(/'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"/g)].map((match) => match[1] ?? match[2]);
}

function excerpt(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

