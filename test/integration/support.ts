import * as assert from 'assert';
import * as vscode from 'vscode';
import type { Workbench } from '../../src/workbench';

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
