/**
 * MLflow's value quirks, normalised in one place so every backend (REST, SQLite, file store) turns
 * the same raw values into the same domain values.
 *
 * - Metric values: the tracking server writes NaN as the JSON string "NaN" (JSON has no NaN), and
 *   stores ±∞ as ±Double.MAX_VALUE (1.7976931348623157e+308) because some SQL backends reject
 *   infinities. Clients that chart or compare values must see the real NaN/±∞.
 * - Timestamps and steps are int64 in the protobuf schema, which protobuf's JSON mapping may render
 *   as strings.
 */

/** ±Double.MAX_VALUE: what MLflow stores for ±∞. */
export const MAX_DOUBLE = 1.7976931348623157e308;

/** A metric value as MLflow means it: NaN and ±∞ restored from their wire/storage stand-ins. */
export function parseMetricValue(v: unknown): number {
  let n: number;
  if (typeof v === 'number') {
    n = v;
  } else if (typeof v === 'string') {
    n = parseNumberString(v);
  } else if (typeof v === 'bigint') {
    n = Number(v);
  } else {
    return Number.NaN;
  }
  if (n >= MAX_DOUBLE) return Number.POSITIVE_INFINITY;
  if (n <= -MAX_DOUBLE) return Number.NEGATIVE_INFINITY;
  return n;
}

/**
 * A metric value from a file store's metric file: Python's float repr (`nan`, `inf`, `-inf`, digits).
 * The FileStore keeps real infinities, so ±Double.MAX_VALUE stays a finite value there.
 */
export function parseFileMetricValue(v: string): number {
  return parseNumberString(v);
}

/** ±Double.MAX_VALUE for ±∞ and 0 for NaN: the value MLflow's SQL store keeps (and filters compare). */
export function sqlStoredMetricValue(v: number): number {
  if (Number.isNaN(v)) return 0;
  if (v === Number.POSITIVE_INFINITY) return MAX_DOUBLE;
  if (v === Number.NEGATIVE_INFINITY) return -MAX_DOUBLE;
  return v;
}

function parseNumberString(s: string): number {
  const t = s.trim();
  switch (t.toLowerCase()) {
    case 'nan':
      return Number.NaN;
    case 'infinity':
    case 'inf':
    case '+infinity':
    case '+inf':
      return Number.POSITIVE_INFINITY;
    case '-infinity':
    case '-inf':
      return Number.NEGATIVE_INFINITY;
  }
  // Number('') is 0: an empty string is not a value.
  return t === '' ? Number.NaN : Number(t);
}

/** An int64 millisecond timestamp (number or decimal string); undefined when absent or not a number. */
export function parseTimestamp(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return undefined;
}

/** An int64 count such as a metric step; `fallback` when absent (protobuf omits zero defaults). */
export function parseInt64(v: unknown, fallback = 0): number {
  return parseTimestamp(v) ?? fallback;
}

/** The string form of a value that should be a string; protobuf omits empty strings, so absent → ''. */
export function parseString(v: unknown, fallback = ''): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  return fallback;
}

/**
 * A page token as the client should pass it back: MLflow leaves `next_page_token` out on the last
 * page, but some versions and proxies send `""` or `null` instead; all mean "no more pages".
 */
export function parsePageToken(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** `[{key, value}]` (MLflow's tag/param lists) → a plain record; absent or malformed → `{}`. */
export function keyValueList(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(v)) return out;
  for (const entry of v) {
    if (isRecord(entry) && typeof entry.key === 'string') setEntry(out, entry.key, parseString(entry.value));
  }
  return out;
}

/**
 * `record[key] = value` for a key someone else chose: a param or tag may be named `__proto__`, which
 * a plain assignment would send to the prototype setter (and lose) instead of storing.
 */
export function setEntry(record: Record<string, string>, key: string, value: string): void {
  if (key === '__proto__') Object.defineProperty(record, key, { value, enumerable: true, writable: true, configurable: true });
  else record[key] = value;
}

/**
 * The logged model id in a `models:/m-…` URI (MLflow 3 model version sources), or undefined for
 * `models:/<name>/<version>` registry URIs and run-artifact sources.
 */
export function modelIdFromSource(source: string | undefined): string | undefined {
  if (!source) return undefined;
  const match = /^models:\/(m-[0-9a-f]+)(?:\/|$)/i.exec(source);
  return match?.[1];
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A JSON array field, treating MLflow's "absent means empty" as `[]`. */
export function arrayField(obj: unknown, key: string): unknown[] {
  if (!isRecord(obj)) return [];
  const v = obj[key];
  return Array.isArray(v) ? v : [];
}
