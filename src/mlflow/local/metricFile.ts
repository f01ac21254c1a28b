import { type SampleWindow, MAX_POINTS_PER_RUN, type StepRange, chooseSampledSteps, comparePoints, validateSampleWindow } from '../sampling';
import type { Metric, RunMetric } from '../types';
import { parseFileMetricValue } from '../values';
import { parseMetricLine } from './fileStoreFiles';

/**
 * MLflow's FileStore metric files (`<run>/metrics/<key>`: one `timestamp value step` line per point,
 * appended as logged) held as columns rather than as objects: a 200,000-step history is three
 * Float64Arrays (24 bytes a point) instead of 200,000 Metric objects, parsed in one pass over the
 * bytes, and sampled (`get-history-bulk-interval`) without building a point that is not returned.
 */

/** A metric file's points in file order. */
export class MetricColumns {
  length = 0;
  steps = new Float64Array(16);
  timestamps = new Float64Array(16);
  values = new Float64Array(16);
  /** Whether steps never go down in file order (how training loops log; lets sampling bisect). */
  stepsAscending = true;
  /** Whether every step is larger than the one before (then the steps are their own distinct list). */
  stepsIncreasing = true;

  /** Makes room for `more` points at once (a file's lines are counted before they are parsed). */
  reserve(more: number): void {
    const needed = this.length + more;
    if (needed <= this.steps.length) return;
    // A file read for the first time gets exactly its points; a growing one room to double.
    const capacity = this.length === 0 ? needed : Math.max(needed, this.steps.length * 2);
    this.steps = grow(this.steps, capacity);
    this.timestamps = grow(this.timestamps, capacity);
    this.values = grow(this.values, capacity);
  }

  push(timestamp: number, value: number, step: number): void {
    if (this.length === this.steps.length) {
      this.steps = grow(this.steps);
      this.timestamps = grow(this.timestamps);
      this.values = grow(this.values);
    }
    if (this.length > 0 && !(step > this.steps[this.length - 1])) {
      this.stepsIncreasing = false;
      if (step < this.steps[this.length - 1]) this.stepsAscending = false;
    }
    this.steps[this.length] = step;
    this.timestamps[this.length] = timestamp;
    this.values[this.length] = value;
    this.length++;
  }

  point(i: number, key: string): Metric {
    return { key, value: this.values[i], timestamp: this.timestamps[i], step: this.steps[i] };
  }

  toMetrics(key: string): Metric[] {
    const out = new Array<Metric>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.point(i, key);
    return out;
  }

  /**
   * The distinct steps, ascending: a view of the steps when they only ever increase (read it, do not
   * change it), else a copy (one pass when they never go down, else a native sort).
   */
  distinctSteps(): Float64Array {
    if (this.stepsIncreasing) return this.steps.subarray(0, this.length);
    const sorted = this.steps.slice(0, this.length);
    if (!this.stepsAscending) sorted.sort();
    let n = 0;
    for (let i = 0; i < sorted.length; i++) if (n === 0 || sorted[i] !== sorted[n - 1]) sorted[n++] = sorted[i];
    return sorted.subarray(0, n);
  }

  /** Bytes held (the arrays' capacity). */
  get bytes(): number {
    return this.steps.length * 24;
  }
}

function grow(a: Float64Array<ArrayBuffer>, capacity = a.length * 2): Float64Array<ArrayBuffer> {
  const b = new Float64Array(capacity);
  b.set(a);
  return b;
}

/** MLflow's latest value: the larger step, then timestamp, then value. */
function isLater(step: number, timestamp: number, value: number, than: Metric | undefined): boolean {
  return !than || step > than.step || (step === than.step && (timestamp > than.timestamp || (timestamp === than.timestamp && value > than.value)));
}

const SPACE = 0x20;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
/** Integers up to 15 digits are exact in a double; longer ones take the general path. */
const MAX_FAST_DIGITS = 15;

/** ASCII whitespace as `\s` reads it (tab, LF, VT, FF, CR, space). */
function isSpace(byte: number): boolean {
  return byte === SPACE || (byte >= 0x09 && byte <= 0x0d);
}

