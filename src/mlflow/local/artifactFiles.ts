import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, readdir, realpath, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { MlflowError } from '../errors';
import type { CallOptions, FileInfo } from '../types';

/**
 * Artifact files under a local root, shaped like MLflow's `artifacts/list`: paths relative to the
 * root with `/` separators, directories without a size, sorted by path. The relative path comes
 * from the user or a view, so it is checked like the server checks it ("Invalid path"), and
 * symlinks may not lead out of the root either.
 */

export function throwIfAborted(options?: CallOptions): void {
  if (options?.signal?.aborted) throw new MlflowError('The request was cancelled.', 'CANCELLED');
}

/** Node reports an aborted read or stream as a plain AbortError; callers expect CANCELLED. */
async function cancellable<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof Error && error.name === 'AbortError') {
      throw new MlflowError('The request was cancelled.', 'CANCELLED', undefined, { cause: error });
    }
    throw error;
  }
}

/** MLflow's `validate_path_is_safe`: relative, no `..`, no drive letters or NULs. */
export function checkArtifactPath(relPath: string): string {
  const normalized = relPath.replace(/\\/g, '/');
  const parts = normalized.split('/');
  if (
    normalized.startsWith('/') ||
    /^[A-Za-z]:/.test(normalized) ||
    normalized.includes('\0') ||
    parts.includes('..')
  ) {
    throw new MlflowError('Invalid path', 'INVALID_PARAMETER_VALUE', 400);
  }
  return parts.filter((p) => p !== '' && p !== '.').join('/');
}

/** The real location of `relPath` under `root`, or undefined when it does not exist. */
async function locate(root: string, relPath: string): Promise<string | undefined> {
  const clean = checkArtifactPath(relPath);
  let realRoot: string;
  let target: string;
  try {
    realRoot = await realpath(root);
    target = await realpath(path.join(root, ...clean.split('/').filter(Boolean)));
  } catch {
    return undefined;
  }
  if (target !== realRoot && !target.startsWith(realRoot + path.sep)) {
    throw new MlflowError('Invalid path', 'INVALID_PARAMETER_VALUE', 400);
  }
  return target;
}

export async function listArtifactDir(root: string, relPath = '', options?: CallOptions): Promise<FileInfo[]> {
  throwIfAborted(options);
  const prefix = checkArtifactPath(relPath);
  const dir = await locate(root, prefix);
  if (!dir) return [];
  const dirStat = await stat(dir);
  if (!dirStat.isDirectory()) return [];
  const entries = await readdir(dir, { withFileTypes: true });
  const infos: FileInfo[] = [];
  for (const entry of entries) {
    throwIfAborted(options);
    const rel = prefix ? `${prefix}/${entry.name}` : entry.name;
    // stat (not lstat): a symlinked file lists as a file; locate() still guards reads through it.
    const entryStat = await stat(path.join(dir, entry.name)).catch(() => undefined);
    if (!entryStat) continue;
    infos.push(entryStat.isDirectory() ? { path: rel, isDir: true } : { path: rel, isDir: false, fileSize: entryStat.size });
  }
  return infos.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function locateFile(root: string, relPath: string, what: string): Promise<string> {
  const file = await locate(root, relPath);
  const fileStat = file ? await stat(file) : undefined;
  if (!file || !fileStat?.isFile()) {
    throw new MlflowError(`No such artifact: '${relPath}' in ${what}`, 'RESOURCE_DOES_NOT_EXIST', 404);
  }
  return file;
}

export async function readArtifactFile(root: string, relPath: string, what: string, options?: CallOptions): Promise<Uint8Array> {
  throwIfAborted(options);
  const file = await locateFile(root, relPath, what);
  return new Uint8Array(await cancellable(readFile(file, { signal: options?.signal })));
}

/** Streams the file, so a multi-gigabyte model never sits in memory. */
export async function copyArtifactFile(
  root: string,
  relPath: string,
  destinationFile: string,
  what: string,
  options?: CallOptions,
): Promise<void> {
  throwIfAborted(options);
  const file = await locateFile(root, relPath, what);
  try {
    await cancellable(pipeline(createReadStream(file), createWriteStream(destinationFile), { signal: options?.signal }));
  } catch (error) {
    // A cut-off copy must not pass for the artifact.
    await rm(destinationFile, { force: true });
    throw error;
  }
}
