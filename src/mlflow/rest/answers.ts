import { MlflowError } from '../errors';
import { isRecord } from '../values';

/**
 * The structure of a 2xx answer, checked before it is read. MLflow's protobuf JSON leaves out empty
 * lists, empty messages and default values, so "absent" is normal and reads as empty; but a field that
 * is there with the wrong type (`"experiments": "not-a-list"`, `"next_page_token": 42`) is never
 * something MLflow sends. Reading it leniently would show an empty list as if the server had said "none";
 * instead it is an error that says the answer was not MLflow's (a proxy, another service on the port, a
 * broken server).
 */

/** `POST /api/2.0/mlflow/experiments/search`: how messages name the request. */
export type Endpoint = string;

export function unexpectedAnswer(endpoint: Endpoint, detail: string): MlflowError {
  return new MlflowError(
    `The answer to ${endpoint} is not what an MLflow server sends (${detail}). Is the tracking URI an MLflow tracking server, and not another service or a proxy's page?`,
    'BAD_RESPONSE',
  );
}

/** The answer as a JSON object (every MLflow answer is one; an empty body reads as `{}`). */
export function answerObject(json: unknown, endpoint: Endpoint): Record<string, unknown> {
  if (!isRecord(json)) throw unexpectedAnswer(endpoint, `the answer is ${kindOf(json)}, not a JSON object`);
  return json;
}

/** A list of messages under `key`: absent (or null) is empty, anything else must be a list of objects. */
export function answerList(json: unknown, key: string, endpoint: Endpoint): Record<string, unknown>[] {
  const value = answerObject(json, endpoint)[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw unexpectedAnswer(endpoint, `"${key}" is ${kindOf(value)} where MLflow sends a list`);
  const wrong = value.findIndex((item) => !isRecord(item));
  if (wrong >= 0) throw unexpectedAnswer(endpoint, `item ${wrong} of "${key}" is ${kindOf(value[wrong])} where MLflow sends an object`);
  return value as Record<string, unknown>[];
}

/** The one message under `key` that a get or create answers with; it is never absent. */
export function answerMessage(json: unknown, key: string, endpoint: Endpoint): Record<string, unknown> {
  const value = answerObject(json, endpoint)[key];
  if (!isRecord(value)) throw unexpectedAnswer(endpoint, value === undefined ? `no "${key}" in it` : `"${key}" is ${kindOf(value)} where MLflow sends an object`);
  return value;
}

/**
 * `next_page_token`: absent on the last page; some versions and proxies send `""` or `null`, which also
 * mean "no more pages". Any other non-string is not MLflow's.
 */
export function answerPageToken(json: unknown, endpoint: Endpoint): string | undefined {
  const value = answerObject(json, endpoint).next_page_token;
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw unexpectedAnswer(endpoint, `"next_page_token" is ${kindOf(value)} where MLflow sends a string`);
  return value;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true/false';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}
