/**
 * What the user chose for a script (its arguments, its experiment), remembered per file in
 * workspaceState so they are asked once, and the last launch ("MLflow: Run Again"). Pure over a
 * Memento-shaped store.
 */
import type { ExperimentTarget } from './scriptLaunch';

/** The subset of `vscode.Memento` used here, so tests pass a Map-backed one. */
export interface StateStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

export interface ScriptChoices {
  readonly args: readonly string[];
  readonly experiment: ExperimentTarget;
}

/** A launch as "Run Again" repeats it. */
export interface ScriptLaunchSpec {
  /** Absolute path of the script. */
  readonly script: string;
  readonly mode: 'run' | 'debug';
  readonly args: readonly string[];
  /** Undefined (a task without one): MLflow's own default (MLFLOW_EXPERIMENT_NAME/_ID if set, else Default). */
  readonly experiment?: ExperimentTarget;
}

const CHOICES_KEY = 'mlflow.trackedRun.choices';
const LAST_KEY = 'mlflow.trackedRun.last';
/** workspaceState lives in a database per workspace; the oldest files beyond this are forgotten. */
const MAX_FILES = 100;

type ChoicesMap = Record<string, ScriptChoices & { at: number }>;

export class RememberedScripts {
  constructor(private readonly state: StateStore) {}

  get(script: string): ScriptChoices | undefined {
    const entry = this.all()[script];
    return entry ? parseChoices(entry as unknown as Record<string, unknown>) : undefined;
  }

  /** Remembers the launch as the one to run again, and its choices for its file (when it has an experiment). */
  async remember(spec: ScriptLaunchSpec, now = Date.now()): Promise<void> {
    if (spec.experiment) {
      const all = this.all();
      all[spec.script] = { args: [...spec.args], experiment: spec.experiment, at: now };
      const kept = Object.entries(all).sort(([, a], [, b]) => b.at - a.at).slice(0, MAX_FILES);
      await this.state.update(CHOICES_KEY, Object.fromEntries(kept));
    }
    await this.state.update(LAST_KEY, { script: spec.script, mode: spec.mode, args: [...spec.args], ...(spec.experiment ? { experiment: spec.experiment } : {}) });
  }

  /** Forgets a file's arguments and experiment, so the next launch asks again. */
  async forget(script: string): Promise<void> {
    const all = this.all();
    delete all[script];
    await this.state.update(CHOICES_KEY, all);
  }

  last(): ScriptLaunchSpec | undefined {
    const raw = this.state.get<Record<string, unknown>>(LAST_KEY);
    if (!raw || typeof raw.script !== 'string' || (raw.mode !== 'run' && raw.mode !== 'debug')) return undefined;
    const args = raw.args;
    if (!Array.isArray(args) || !args.every((a): a is string => typeof a === 'string')) return undefined;
    const experiment = parseExperiment(raw.experiment);
    return { script: raw.script, mode: raw.mode, args, ...(experiment ? { experiment } : {}) };
  }

  private all(): ChoicesMap {
    const stored = this.state.get<ChoicesMap>(CHOICES_KEY);
    return stored && typeof stored === 'object' ? { ...stored } : {};
  }
}

/** Stored values are checked: workspaceState may hold what an older version wrote. */
export function parseChoices(raw: Readonly<Record<string, unknown>>): ScriptChoices | undefined {
  const args = raw.args;
  if (!Array.isArray(args) || !args.every((a): a is string => typeof a === 'string')) return undefined;
  const experiment = parseExperiment(raw.experiment);
  return experiment ? { args, experiment } : undefined;
}

export function parseExperiment(value: unknown): ExperimentTarget | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const e = value as Record<string, unknown>;
  if (e.kind === 'id' && typeof e.experimentId === 'string' && e.experimentId !== '') {
    return typeof e.name === 'string' ? { kind: 'id', experimentId: e.experimentId, name: e.name } : { kind: 'id', experimentId: e.experimentId };
  }
  if (e.kind === 'name' && typeof e.name === 'string' && e.name.trim() !== '') return { kind: 'name', name: e.name };
  return undefined;
}
