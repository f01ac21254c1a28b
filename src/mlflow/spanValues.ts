import type { Span, SpanEvent, SpanStatusCode } from './traceTypes';
import { TraceKeys } from './traceTypes';
import { isRecord } from './values';

/**
 * Decoding of MLflow's span documents into traceTypes.ts (lossless JSON with exact nanosecond times,
 * ids, attribute values, spans), shared by the REST, SQLite and file-store backends; trace infos and
 * assessments are in ./traceValues. Every string is data from someone else's server: nothing here
 * interprets it beyond JSON. Activation does not need this: the REST store loads it through
 * ./lazySpanValues (dist/spanValues.js in the built extension) when it first reads a trace's spans.
 */

// ---- lossless JSON ----

/**
 * JSON.parse, except that integers beyond 2^53 (span times are ~1.8e18 ns) become decimal strings
 * instead of silently rounded numbers. A cheap scan decides first: most documents have none. Span
 * documents have them under three keys only (`start_time_unix_nano`, `end_time_unix_nano`,
 * `time_unix_nano`), which one native replace quotes (see SPAN_TIME_VALUES); only when a big integer remains elsewhere (a
 * large `int_value`) does the general scan run. A key pattern cannot match inside a JSON string: there
 * its quotes would be escaped.
 */
export function parseJsonLossless(text: string): unknown {
  if (!/\d{16}/.test(text)) return JSON.parse(text) as unknown;
  const keyed = text.replace(SPAN_TIME_VALUES, '$1"$2"');
  return JSON.parse(hasUnquotedBigDigits(keyed) ? quoteBigIntegers(keyed) : keyed) as unknown;
}

/**
 * A run of 16+ digits not right after a quote (a string's start), a digit or a dot (a fraction): a big
 * integer, or digits inside a string, which quoteBigIntegers tells apart. The runs are found by a plain
 * native search and the character before each is checked here (a lookbehind in the regex costs a test
 * at every position of a 240 kB document).
 */
function hasUnquotedBigDigits(text: string): boolean {
  const runs = /\d{16}/g;
  for (let match = runs.exec(text); match; match = runs.exec(text)) {
    const before = match.index > 0 ? text.charCodeAt(match.index - 1) : 32;
    if (before !== 34 && before !== 46 && (before < 48 || before > 57)) return true;
  }
  return false;
}

/**
 * An integer value of a key ending in `_unix_nano` (`start_time_unix_nano`, `end_time_unix_nano`,
 * `time_unix_nano`). The literal start lets the regex engine skip ahead instead of trying every
 * position; inside a JSON string the key's closing quote would be escaped, so this cannot match there.
 */
