import { type Stats } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { Metric } from '../types';
import { type Yaml, isMissing, latestOf, parseMeta, parseMetricLine, readMeta, readMetaOrSkip, safeKeyPath } from './fileStoreFiles';

/**
 * What a FileStore has already parsed, kept while the files are unchanged, so that the second page of
 * a 100,000-run experiment costs one `stat` per run instead of a read and a YAML parse per run.
 *
 * - Every entry is validated by `stat` on each use: inode, size, mtime and ctime must all match.
 * - "Racily clean" files (as git calls them) are not trusted: a file changed within `racyMs` of being
 *   read may change again within the file system's timestamp granularity (a jiffy on Linux, seconds on
 *   network and FAT file systems) without its mtime moving, so such an entry is re-read next time.
 * - Metric files are append-only in MLflow: a longer file with the same inode has only its new complete
 *   lines read (a live run costs what it logged since the last look); a shorter one, or a new inode,
 *   is read again in full.
 * - Memory is bounded: entries carry an estimate of their size and the least recently used go first
 *   when the total passes `budgetBytes`. Histories are kept as three Float64Arrays (24 bytes a point).
 */

export interface FileStoreCacheOptions {
  /** Upper bound for the estimated bytes of parsed files (runs, values, latest metric points). */
  budgetBytes?: number;
  /** Upper bound for the bytes of full metric histories, kept apart so long histories never push out runs. */
  historyBudgetBytes?: number;
  /** Files changed more recently than this are re-read on their next use. */
  racyMs?: number;
  /** The clock racy checks compare mtimes with (tests pass a fixed one). */
  now?: () => number;
}

/** 128 MB: the runs of a 100,000-run experiment with a metric each (about 90 MB measured). */
export const DEFAULT_CACHE_BUDGET = 128 * 2 ** 20;
/** 96 MB: some fifteen 200,000-step histories (24 bytes a point). */
export const DEFAULT_HISTORY_BUDGET = 96 * 2 ** 20;
const DEFAULT_RACY_MS = 2000;
/** Rough per-entry overhead (the Map slot, the entry object and its key) beside the payload. */
const ENTRY_OVERHEAD = 160;

interface Validator {
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

interface Entry {
  validator: Validator;
  /** False when the file was changed so recently that its stat may not show the next change. */
  trusted: boolean;
  weight: number;
  value: unknown;
  /** The pass (see beginPass) that last used it. */
  pass: number;
}

/** A metric file read so far: its latest point and, once asked for, every point in file order. */
interface MetricEntry {
  ino: number;
  /** Bytes read so far, always ending just after a newline. */
  consumed: number;
  validator: Validator;
  latest?: Metric;
  history?: MetricColumns;
  pass: number;
}

class MetricColumns {
  length = 0;
  steps = new Float64Array(16);
  timestamps = new Float64Array(16);
  values = new Float64Array(16);

