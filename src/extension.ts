import type * as vscode from 'vscode';
import { Workbench } from './workbench';

let workbench: Workbench | undefined;

/** Builds the parts and hands each its dependencies (see Workbench); no feature logic lives here. */
export function activate(context: vscode.ExtensionContext): Workbench {
  workbench = new Workbench(context);
  context.subscriptions.push(workbench);
  return workbench;
}

export function deactivate(): void {
  workbench?.dispose();
  workbench = undefined;
}
