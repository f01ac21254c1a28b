import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import { bundledEngineFile } from '../../src/mlflow/local/sqliteEngine';
import { SqliteStore } from '../../src/mlflow/local/sqliteStore';
import type { Workbench } from '../../src/workbench';
import { datasetFromStore } from '../support/mlflowServer/fromStore';
import { startMlflowServer, type MlflowServer } from '../support/mlflowServer/server';

export const EXTENSION_ID = 'mlflow-workbench.mlflow-workbench';

export async function activateExtension(): Promise<Workbench> {
  const extension = vscode.extensions.getExtension<Workbench>(EXTENSION_ID);
  assert.ok(extension, `extension ${EXTENSION_ID} is installed`);
  return extension.activate();
}

/** Resolves when `condition` returns a truthy value; polls because most UI state has no event. */
export async function waitFor<T>(condition: () => T | Promise<T>, what: string, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await condition();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}${lastError instanceof Error ? `: ${lastError.message}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A writable loopback MLflow server holding the workspace's own mlflow.db (no histories, no artifacts),
 * read with the engine the installed extension ships.
 */
export async function serverFromWorkspaceStore(): Promise<MlflowServer> {
  const folder = vscode.workspace.workspaceFolders![0]!.uri.fsPath;
  const engine = bundledEngineFile(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath);
  const store = new SqliteStore(path.join(folder, 'mlflow.db'), { engine });
  try {
    return await startMlflowServer({ dataset: await datasetFromStore(store, { histories: false, artifacts: false }) });
  } finally {
    store.dispose();
  }
}
