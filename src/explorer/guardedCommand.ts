import * as vscode from 'vscode';
import { isMlflowError } from '../mlflow/errors';
import type { Log } from '../vscode/log';
import { showError, showWarning } from '../vscode/notify';
import { describeError } from './errorMessages';

/**
 * Runs a command body and turns its failure into one message with the way out: a read-only store
 * offers "Start Tracking Server", a refused login offers "Sign in…". Shared by the commands that
 * change what a tracking store holds (runs and experiments, the registry, prompts).
 */
export async function runGuarded(id: string, log: Log, action: () => unknown): Promise<void> {
  try {
    await action();
  } catch (error) {
    log.error(`${id} failed`, error);
    const text = describeError(error).message;
    if (isMlflowError(error, 'READ_ONLY_STORE')) {
      const choice = await showWarning(text, 'Start Tracking Server');
      if (choice) await vscode.commands.executeCommand('mlflow.startTrackingServer');
    } else if (isMlflowError(error, 'UNAUTHENTICATED') || isMlflowError(error, 'PERMISSION_DENIED')) {
      const choice = await showError(text, 'Sign in…');
      if (choice) await vscode.commands.executeCommand('mlflow.signIn');
    } else {
      void showError(`MLflow: ${text}`);
    }
  }
}

/**
 * Runs a command body of the traces, prompts and evaluations views and turns its failure into one error
 * message, with the raw detail in the log under `area` ("Traces: Cannot reach the tracking server. (…)").
 */
export async function runReported(area: string, log: Log, action: () => unknown): Promise<void> {
  try {
    await action();
  } catch (error) {
    const { message, detail } = describeError(error);
    log.error(`${area}: ${message}${detail ? ` (${detail})` : ''}`);
    void showError(message);
  }
}
