import type * as vscode from 'vscode';
import { Workbench } from './workbench';

let workbench: Workbench | undefined;

/** Builds the parts and hands each its dependencies (see Workbench); no feature logic lives here. */
export function activate(context: vscode.ExtensionContext): Workbench {
  workbench = new Workbench(context);
  context.subscriptions.push(workbench);
  return workbench;
}

/** Stops processes the extension started (model servers, a tracking server) and waits for them before VS Code exits. */
export async function deactivate(): Promise<void> {
  const current = workbench;
  workbench = undefined;
  if (current) {
    await current.serving.stopAll();
    if (current.trackingServer.state !== 'stopped') await current.trackingServer.stop();
  }
  current?.dispose();
}