const SPAN_TIME_VALUES = /(_unix_nano"\s*:\s*)(-?\d{16,})(?=\s*[,}\]])/g;

/**
 * Wraps integer literals outside strings that do not fit a double exactly in quotes (after `marker`,
 * which lets a test tool find them again). The digit runs are found with a native regex; whether one
 * sits inside a string is decided by counting the unescaped quotes before it, also by regex, so a
 * 240 kB span document costs two native scans instead of a JavaScript loop over every character.
 */
export function quoteBigIntegers(text: string, marker = ''): string {
  const bigDigits = /-?\d{16,}/g;
  const quotes = /\\[\s\S]|"/g;
  let inString = false;
  let scanned = 0;
  let out = '';
  let last = 0;
  for (let match = bigDigits.exec(text); match; match = bigDigits.exec(text)) {
    const start = match.index;
    const end = start + match[0].length;
    quotes.lastIndex = scanned;
    for (let q = quotes.exec(text); q && q.index < start; q = quotes.exec(text)) {
      if (q[0] === '"') inString = !inString;
      // An escape that straddles the match start (`\` then a digit) is inside a string: no toggle.
      scanned = q.index + q[0].length;
    }
    scanned = Math.max(scanned, start);
    if (inString) continue;
    const before = start > 0 ? text.charCodeAt(start - 1) : 32;
    const after = end < text.length ? text.charCodeAt(end) : 32;
    const partOfNumber = (c: number): boolean => (c >= 48 && c <= 57) || c === 46 || c === 101 || c === 69 || c === 43 || c === 45;
    if (partOfNumber(before) || partOfNumber(after)) continue;
    if (Number.isSafeInteger(Number(match[0]))) continue;
    out += `${text.slice(last, start)}"${marker}${match[0]}"`;
    last = end;
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * A document holding spans (traces/get: `trace.spans`; traces.json: `spans`; one `spans.content`: the
 * span itself, each said by `spansOf`) parsed by the native JSON.parse, its nanosecond times then set
 * back exactly from the text. A search for the literal `_unix_nano"` finds each time key with the
 * integer after it; the parsed spans get those digits in document order (object keys keep the text's
 * order), matched key by key; then no other integer beyond 2^53 may be left anywhere in the document.
 * Anything else (another big integer, a duplicated key, a time somewhere else, a float time) takes
 * {@link parseJsonLossless}, which is exact for any document. This saves a rewritten copy of the text
 * and a scan of every digit run of a 240 kB trace.
 */
export function parseSpanJson(text: string, spansOf: (doc: unknown) => unknown, options?: { attributeListsCheckedByDecoder?: boolean }): unknown {
  const times = spanTimeLiterals(text);
  if (times === undefined) return parseJsonLossless(text);
  const doc = JSON.parse(text) as unknown;
  const spans = spansOf(doc);
  if (restoreSpanTimes(spans, times) && !hasUnsafeInteger(doc, options?.attributeListsCheckedByDecoder ? attributeLists(spans) : undefined)) return doc;
  return parseJsonLossless(text);
}

/**
 * How many AnyValue integers decodeAnyValue has met that JSON.parse may have rounded. A caller that
 * parsed with `attributeListsCheckedByDecoder` (the v3 REST shape, whose attribute lists toSpan decodes
 * whole) compares it before and after decoding, and decodes again from {@link parseJsonLossless} when
 * it moved: the unsafe-integer walk then need not visit those lists, most of a trace's values.
 */
export function roundedIntegerCount(): number {
  return roundedIntegers;
}

let roundedIntegers = 0;

function attributeLists(spans: unknown): Set<unknown> {
  const lists = new Set<unknown>();
  if (Array.isArray(spans)) for (const span of spans) if (isRecord(span) && Array.isArray(span.attributes)) lists.add(span.attributes);
  return lists;
}

/** The value of a `…_unix_nano` key when it is an integer of 16+ digits (the literal start lets the regex engine skip ahead). */
const TIME_LITERAL = /_unix_nano"\s*:\s*(-?\d{16,})/g;

interface TimeLiteral {
  /** The key as written (without quotes). */
  key: string;
  digits: string;
}

/**
 * The big integer times of `text` in order with their keys; undefined when one is followed by a
 * fraction or exponent, or its key has an escape (then only the general lossless parse is right).
 * A match cannot lie inside a JSON string: there the quote after `_unix_nano` would be escaped.
 */
function spanTimeLiterals(text: string): TimeLiteral[] | undefined {
  const times: TimeLiteral[] = [];
  TIME_LITERAL.lastIndex = 0;
  for (let match = TIME_LITERAL.exec(text); match; match = TIME_LITERAL.exec(text)) {
    const end = match.index + match[0].length;
    const after = end < text.length ? text.charCodeAt(end) : 32;
    if (after === 46 || after === 101 || after === 69) return undefined;
    const keyEnd = match.index + '_unix_nano'.length;
    const keyStart = text.lastIndexOf('"', match.index) + 1;
    if (keyStart === 0) return undefined;
    const key = text.slice(keyStart, keyEnd);
    if (key.includes('\\')) return undefined;
    times.push({ key, digits: match[1]! });
  }
  return times;
}

/**
 * Puts the exact `times` (in document order) in place of the rounded numbers under the `…_unix_nano`
 * keys of `spans` and of their events. False when they do not line up one to one, key for key.
 */
function restoreSpanTimes(spans: unknown, times: readonly TimeLiteral[]): boolean {
  if (times.length === 0) return true;
  if (!Array.isArray(spans)) return false;
  let next = 0;
  const take = (holder: Record<string, unknown>, key: string): boolean => {
    const value = holder[key];
    // Fewer than 16 digits (or a string, as protobuf's JSON writes int64): not among `times`.
    if (typeof value !== 'number' || Math.abs(value) < 1e15) return true;
    const exact = times[next];
    if (exact === undefined || exact.key !== key) return false;
    holder[key] = exact.digits;
    next++;
    return true;
  };
  for (const span of spans) {
    if (!isRecord(span)) continue;
    for (const key in span) {
      if (key.endsWith('_unix_nano')) {
        if (!take(span, key)) return false;
      } else if (key === 'events' && Array.isArray(span.events)) {
        for (const event of span.events) {
          if (!isRecord(event)) continue;
          for (const eventKey in event) if (eventKey.endsWith('_unix_nano') && !take(event, eventKey)) return false;
        }
      }
    }
  }
  return next === times.length;
}

/**
 * Whether any number in `doc` (but under `skip`) is an integer JSON.parse may have rounded (beyond
 * 2^53). Iterative: a deep document must not overflow the stack.
 */
function hasUnsafeInteger(doc: unknown, skip?: ReadonlySet<unknown>): boolean {
  const stack: unknown[] = [doc];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'number') {
      if (!(Math.abs(value) < 9007199254740992)) return true;
    } else if (Array.isArray(value)) {
      if (skip?.has(value)) continue;
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (typeof item === 'object' ? item !== null : typeof item === 'number') stack.push(item);
      }
    } else if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      for (const key in record) {
        const item = record[key];
        if (typeof item === 'object' ? item !== null : typeof item === 'number') stack.push(item);
      }
    }
  }
  return false;
}

