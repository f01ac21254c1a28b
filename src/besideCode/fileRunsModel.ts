import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { describeError } from '../explorer/errorMessages';
import type { Run } from '../mlflow/types';
import { Disposer } from '../vscode/disposer';
import type { Log } from '../vscode/log';
import { searchFileRuns } from './core/fileRuns';
import { findGitCheckout } from './core/gitHead';
import type { LocalFile } from './core/sourceMatch';

/** Runs looked at per file: enough for the count, the hover history and "compare the last two". */
export const MAX_FILE_RUNS = 100;

export type FileRuns =
  | { state: 'loaded'; runs: Run[]; head: string | undefined; more: boolean; loadedAt: number }
  | { state: 'failed'; message: string; loadedAt: number };

/**
 * The runs of each Python file the providers asked about, from the active store. Loaded on first
 * request and again when `refresh` finds them stale (the Runs view's live refresh, a store switch, a
 * timer while the file is visible); `onDidChange` fires only when what a lens would show changed.
 */
export class FileRunsModel implements vscode.Disposable {
  private readonly disposer = new Disposer();
  private readonly entries = new Map<string, { value?: FileRuns; loading?: Promise<FileRuns>; signature?: string }>();
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;
  /** Bumped on a store switch: a load begun before it is not stored after it. */
  private generation = 0;

  constructor(private readonly deps: { activeStore: ActiveStore; log: Log }) {
    this.disposer.track(this.changed);
    this.disposer.track(deps.activeStore.onDidChange(() => {
      this.generation++;
      this.entries.clear();
      this.changed.fire();
    }));
  }

  get connected(): boolean {
    return this.deps.activeStore.current !== undefined;
  }

  /** The file's runs: the cached answer, or the load in flight, or a new load. */
  get(uri: vscode.Uri): Promise<FileRuns> | undefined {
    if (!this.connected) return undefined;
    const entry = this.entries.get(uri.toString());
    if (entry?.value) return Promise.resolve(entry.value);
    return entry?.loading ?? this.load(uri);
  }

  /** The answer already at hand, if any (for hovers and hints after the lens loaded it). */
  peek(uri: vscode.Uri): FileRuns | undefined {
    return this.entries.get(uri.toString())?.value;
  }

  /** Loads the runs of these files again (those visible now); fires onDidChange if any answer changed. */
  async refresh(uris: readonly vscode.Uri[]): Promise<void> {
    const results = await Promise.all(uris.map((uri) => this.load(uri)));
    if (results.some((result) => result.state === 'failed')) {
      throw new Error((results.find((result) => result.state === 'failed') as { message: string }).message);
    }
  }

  private load(uri: vscode.Uri): Promise<FileRuns> {
    const key = uri.toString();
    const entry = this.entries.get(key) ?? {};
    this.entries.set(key, entry);
    if (entry.loading) return entry.loading;
    const generation = this.generation;
    const loading = this.fetch(uri).then((value) => {
      if (generation !== this.generation) return value;
      entry.value = value;
      entry.loading = undefined;
      const signature = signatureOf(value);
      if (signature !== entry.signature) {
        entry.signature = signature;
        this.changed.fire();
      }
      return value;
    });
    entry.loading = loading;
    return loading;
  }

  private async fetch(uri: vscode.Uri): Promise<FileRuns> {
    const store = this.deps.activeStore.current?.store;
    if (!store) return { state: 'failed', message: 'Not connected to an MLflow tracking store.', loadedAt: Date.now() };
    try {
      const checkout = await findGitCheckout(uri.fsPath);
      const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
      const roots = [checkout?.root, folder].filter((root): root is string => root !== undefined);
      const file: LocalFile = { absolutePath: uri.fsPath, roots };
      const runs = await searchFileRuns(store, { file, maxRuns: MAX_FILE_RUNS + 1 });
      return { state: 'loaded', runs: runs.slice(0, MAX_FILE_RUNS), more: runs.length > MAX_FILE_RUNS, head: checkout?.head, loadedAt: Date.now() };
    } catch (error) {
      const message = describeError(error).message;
      this.deps.log.warn(`Runs of ${uri.fsPath} could not be read: ${message}`);
      return { state: 'failed', message, loadedAt: Date.now() };
    }
  }

  dispose(): void {
    this.generation++;
    this.entries.clear();
    this.disposer.dispose();
  }
}

/** What the lens, hints and hovers depend on: runs, their latest metrics and params, HEAD. */
function signatureOf(value: FileRuns): string {
  if (value.state === 'failed') return `failed:${value.message}`;
  return JSON.stringify([value.head, value.more, value.runs.map((run) => [
    run.info.runId, run.info.status, run.info.runName, run.data.tags['mlflow.source.git.commit'],
    run.data.metrics.map((m) => [m.key, m.value, m.step]), run.data.params,
  ])]);
}