/**
 * Adds the complete lines of `bytes` (a metric file's appended part) to `history` and folds them
 * into `latest`; what follows the last newline is still being written and is left for the next read.
 * Each line is scanned in place: `timestamp value step` of ASCII digits takes no string but the
 * value's, and any other line (non-ASCII, long integers, stray characters) is decoded and given to
 * parseMetricLine, so every line is read exactly as parseMetricLine reads it.
 */
export function appendMetricLines(
  bytes: Uint8Array,
  key: string,
  latest: Metric | undefined,
  history: MetricColumns | undefined,
): { latest: Metric | undefined; consumed: number } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (history) {
    let lines = 0;
    for (let at = buffer.indexOf(0x0a); at >= 0; at = buffer.indexOf(0x0a, at + 1)) lines++;
    history.reserve(lines);
  }
  // The bytes as Latin-1 text, one character a byte: a value token is then a cheap slice of it
  // rather than a string decoded from the buffer through a native call for every line.
  const text = buffer.toString('latin1');
  let start = 0;
  for (;;) {
    const end = buffer.indexOf(0x0a, start);
    if (end < 0) break;
    let timestamp = 0;
    let value = 0;
    let step = 0;
    let ok = false;
    let fast = true;
    // 1: timestamp, 2: value, 3: step, 4: extra fields (MLflow 3's run id and dataset), ignored.
    let field = 0;
    let i = start;
    while (i < end && fast) {
      const byte = buffer[i];
      if (byte >= 0x80) {
        fast = false;
        break;
      }
      if (isSpace(byte)) {
        i++;
        continue;
      }
      field++;
      const tokenStart = i;
      let numeric = true;
      while (i < end && !isSpace(buffer[i])) {
        const c = buffer[i];
        if (c >= 0x80) fast = false;
        else if (!((c >= ZERO && c <= NINE) || c === 0x2e || c === MINUS || c === 0x2b || c === 0x65 || c === 0x45)) numeric = false;
        i++;
      }
      if (!fast) break;
      if (field === 2) {
        // Digits, sign, point and exponent: Number() reads them as parseFileMetricValue would, and
        // most decimals need no string at all (decimalAt).
        const exact = numeric ? decimalAt(buffer, tokenStart, i) : undefined;
        const token = exact === undefined ? text.slice(tokenStart, i) : '';
        value = exact ?? (numeric ? Number(token) : parseFileMetricValue(token));
        if (Number.isNaN(value) && token.toLowerCase() !== 'nan') {
          ok = false;
          field = -1;
          break;
        }
      } else if (field === 1 || field === 3) {
        const n = integerAt(buffer, tokenStart, i);
        if (n === undefined) {
          fast = false;
          break;
        }
        if (field === 1) timestamp = n;
        else step = n;
      }
    }
    if (field >= 2) ok = true;
    if (!fast) {
      const m = parseMetricLine(buffer.toString('utf8', start, end), key);
      ok = m !== undefined;
      if (m) ({ timestamp, value, step } = m);
    }
    if (ok) {
      history?.push(timestamp, value, step);
      if (isLater(step, timestamp, value, latest)) latest = { key, value, timestamp, step };
    }
    start = end + 1;
  }
  return { latest, consumed: start };
}

/** `-?[0-9]+` of at most MAX_FAST_DIGITS digits spanning exactly [from, to); else undefined. */
function integerAt(buffer: Buffer, from: number, to: number): number | undefined {
  let i = from;
  const negative = buffer[i] === MINUS;
  if (negative) i++;
  if (i === to || to - i > MAX_FAST_DIGITS) return undefined;
  let n = 0;
  for (; i < to; i++) {
    const byte = buffer[i];
    if (byte < ZERO || byte > NINE) return undefined;
    n = n * 10 + (byte - ZERO);
  }
  return negative ? -n : n;
}

/** Powers of ten a double holds exactly. */
const EXACT_POWERS_OF_TEN = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
const MAX_EXACT_INTEGER = 2 ** 53;

/**
 * A decimal `[±]digits[.digits][e[±]digits]` in [from, to) as Number() reads it, where that is one
 * correctly rounded operation (Clinger's fast path): the digits as an integer below 2^53, times or
 * divided by an exact power of ten up to 10^22. Undefined for anything else (more digits, larger
 * exponents, other spellings), which the caller hands to Number().
 */
