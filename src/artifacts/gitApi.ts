import * as vscode from 'vscode';

/**
 * The few members of VS Code's built-in Git extension API (`vscode.git`, API version 1) that "Run → code"
 * uses, typed locally instead of vendoring its whole `git.d.ts`. Names and shapes follow that file.
 */
export interface GitRepository {
  readonly rootUri: vscode.Uri;
  getCommit(ref: string): Promise<{ readonly hash: string }>;
  /** Contents of `path` (absolute, inside the repository) at `ref`; rejects when it didn't exist there. */
  show(ref: string, path: string): Promise<string>;
  fetch(): Promise<void>;
}

export interface GitApi {
  readonly state: 'uninitialized' | 'initialized';
  readonly onDidChangeState: vscode.Event<'uninitialized' | 'initialized'>;
  readonly repositories: readonly GitRepository[];
  getRepository(uri: vscode.Uri): GitRepository | null;
  openRepository?(root: vscode.Uri): Promise<GitRepository | null>;
  toGitUri(uri: vscode.Uri, ref: string): vscode.Uri;
}

interface GitExtensionExports {
  readonly enabled: boolean;
  getAPI(version: 1): GitApi;
}

/** Repository discovery is asynchronous after startup; this long is enough for a workspace scan. */
const INITIALIZATION_TIMEOUT_MS = 10_000;

/** The Git API once it has discovered the workspace's repositories, or `undefined` when Git is off. */
export async function gitApi(): Promise<GitApi | undefined> {
  const extension = vscode.extensions.getExtension<GitExtensionExports>('vscode.git');
  if (!extension) return undefined;
  const exports = extension.isActive ? extension.exports : await extension.activate();
  if (!exports?.enabled) return undefined;
  const api = exports.getAPI(1);
  if (api.state !== 'initialized') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, INITIALIZATION_TIMEOUT_MS);
      const subscription = api.onDidChangeState((state) => state === 'initialized' && done());
      function done(): void {
        clearTimeout(timer);
        subscription.dispose();
        resolve();
      }
    });
  }
  return api;
}