/** A nanosecond time (number, numeric string or bigint) as a decimal string; undefined when absent. */
function nanosText(value: unknown): string | undefined {
  if (typeof value === 'string' && isIntegerText(value)) {
    const digits = value.charCodeAt(0) === 45 ? 1 : 0;
    return value.charCodeAt(digits) === 48 && value.length > digits + 1 ? value.replace(/^(-?)0+(?=\d)/, '$1') : value;
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && Number.isFinite(value)) return BigInt(Math.trunc(value)).toString();
  return undefined;
}

/** `-?\d+`, without a regex (two per span). */
function isIntegerText(text: string): boolean {
  const first = text.charCodeAt(0) === 45 ? 1 : 0;
  if (text.length === first) return false;
  for (let i = first; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

// ---- ids ----

/** `HhMBAJpO5aqaDNRq6LU0Sg==` → `1e13…4a` (span objects carry ids as base64 of the raw bytes). */
function base64IdToHex(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  if ((value.length === 16 || value.length === 32) && /^[0-9a-f]+$/.test(value)) return value;
  return base64ToHex(value) ?? Buffer.from(value, 'base64').toString('hex');
}

const BASE64_VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) BASE64_VALUES['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
const HEX_CODES = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102];
/** Char codes of the hex of 8- and 16-byte ids, reused. */
const HEX_OF_8 = new Array<number>(16).fill(48);
const HEX_OF_16 = new Array<number>(32).fill(48);

/**
 * Canonical padded base64 of an 8- or 16-byte id (what MLflow writes) straight to hex, without a Buffer
 * per id: a 199-span trace has ~600 of them. The hex is made in one piece (String.fromCharCode), not by
 * appending: a string built by `+=` is a rope that the span tree's Set and Map must flatten to hash.
 * Anything else (other lengths, URL-safe, unpadded, whitespace): undefined, for Buffer's decoder.
 */
function base64ToHex(value: string): string | undefined {
  const codes = value.length === 12 ? HEX_OF_8 : value.length === 24 ? HEX_OF_16 : undefined;
  if (!codes) return undefined;
  const padding = value.charCodeAt(value.length - 1) === 61 ? (value.charCodeAt(value.length - 2) === 61 ? 2 : 1) : 0;
  const end = value.length - padding;
  let bits = 0;
  let count = 0;
  let at = 0;
  for (let i = 0; i < end; i++) {
    const code = value.charCodeAt(i);
    const digit = code < 128 ? BASE64_VALUES[code]! : -1;
    if (digit < 0) return undefined;
    bits = ((bits << 6) | digit) & 0xffff;
    count += 6;
    if (count >= 8) {
      count -= 8;
      const byte = (bits >> count) & 0xff;
      if (at >= codes.length) return undefined;
      codes[at++] = HEX_CODES[byte >> 4]!;
      codes[at++] = HEX_CODES[byte & 15]!;
    }
  }
  return at === codes.length ? String.fromCharCode.apply(null, codes) : undefined;
}

/** The trace id of one span document; the spans of a trace share it, so the last answer is kept. */
let lastSpanTraceId: { raw: string; id: string | undefined } | undefined;

function traceIdFromSpanTraceId(value: unknown): string | undefined {
  if (typeof value === 'string' && lastSpanTraceId?.raw === value) return lastSpanTraceId.id;
  const hex = base64IdToHex(value);
  const id = hex ? `tr-${hex}` : undefined;
  if (typeof value === 'string') lastSpanTraceId = { raw: value, id };
  return id;
}

// ---- attribute values ----

/**
 * An OTel AnyValue (`{string_value}`, `{int_value}`, `{kvlist_value:{values:[{key,value}]}}`, …) as
 * a plain value. JSON null is written as `{}`.
 */
function decodeAnyValue(value: unknown): unknown {
  if (!isRecord(value)) return null;
  if ('string_value' in value) return value.string_value;
  if ('bool_value' in value) return value.bool_value;
  if ('int_value' in value) {
    const integer = value.int_value;
    if (typeof integer === 'number') {
      if (!Number.isSafeInteger(integer)) roundedIntegers++;
      return integer;
    }
    return typeof integer === 'string' && isIntegerText(integer) && Number.isSafeInteger(Number(integer)) ? Number(integer) : integer;
  }
  if ('double_value' in value) return value.double_value;
  if ('bytes_value' in value) return value.bytes_value;
  if ('array_value' in value) {
    const items = isRecord(value.array_value) && Array.isArray(value.array_value.values) ? value.array_value.values : [];
    return items.map(decodeAnyValue);
  }
  if ('kvlist_value' in value) return decodeKeyValues(isRecord(value.kvlist_value) ? value.kvlist_value.values : undefined);
  return null;
}

/** `[{key, value: AnyValue}]` → a record. */
function decodeKeyValues(list: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!Array.isArray(list)) return out;
  for (const entry of list) {
    if (isRecord(entry) && typeof entry.key === 'string') setAttribute(out, entry.key, decodeAnyValue(entry.value));
  }
  return out;
}

