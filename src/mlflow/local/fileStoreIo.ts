import { type Stats, closeSync, fstatSync, openSync, readSync, statSync } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { isMissing } from './fileStoreFiles';

/**
 * The file store's small reads (a `stat` per run and per value file, a meta.yaml of ~500 bytes), done
 * synchronously in short slices rather than one promise per system call.
 *
 * Why: a first page of a 100,000-run store is 100,000 opens, stats, reads and closes. Through
 * `fs.promises` each call is a libuv thread-pool job plus a promise (measured on 2 cores: 100,000
 * `stat`s take 2.2 s async against 1.1–1.4 s in a plain `statSync` loop; 100,000 `readFile`s
 * 10.4 s against 2.3 s). On a local disk such a call takes microseconds, so a slice of them blocks
 * the event loop for at most `sliceMs` before it yields (setImmediate), and the extension host stays
 * responsive. A file system where calls take longer than `slowMs` (a network mount that stalls, a
 * disk spinning up) switches this reader to the asynchronous calls for good: `SLOW_CALLS_TO_SWITCH`
 * slow calls in a row, since a single one is as likely the process losing its core on a busy machine.
 */

export interface FileAndStats {
  stats: Stats;
  bytes: Buffer;
}

export interface SlicedIoOptions {
  /** Longest run of synchronous calls before yielding to the event loop. */
  sliceMs?: number;
  /** One synchronous call slower than this switches to asynchronous calls. */
  slowMs?: number;
  /** Start asynchronous (tests of the fallback). */
  async?: boolean;
}

const DEFAULT_SLICE_MS = 8;
/**
 * A call this slow is not a local disk: between two slices the event loop runs anyway, so what
 * matters is only a single call that blocks (a hung network mount), not many quick ones.
 */
const DEFAULT_SLOW_MS = 100;
const SLOW_CALLS_TO_SWITCH = 3;

export class SlicedIo {
  private readonly sliceMs: number;
  private readonly slowMs: number;
  private useAsync: boolean;
  private slowInARow = 0;
  private sliceStart = performance.now();
  private pendingYield: Promise<void> | undefined;

  constructor(options: SlicedIoOptions = {}) {
    this.sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
    this.slowMs = options.slowMs ?? DEFAULT_SLOW_MS;
    this.useAsync = options.async ?? false;
  }

  /** Whether the reader went asynchronous (a slow file system, or asked to). */
  get asynchronous(): boolean {
    return this.useAsync;
  }

  /** A file's stats, or undefined when it does not exist. */
  stat(file: string): Promise<Stats | undefined> {
    return this.call(() => statSyncOrUndefined(file), () => statOrUndefined(file));
  }

  /** A file's bytes and the stats of the handle they were read through; undefined when it does not exist. */
  read(file: string): Promise<FileAndStats | undefined> {
    return this.call(() => readWithStatsSync(file), () => readWithStats(file));
  }

  /** The bytes of a file from `offset` to its current end (a metric file's appended lines); undefined when it does not exist. */
  readFrom(file: string, offset: number): Promise<Buffer | undefined> {
    return this.call(
      () => readFromSync(file, offset),
      () => readFromAsync(file, offset),
    );
  }

  private async call<T>(sync: () => T, asynchronous: () => Promise<T>): Promise<T> {
    if (this.useAsync) return asynchronous();
    if (performance.now() - this.sliceStart > this.sliceMs) await this.yieldOnce();
    const t0 = performance.now();
    const result = sync();
    if (performance.now() - t0 <= this.slowMs) this.slowInARow = 0;
    else if (++this.slowInARow >= SLOW_CALLS_TO_SWITCH) this.useAsync = true;
    return result;
  }

  /** One setImmediate shared by every caller that finds the slice used up. */
  private yieldOnce(): Promise<void> {
    this.pendingYield ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        this.pendingYield = undefined;
        this.sliceStart = performance.now();
        resolve();
      }),
    );
    return this.pendingYield;
  }
}

/** A file descriptor open for reading, or undefined when the file does not exist. */
function openSyncIfExists(file: string): number | undefined {
  try {
    return openSync(file, 'r');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/** A file handle open for reading, or undefined when the file does not exist. */
async function openIfExists(file: string): Promise<FileHandle | undefined> {
  try {
    return await open(file, 'r');
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

function readFromSync(file: string, offset: number): Buffer | undefined {
  const fd = openSyncIfExists(file);
  if (fd === undefined) return undefined;
  try {
    const { size } = fstatSync(fd);
    if (size <= offset) return Buffer.alloc(0);
    const buffer = Buffer.allocUnsafe(size - offset);
    let filled = 0;
    while (filled < buffer.length) {
      const n = readSync(fd, buffer, filled, buffer.length - filled, offset + filled);
      if (n === 0) break;
      filled += n;
    }
    return buffer.subarray(0, filled);
  } finally {
    closeSync(fd);
  }
}

async function readFromAsync(file: string, offset: number): Promise<Buffer | undefined> {
  const handle = await openIfExists(file);
  if (handle === undefined) return undefined;
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

function statSyncOrUndefined(file: string): Stats | undefined {
  try {
    return statSync(file, { throwIfNoEntry: false });
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

async function statOrUndefined(file: string): Promise<Stats | undefined> {
  try {
    return await stat(file);
  } catch (error) {
    if (isMissing(error)) return undefined;
    throw error;
  }
}

/**
 * The whole file and the stats of its handle, in four calls (open, fstat, read, close): the buffer
 * has a byte to spare, so the read comes back short at the end; a file that grew since its fstat
 * (a writer mid-way) is read on to its end.
 */
function readWithStatsSync(file: string): FileAndStats | undefined {
  const fd = openSyncIfExists(file);
  if (fd === undefined) return undefined;
  try {
    const stats = fstatSync(fd);
    let bytes = Buffer.allocUnsafe(stats.size + 1);
    let filled = 0;
    for (;;) {
      if (filled === bytes.length) bytes = Buffer.concat([bytes, Buffer.allocUnsafe(bytes.length)]);
      const wanted = bytes.length - filled;
      const n = readSync(fd, bytes, filled, wanted, filled);
      filled += n;
      // A short read of a regular file is its end: no second call to learn it.
      if (n < wanted) break;
    }
    return { stats, bytes: bytes.subarray(0, filled) };
  } finally {
    closeSync(fd);
  }
}

async function readWithStats(file: string): Promise<FileAndStats | undefined> {
  const handle = await openIfExists(file);
  if (handle === undefined) return undefined;
  try {
    const stats = await handle.stat();
    let bytes = Buffer.allocUnsafe(stats.size + 1);
    let filled = 0;
    for (;;) {
      if (filled === bytes.length) bytes = Buffer.concat([bytes, Buffer.allocUnsafe(bytes.length)]);
      const wanted = bytes.length - filled;
      const { bytesRead } = await handle.read(bytes, filled, wanted, filled);
      filled += bytesRead;
      if (bytesRead < wanted) break;
    }
    return { stats, bytes: bytes.subarray(0, filled) };
  } finally {
    await handle.close();
  }
}
