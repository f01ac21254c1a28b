/**
 * The extension host's HTTP client for a running scoring server: `/ping` for health and
 * `POST /invocations` for requests. Requests go from here, not from the webview: the webview's CSP
 * allows no connections, and the scoring server sends no CORS headers a webview origin would need.
 * Plain node:http, so no proxy setting reroutes a loopback request.
 */
import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseInvocationResponse } from '../serving/invocationResponse';
import type { ResponseView } from './protocol';

/** One `GET /ping`; true when it answers 2xx. Rejects while nothing listens (waitForHealthy retries). */
export function pingOnce(baseUrl: string, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const request = http.get(new URL('/ping', baseUrl), { signal, timeout: 5_000 }, (response) => {
      response.resume();
      response.on('end', () => resolve((response.statusCode ?? 0) >= 200 && (response.statusCode ?? 0) < 300));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('no answer within 5 s')));
    request.on('error', reject);
  });
}

/**
 * POSTs `bodyText` as is (a malformed body is the user's to send: the server's answer says what is
 * wrong better than a local check) and reads the answer with parseInvocationResponse.
 */
export function invokeModel(baseUrl: string, bodyText: string, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ResponseView> {
  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve) => {
    const body = Buffer.from(bodyText, 'utf8');
    const request = http.request(
      new URL('/invocations', baseUrl),
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length },
        timeout: timeoutMs,
        signal: options.signal,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => resolve(failed(error, elapsed())));
        response.on('end', () => {
          const status = response.statusCode ?? 0;
          const text = Buffer.concat(chunks).toString('utf8');
          resolve(toView(status, text, String(response.headers['content-type'] ?? ''), elapsed()));
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${Math.round(timeoutMs / 1000)} s`)));
    request.on('error', (error) => resolve(failed(error, elapsed())));
    request.end(body);
  });
}

function toView(status: number, text: string, contentType: string, latencyMs: number): ResponseView {
  const result = parseInvocationResponse(status, text, contentType);
  switch (result.kind) {
    case 'predictions':
      return { kind: 'predictions', status, latencyMs, text: pretty(result.predictions) };
    case 'unwrapped':
      return { kind: 'unwrapped', status, latencyMs, text: pretty(result.value) };
    case 'error':
      return {
        kind: 'error',
        status,
        latencyMs,
        text: result.message,
        errorCode: result.errorCode,
        ...(result.missingInputs ? { missingInputs: result.missingInputs } : {}),
        ...(result.extraInputs ? { extraInputs: result.extraInputs } : {}),
      };
  }
}

function failed(error: Error, latencyMs: number): ResponseView {
  return { kind: 'failed', latencyMs, text: `The request did not get an answer: ${error.message}` };
}

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? String(value);
}