/** One span-dict attribute value (a JSON-encoded string); a value that is not valid JSON is kept as the raw string. */
function decodeJsonAttribute(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return parseJsonLossless(raw);
  } catch {
    return raw;
  }
}

/**
 * A span's attributes. The v3 REST shape (a list of OTel AnyValues) is decoded at once: its structured
 * values are objects JSON.parse already built, and reshaping them costs little even for a 200 KB input
 * (a string there). MLflow's span dict (`traces.json`, `spans.content`) holds each value as a JSON
 * string: objects and arrays among them (inputs and outputs: most of a document's bytes, up to 200 KB
 * each) are parsed when first read, not when the trace is (opening a 199-span trace shows one span's
 * payload, and the list never reads them). The record stays a plain object (JSON.stringify, spreads and
 * structuredClone read the lazy values through their getters).
 */
function decodeSpanAttributes(raw: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (Array.isArray(raw)) {
    for (const entry of raw) {
      if (isRecord(entry) && typeof entry.key === 'string') setAttribute(out, entry.key, decodeAnyValue(entry.value));
    }
    return out;
  }
  if (!isRecord(raw)) return out;
  for (const key of Object.keys(raw)) {
    const value = raw[key];
    // A JSON-encoded object or array (its first character says so); strings, numbers and booleans parse at once.
    if (typeof value === 'string' && value.length > 0 && (value.charCodeAt(0) === 123 || value.charCodeAt(0) === 91)) setLazy(out, key, value);
    else out[key] = decodeJsonAttribute(value);
  }
  return out;
}

/**
 * `out[key] = value`, with MLflow's own attribute names stored under constant names: a name read from
 * JSON is a fresh string, and storing under it costs a string-table lookup per attribute (~800 in a
 * 199-span trace), where a constant name is a plain property store.
 */
