/**
 * The argv for `mlflow run`. It is always an array handed to `spawn` without a shell, so a value such as
 * `; rm -rf ~` or `$(id)` reaches MLflow as data. (MLflow later shell-quotes it into the entry point's
 * command itself.)
 */
import { MlflowError } from '../mlflow/errors';
import { assertArgvSafe, assertEnvManager, parseMlflowVersion, runEnvManagers, type EnvManager } from './mlflowCli';
import { checkParamName } from './paramValues';

export interface MlflowRunOptions {
  /** A local project directory (absolute, as the extension always has one). */
  projectDir: string;
  entryPoint: string;
  /** Values to pass as `-P name=value`, in this order; declared parameters left out use their defaults. */
  params: Readonly<Record<string, string>>;
  experimentName?: string;
  experimentId?: string;
  runName?: string;
  envManager: EnvManager;
  /** The installed MLflow: a version (`2.17.2`) or the `mlflow --version` line. */
  version: string;
}

export function buildMlflowRunArgv(options: MlflowRunOptions): string[] {
  const version = parseMlflowVersion(options.version);
  assertArgvSafe('The project directory', options.projectDir);
  if (options.projectDir === '' || options.projectDir.startsWith('-')) {
    // Click would read a leading dash as an option, not as the project URI.
    throw new MlflowError(`'${options.projectDir}' is not a project directory.`, 'INVALID_PARAMETER_VALUE');
  }
  if (options.entryPoint === '') throw new MlflowError('The entry point name is empty.', 'INVALID_PARAMETER_VALUE');
  assertArgvSafe('The entry point', options.entryPoint);
  if (options.experimentName !== undefined && options.experimentId !== undefined) {
    // MLflow: "Specify only one of 'experiment_name' or 'experiment_id'."
    throw new MlflowError('Give an experiment name or an experiment id, not both.', 'INVALID_PARAMETER_VALUE');
  }
  assertEnvManager('mlflow run', options.envManager, runEnvManagers(version), version);

  const argv = ['run', options.projectDir, '-e', options.entryPoint];
  for (const [name, value] of Object.entries(options.params)) {
    const problem = checkParamName(name);
    if (problem) throw new MlflowError(problem, 'INVALID_PARAMETER_VALUE');
    assertArgvSafe(`The value of '${name}'`, value);
    argv.push('-P', `${name}=${value}`);
  }
  if (options.experimentName !== undefined) {
    assertArgvSafe('The experiment name', options.experimentName);
    argv.push('--experiment-name', options.experimentName);
  }
  if (options.experimentId !== undefined) {
    assertArgvSafe('The experiment id', options.experimentId);
    argv.push('--experiment-id', options.experimentId);
  }
  if (options.runName !== undefined) {
    assertArgvSafe('The run name', options.runName);
    argv.push('--run-name', options.runName);
  }
  argv.push('--env-manager', options.envManager);
  return argv;
}
