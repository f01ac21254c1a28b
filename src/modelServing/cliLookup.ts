import * as vscode from 'vscode';
import { parseMlflowVersion, serveEnvManagers, type EnvManager } from '../mlproject/mlflowCli';
import { mlflowVersion } from '../vscode/mlflowVersion';
import type { MlflowEnvironment } from '../environment/core/childEnv';
import { findMlflow, type MlflowLookup } from '../vscode/python';
import { notInstalledMessage, pythonFor } from '../environment/installMlflow';

/** The installed `mlflow` as the launcher needs it: where it is, and what its version accepts. */
export interface MlflowCli {
  readonly executable: string;
  /** As `mlflow --version` printed it; buildServeArgv reads the version from it. */
  readonly versionLine: string;
  readonly version: string;
  readonly envManagers: readonly EnvManager[];
  /** The Python environment `executable` belongs to; the server's PATH starts with its scripts folder. */
  readonly environment: MlflowEnvironment;
}

/** `notInstalled` when no `mlflow` was found at all (then installing it is the way out). */
export type CliLookup = { ok: true; cli: MlflowCli } | { ok: false; message: string; notInstalled?: MlflowLookup };

/**
 * Finds `mlflow` (setting, selected Python environment, PATH) and runs `--version`, which also proves it
 * starts. Asked again for every panel and launch rather than cached: the user may switch interpreters
 * or install MLflow in between, and the answer decides which options are valid.
 */
export async function lookUpMlflow(signal: AbortSignal): Promise<CliLookup> {
  const lookup = await findMlflow(vscode.workspace.workspaceFolders?.[0]?.uri);
  if (!lookup.executable) {
    if (lookup.selectedEnvironment?.startsWith('mlflow.executablePath')) {
      return { ok: false, message: `${lookup.selectedEnvironment} is not usable. Set mlflow.executablePath to an mlflow executable, or clear it.` };
    }
    return { ok: false, message: notInstalledMessage("Can't serve the model", await pythonFor(lookup)), notInstalled: lookup };
  }
  const { path: executable, environment } = lookup.executable;
  try {
    const versionLine = await mlflowVersion(executable, signal, environment);
    const version = parseMlflowVersion(versionLine);
    return { ok: true, cli: { executable, versionLine, version: version.raw, envManagers: serveEnvManagers(version), environment } };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}
