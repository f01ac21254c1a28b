import { MlflowError } from '../errors';
import { isRecord } from '../values';

/**
 * Turns a non-2xx answer into an MlflowError a view can act on. MLflow answers API errors with JSON
 * (`error_code`, `message`, and since 3.x `sqlstate`/`error_class`), but many failures never reach its
 * handlers: Flask/uvicorn HTML pages for unknown routes and crashes, plain text from the 3.x security
 * middleware, login pages and gateway errors from proxies. Those get a short readable message instead
 * of a page of markup.
 */

export interface ErrorResponse {
  status: number;
  statusText: string;
  contentType: string;
  body: Buffer;
  /** `GET /api/2.0/mlflow/runs/get`, for messages that need to say what failed. */
  what: string;
}

const MAX_TEXT_IN_MESSAGE = 300;

export function httpErrorFromResponse(response: ErrorResponse): MlflowError {
  const text = response.body.toString('utf8');
  const json = parseObject(text);
  const statusLabel = `${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  if (json) {
    const mlflowCode = typeof json.error_code === 'string' ? json.error_code : undefined;
    const serverMessage = firstString(json.message, json.detail, json.error);
    const message = serverMessage ?? (mlflowCode ? `${mlflowCode} (${statusLabel})` : `Server answered ${statusLabel} for ${response.what}`);
    const code = statusCode(response.status) ?? mlflowCode ?? fallbackCode(response.status);
    return new MlflowError(withAuthAdvice(message, response.status), code, response.status);
  }
  const message = isHtml(response.contentType, text)
    ? `Server answered ${statusLabel} (HTML page): ${summariseHtml(text)}`
    : text.trim()
      ? `Server answered ${statusLabel}: ${truncate(collapse(text), MAX_TEXT_IN_MESSAGE)}`
      : `Server answered ${statusLabel} for ${response.what}`;
  return new MlflowError(withAuthAdvice(message, response.status), statusCode(response.status) ?? fallbackCode(response.status), response.status);
}

/** Statuses whose meaning wins over whatever code the body carries. */
function statusCode(status: number): string | undefined {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  return undefined;
}

/** For answers without an MLflow error code: route missing → NOT_SUPPORTED (callers fall back on it). */
function fallbackCode(status: number): string {
  if (status === 404 || status === 405 || status === 501) return 'NOT_SUPPORTED';
  if (status === 408) return 'TIMEOUT';
  if (status === 429) return 'REQUEST_LIMIT_EXCEEDED';
  if (status >= 500) return 'SERVER_ERROR';
  return 'BAD_REQUEST';
}

function withAuthAdvice(message: string, status: number): string {
  if (status !== 401) return message;
  return `${message} (the server needs credentials: set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or MLFLOW_TRACKING_TOKEN)`;
}

export function isHtml(contentType: string, text: string): boolean {
  return /text\/html/i.test(contentType) || /^\s*<(!doctype html|html)/i.test(text);
}

/** The page's `<title>` (else its first heading, else its text), decoded and shortened. */
export function summariseHtml(html: string): string {
  const pick = (pattern: RegExp): string | undefined => {
    const match = pattern.exec(html);
    const value = match ? collapse(decodeEntities(stripTags(match[1] ?? ''))) : '';
    return value || undefined;
  };
  const summary =
    pick(/<title[^>]*>([\s\S]*?)<\/title>/i) ??
    pick(/<h1[^>]*>([\s\S]*?)<\/h1>/i) ??
    collapse(decodeEntities(stripTags(html.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' '))));
  return truncate(summary || 'no text', 200);
}

function parseObject(text: string): Record<string, unknown> | undefined {
  if (!/^\s*\{/.test(text)) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isRecord(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function firstString(...values: unknown[]): string | undefined {
  for (const value of values) if (typeof value === 'string' && value.trim()) return value;
  return undefined;
}

function stripTags(html: string): string {
  return html.replace(/<[^>]*>/g, ' ');
}

function decodeEntities(text: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return named[name.toLowerCase()] ?? entity;
  });
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
