import { type Stats } from 'node:fs';
import * as path from 'node:path';
import type { Metric } from '../types';
import { type Yaml, parseFlatMetaBytes, parseMeta, readMeta, readMetaOrSkip, safeKeyPath } from './fileStoreFiles';
import { SlicedIo, type SlicedIoOptions } from './fileStoreIo';
import { MetricColumns, appendMetricLines } from './metricFile';

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
  /** How the small reads are sliced (see fileStoreIo.ts). */
  io?: SlicedIoOptions;
}

/** How a meta.yaml is kept: under which key, and what its derived value weighs. */
export interface MetaKeeping<T> {
  /** Defaults to `<kind>\0<file>`. */
  key?: string;
  /** Estimated bytes of the derived value; defaults to half the file's size. */
  weight?: (value: T) => number;
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

/** A parsed file: its validator inline (one object per entry, 100,000 of them for a large experiment). */
interface Entry extends Validator {
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

/**
 * A record parsed from a meta.yaml: its strings take about half the file (the rest is keys and
 * formatting; V8 keeps ASCII one byte a character), plus the record and its validator.
 */
function metaWeight(st: Stats): number {
  return Math.ceil(st.size / 2) + 200;
}

/** The parsed record of a meta.yaml's bytes: the flat fast path, else the YAML parser; undefined if neither. */
function parseMetaBytes(bytes: Buffer): Yaml | undefined {
  return parseFlatMetaBytes(bytes) ?? parseMeta(bytes.toString('utf8'));
}

function validatorOf(st: Stats): Validator {
  return { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs };
}

function sameFile(a: Validator, b: Validator): boolean {
  return a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

export interface FileStoreCacheStats {
  entries: number;
  bytes: number;
  hits: number;
  reads: number;
  /** Whether small reads went asynchronous (a slow file system; see fileStoreIo.ts). */
  asynchronous: boolean;
}

export class FileStoreCache {
  private readonly budget: number;
  private readonly racyMs: number;
  private readonly now: () => number;
  private readonly io: SlicedIo;
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
    this.io = new SlicedIo(options.io);
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
    return {
      entries: this.entries.size + this.metrics.size,
      bytes: this.bytes + this.historyBytes,
      hits: this.hits,
      reads: this.reads,
      asynchronous: this.io.asynchronous,
    };
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
    if (!entry.trusted || !sameFile(entry, st)) {
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
    const entry: Entry = {
      ino: st.ino,
      size: st.size,
      mtimeMs: st.mtimeMs,
      ctimeMs: st.ctimeMs,
      trusted: !this.isRacy(st),
      weight: weight + ENTRY_OVERHEAD + key.length,
      value,
      pass: this.pass,
    };
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
  async meta<T>(file: string, kind: string, strict: boolean, derive: (meta: Yaml) => T, keeping: MetaKeeping<T> = {}): Promise<T | undefined> {
    const key = keeping.key ?? `${kind}\0${file}`;
    if (this.entries.has(key)) {
      const st = await this.io.stat(file);
      if (!st) {
        this.drop(key);
        return undefined;
      }
      const cached = this.hit<T>(key, st);
      if (cached !== undefined) return cached;
    }
    // Opened once for both its stat and its bytes (a first page of a large store reads every run's).
    this.reads++;
    const read = await this.io.read(file);
    if (!read) {
      this.drop(key);
      return undefined;
    }
    const parsed = parseMetaBytes(read.bytes);
    // What does not parse yet may be being written: readMeta's re-reads after a pause decide.
    const meta = parsed ?? (strict ? await readMeta(file) : await readMetaOrSkip(file));
    if (!meta) return undefined;
    const value = derive(meta);
    // Kept only when the first read parsed: after a re-read the stat may be older than the text.
    if (parsed) this.keep(key, read.stats, value, keeping.weight ? keeping.weight(value) : metaWeight(read.stats));
    return value;
  }

  /** The stats of a key file under `dir` (a param, tag or metric), dropping what was kept of one that is gone. */
  private async keyFile(dir: string, key: string, kind: string): Promise<{ file: string; cacheKey: string; st: Stats } | undefined> {
    const segments = safeKeyPath(key);
    if (!segments) return undefined;
    const file = path.join(dir, ...segments);
    const cacheKey = `${kind}\0${file}`;
    const st = await this.io.stat(file);
    if (!st || !st.isFile()) {
      this.drop(cacheKey);
      return undefined;
    }
    return { file, cacheKey, st };
  }

  /** A param or tag file's content (see readValue for which keys name a file). */
  async value(dir: string, key: string): Promise<string | undefined> {
    const found = await this.keyFile(dir, key, 'value');
    if (!found) return undefined;
    const { cacheKey, st } = found;
    const cached = this.hit<string>(cacheKey, st);
    if (cached !== undefined) return cached;
    this.reads++;
    const read = await this.io.read(found.file);
    if (!read) {
      this.drop(cacheKey);
      return undefined;
    }
    const text = read.bytes.toString('utf8');
    this.keep(cacheKey, read.stats, text, text.length);
    return text;
  }

  /** The latest point of a metric file (MLflow's: largest step, then timestamp, then value). */
  async latestMetric(dir: string, key: string): Promise<Metric | undefined> {
    const entry = await this.metricEntry(dir, key, false);
    return entry?.latest ? { ...entry.latest } : undefined;
  }

  /** Every complete line of a metric file, in file order. */
  async metricHistory(dir: string, key: string): Promise<Metric[]> {
    return (await this.metricColumns(dir, key))?.toMetrics(key) ?? [];
  }

  /**
   * A metric file's points as columns (step, timestamp, value in file order), shared with the cache:
   * callers read them and must not change them. Undefined when the file does not exist.
   */
  async metricColumns(dir: string, key: string): Promise<MetricColumns | undefined> {
    return (await this.metricEntry(dir, key, true))?.history;
  }

  private async metricEntry(dir: string, key: string, withHistory: boolean): Promise<MetricEntry | undefined> {
    const found = await this.keyFile(dir, key, 'metric');
    if (!found) return undefined;
    const { file, cacheKey, st } = found;
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
    const appended = await this.io.readFrom(file, entry.consumed);
    if (appended === undefined) {
      this.drop(cacheKey);
      return undefined;
    }
    // Only complete lines count: MLflow writes `line + "\n"`, so a line without its newline is still being written.
    const scanned = appendMetricLines(appended, key, entry.latest, entry.history);
    entry.latest = scanned.latest;
    entry.consumed += scanned.consumed;
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
