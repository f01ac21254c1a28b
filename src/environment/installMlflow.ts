import * as vscode from 'vscode';
import { showError } from '../vscode/notify';
import { findOnPath, type MlflowLookup } from '../vscode/python';
import { installArgv, notInstalledMessage, type TargetPython } from './core/notInstalled';

export { notInstalledMessage } from './core/notInstalled';

/** The selected interpreter (Python extension), else python3 / python on PATH. */
export async function pythonFor(lookup: Pick<MlflowLookup, 'interpreter'>): Promise<TargetPython> {
  if (lookup.interpreter) return { path: lookup.interpreter, source: 'selected' };
  // One PATH for both lookups, read now: the answer must not mix two moments.
  const env = { PATH: process.env.PATH, Path: process.env.Path };
  const onPath = (await findOnPath('python3', env)) ?? (await findOnPath('python', env));
  return onPath ? { path: onPath, source: 'path' } : { source: 'none' };
}

const INSTALL = 'Install MLflow';
const SELECT = 'Select Python Interpreter';
const SETTING = 'Set mlflow.executablePath';

/**
 * Says plainly that MLflow is not installed for the selected Python and offers the way out: install it
 * into that interpreter (`<python> -m pip install mlflow` in a terminal), pick another interpreter, or
 * name the executable. Resolves with the terminal when the install was started.
 */
export async function offerMlflowInstall(lookup: MlflowLookup, action: string): Promise<vscode.Terminal | undefined> {
  const python = await pythonFor(lookup);
  const actions = [...(python.path ? [INSTALL] : []), ...(lookup.pythonExtension ? [SELECT] : []), SETTING];
  const choice = await showError(notInstalledMessage(action, python), ...actions);
  if (choice === INSTALL && python.path) {
    const { executable, args } = installArgv(python.path);
    // The terminal's process is the interpreter itself, given an argv: no shell parses the path.
    const terminal = vscode.window.createTerminal({ name: 'Install MLflow', shellPath: executable, shellArgs: args });
    terminal.show();
    return terminal;
  }
  if (choice === SELECT) await vscode.commands.executeCommand('python.setInterpreter');
  if (choice === SETTING) await vscode.commands.executeCommand('workbench.action.openSettings', 'mlflow.executablePath');
  return undefined;
}
