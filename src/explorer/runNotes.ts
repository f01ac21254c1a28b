import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { NOTE_SCHEME, NOTE_TAG, notePath, noteUpdate, runIdOfNotePath } from './core/runNote';
import type { RunsModel } from './runsModel';
import type { Run } from '../mlflow/types';

/**
 * Run notes as editor tabs: `mlflow-note:/<run id>/<name> note.md` reads the run's
 * `mlflow.note.content` tag from the store and writes it back when the tab is saved (an emptied note
 * deletes the tag). A save that fails (read-only store, server error) leaves the tab dirty, so nothing
 * typed is lost, and VS Code says why.
 */
export class RunNotes implements vscode.FileSystemProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;
  private readonly registration: vscode.Disposable;
  /** Modification times of the notes read or written, so VS Code sees a save as the latest version. */
  private readonly mtimes = new Map<string, number>();

  constructor(private readonly deps: { activeStore: ActiveStore; model: RunsModel }) {
    this.registration = vscode.workspace.registerFileSystemProvider(NOTE_SCHEME, this, { isCaseSensitive: true });
  }

  /** The editor address of a run's note. */
  static uriOf(run: Run): vscode.Uri {
    return vscode.Uri.from({ scheme: NOTE_SCHEME, path: notePath(run.info.runId, run.info.runName) });
  }

  private store() {
    const store = this.deps.activeStore.current?.store;
    if (!store) throw vscode.FileSystemError.Unavailable('Not connected to an MLflow tracking store.');
    return store;
  }

  private runIdOf(uri: vscode.Uri): string {
    const runId = runIdOfNotePath(uri.path);
    if (!runId) throw vscode.FileSystemError.FileNotFound(uri);
    return runId;
  }

  /**
   * One modification time per note, moved only by our own saves: VS Code compares it before saving
   * and refuses ("the file is newer") when it moved since the tab was opened.
   */
  private mtimeOf(uri: vscode.Uri): number {
    const key = uri.toString();
    let mtime = this.mtimes.get(key);
    if (mtime === undefined) this.mtimes.set(key, (mtime = Date.now()));
    return mtime;
  }

  async stat(uri: vscode.Uri): Promise<vscode.FileStat> {
    this.runIdOf(uri);
    return { type: vscode.FileType.File, ctime: 0, mtime: this.mtimeOf(uri), size: 0 };
  }

  async readFile(uri: vscode.Uri): Promise<Uint8Array> {
    const run = await this.store().getRun(this.runIdOf(uri));
    return new TextEncoder().encode(run.data.tags[NOTE_TAG] ?? '');
  }

  async writeFile(uri: vscode.Uri, content: Uint8Array): Promise<void> {
    const store = this.store();
    const runId = this.runIdOf(uri);
    // The tag as it is now, not as it was when the tab opened: deleting a tag that is gone is an error.
    const run = await store.getRun(runId);
    const update = noteUpdate(run.data.tags[NOTE_TAG], new TextDecoder().decode(content));
    if (update.kind === 'set') await store.setRunTag(runId, NOTE_TAG, update.value);
    else if (update.kind === 'delete') await store.deleteRunTag(runId, NOTE_TAG);
    this.mtimes.set(uri.toString(), Math.max(Date.now(), this.mtimeOf(uri) + 1));
    this.changed.fire([{ type: vscode.FileChangeType.Changed, uri }]);
    if (update.kind !== 'none') this.deps.model.reloadExperiment(run.info.experimentId);
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  readDirectory(): never {
    throw vscode.FileSystemError.NoPermissions('Run notes are single documents.');
  }

  createDirectory(): never {
    throw vscode.FileSystemError.NoPermissions('Run notes are single documents.');
  }

  delete(): never {
    throw vscode.FileSystemError.NoPermissions('Clear the note and save to delete it.');
  }

  rename(): never {
    throw vscode.FileSystemError.NoPermissions('Run notes cannot be renamed.');
  }

  dispose(): void {
    this.registration.dispose();
    this.changed.dispose();
  }
}
