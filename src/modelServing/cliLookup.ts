import * as vscode from 'vscode';
import { parseMlflowVersion, serveEnvManagers, type EnvManager } from '../mlproject/mlflowCli';
import { mlflowVersion } from '../vscode/mlflowVersion';
import { findMlflow } from '../vscode/python';

/** The installed `mlflow` as the launcher needs it: where it is, and what its version accepts. */
export interface MlflowCli {
  readonly executable: string;
  /** As `mlflow --version` printed it; buildServeArgv reads the version from it. */
  readonly versionLine: string;
  readonly version: string;
  readonly envManagers: readonly EnvManager[];
}

export type CliLookup = { ok: true; cli: MlflowCli } | { ok: false; message: string };

/**
 * Finds `mlflow` (setting, selected Python environment, PATH) and runs `--version`, which also proves it
 * starts. Asked again for every panel and launch rather than cached: the user may switch interpreters
 * or install MLflow in between, and the answer decides which options are valid.
 */
export async function lookUpMlflow(signal: AbortSignal): Promise<CliLookup> {
  const lookup = await findMlflow(vscode.workspace.workspaceFolders?.[0]?.uri);
  if (!lookup.executable) {
    const where = lookup.selectedEnvironment
      ? `MLflow was not found in ${lookup.selectedEnvironment}, and there is no \`mlflow\` on PATH.`
      : 'No `mlflow` executable was found on PATH.';
    const next = lookup.pythonExtension ? 'Select a Python interpreter with MLflow installed' : 'Install MLflow (`python -m pip install mlflow`)';
    return { ok: false, message: `${where} ${next}, or set mlflow.executablePath.` };
  }
  const executable = lookup.executable.path;
  try {
    const versionLine = await mlflowVersion(executable, signal);
    const version = parseMlflowVersion(versionLine);
    return { ok: true, cli: { executable, versionLine, version: version.raw, envManagers: serveEnvManagers(version) } };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}
