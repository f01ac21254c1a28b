import { existsSync } from 'node:fs';
import * as vscode from 'vscode';
import { environmentOfMlflow, type MlflowEnvironment } from '../environment/core/childEnv';
import { findMlflow, findOnPath, isExecutableFile, PYTHON_EXTENSION_ID } from '../vscode/python';
import { interpretersBeside } from './core/scriptLaunch';

/**
 * Which Python runs a script with tracking: the interpreter selected in the Python extension (what its
 * own Run button uses), else the python of the MLflow the extension already uses (mlflow.executablePath,
 * or the `mlflow` on PATH), else `python3` on PATH. Found by looking at files, never through a shell.
 */

/** The members of the Python extension's API used here (see @vscode/python-extension), typed locally. */
interface PythonExtensionApi {
  readonly ready?: Promise<void>;
  readonly environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { readonly id: string; readonly path: string };
    resolveEnvironment(environment: { readonly id: string; readonly path: string } | string): Promise<
      { readonly executable: { readonly uri: vscode.Uri | undefined; readonly sysPrefix: string | undefined } } | undefined
    >;
  };
}

export interface PythonInterpreter {
  readonly path: string;
  readonly source: 'python-extension' | 'mlflow-environment' | 'path';
  /** Activated for the child (PATH, VIRTUAL_ENV / CONDA_PREFIX) as a terminal of that environment would be. */
  readonly environment?: MlflowEnvironment;
}

export type InterpreterLookup = { found: PythonInterpreter } | { found?: undefined; pythonExtension: boolean; selected?: string };

export async function findPythonInterpreter(resource: vscode.Uri): Promise<InterpreterLookup> {
  const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
  let selected: string | undefined;
  if (extension) {
    try {
      const api = extension.isActive ? extension.exports : await extension.activate();
      await api.ready;
      if (api.environments) {
        const active = api.environments.getActiveEnvironmentPath(resource);
        const resolved = await api.environments.resolveEnvironment(active);
        const interpreter = resolved?.executable.uri?.fsPath ?? active.path;
        selected = interpreter;
        if (await isExecutableFile(interpreter)) {
          return { found: { path: interpreter, source: 'python-extension', environment: activated(interpreter, resolved?.executable.sysPrefix) } };
        }
      }
    } catch {
      // A Python extension that fails to activate must not keep the other interpreters from working.
    }
  }
  const mlflow = (await findMlflow(resource)).executable;
  if (mlflow) {
    for (const candidate of interpretersBeside(mlflow.path, mlflow.environment, process.platform)) {
      if (await isExecutableFile(candidate)) return { found: { path: candidate, source: 'mlflow-environment', environment: activated(candidate) } };
    }
  }
  for (const name of process.platform === 'win32' ? ['python'] : ['python3', 'python']) {
    const onPath = await findOnPath(name);
    if (onPath) return { found: { path: onPath, source: 'path', environment: activated(onPath) } };
  }
  return { pythonExtension: extension !== undefined, selected };
}

/** A venv's or conda environment's interpreter gets its environment activated; a system python nothing. */
function activated(interpreter: string, sysPrefix?: string): MlflowEnvironment | undefined {
  const environment = environmentOfMlflow(interpreter, { platform: process.platform, exists: existsSync }, sysPrefix);
  return environment.kind === 'folder' ? undefined : environment;
}
