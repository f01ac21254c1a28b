import * as vscode from 'vscode';
import { notificationSafe } from './notificationText';

/**
 * The extension's notifications. Every message passes through notificationSafe, because messages quote
 * what servers send (error texts, run, model and artifact names) and VS Code turns `[x](command:…)` in a
 * notification into a link that runs a command. One place, so no call site can forget it.
 */
type Item = string | vscode.MessageOptions;

export function showError(message: string, ...items: Item[]): Thenable<string | undefined> {
  return vscode.window.showErrorMessage(notificationSafe(message), ...(items as string[]));
}

export function showWarning(message: string, ...items: Item[]): Thenable<string | undefined> {
  return vscode.window.showWarningMessage(notificationSafe(message), ...(items as string[]));
}

export function showInfo(message: string, ...items: Item[]): Thenable<string | undefined> {
  return vscode.window.showInformationMessage(notificationSafe(message), ...(items as string[]));
}