function decimalAt(buffer: Buffer, from: number, to: number): number | undefined {
  let i = from;
  const negative = buffer[i] === MINUS;
  if (negative || buffer[i] === 0x2b) i++;
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  for (; i < to && buffer[i] >= ZERO && buffer[i] <= NINE; i++, digits++) mantissa = mantissa * 10 + (buffer[i] - ZERO);
  if (i < to && buffer[i] === 0x2e) {
    for (i++; i < to && buffer[i] >= ZERO && buffer[i] <= NINE; i++, digits++, scale--) mantissa = mantissa * 10 + (buffer[i] - ZERO);
  }
  if (digits === 0 || mantissa >= MAX_EXACT_INTEGER) return undefined;
  if (i < to && (buffer[i] === 0x65 || buffer[i] === 0x45)) {
    i++;
    const exponentNegative = buffer[i] === MINUS;
    if (exponentNegative || buffer[i] === 0x2b) i++;
    if (i === to || to - i > 3) return undefined;
    let exponent = 0;
    for (; i < to; i++) {
      if (buffer[i] < ZERO || buffer[i] > NINE) return undefined;
      exponent = exponent * 10 + (buffer[i] - ZERO);
    }
    scale += exponentNegative ? -exponent : exponent;
  }
  if (i !== to || scale < -22 || scale > 22) return undefined;
  const magnitude = scale >= 0 ? mantissa * EXACT_POWERS_OF_TEN[scale] : mantissa / EXACT_POWERS_OF_TEN[-scale];
  return negative ? -magnitude : magnitude;
}

/** The union of ascending distinct step lists, ascending and distinct (`a` itself when they are equal). */
function mergeSteps(a: Float64Array, b: Float64Array): Float64Array {
  // Runs of one training script mostly log the same steps.
  if (a.length === b.length) {
    let same = true;
    for (let i = 0; i < a.length && same; i++) same = a[i] === b[i];
    if (same) return a;
  }
  const out = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i];
    const y = b[j];
    if (x < y) {
      out[n++] = x;
      i++;
    } else if (y < x) {
      out[n++] = y;
      j++;
    } else {
      out[n++] = x;
      i++;
      j++;
    }
  }
  while (i < a.length) out[n++] = a[i++];
  while (j < b.length) out[n++] = b[j++];
  return out.subarray(0, n);
}

function bisectLeft(sorted: Float64Array, x: number, length: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * sampleHistories (MLflow's get-history-bulk-interval) over metric columns: the same steps chosen
 * from the union of the runs' steps, each run's first and last step kept, every point at a chosen
 * step returned ordered by (step, timestamp, value). Runs without the metric are absent from the
 * answer, as an empty history is.
 */
export function sampleColumns(histories: ReadonlyMap<string, MetricColumns | undefined>, key: string, window: SampleWindow): RunMetric[] {
  validateSampleWindow(window);
  let union: Float64Array = new Float64Array(0);
  const ranges: StepRange[] = [];
  for (const columns of histories.values()) {
    if (!columns || columns.length === 0) continue;
    const distinct = columns.distinctSteps();
    ranges.push({ min: distinct[0], max: distinct[distinct.length - 1] });
    union = union.length === 0 ? distinct : mergeSteps(union, distinct);
  }
  const chosen = chooseSampledSteps(union, ranges, window);
  const chosenAscending = Float64Array.from(chosen).sort();
  const out: RunMetric[] = [];
  for (const [runId, columns] of histories) {
    if (!columns || columns.length === 0) continue;
    const points: Metric[] = [];
    if (columns.stepsAscending) {
      // Steps in file order never go down: each chosen step's points are one contiguous stretch.
      for (const step of chosenAscending) {
        for (let i = bisectLeft(columns.steps, step, columns.length); i < columns.length && columns.steps[i] === step; i++) points.push(columns.point(i, key));
      }
    } else {
      for (let i = 0; i < columns.length; i++) if (chosen.has(columns.steps[i])) points.push(columns.point(i, key));
    }
    points.sort(comparePoints);
    for (const m of points.slice(0, MAX_POINTS_PER_RUN)) out.push({ runId, key, value: m.value, timestamp: m.timestamp, step: m.step });
  }
  return out;
}
