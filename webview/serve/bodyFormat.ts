import type { PayloadFormat } from '../../src/serving/payload';

/** MLflow's four request formats, in the order the Format box lists them (src/serving/payload.ts PAYLOAD_FORMATS). */
export const BODY_FORMATS: readonly PayloadFormat[] = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'];

/**
 * The format of a body as the user typed it: the one of MLflow's four top-level keys that its JSON
 * object has. Undefined while the text is not such JSON (mid-edit, or two keys, which MLflow refuses),
 * so the Format box keeps what it showed until the body says otherwise. Same rule as the host's
 * `payloadFormat` (a unit test holds them together); here because the page imports no host code.
 */
export function detectBodyFormat(text: string): PayloadFormat | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const present = BODY_FORMATS.filter((format) => Object.hasOwn(body, format));
  return present.length === 1 ? present[0] : undefined;
}