  push(m: Metric): void {
    if (this.length === this.steps.length) {
      const grow = (a: Float64Array<ArrayBuffer>): Float64Array<ArrayBuffer> => {
        const b = new Float64Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.steps = grow(this.steps);
      this.timestamps = grow(this.timestamps);
      this.values = grow(this.values);
    }
    this.steps[this.length] = m.step;
    this.timestamps[this.length] = m.timestamp;
    this.values[this.length] = m.value;
    this.length++;
  }

  toMetrics(key: string): Metric[] {
    const out = new Array<Metric>(this.length);
    for (let i = 0; i < this.length; i++) out[i] = { key, value: this.values[i], timestamp: this.timestamps[i], step: this.steps[i] };
    return out;
  }

  get bytes(): number {
    return this.steps.length * 24;
  }
}

/**
 * A record parsed from a meta.yaml: its strings take about half the file (the rest is keys and
 * formatting; V8 keeps ASCII one byte a character), plus the record and its validator.
 */
function metaWeight(st: Stats): number {
  return Math.ceil(st.size / 2) + 200;
}

function validatorOf(st: Stats): Validator {
  return { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs };
}

function sameFile(a: Validator, b: Validator): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

async function statOrUndefined(file: string): Promise<Stats | undefined> {
  try {
    return await stat(file);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

export interface FileStoreCacheStats {
  entries: number;
  bytes: number;
  hits: number;
  reads: number;
}

export class FileStoreCache {
  private readonly budget: number;
  private readonly racyMs: number;
  private readonly now: () => number;
  /** Insertion order is recency order: a hit moves its entry to the end, eviction takes from the front. */
  private readonly entries = new Map<string, Entry>();
  private readonly metrics = new Map<string, MetricEntry & { weight: number; historyBytes?: number }>();
  private bytes = 0;
  private readonly historyBudget: number;
  private historyBytes = 0;
  private pass = 0;
  private hits = 0;
  private reads = 0;

  constructor(options: FileStoreCacheOptions = {}) {
    this.budget = options.budgetBytes ?? DEFAULT_CACHE_BUDGET;
    this.historyBudget = options.historyBudgetBytes ?? DEFAULT_HISTORY_BUDGET;
    this.racyMs = options.racyMs ?? DEFAULT_RACY_MS;
    this.now = options.now ?? Date.now;
  }

  /**
   * Starts a pass over the store (one search). Entries used in the current pass are never evicted for
   * others of the same pass: when a search needs more than the budget, what does not fit is not kept,
   * instead of each entry pushing out the one the next page will need first (LRU under a cyclic scan).
   */
  beginPass(): void {
    this.pass++;
  }

  stats(): FileStoreCacheStats {
    return { entries: this.entries.size + this.metrics.size, bytes: this.bytes + this.historyBytes, hits: this.hits, reads: this.reads };
  }

  clear(): void {
    this.entries.clear();
    this.metrics.clear();
    this.bytes = 0;
    this.historyBytes = 0;
  }

  private isRacy(st: Stats): boolean {
    // A write moves mtime and ctime alike; mtime is the one a reader of the data cares about.
    return this.now() - st.mtimeMs < this.racyMs;
  }

  private hit<T>(key: string, st: Stats): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (!entry.trusted || !sameFile(entry.validator, validatorOf(st))) {
      this.drop(key);
      return undefined;
    }
    this.entries.delete(key);
    this.entries.set(key, entry);
    entry.pass = this.pass;
    this.hits++;
    return entry.value as T;
  }

  private keep(key: string, st: Stats, value: unknown, weight: number): void {
    this.drop(key);
    const entry: Entry = { validator: validatorOf(st), trusted: !this.isRacy(st), weight: weight + ENTRY_OVERHEAD + key.length, value, pass: this.pass };
    this.entries.set(key, entry);
    this.bytes += entry.weight;
    this.evict(key);
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (entry) {
      this.bytes -= entry.weight;
      this.entries.delete(key);
    }
    const metric = this.metrics.get(key);
    if (metric) {
      this.bytes -= metric.weight;
      this.historyBytes -= metric.history?.bytes ?? 0;
      this.metrics.delete(key);
    }
  }

  /** Lets go of the least recently used histories (their latest points stay) until within their budget. */
  private evictHistories(added: string): void {
    for (const [key, entry] of this.metrics) {
      if (this.historyBytes <= this.historyBudget) return;
      if (!entry.history || key === added) continue;
      this.historyBytes -= entry.historyBytes ?? 0;
      entry.historyBytes = 0;
      entry.history = undefined;
    }
    const last = this.metrics.get(added);
    if (this.historyBytes > this.historyBudget && last?.history) {
      this.historyBytes -= last.historyBytes ?? 0;
      last.historyBytes = 0;
      last.history = undefined;
    }
  }

  /** Drops least recently used entries of earlier passes until within budget, else `added` itself. */
  private evict(added: string): void {
    while (this.bytes > this.budget) {
      // Metric files first (their histories are budgeted apart), oldest first, then everything else.
      const victim = this.metrics.entries().next();
      if (!victim.done && victim.value[1].pass !== this.pass) {
        this.drop(victim.value[0]);
        continue;
      }
      const oldest = this.entries.entries().next();
      if (!oldest.done && oldest.value[1].pass !== this.pass) {
        this.drop(oldest.value[0]);
        continue;
      }
      this.drop(added);
      break;
    }
  }

  /**
   * A `meta.yaml` turned into `T` by `derive`, re-read only when the file changed. `strict` reads throw
   * when the file stays unparseable (see readMeta); others skip it (undefined), and nothing is kept.
   */
  async meta<T>(file: string, kind: string, strict: boolean, derive: (meta: Yaml) => T): Promise<T | undefined> {
    const key = `${kind}\0${file}`;
    if (!this.entries.has(key)) return this.readMetaFresh(file, key, strict, derive);
    const st = await statOrUndefined(file);
    if (!st) {
      this.drop(key);
      return undefined;
    }
    const cached = this.hit<T>(key, st);
    if (cached !== undefined) return cached;
    this.reads++;
    const meta = strict ? await readMeta(file) : await readMetaOrSkip(file);
    if (!meta) return undefined;
    const value = derive(meta);
    this.keep(key, st, value, metaWeight(st));
    return value;
  }

  /**
   * A meta.yaml never read before: opened once for both its stat and its text (a first page of a large
   * store reads every run's), falling back to readMeta's re-reads when the text does not parse.
   */
  private async readMetaFresh<T>(file: string, key: string, strict: boolean, derive: (meta: Yaml) => T): Promise<T | undefined> {
    this.reads++;
    let handle;
    try {
      handle = await open(file, 'r');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    let st: Stats;
    let parsed: Yaml | undefined;
    try {
      st = await handle.stat();
      parsed = parseMeta(await handle.readFile('utf8'));
    } finally {
      await handle.close();
    }
    const meta = parsed ?? (strict ? await readMeta(file) : await readMetaOrSkip(file));
    if (!meta) return undefined;
    const value = derive(meta);
    // Kept only when the first read parsed: after a re-read the stat may be older than the text.
    if (parsed) this.keep(key, st, value, metaWeight(st));
    return value;
  }

  /** A param or tag file's content (see readValue for which keys name a file). */
  async value(dir: string, key: string): Promise<string | undefined> {
    const segments = safeKeyPath(key);
    if (!segments) return undefined;
    const file = path.join(dir, ...segments);
    const cacheKey = `value\0${file}`;
    const st = await statOrUndefined(file);
    if (!st || !st.isFile()) {
      this.drop(cacheKey);
      return undefined;
    }
    const cached = this.hit<string>(cacheKey, st);
    if (cached !== undefined) return cached;
    this.reads++;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
    this.keep(cacheKey, st, text, text.length);
    return text;
  }

  /** The latest point of a metric file (MLflow's: largest step, then timestamp, then value). */
  async latestMetric(dir: string, key: string): Promise<Metric | undefined> {
    const entry = await this.metricEntry(dir, key, false);
    return entry?.latest ? { ...entry.latest } : undefined;
  }

  /** Every complete line of a metric file, in file order. */
  async metricHistory(dir: string, key: string): Promise<Metric[]> {
    const entry = await this.metricEntry(dir, key, true);
    return entry?.history ? entry.history.toMetrics(key) : [];
  }

  private async metricEntry(dir: string, key: string, withHistory: boolean): Promise<MetricEntry | undefined> {
    const segments = safeKeyPath(key);
    if (!segments) return undefined;
    const file = path.join(dir, ...segments);
    const cacheKey = `metric\0${file}`;
    const st = await statOrUndefined(file);
    if (!st || !st.isFile()) {
      this.drop(cacheKey);
      return undefined;
    }
    let entry = this.metrics.get(cacheKey);
    const usable =
      entry &&
      entry.ino === st.ino &&
      st.size >= entry.consumed &&
      (!withHistory || entry.history) &&
      // Same size but touched: rewritten in place, not appended to; read it again.
      !(st.size === entry.validator.size && (st.mtimeMs !== entry.validator.mtimeMs || st.ctimeMs !== entry.validator.ctimeMs));
    if (entry && usable) {
      this.metrics.delete(cacheKey);
      this.metrics.set(cacheKey, entry);
      entry.pass = this.pass;
      if (st.size === entry.consumed) {
        this.hits++;
        entry.validator = validatorOf(st);
        return entry;
      }
    } else {
      this.drop(cacheKey);
      entry = { ino: st.ino, consumed: 0, validator: validatorOf(st), weight: 0, history: withHistory ? new MetricColumns() : undefined, pass: this.pass };
    }
    this.reads++;
    const appended = await readFrom(file, entry.consumed);
    if (appended === undefined) {
      this.drop(cacheKey);
      return undefined;
    }
    // Only complete lines count: MLflow writes `line + "\n"`, so a line without its newline is still being written.
    const end = appended.lastIndexOf(0x0a) + 1;
    const lines = appended.subarray(0, end).toString('utf8').split('\n');
    let latest = entry.latest;
    for (const line of lines) {
      const m = parseMetricLine(line, key);
      if (!m) continue;
      latest = latestOf(latest ? [latest, m] : [m]);
      entry.history?.push(m);
    }
    entry.latest = latest;
    entry.consumed += end;
    entry.validator = validatorOf(st);
    this.bytes -= entry.weight;
    this.historyBytes -= entry.historyBytes ?? 0;
    entry.weight = ENTRY_OVERHEAD + cacheKey.length;
    entry.historyBytes = entry.history?.bytes ?? 0;
    this.historyBytes += entry.historyBytes;
    this.metrics.set(cacheKey, entry);
    // What was read is answered even when the budgets then let it go.
    const answer = { ...entry };
    this.evictHistories(cacheKey);
    this.evict(cacheKey);
    return answer;
  }
}

/** The bytes of `file` from `offset` to its current end; undefined when it vanished. */
async function readFrom(file: string, offset: number): Promise<Buffer | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size <= offset) return Buffer.alloc(0);
    const buffer = Buffer.allocUnsafe(size - offset);
    let filled = 0;
    while (filled < buffer.length) {
      const { bytesRead } = await handle.read(buffer, filled, buffer.length - filled, offset + filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buffer.subarray(0, filled);
  } finally {
    await handle.close();
  }
}
