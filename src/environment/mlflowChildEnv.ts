import { buildChildEnv, type MlflowEnvironment } from './core/childEnv';

/**
 * The one place every `mlflow` child's environment comes from (runs, tasks, model servers, the tracking
 * server, `--version`): this extension host's variables, with the executable's Python environment
 * activated, the connection's tracking variables and MLFLOW_ALLOW_FILE_STORE for file stores.
 * Read at spawn time, so a variable changed meanwhile is seen.
 */
export function mlflowChildEnv(
  environment: MlflowEnvironment | undefined,
  options: { connection?: Readonly<Record<string, string>>; fileStore?: boolean } = {},
): Record<string, string> {
  return buildChildEnv({ base: process.env, platform: process.platform, environment, ...options });
}
