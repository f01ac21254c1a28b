import { resolveInside, TargetClaims, type PathPlatform } from '../mlflow/safePath';
import type { FileInfo } from '../mlflow/types';

/**
 * Pure: turns what the server listed into the files a download will write and the names it refuses.
 * No I/O and no `vscode`, so every hostile listing can be unit-tested.
 */

/** One thing the user picked in the Runs view: a file, or a folder with everything listed under it. */
export interface DownloadSelection {
  /** Artifact path of the picked file or folder, relative to the run's (or logged model's) root. */
  readonly root: FileInfo;
  /** Every file found under a folder (recursively); ignored for a file. */
  readonly files: readonly FileInfo[];
  /** Folders found under a folder, so that empty ones are recreated too. */
  readonly folders?: readonly FileInfo[];
  /** Passed through to the write, so one download can mix runs and logged models. */
  readonly owner: ArtifactOwner;
}

export type ArtifactOwner = { readonly kind: 'run'; readonly runId: string } | { readonly kind: 'model'; readonly modelId: string };

export interface PlannedWrite {
  readonly owner: ArtifactOwner;
  readonly artifactPath: string;
  /** Absolute, inside the destination folder. */
  readonly target: string;
  /** Folder names between the destination and the file, for creating them one checked step at a time. */
  readonly folders: readonly string[];
  readonly size?: number;
}

export interface PlannedSkip {
  readonly artifactPath: string;
  readonly reason: string;
}

export interface DownloadPlan {
  readonly destination: string;
  readonly writes: readonly PlannedWrite[];
  /** Empty folders to create, as segment lists below the destination. */
  readonly emptyFolders: readonly (readonly string[])[];
  readonly skips: readonly PlannedSkip[];
}

/**
 * Like `mlflow artifacts download -d DEST`: a picked folder `model` lands as `DEST/model/…`, a picked
 * file `model/MLmodel` as `DEST/MLmodel`. Listed entries that are not below the picked folder are
 * refused (a server has no business returning them), as is every name `resolveInside` rejects and
 * every name that would collide with an earlier one on a case-insensitive disk.
 */
export function planDownload(destination: string, selections: readonly DownloadSelection[], platform?: PathPlatform): DownloadPlan {
  const claims = new TargetClaims();
  const writes: PlannedWrite[] = [];
  const skips: PlannedSkip[] = [];
  const emptyFolders: (readonly string[])[] = [];

  for (const selection of selections) {
    const rootPath = trimSlashes(selection.root.path);
    const base = parentOf(rootPath);
    const local = (artifactPath: string): string => (base === '' ? artifactPath : artifactPath.slice(base.length + 1));

    const files = selection.root.isDir ? selection.files : [selection.root];
    for (const file of files) {
      if (selection.root.isDir && !isStrictlyBelow(file.path, rootPath)) {
        skips.push({ artifactPath: file.path, reason: `the server listed it outside the requested folder "${rootPath}"` });
        continue;
      }
      if (file.isDir) continue;
      const resolved = resolveInside(destination, local(file.path), platform);
      if (!resolved.ok) {
        skips.push({ artifactPath: file.path, reason: resolved.reason });
        continue;
      }
      const collision = claims.claimFile(resolved.segments);
      if (collision) {
        skips.push({ artifactPath: file.path, reason: collision });
        continue;
      }
      writes.push({
        owner: selection.owner,
        artifactPath: file.path,
        target: resolved.target,
        folders: resolved.segments.slice(0, -1),
        size: file.fileSize,
      });
    }

    if (!selection.root.isDir) continue;
    // The picked folder itself plus any listed folder, so an empty folder is not silently dropped.
    const folders = rootPath === '' ? (selection.folders ?? []) : [{ path: rootPath, isDir: true }, ...(selection.folders ?? [])];
    for (const folder of folders) {
      if (folder.path !== rootPath && !isStrictlyBelow(folder.path, rootPath)) {
        skips.push({ artifactPath: folder.path, reason: `the server listed it outside the requested folder "${rootPath}"` });
        continue;
      }
      const resolved = resolveInside(destination, local(trimSlashes(folder.path)), platform);
      if (!resolved.ok) {
        skips.push({ artifactPath: folder.path, reason: resolved.reason });
        continue;
      }
      const collision = claims.claimFolder(resolved.segments);
      if (collision) {
        skips.push({ artifactPath: folder.path, reason: collision });
        continue;
      }
      emptyFolders.push(resolved.segments);
    }
  }
  return { destination, writes, skips, emptyFolders: emptyFolders.filter((folder) => !hasContent(folder, writes, emptyFolders)) };
}

/** A folder needs creating on its own only when no file or deeper folder will create it anyway. */
function hasContent(folder: readonly string[], writes: readonly PlannedWrite[], folders: readonly (readonly string[])[]): boolean {
  const startsWithFolder = (segments: readonly string[]): boolean => folder.every((name, i) => segments[i] === name);
  return (
    writes.some((write) => write.folders.length >= folder.length && startsWithFolder(write.folders)) ||
    folders.some((other) => other.length > folder.length && startsWithFolder(other))
  );
}

/** `a/b/c` is strictly below `a/b`; `a/bc` and `a/b` are not. The root of a run (`''`) contains everything. */
export function isStrictlyBelow(artifactPath: string, folder: string): boolean {
  if (folder === '') return artifactPath.length > 0;
  return artifactPath.startsWith(`${folder}/`) && artifactPath.length > folder.length + 1;
}

function parentOf(artifactPath: string): string {
  const slash = artifactPath.lastIndexOf('/');
  return slash < 0 ? '' : artifactPath.slice(0, slash);
}

function trimSlashes(artifactPath: string): string {
  return artifactPath.replace(/^\/+|\/+$/g, '');
}

/** Human summary of a size, for the final message. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}
