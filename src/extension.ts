import type * as vscode from 'vscode';
import { Workbench } from './workbench';

let workbench: Workbench | undefined;

/** Builds the parts and hands each its dependencies (see Workbench); no feature logic lives here. */
export function activate(context: vscode.ExtensionContext): Workbench {
  workbench = new Workbench(context);
  context.subscriptions.push(workbench);
  return workbench;
}

/**
 * Stops processes the extension started (model servers, a tracking server, `mlflow run`s) and waits for
 * them, SIGKILL after each grace period included, before VS Code exits: they run in their own process
 * groups, so nothing else would stop them.
 */
export async function deactivate(): Promise<void> {
  const current = workbench;
  workbench = undefined;
  if (current) {
    await Promise.all([
      current.serving.stopAll(),
      current.projects.launcher.stopAll(),
      current.trackedRun.stopAll(),
      current.trackingServer.state !== 'stopped' ? current.trackingServer.stop() : Promise.resolve(),
    ]);
  }
  current?.dispose();
}
