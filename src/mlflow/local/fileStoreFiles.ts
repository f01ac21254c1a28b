import { readFile, readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { MlflowError } from '../errors';
import type { Metric } from '../types';
import { parseFileMetricValue, setEntry } from '../values';
import { yaml } from '../yaml';

/**
 * Reading the files of MLflow's legacy FileStore (`mlruns/`) while MLflow may be writing them. MLflow
 * rewrites `meta.yaml` in place and appends metric lines, so a read can catch a file half written: a
 * `meta.yaml` that is empty or does not parse is re-read after a short pause, and a metric line that
 * is not complete (`timestamp value [step]`) is left out rather than shown as a wrong value.
 */

export type Yaml = Record<string, unknown>;

const YAML_ATTEMPTS = 4;

/** Top-level `key: value` lines of the flat kind MLflow writes; anything else goes to the YAML parser. */
const FLAT_LINE = /^([a-z_][a-z0-9_]*):(?: (.*))?$/;
/**
 * Plain scalars that YAML 1.2's core schema reads as strings: a letter, `_` or `/` first, then letters
 * (any script: MLflow writes YAML with allow_unicode), marks, digits and `_-./:@+`, single spaces
 * between words; no indicator, quote, comment, tab or line-break character.
 */
const PLAIN_STRING = /^[\p{L}_/][\p{L}\p{M}\p{N}_\-./:@+]*(?: [\p{L}\p{M}\p{N}_\-./:@+]+)*$/u;
const DECIMAL_INT = /^-?[0-9]+$/;
/** Digit-first plain scalars (run ids are hex) are strings unless YAML 1.2's core schema reads a number. */
const DIGIT_FIRST = /^[0-9][A-Za-z0-9_\-./:@+]*$/;
const CORE_NUMBER = /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+)$/;
const NOT_STRINGS = new Set(['true', 'True', 'TRUE', 'false', 'False', 'FALSE', 'null', 'Null', 'NULL']);
/** What flatScalar answers for a value it leaves to the YAML parser. */
const NOT_FLAT: unique symbol = Symbol('not flat');

/** A flat line's value as YAML reads it, or NOT_FLAT when it is anything but the obvious kinds. */
function flatScalar(raw: string | undefined): unknown {
  if (raw === undefined || raw === 'null') return null;
  if (raw === "''") return '';
  if (raw === '[]') return [];
  if (raw === '{}') return {};
  if (raw.length > 2 && raw.startsWith("'") && raw.endsWith("'")) {
    const inner = raw.slice(1, -1);
    // Inside single quotes only '' is special; tabs and control characters are left to the parser.
    return inner.includes("'") || /[\0-\x1f\x7f-\x9f\u2028\u2029\ufeff]/.test(inner) ? NOT_FLAT : inner;
  }
  if (DECIMAL_INT.test(raw)) return parseInt(raw, 10);
  if (raw.endsWith(':') || raw.includes(': ')) return NOT_FLAT;
  if (PLAIN_STRING.test(raw) && !NOT_STRINGS.has(raw)) return raw;
  if (DIGIT_FIRST.test(raw) && !CORE_NUMBER.test(raw)) return raw;
  return NOT_FLAT;
}

/** Adds one `key: value` line to `out`; false when the line is not of the flat kind (or repeats a key). */
function flatLine(line: string, out: Yaml): boolean {
  // YAML reads CRLF as one line break (files written on Windows).
  const match = FLAT_LINE.exec(line.endsWith('\r') ? line.slice(0, -1) : line);
  if (!match) return false;
  const [, key, raw] = match;
  if (key === '__proto__' || Object.hasOwn(out, key)) return false;
  const value = flatScalar(raw);
  if (value === NOT_FLAT) return false;
  out[key] = value;
  return true;
}

/**
 * A fast path for MLflow's own `meta.yaml`: flat `key: value` lines (`run_id: 0a1b…`, `status: 3`,
 * `end_time: null`, `source_name: ''`, `tags: []`), which make up almost every file of a store of
 * 100,000 runs and take a general YAML parser ~0.3 ms each. Only lines whose value YAML reads the
 * one obvious way are taken: the whole file is left to the YAML parser (undefined) as soon as a line
 * is anything else (quotes with escapes, comments, floats, booleans, nesting, repeated keys),
 * so the answer is always what `yaml().parse` gives (test/unit/localFileStoreYaml.test.ts checks it).
 */
export function parseFlatMeta(source: string): Yaml | undefined {
  if (!source.endsWith('\n')) return undefined;
  const out: Yaml = {};
  const lines = source.split('\n');
  lines.pop();
  if (lines.length === 0) return undefined;
  for (const line of lines) if (!flatLine(line, out)) return undefined;
  return out;
}

/**
 * parseFlatMeta over a file's bytes, each line decoded on its own: the strings kept from it then hold
 * their line rather than the whole file's text (V8 keeps a substring as a view of its parent), which
 * for 100,000 cached runs is the difference of the files' total size in memory.
 */
