import type { Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { isMlflowError } from '../mlflow/errors';
import { checkArtifactPath } from '../mlflow/safePath';
import type { TrackingStore } from '../mlflow/store';
import type { FileInfo } from '../mlflow/types';
import {
  isStrictlyBelow,
  planDownload,
  type ArtifactOwner,
  type DownloadPlan,
  type DownloadSelection,
  type PlannedSkip,
  type PlannedWrite,
} from './downloadPlan';

/**
 * The I/O half of "Download…": walks a folder listing and writes a plan's files. No `vscode` here, so
 * the integration test drives the same code with a hostile fake store and a temp folder.
 */

/** The part of a TrackingStore the artifact features use; tests fake just this. */
export type ArtifactReader = Pick<
  TrackingStore,
  'listArtifacts' | 'readArtifact' | 'downloadArtifact' | 'listLoggedModelArtifacts' | 'readLoggedModelArtifact'
>;

/** One file or folder the user picked. */
export interface DownloadItem {
  readonly owner: ArtifactOwner;
  readonly file: FileInfo;
}

/**
 * Lists every picked folder and plans the writes into `destination` (see planDownload). Listing skips
 * (loops, names outside a folder) come first in the plan's skips.
 */
export async function prepareDownload(
  store: ArtifactReader,
  items: readonly DownloadItem[],
  destination: string,
  signal: AbortSignal,
  onFolder?: (folder: string) => void,
): Promise<DownloadPlan> {
  const selections: DownloadSelection[] = [];
  const listingSkips: PlannedSkip[] = [];
  for (const item of items) {
    if (!item.file.isDir) {
      selections.push({ root: item.file, files: [], owner: item.owner });
      continue;
    }
    const owner = item.owner;
    const list = (folder: string, listSignal: AbortSignal): Promise<FileInfo[]> =>
      owner.kind === 'run'
        ? store.listArtifacts(owner.runId, folder || undefined, { signal: listSignal })
        : store.listLoggedModelArtifacts(owner.modelId, folder || undefined, { signal: listSignal });
    const listing = await listTree(list, item.file.path, signal, onFolder);
    listingSkips.push(...listing.skips);
    selections.push({ root: item.file, files: listing.files, folders: listing.folders, owner });
  }
  const plan = planDownload(destination, selections);
  return { ...plan, skips: [...listingSkips, ...plan.skips] };
}

/**
 * Writes one planned file: run artifacts stream through the store; logged-model artifacts have no
 * streaming call in TrackingStore, so they are read whole and written.
 */
export async function fetchPlannedFile(store: ArtifactReader, write: PlannedWrite, signal: AbortSignal): Promise<void> {
  if (write.owner.kind === 'run') {
    await store.downloadArtifact(write.owner.runId, write.artifactPath, write.target, { signal });
  } else {
    const bytes = await store.readLoggedModelArtifact(write.owner.modelId, write.artifactPath, { signal });
    await fs.writeFile(write.target, bytes, { signal });
  }
}

/** Bounds for a listing walk: a server that lists a folder inside itself must not keep us busy forever. */
export interface WalkLimits {
  maxDepth: number;
  maxEntries: number;
}

const DEFAULT_LIMITS: WalkLimits = { maxDepth: 64, maxEntries: 100_000 };

export interface Listing {
  files: FileInfo[];
  folders: FileInfo[];
  skips: PlannedSkip[];
}

/**
 * Every file and folder below `folder`, listing one level at a time. A listed folder that is not
 * strictly deeper than its parent (`a` listing `a` or `../x`) is not followed: that is how a hostile
 * or buggy server would make the walk loop.
 */
export async function listTree(
  list: (folder: string, signal: AbortSignal) => Promise<FileInfo[]>,
  folder: string,
  signal: AbortSignal,
  onFolder?: (folder: string) => void,
  limits: WalkLimits = DEFAULT_LIMITS,
): Promise<Listing> {
  const result: Listing = { files: [], folders: [], skips: [] };
  const visited = new Set<string>();
  let entries = 0;
  const queue: { path: string; depth: number }[] = [{ path: folder, depth: 0 }];
  while (queue.length > 0) {
    signal.throwIfAborted();
    const current = queue.shift()!;
    if (visited.has(current.path)) continue;
    visited.add(current.path);
    onFolder?.(current.path);
    for (const entry of await list(current.path, signal)) {
      if (++entries > limits.maxEntries) {
        result.skips.push({ artifactPath: folder, reason: `the listing has more than ${limits.maxEntries} entries; the rest was not downloaded` });
        return result;
      }
      if (!isStrictlyBelow(entry.path, current.path)) {
        result.skips.push({ artifactPath: entry.path, reason: `the server listed it inside "${current.path}" but it is not below that folder` });
        continue;
      }
      if (!entry.isDir) {
        result.files.push(entry);
        continue;
      }
      // Never ask the store to list a name the download would refuse anyway (`..`, absolute, …).
      const checked = checkArtifactPath(entry.path);
      if (!checked.ok) {
        result.skips.push({ artifactPath: entry.path, reason: checked.reason });
      } else if (current.depth + 1 > limits.maxDepth) {
        result.skips.push({ artifactPath: entry.path, reason: `folders nested deeper than ${limits.maxDepth} levels are not followed` });
      } else {
        result.folders.push(entry);
        queue.push({ path: entry.path, depth: current.depth + 1 });
      }
    }
  }
  return result;
}

export interface DownloadOutcome {
  written: { artifactPath: string; target: string; bytes: number }[];
  skipped: PlannedSkip[];
  failed: PlannedSkip[];
  cancelled: boolean;
}

export interface ExecuteOptions {
  signal: AbortSignal;
  /** Replace files that already exist; when false they are reported as skipped. */
  overwrite: boolean;
  /** Called before each file, with its 0-based index. */
  onFile?: (write: PlannedWrite, index: number) => void;
}

/**
 * Writes a plan's files through `fetch`, creating folders one checked segment at a time: a folder
 * that is already a symbolic link (or a file) is never followed, so even a destination prepared by
 * someone else can't redirect a write outside it.
 */
export async function executeDownload(
  plan: DownloadPlan,
  fetch: (write: PlannedWrite, signal: AbortSignal) => Promise<void>,
  options: ExecuteOptions,
): Promise<DownloadOutcome> {
  const outcome: DownloadOutcome = { written: [], skipped: [...plan.skips], failed: [], cancelled: false };
  const root = await fs.realpath(plan.destination);

  for (const folder of plan.emptyFolders) {
    const problem = await ensureFolder(root, folder);
    if (problem) outcome.skipped.push({ artifactPath: folder.join('/'), reason: problem });
  }

  for (const [index, write] of plan.writes.entries()) {
    if (options.signal.aborted) {
      outcome.cancelled = true;
      break;
    }
    options.onFile?.(write, index);
    const problem = (await ensureFolder(root, write.folders)) ?? (await existingTargetProblem(write.target, options.overwrite));
    if (problem) {
      outcome.skipped.push({ artifactPath: write.artifactPath, reason: problem });
      continue;
    }
    try {
      await fetch(write, options.signal);
      const stat = await fs.lstat(write.target);
      outcome.written.push({ artifactPath: write.artifactPath, target: write.target, bytes: stat.size });
    } catch (error) {
      if (options.signal.aborted || isMlflowError(error, 'CANCELLED')) {
        outcome.cancelled = true;
        break;
      }
      outcome.failed.push({ artifactPath: write.artifactPath, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  return outcome;
}

/** Creates `segments` below `root` step by step; returns why it can't, without following links. */
async function ensureFolder(root: string, segments: readonly string[]): Promise<string | undefined> {
  let current = root;
  for (const segment of segments) {
    current = path.join(current, segment);
    const stat = await lstatOrUndefined(current);
    if (!stat) {
      try {
        await fs.mkdir(current);
      } catch (error) {
        // Another write may have created it in between; anything else is a real failure.
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return `could not create folder "${segment}": ${(error as Error).message}`;
        const again = await lstatOrUndefined(current);
        if (!again?.isDirectory()) return `"${segment}" exists and is not a folder`;
      }
    } else if (stat.isSymbolicLink()) {
      return `"${path.relative(root, current)}" in the download folder is a symbolic link, which is not followed`;
    } else if (!stat.isDirectory()) {
      return `"${path.relative(root, current)}" in the download folder is a file, not a folder`;
    }
  }
  return undefined;
}

async function existingTargetProblem(target: string, overwrite: boolean): Promise<string | undefined> {
  const stat = await lstatOrUndefined(target);
  if (!stat) return undefined;
  if (stat.isSymbolicLink()) return 'a symbolic link with that name exists in the download folder and is not followed';
  if (stat.isDirectory()) return 'a folder with that name exists in the download folder';
  return overwrite ? undefined : 'a file with that name already exists (kept)';
}

async function lstatOrUndefined(file: string): Promise<Stats | undefined> {
  try {
    return await fs.lstat(file);
  } catch {
    return undefined;
  }
}

/** The planned targets that already exist, so the user can be asked once before anything is replaced. */
export async function existingTargets(plan: DownloadPlan): Promise<PlannedWrite[]> {
  const found: PlannedWrite[] = [];
  for (const write of plan.writes) {
    if (await lstatOrUndefined(write.target)) found.push(write);
  }
  return found;
}
