/**
 * `mlflow run -e NAME` looks NAME up among the declared entry points and otherwise runs a file of that
 * name by its extension (`Project.get_entry_point`). The extension offers both, so it resolves the same way.
 */
import { shlexQuote } from './pythonValues';
import type { EntryPoint, MlProject } from './types';

/** MLflow's default entry point name (`-e` defaults to `main`). */
export const DEFAULT_ENTRY_POINT = 'main';

/**
 * The entry point MLflow would run for `name`, or undefined when MLflow would fail with "Could not find
 * NAME among entry points". `shell` stands in for `$SHELL`, which MLflow uses for `.sh` files.
 */
export function resolveEntryPoint(project: MlProject, name: string, shell = 'bash'): EntryPoint | undefined {
  const declared = project.entryPoints.find((entryPoint) => entryPoint.name === name);
  if (declared) return declared;
  return implicitEntryPoint(name, shell);
}

/** A script run without an MLproject entry; every `-P` value reaches it as `--name value`. */
export function implicitEntryPoint(file: string, shell = 'bash'): EntryPoint | undefined {
  const extension = /\.[^./\\]*$/.exec(file)?.[0];
  let command: string;
  if (extension === '.py') command = `python ${shlexQuote(file)}`;
  else if (extension === '.sh') command = `${shell} ${shlexQuote(file)}`;
  else if (extension === '.R') command = `Rscript -e "mlflow::mlflow_source('${shlexQuote(file)}')" --args`;
  else return undefined;
  return { name: file, command, parameters: [], implicit: true };
}

/** Whether a workspace file can be run as an implicit entry point (what "Run as MLflow project" offers). */
export function isRunnableScript(file: string): boolean {
  return implicitEntryPoint(file) !== undefined;
}
