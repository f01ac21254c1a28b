/**
 * What one `mlflow run` launch is, independent of how it was asked for (the quick input, a CodeLens,
 * "Run Again", a tasks.json entry). Pure: no `vscode` import, so the unit tests cover it directly.
 */
import * as path from 'node:path';
import type { EnvManager } from '../mlproject/mlflowCli';
import type { EntryPoint, MlProject, ProjectEnvironment } from '../mlproject/types';

export interface LaunchSpec {
  /** Absolute directory of the MLproject; also the process's working directory (relative `path` values resolve there). */
  projectDir: string;
  /** The MLproject's `name`, else its folder's name: what the terminal is named after. */
  projectLabel: string;
  entryPoint: string;
  /** Only the values to pass as `-P`: declared parameters left out keep the MLproject's defaults. */
  params: Record<string, string>;
  experimentName?: string;
  runName?: string;
  envManager: EnvManager;
}

const ENV_MANAGERS: readonly EnvManager[] = ['local', 'virtualenv', 'conda', 'uv'];

export function isEnvManager(value: unknown): value is EnvManager {
  return typeof value === 'string' && (ENV_MANAGERS as readonly string[]).includes(value);
}

/**
 * What `mlflow run` picks when `--env-manager` is left out (its help: "if MLproject.yaml contains a
 * python_env key, virtualenv is used"). We always pass the option, so it must match that default.
 * Docker projects ignore it; `local` keeps MLflow from trying to build anything else.
 */
export function defaultEnvManager(environment: ProjectEnvironment): EnvManager {
  switch (environment.kind) {
    case 'conda_env':
      return 'conda';
    case 'docker_env':
      return 'local';
    case 'python_env':
    case 'none':
      return 'virtualenv';
  }
}

export function projectLabel(project: MlProject, projectDir: string): string {
  return project.name?.trim() || path.basename(projectDir);
}

export function terminalName(spec: Pick<LaunchSpec, 'projectLabel' | 'entryPoint'>): string {
  return `MLflow run: ${spec.projectLabel}/${spec.entryPoint}`;
}

/**
 * The entered values MLflow needs to be told: those that differ from the declared default, parameters
 * without a default, and undeclared ones (MLflow appends those as `--name value`).
 */
export function paramsToPass(entryPoint: EntryPoint, values: Readonly<Record<string, string>>): Record<string, string> {
  const declared = new Map(entryPoint.parameters.map((parameter) => [parameter.name, parameter]));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    const parameter = declared.get(name);
    if (parameter && parameter.default !== undefined && parameter.default === value) continue;
    out[name] = value;
  }
  return out;
}

/** A POSIX-shell rendering of an argv for display only (the process is never started through a shell). */
export function displayCommand(executable: string, argv: readonly string[]): string {
  return [executable, ...argv].map(displayArg).join(' ');
}

function displayArg(arg: string): string {
  if (/^[\w@%+=:,./-]+$/.test(arg)) return arg;
  // Control characters (a newline in a value) would break the displayed line: bash's $'…' shows them escaped.
  if (/[\u0000-\u001f\u007f]/.test(arg)) return `$'${arg.replace(/[\\'\u0000-\u001f\u007f]/g, controlEscape)}'`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

function controlEscape(char: string): string {
  switch (char) {
    case '\\':
      return '\\\\';
    case "'":
      return "\\'";
    case '\n':
      return '\\n';
    case '\t':
      return '\\t';
    case '\r':
      return '\\r';
    default:
      return `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
  }
}
