import { constants as fsConstants, existsSync, realpathSync } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { environmentOfMlflow, type MlflowEnvironment } from '../environment/core/childEnv';
import { mlflowCandidates, pathCandidates } from '../environment/core/mlflowLookup';

/**
 * Finds the `mlflow` executable the user means: the one of the Python environment selected in the
 * Python extension (what their notebooks and scripts use), else the first on PATH. Found by looking at
 * files, never by running a shell.
 */

/**
 * The members of the Python extension's API (`ms-python.python`, see @vscode/python-extension) used
 * here, typed locally: optional extension, no new dependency.
 */
interface PythonExtensionApi {
  readonly ready?: Promise<void>;
  readonly environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { readonly id: string; readonly path: string };
    resolveEnvironment(environment: { readonly id: string; readonly path: string } | string): Promise<ResolvedEnvironment | undefined>;
  };
}

interface ResolvedEnvironment {
  readonly executable: { readonly uri: vscode.Uri | undefined; readonly sysPrefix: string | undefined };
  readonly environment?: { readonly name: string | undefined } | undefined;
}

export const PYTHON_EXTENSION_ID = 'ms-python.python';

export interface MlflowExecutable {
  /** Absolute path of the `mlflow` console script (spawned directly, with an argv array). */
  readonly path: string;
  readonly source: 'setting' | 'python-environment' | 'path';
  /** The Python environment it belongs to: what its children get on PATH (see environment/core/childEnv). */
  readonly environment: MlflowEnvironment;
}

export interface MlflowLookup {
  readonly executable: MlflowExecutable | undefined;
  /** Whether the Python extension is installed (so "Select Interpreter" is a useful next step). */
  readonly pythonExtension: boolean;
  /** The selected environment, when one is selected; named in messages when it lacks mlflow. */
  readonly selectedEnvironment?: string;
  /** The selected environment's python, when the Python extension named one: where "Install MLflow" installs. */
  readonly interpreter?: string;
}

export async function findMlflow(resource?: vscode.Uri): Promise<MlflowLookup> {
  // An explicit `mlflow.executablePath` wins: the user (or a test) named the exact CLI to use.
  const configured = vscode.workspace.getConfiguration('mlflow', resource).get<string>('executablePath', '').trim();
  if (configured) {
    const usable = path.isAbsolute(configured) && (await isExecutableFile(configured));
    return {
      executable: usable ? executableAt(configured, 'setting') : undefined,
      pythonExtension: vscode.extensions.getExtension(PYTHON_EXTENSION_ID) !== undefined,
      selectedEnvironment: usable ? undefined : `mlflow.executablePath (${configured}: not an executable file)`,
    };
  }
  const extension = vscode.extensions.getExtension<PythonExtensionApi>(PYTHON_EXTENSION_ID);
  let selectedEnvironment: string | undefined;
  let interpreterOfSelected: string | undefined;
  if (extension) {
    try {
      const fromEnvironment = await mlflowOfSelectedEnvironment(extension, resource);
      selectedEnvironment = fromEnvironment.environment;
      interpreterOfSelected = fromEnvironment.interpreter;
      if (fromEnvironment.mlflow) {
        return {
          executable: executableAt(fromEnvironment.mlflow, 'python-environment', fromEnvironment.sysPrefix),
          pythonExtension: true,
          selectedEnvironment,
          interpreter: fromEnvironment.interpreter,
        };
      }
    } catch {
      // A Python extension that fails to activate must not keep a PATH install from working.
    }
  }
  const onPath = await findOnPath('mlflow');
  return {
    executable: onPath ? executableAt(onPath, 'path') : undefined,
    pythonExtension: extension !== undefined,
    selectedEnvironment,
    interpreter: interpreterOfSelected,
  };
}

function executableAt(file: string, source: MlflowExecutable['source'], sysPrefix?: string): MlflowExecutable {
  // A link (~/bin/mlflow → /w/.venv/bin/mlflow) belongs to the environment it points into.
  let real = file;
  try {
    real = realpathSync(file);
  } catch {
    // Unreadable link: judged by where it is.
  }
  return { path: file, source, environment: environmentOfMlflow(real, { platform: process.platform, exists: existsSync }, sysPrefix) };
}

async function mlflowOfSelectedEnvironment(
  extension: vscode.Extension<PythonExtensionApi>,
  resource: vscode.Uri | undefined,
): Promise<{ environment?: string; mlflow?: string; interpreter?: string; sysPrefix?: string }> {
  const api = extension.isActive ? extension.exports : await extension.activate();
  await api.ready;
  const environments = api.environments;
  if (!environments) return {};
  const active = environments.getActiveEnvironmentPath(resource);
  const resolved = await environments.resolveEnvironment(active);
  const interpreter = resolved?.executable.uri?.fsPath ?? active.path;
  const environment = resolved?.environment?.name ?? interpreter;
  const sysPrefix = resolved?.executable.sysPrefix;
  const found = { environment, interpreter: resolved?.executable.uri?.fsPath, sysPrefix };
  for (const candidate of mlflowCandidates(interpreter, sysPrefix, process.platform)) {
    if (await isExecutableFile(candidate)) return { ...found, mlflow: candidate };
  }
  return found;
}

/**
 * The first `name` on PATH, searched here rather than by a shell. On Windows only `.exe` counts:
 * Node refuses to spawn `.cmd`/`.bat` without a shell, and a shell is never used.
 */
export async function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  for (const candidate of pathCandidates(name, env.PATH ?? env.Path ?? '', process.platform)) {
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** A file this process may execute (on Windows, any file: there is no execute bit). */
export async function isExecutableFile(file: string): Promise<boolean> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return false;
    if (process.platform !== 'win32') await fs.access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}
