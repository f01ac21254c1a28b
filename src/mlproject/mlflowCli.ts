/**
 * What the installed `mlflow` CLI accepts, by version. The argv builders in this folder and in
 * `src/serving/` ask here instead of comparing version strings themselves, so a capability that moves
 * between releases is changed in one place.
 *
 * Ground truth is the captured `--help` output of 2.17.2 and of a 3.11 build (test/fixtures/cli/);
 * the release a capability first appeared in comes from the MLflow pull request named next to it.
 */
import { MlflowError } from '../mlflow/errors';

export interface MlflowCliVersion {
  major: number;
  minor: number;
  patch: number;
  /** As printed, e.g. `3.11.2.dev0`. */
  raw: string;
}

export type EnvManager = 'local' | 'virtualenv' | 'conda' | 'uv';

const VERSION_PATTERN = /(\d+)\.(\d+)(?:\.(\d+))?([0-9A-Za-z.+-]*)/;

/**
 * Accepts a bare version (`2.17.2`) or the whole `mlflow --version` line, which differs with how MLflow
 * was launched (`mlflow, version 3.11.2.dev0`, `python -m mlflow, version 2.17.2`).
 */
export function parseMlflowVersion(text: string): MlflowCliVersion {
  const afterLabel = /version\s+(\S+)/.exec(text)?.[1] ?? text.trim();
  const match = VERSION_PATTERN.exec(afterLabel);
  if (!match) {
    throw new MlflowError(`Cannot read an MLflow version from '${text.trim()}'.`, 'INVALID_PARAMETER_VALUE');
  }
  return {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3] ?? 0),
    raw: match[0],
  };
}

export function isAtLeast(version: MlflowCliVersion, major: number, minor: number, patch = 0): boolean {
  if (version.major !== major) return version.major > major;
  if (version.minor !== minor) return version.minor > minor;
  return version.patch >= patch;
}

/**
 * `mlflow run --env-manager`: uv arrived for projects with mlflow/mlflow#16274 (June 2025, first in 3.2),
 * later than for models; 2.17.2's help lists local, virtualenv, conda only.
 */
export function runEnvManagers(version: MlflowCliVersion): readonly EnvManager[] {
  return isAtLeast(version, 3, 2) ? ['local', 'virtualenv', 'uv', 'conda'] : ['local', 'virtualenv', 'conda'];
}

/** `mlflow models serve --env-manager`: MLflow documents uv for models "starting from MLflow 2.20.0". */
export function serveEnvManagers(version: MlflowCliVersion): readonly EnvManager[] {
  return isAtLeast(version, 2, 20) ? ['local', 'virtualenv', 'uv', 'conda'] : ['local', 'virtualenv', 'conda'];
}

/** `models:/m-…` URIs name an MLflow 3 LoggedModel; 2.x would read `m-…` as a registered model name. */
export function supportsLoggedModelUris(version: MlflowCliVersion): boolean {
  return version.major >= 3;
}

/**
 * `mlflow server --allowed-hosts / --cors-allowed-origins` came with the security middleware
 * (mlflow/mlflow#17910, first in 3.5). Older servers have no middleware and accept every origin.
 */
export function supportsServerSecurityOptions(version: MlflowCliVersion): boolean {
  return isAtLeast(version, 3, 5);
}

/**
 * A NUL byte cannot travel in an argv element (spawn throws); everything else, including shell
 * metacharacters and newlines, reaches MLflow verbatim because no shell is involved.
 */
export function assertArgvSafe(label: string, value: string): void {
  if (value.includes('\0')) {
    throw new MlflowError(`${label} contains a NUL character, which cannot be passed to a process.`, 'INVALID_PARAMETER_VALUE');
  }
}

export function assertEnvManager(
  command: string,
  envManager: EnvManager,
  allowed: readonly EnvManager[],
  version: MlflowCliVersion,
): void {
  if (!allowed.includes(envManager)) {
    throw new MlflowError(
      `MLflow ${version.raw} does not support '--env-manager ${envManager}' for \`${command}\`; ` +
        `use one of ${allowed.join(', ')}, or upgrade MLflow.`,
      'NOT_SUPPORTED',
    );
  }
}
