import { execFile } from 'node:child_process';
import type { MlflowEnvironment } from '../environment/core/childEnv';
import { mlflowChildEnv } from '../environment/mlflowChildEnv';

/** A cold Python import of MLflow can take many seconds on a slow disk; this bounds a hung interpreter. */
const VERSION_TIMEOUT_MS = 60_000;

/**
 * `mlflow --version` (`mlflow, version 2.17.2`), run without a shell. Doubles as a check that the
 * executable found actually runs before a server is started with it.
 */
export function mlflowVersion(executable: string, signal: AbortSignal, environment?: MlflowEnvironment): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      executable,
      ['--version'],
      { timeout: VERSION_TIMEOUT_MS, signal, windowsHide: true, env: mlflowChildEnv(environment) },
      (error, stdout, stderr) => {
        if (error) {
          const detail = `${stderr}`.trim().split(/\r?\n/).slice(-3).join(' | ');
          reject(new Error(`\`${executable} --version\` failed (${error.message.split('\n')[0]})${detail ? `: ${detail}` : ''}`));
          return;
        }
        resolve(`${stdout}`.trim());
      },
    );
  });
}
