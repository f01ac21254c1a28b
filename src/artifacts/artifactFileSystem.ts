import * as vscode from 'vscode';
import { isMlflowError } from '../mlflow/errors';
import type { FileInfo } from '../mlflow/types';
import { baseName, parentPath, refFromUriPath, type ArtifactRef } from './artifactRef';
import type { ArtifactReader } from './download';
import type { ArtifactOwner } from './downloadPlan';

/** What the artifact features need of the active connection (the real `ActiveStore` satisfies it). */
export interface ArtifactStoreSource {
  readonly current: { readonly store: ArtifactReader } | undefined;
  readonly onDidChange: vscode.Event<unknown>;
}

/**
 * Listings are cached briefly: opening a file asks for `stat` of it and of every parent, and a diff
 * does that twice, each a round-trip to the server. Artifacts of a finished run don't change, but a
 * running run keeps logging, so the cache is short rather than permanent.
 */
const LISTING_TTL_MS = 10_000;
const LISTING_CACHE_SIZE = 256;

/**
 * A read-only view of run and logged-model artifacts (see artifactRef.ts for the URI shape), so that
 * VS Code's own editors, image preview and diff open them like files. Registered with
 * `isReadonly: true`; every write throws NoPermissions.
 */
export class ArtifactFileSystem implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly changes = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changes.event;
  private readonly listings = new Map<string, { at: number; entries: Promise<FileInfo[]> }>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly deps: { activeStore: ArtifactStoreSource }) {
    // Another connection may hold different runs under the same ids' listings: start afresh.
    this.subscription = deps.activeStore.onDidChange(() => this.listings.clear());
  }

  watch(): vscode.Disposable {
    // Artifacts are written by runs, not through this provider; there is nothing to watch.
    return new vscode.Disposable(() => undefined);
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    const ref = this.refOf(uri);
    if (ref.path === '') return directoryStat();
    const entry = (await this.findEntry(uri, ref, false)) ?? (await this.findEntry(uri, ref, true));
    if (!entry) throw vscode.FileSystemError.FileNotFound(uri);
    return entry.isDir
      ? directoryStat()
      : { type: vscode.FileType.File, ctime: 0, mtime: 0, size: entry.fileSize ?? 0, permissions: vscode.FilePermission.Readonly };
  }

  async readDirectory(uri: vscode.Uri): Promise<[string, vscode.FileType][]> {
    const ref = this.refOf(uri);
    const entries = await this.list(uri, ref.owner, ref.path, false);
    const prefix = ref.path === '' ? '' : `${ref.path}/`;
    return entries
      // Only direct children with a plain name: anything else would be a path VS Code can't address.
      .filter((entry) => entry.path.startsWith(prefix) && !entry.path.slice(prefix.length).includes('/') && entry.path.length > prefix.length)
      .map((entry) => [baseName(entry.path), entry.isDir ? vscode.FileType.Directory : vscode.FileType.File]);
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const ref = this.refOf(uri);
    if (ref.path === '') throw vscode.FileSystemError.FileIsADirectory(uri);
    const store = this.store(uri);
    try {
      return ref.owner.kind === 'run'
        ? await store.readArtifact(ref.owner.runId, ref.path)
        : await store.readLoggedModelArtifact(ref.owner.modelId, ref.path);
    } catch (error) {
      throw fileSystemError(error, uri);
    }
  }

  writeFile(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  createDirectory(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  delete(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  rename(uri: vscode.Uri): never {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  dispose(): void {
    this.subscription.dispose();
    this.changes.dispose();
    this.listings.clear();
  }

  private refOf(uri: vscode.Uri): ArtifactRef {
    const ref = refFromUriPath(uri.path);
    if (!ref) throw vscode.FileSystemError.FileNotFound(uri);
    return ref;
  }

  private store(uri: vscode.Uri): ArtifactReader {
    const store = this.deps.activeStore.current?.store;
    if (!store) {
      throw vscode.FileSystemError.Unavailable(
        `Not connected to an MLflow tracking store, so ${uri.path} can't be read. Connect to a store in the MLflow view, then reopen it.`,
      );
    }
    return store;
  }

  private async findEntry(uri: vscode.Uri, ref: ArtifactRef, fresh: boolean): Promise<FileInfo | undefined> {
    const entries = await this.list(uri, ref.owner, parentPath(ref.path), fresh);
    return entries.find((entry) => entry.path === ref.path);
  }

  private list(uri: vscode.Uri, owner: ArtifactOwner, folder: string, fresh: boolean): Promise<FileInfo[]> {
    const key = `${owner.kind}:${owner.kind === 'run' ? owner.runId : owner.modelId}:${folder}`;
    const cached = this.listings.get(key);
    if (cached && !fresh && Date.now() - cached.at < LISTING_TTL_MS) return cached.entries;

    const store = this.store(uri);
    const entries = (
      owner.kind === 'run' ? store.listArtifacts(owner.runId, folder || undefined) : store.listLoggedModelArtifacts(owner.modelId, folder || undefined)
    ).catch((error: unknown) => {
      this.listings.delete(key);
      throw fileSystemError(error, uri);
    });
    this.listings.delete(key);
    this.listings.set(key, { at: Date.now(), entries });
    // Map iteration is insertion order, so the first key is the least recently fetched.
    while (this.listings.size > LISTING_CACHE_SIZE) this.listings.delete(this.listings.keys().next().value!);
    return entries;
  }
}

function directoryStat(): vscode.FileStat {
  return { type: vscode.FileType.Directory, ctime: 0, mtime: 0, size: 0, permissions: vscode.FilePermission.Readonly };
}

/** Store errors as the FileSystemErrors VS Code knows how to present (a missing file vs. a broken server). */
function fileSystemError(error: unknown, uri: vscode.Uri): Error {
  if (error instanceof vscode.FileSystemError) return error;
  if (isMlflowError(error, 'RESOURCE_DOES_NOT_EXIST') || (isMlflowError(error) && error.status === 404)) {
    return vscode.FileSystemError.FileNotFound(uri);
  }
  if (isMlflowError(error, 'PERMISSION_DENIED') || isMlflowError(error, 'UNAUTHENTICATED')) {
    return vscode.FileSystemError.NoPermissions(error.message);
  }
  return vscode.FileSystemError.Unavailable(error instanceof Error ? error.message : String(error));
}
