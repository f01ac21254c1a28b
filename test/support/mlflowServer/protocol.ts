import { MlflowError } from '../../../src/mlflow/errors';
import type { Json } from './json';
import type { ServerState } from './state';

/**
 * How MLflow's Flask app reads requests and writes answers, apart from what each endpoint does:
 * request parameters (query string for GET, JSON body otherwise) with the handlers' validation
 * messages, error bodies, and Werkzeug's HTML pages for what never reaches a handler.
 */

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface Route {
  method: Method;
  /** `/runs/search`, served under both /api/2.0/mlflow and /ajax-api/2.0/mlflow (unless `ui`). */
  path: string;
  /** A UI route (`/get-artifact`), served at `path` itself. */
  ui?: boolean;
  handle(request: ApiRequest): Reply;
}

export interface ApiRequest {
  params: Params;
  state: ServerState;
  /** The JSON body of a POST/PATCH/DELETE (`{}` for GET): lists of objects (log-batch metrics) are read from here. */
  body: Readonly<Record<string, unknown>>;
}

/** A non-JSON answer (artifact bytes). */
export class RawReply {
  constructor(
    readonly body: string | Uint8Array,
    readonly contentType: string,
    readonly status = 200,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {}
}

export type Reply = Json | RawReply;

export function invalid(message: string): MlflowError {
  return new MlflowError(message, 'INVALID_PARAMETER_VALUE', 400);
}

export function notFound(message: string): MlflowError {
  return new MlflowError(message, 'RESOURCE_DOES_NOT_EXIST', 404);
}

export function alreadyExists(message: string): MlflowError {
  return new MlflowError(message, 'RESOURCE_ALREADY_EXISTS', 400);
}

/** Thrown by a handler to answer with one of Werkzeug's HTML pages (a crash inside MLflow). */
export class HtmlError extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

/** The request's parameters: the JSON body's fields, else the query string's (repeated keys are lists). */
export class Params {
  constructor(
    private readonly query: URLSearchParams,
    private readonly body: Readonly<Record<string, unknown>>,
  ) {}

  private raw(name: string): unknown {
    if (name in this.body) return this.body[name];
    const values = this.query.getAll(name);
    return values.length > 1 ? values : values[0];
  }

  string(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return undefined;
    const first: unknown = Array.isArray(value) ? value[0] : value;
    return typeof first === 'string' ? first : String(first);
  }

  /** MLflow's `_assert_required`: absent and empty are both missing. */
  required(name: string, alias?: string): string {
    const value = this.string(name) || (alias ? this.string(alias) : undefined);
    if (!value) {
      throw invalid(`Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`);
    }
    return value;
  }

  int(name: string): number | undefined {
    const value = this.string(name);
    if (value === undefined || value === '') return undefined;
    const n = Number(value);
    if (!Number.isInteger(n)) {
      throw invalid(
        `Invalid value ${value} for parameter '${name}' supplied:  Hint: Value was of type 'str'. See the API docs for more information about request parameters.`,
      );
    }
    return n;
  }

  bool(name: string): boolean | undefined {
    const value = this.raw(name);
    if (value === undefined || value === null) return undefined;
    return value === true || value === 'true' || value === 'True';
  }

  list(name: string): string[] {
    const value = this.raw(name);
    if (value === undefined || value === null) return [];
    return (Array.isArray(value) ? value : [value]).map((v) => String(v));
  }

  /** `[{key, value}]` as requests carry tags. */
  keyValues(name: string): Record<string, string> {
    const value = this.raw(name);
    const out: Record<string, string> = {};
    if (!Array.isArray(value)) return out;
    for (const entry of value) {
      if (entry && typeof entry === 'object' && typeof (entry as Json).key === 'string') out[(entry as Json).key as string] = String((entry as Json).value ?? '');
    }
    return out;
  }
}

/** An MlflowError as MLflow writes it: `{error_code, message}` with the code's HTTP status. */
export function errorBody(error: MlflowError): { status: number; json: Json } {
  return { status: error.status ?? 500, json: { error_code: error.errorCode, message: error.message } };
}

const HTML_PAGES: Record<number, [string, string]> = {
  400: ['400 Bad Request', 'The browser (or proxy) sent a request that this server could not understand.'],
  401: ['401 Unauthorized', "The server could not verify that you are authorized to access the URL requested. You either supplied the wrong credentials (e.g. a bad password), or your browser doesn't understand how to supply the credentials required."],
  403: ['403 Forbidden', "You don't have the permission to access the requested resource. It is either read-protected or not readable by the server."],
  404: ['404 Not Found', 'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.'],
  405: ['405 Method Not Allowed', 'The method is not allowed for the requested URL.'],
  500: ['500 Internal Server Error', 'The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.'],
  502: ['502 Bad Gateway', 'The proxy server received an invalid response from an upstream server.'],
  503: ['503 Service Unavailable', 'The server is temporarily unable to service your request due to maintenance downtime or capacity problems.  Please try again later.'],
  504: ['504 Gateway Timeout', 'The connection to an upstream server timed out.'],
};

/** Werkzeug's error page for `status` (byte-identical to the captures for 404, 405 and 500). */
export function htmlPage(status: number): string {
  const [title, text] = HTML_PAGES[status] ?? [`${status} Error`, 'The server answered with an error.'];
  return `<!doctype html>\n<html lang=en>\n<title>${title}</title>\n<h1>${title.replace(/^\d+ /, '')}</h1>\n<p>${text}</p>\n`;
}

export const HTML_CONTENT_TYPE = 'text/html; charset=utf-8';

/** What `mlflow server --app-name basic-auth` answers without valid credentials. */
export const BASIC_AUTH_BODY =
  'You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate.';
