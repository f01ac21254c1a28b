/**
 * The `mlflow` task type: a tasks.json entry (or a provided task) that runs one entry point of one
 * MLproject, so a run can be bound to a key or chained with other tasks. Pure, like launchSpec.ts.
 */
import * as path from 'node:path';
import { resolveEntryPoint } from '../mlproject/entryPoints';
import { validateRunValues } from '../mlproject/paramValues';
import type { MlProject } from '../mlproject/types';
import { defaultEnvManager, isEnvManager, paramsToPass, projectLabel, type LaunchSpec } from './launchSpec';

export const MLFLOW_TASK_TYPE = 'mlflow';

/** Mirrors the `taskDefinitions` entry in package.json. */
export interface MlflowTaskDefinition {
  type: typeof MLFLOW_TASK_TYPE;
  /** The project's folder, relative to the task's workspace folder (`.` for the folder itself), or absolute. */
  project: string;
  entryPoint: string;
  parameters?: Record<string, string>;
  experimentName?: string;
  envManager?: string;
  /** VS Code adds its own keys (e.g. `id`) to definitions; they are kept, not checked. */
  [key: string]: unknown;
}

/** Why `value` is not a usable definition, or undefined when it is. */
export function checkTaskDefinition(value: Readonly<Record<string, unknown>>): string | undefined {
  if (value.type !== MLFLOW_TASK_TYPE) return `Not an ${MLFLOW_TASK_TYPE} task.`;
  if (typeof value.project !== 'string' || value.project.trim() === '') return 'The task needs "project": the folder of the MLproject.';
  if (typeof value.entryPoint !== 'string' || value.entryPoint === '') return 'The task needs "entryPoint" (e.g. "main").';
  const parameters = value.parameters;
  if (parameters !== undefined) {
    if (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters)) {
      return '"parameters" must be an object of strings, e.g. {"alpha": "0.5"}.';
    }
    for (const [name, parameter] of Object.entries(parameters)) {
      // Numbers are common in hand-written tasks.json; MLflow receives text either way.
      if (typeof parameter !== 'string' && typeof parameter !== 'number') return `Parameter "${name}" must be a string.`;
    }
  }
  if (value.experimentName !== undefined && typeof value.experimentName !== 'string') return '"experimentName" must be a string.';
  if (value.envManager !== undefined && !isEnvManager(value.envManager)) {
    return `"envManager" must be one of local, virtualenv, conda, uv (not ${JSON.stringify(value.envManager)}).`;
  }
  return undefined;
}

/** The project directory a definition names, resolved against its workspace folder. */
export function taskProjectDir(definition: Pick<MlflowTaskDefinition, 'project'>, workspaceFolder: string | undefined): string | undefined {
  if (path.isAbsolute(definition.project)) return path.normalize(definition.project);
  return workspaceFolder === undefined ? undefined : path.resolve(workspaceFolder, definition.project);
}

/** What provideTasks lists: one task per entry point, with the defaults (no parameters given). */
export function taskDefinitionFor(projectDir: string, workspaceFolder: string, entryPoint: string): MlflowTaskDefinition {
  const relative = path.relative(workspaceFolder, projectDir);
  const project = relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? projectDir : relative.split(path.sep).join('/');
  return { type: MLFLOW_TASK_TYPE, project, entryPoint };
}

export type TaskLaunch = { ok: true; spec: LaunchSpec } | { ok: false; message: string };

/**
 * The launch a definition stands for, checked against the MLproject as it is now: the entry point
 * must exist and every value must fit its declared type (MLflow itself would only find out after
 * building the environment).
 */
export function launchSpecFromTask(definition: MlflowTaskDefinition, projectDir: string, project: MlProject): TaskLaunch {
  const problem = checkTaskDefinition(definition);
  if (problem) return { ok: false, message: problem };
  const entryPoint = resolveEntryPoint(project, definition.entryPoint);
  if (!entryPoint) {
    const names = project.entryPoints.map((e) => e.name).join(', ') || 'none';
    return { ok: false, message: `The MLproject in ${projectDir} has no entry point '${definition.entryPoint}' (declared: ${names}), and it is not a .py or .sh file.` };
  }
  const values = Object.fromEntries(Object.entries(definition.parameters ?? {}).map(([name, value]) => [name, String(value)]));
  const problems = validateRunValues(entryPoint, values);
  if (problems.length) return { ok: false, message: problems.map((p) => p.message).join(' ') };
  const spec: LaunchSpec = {
    projectDir,
    projectLabel: projectLabel(project, projectDir),
    entryPoint: entryPoint.name,
    params: paramsToPass(entryPoint, values),
    envManager: isEnvManager(definition.envManager) ? definition.envManager : defaultEnvManager(project.environment),
  };
  if (definition.experimentName) spec.experimentName = definition.experimentName;
  return { ok: true, spec };
}
