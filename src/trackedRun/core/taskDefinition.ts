/**
 * The `mlflow-python` task type: a tasks.json entry that runs a Python file with tracking, the same
 * process as "MLflow: Run Python File with Tracking" (argv, environment, run discovery). Pure.
 */
import * as path from 'node:path';
import type { ExperimentTarget } from './scriptLaunch';

export const PYTHON_TASK_TYPE = 'mlflow-python';

/** Mirrors the `taskDefinitions` entry in package.json. */
export interface PythonTaskDefinition {
  type: typeof PYTHON_TASK_TYPE;
  /** The script, relative to the task's workspace folder or absolute. */
  file: string;
  /** One argv element each: no shell splits or expands them. */
  args?: string[];
  /** An experiment name (created by MLflow if missing); omitted: MLflow's default experiment. */
  experiment?: string;
  /** VS Code adds its own keys (e.g. `id`); they are kept, not checked. */
  [key: string]: unknown;
}

export type PlannedTask = { ok: true; script: string; args: string[]; experiment?: ExperimentTarget } | { ok: false; message: string };

/** The launch a definition stands for, or why it cannot run. */
export function planPythonTask(definition: Readonly<Record<string, unknown>>, workspaceFolder: string | undefined): PlannedTask {
  if (definition.type !== PYTHON_TASK_TYPE) return { ok: false, message: `Not an ${PYTHON_TASK_TYPE} task.` };
  const file = definition.file;
  if (typeof file !== 'string' || file.trim() === '') return { ok: false, message: 'The task needs "file": the Python script to run, e.g. "train.py".' };
  const args = definition.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string' || typeof a === 'number')) {
    return { ok: false, message: '"args" must be a list of strings, e.g. ["--epochs", "5"].' };
  }
  const experiment = definition.experiment;
  if (experiment !== undefined && (typeof experiment !== 'string' || experiment.trim() === '')) return { ok: false, message: '"experiment" must be an experiment name.' };
  let script: string;
  if (path.isAbsolute(file)) script = path.normalize(file);
  else if (workspaceFolder !== undefined) script = path.resolve(workspaceFolder, file);
  else return { ok: false, message: `The task's file '${file}' is relative, but there is no workspace folder.` };
  return {
    ok: true,
    script,
    args: args.map(String),
    ...(typeof experiment === 'string' ? { experiment: { kind: 'name', name: experiment } as const } : {}),
  };
}

/** What a task for a script looks like (provided for the active .py file). */
export function pythonTaskDefinition(script: string, workspaceFolder: string | undefined, args: readonly string[], experimentName?: string): PythonTaskDefinition {
  const relative = workspaceFolder === undefined ? undefined : path.relative(workspaceFolder, script);
  const file = relative === undefined || relative.startsWith('..') || path.isAbsolute(relative) ? script : relative.split(path.sep).join('/');
  return { type: PYTHON_TASK_TYPE, file, ...(args.length ? { args: [...args] } : {}), ...(experimentName ? { experiment: experimentName } : {}) };
}