function setAttribute(out: Record<string, unknown>, key: string, value: unknown): void {
  switch (key) {
    case 'mlflow.traceRequestId':
      out['mlflow.traceRequestId'] = value;
      return;
    case 'mlflow.spanType':
      out['mlflow.spanType'] = value;
      return;
    case 'mlflow.spanInputs':
      out['mlflow.spanInputs'] = value;
      return;
    case 'mlflow.spanOutputs':
      out['mlflow.spanOutputs'] = value;
      return;
    case 'mlflow.spanFunctionName':
      out['mlflow.spanFunctionName'] = value;
      return;
    case '__proto__':
      // An own property, as JSON.parse makes it, not the record's prototype.
      Object.defineProperty(out, key, { value, enumerable: true, configurable: true, writable: true });
      return;
    default:
      out[key] = value;
  }
}

/** The JSON text behind each lazy attribute, by record. */
const lazyText = new WeakMap<object, Record<string, string>>();
/** One accessor pair per attribute name, shared by every record (so records of one shape share V8's hidden class). */
const lazyAccessors = new Map<string, PropertyDescriptor>();
const MAX_SHARED_ACCESSORS = 256;

function setLazy(out: Record<string, unknown>, key: string, text: string): void {
  let texts = lazyText.get(out);
  if (!texts) lazyText.set(out, (texts = {}));
  texts[key] = text;
  Object.defineProperty(out, key, lazyAccessor(key));
}

function lazyAccessor(key: string): PropertyDescriptor {
  const shared = lazyAccessors.get(key);
  if (shared) return shared;
  const settle = (record: Record<string, unknown>, value: unknown): void => {
    Object.defineProperty(record, key, { value, enumerable: true, configurable: true, writable: true });
    const texts = lazyText.get(record);
    if (texts) delete texts[key];
  };
  const accessor: PropertyDescriptor = {
    enumerable: true,
    configurable: true,
    get(this: Record<string, unknown>) {
      const value = decodeJsonAttribute(lazyText.get(this)?.[key]);
      settle(this, value);
      return value;
    },
    set(this: Record<string, unknown>, value: unknown) {
      settle(this, value);
    },
  };
  // Names come from other people's servers: only the first few hundred are kept for sharing.
  if (lazyAccessors.size < MAX_SHARED_ACCESSORS) lazyAccessors.set(key, accessor);
  return accessor;
}

function statusCode(value: unknown): SpanStatusCode {
  const text = typeof value === 'string' ? value : '';
  if (text.endsWith('ERROR')) return 'ERROR';
  if (text.endsWith('OK')) return 'OK';
  return 'UNSET';
}

/**
 * One span in either format: the v3 REST shape (base64 ids, AnyValue attribute lists) or the span dict
 * of `traces.json` / `spans.content` (base64 ids, JSON-string attribute map); structured attribute values
 * are decoded on first read.
 */
export function toSpan(raw: unknown, fallbackTraceId?: string): Span {
  const s = isRecord(raw) ? raw : {};
  const attributes = decodeSpanAttributes(s.attributes);
  const status = isRecord(s.status) ? s.status : {};
  const events: SpanEvent[] = (Array.isArray(s.events) ? s.events : []).map((e: unknown) => {
    const event = isRecord(e) ? e : {};
    return {
      name: typeof event.name === 'string' ? event.name : '',
      timeNs: nanosText(event.time_unix_nano) ?? '0',
      attributes: Array.isArray(event.attributes) ? decodeKeyValues(event.attributes) : isRecord(event.attributes) ? { ...event.attributes } : {},
    };
  });
  const spanType = attributes[TraceKeys.spanType];
  const requestId = attributes['mlflow.traceRequestId'];
  const message = typeof status.message === 'string' && status.message !== '' ? status.message : undefined;
  const span: Span = {
    traceId: (typeof requestId === 'string' ? requestId : undefined) ?? traceIdFromSpanTraceId(s.trace_id) ?? fallbackTraceId ?? '',
    spanId: base64IdToHex(s.span_id) ?? '',
    name: typeof s.name === 'string' ? s.name : '',
    spanType: typeof spanType === 'string' && spanType !== '' ? spanType : 'UNKNOWN',
    startTimeNs: nanosText(s.start_time_unix_nano) ?? '0',
    status: message ? { code: statusCode(status.code), message } : { code: statusCode(status.code) },
    attributes,
    events,
  };
  const parent = base64IdToHex(s.parent_span_id);
  if (parent) span.parentSpanId = parent;
  const end = nanosText(s.end_time_unix_nano);
  if (end !== undefined) span.endTimeNs = end;
  return span;
}