export function parseFlatMetaBytes(bytes: Buffer): Yaml | undefined {
  const length = bytes.length;
  if (length === 0 || bytes[length - 1] !== 0x0a) return undefined;
  const out: Yaml = {};
  for (let start = 0; start < length; ) {
    const end = bytes.indexOf(0x0a, start);
    if (!flatLine(bytes.toString('utf8', start, end), out)) return undefined;
    start = end + 1;
  }
  return out;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/**
 * A `meta.yaml` as a record; undefined when the file does not exist. `pause` waits between reads
 * (tests pass one that finishes the writer's work, so the race is decided, not timed).
 */
export async function readMeta(file: string, pause: (ms: number) => Promise<void> = sleep): Promise<Yaml | undefined> {
  let lastProblem = '';
  for (let attempt = 0; attempt < YAML_ATTEMPTS; attempt++) {
    let source: string;
    try {
      source = await readFile(file, 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    try {
      const parsed: unknown = parseFlatMeta(source) ?? yaml().parse(source);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Yaml;
      lastProblem = 'it is empty';
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    await pause(15 * 2 ** attempt);
  }
  throw new MlflowError(`${file} could not be read (${lastProblem}); it may be being written.`, 'STORE_BUSY');
}

/** A meta.yaml's text as a record, or undefined when it is empty or does not parse (yet). */
export function parseMeta(source: string): Yaml | undefined {
  try {
    const parsed: unknown = parseFlatMeta(source) ?? yaml().parse(source);
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Yaml) : undefined;
  } catch {
    return undefined;
  }
}

/** Like readMeta, but a file that stays unreadable is skipped, as MLflow skips malformed entries. */
export async function readMetaOrSkip(file: string): Promise<Yaml | undefined> {
  try {
    return await readMeta(file);
  } catch (error) {
    if (error instanceof MlflowError && error.errorCode === 'STORE_BUSY') return undefined;
    throw error;
  }
}

export async function listDirs(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

/**
 * The files under `dir` as `/`-joined relative names: metric, param and tag keys may contain `/`
 * (`eval/accuracy`), which the FileStore keeps as nested folders.
 */
export async function listKeys(dir: string, prefix = ''): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
  const keys: string[] = [];
  for (const entry of entries) {
    const name = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) keys.push(...(await listKeys(path.join(dir, entry.name), name)));
    else keys.push(name);
  }
  return keys;
}

/**
 * The path segments of a key file (`eval/accuracy` → `eval`, `accuracy`). Keys come from callers and
 * filters, so one that would step outside its folder (`..`, absolute, backslashes) names no file.
 */
export function safeKeyPath(key: string): string[] | undefined {
  const segments = key.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes('\\') || s.includes('\0'))) return undefined;
  return segments;
}

/** A key file's content (params and tags are stored one value per file, as written). */
export async function readValue(dir: string, key: string): Promise<string | undefined> {
  const segments = safeKeyPath(key);
  if (!segments) return undefined;
  try {
    return await readFile(path.join(dir, ...segments), 'utf8');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** `{key: value}` for every file under `dir`, or only for `keys`. */
export async function readKeyValues(dir: string, keys?: ReadonlySet<string>): Promise<Record<string, string>> {
  const names = keys ? [...keys] : await listKeys(dir);
  const values = await Promise.all(names.map((name) => readValue(dir, name)));
  const out: Record<string, string> = {};
  names.forEach((name, i) => {
    const value = values[i];
    if (value !== undefined) setEntry(out, name, value);
  });
  return out;
}

/**
 * One metric line (`timestamp value [step]`, MLflow 3 logged models add the run id and dataset
 * after it); undefined for a line that is blank, incomplete or not numbers.
 */
export function parseMetricLine(line: string, key: string): Metric | undefined {
  const fields = line.trim().split(/\s+/);
  if (fields.length < 2 || !/^-?\d+$/.test(fields[0]) || (fields[2] !== undefined && !/^-?\d+$/.test(fields[2]))) return undefined;
  const value = parseFileMetricValue(fields[1]);
  if (Number.isNaN(value) && fields[1].toLowerCase() !== 'nan') return undefined;
  return { key, value, timestamp: Number(fields[0]), step: fields[2] === undefined ? 0 : Number(fields[2]) };
}

/** A metric file's complete lines (`timestamp value [step]`), in file order. */
export async function readMetricFile(dir: string, key: string): Promise<Metric[]> {
  const source = await readValue(dir, key);
  if (source === undefined) return [];
  const lines = source.split('\n');
  // The last line is only complete when the file ends with a newline: MLflow writes line + "\n".
  if (!source.endsWith('\n')) lines.pop();
  const metrics: Metric[] = [];
  for (const line of lines) {
    const metric = parseMetricLine(line, key);
    if (metric) metrics.push(metric);
  }
  return metrics;
}

/** MLflow's latest value: the largest (step, timestamp, value). */
export function latestOf(history: readonly Metric[]): Metric | undefined {
  let best: Metric | undefined;
  for (const m of history) {
    if (!best || m.step > best.step || (m.step === best.step && (m.timestamp > best.timestamp || (m.timestamp === best.timestamp && m.value > best.value)))) {
      best = m;
    }
  }
  return best;
}

/** Runs `fn` over `items` with at most `limit` in flight (thousands of runs, each a handful of files). */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return out;
}

export function str(value: unknown): string {
  if (value === null || value === undefined) return '';
  return typeof value === 'string' ? value : String(value);
}

export function num(value: unknown): number | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const n = Number(value);
  return Number.isFinite(n) ? n : undefined;
}
