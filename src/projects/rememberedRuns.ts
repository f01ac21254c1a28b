/**
 * What the user last entered for a project and entry point (prefilled next time), and the last launch
 * ("Run Again with Last Parameters"), kept in workspaceState. Pure over a Memento-shaped store.
 */
import type { EnvManager } from '../mlproject/mlflowCli';
import type { EntryPoint } from '../mlproject/types';
import { isEnvManager, type LaunchSpec } from './launchSpec';

/** The subset of `vscode.Memento` used here, so tests pass a Map-backed one. */
export interface StateStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void>;
}

export interface RememberedRun {
  /** Values that differed from the defaults (the rest follow the MLproject if its defaults change). */
  params: Record<string, string>;
  experimentName?: string;
  envManager?: EnvManager;
}

const VALUES_KEY = 'mlflow.projects.lastValues';
const LAST_LAUNCH_KEY = 'mlflow.projects.lastLaunch';
/** workspaceState lives in a database per workspace; old entries beyond this are dropped. */
const MAX_REMEMBERED = 50;

type RememberedMap = Record<string, RememberedRun & { at: number }>;

export class RememberedRuns {
  constructor(private readonly state: StateStore) {}

  get(projectDir: string, entryPoint: string): RememberedRun | undefined {
    const entry = this.all()[rememberKey(projectDir, entryPoint)];
    if (!entry || typeof entry.params !== 'object' || entry.params === null) return undefined;
    return {
      params: stringRecord(entry.params),
      ...(typeof entry.experimentName === 'string' ? { experimentName: entry.experimentName } : {}),
      ...(isEnvManager(entry.envManager) ? { envManager: entry.envManager } : {}),
    };
  }

  /** Remembers a launch's choices for its project and entry point, and as the one to run again. */
  async remember(spec: LaunchSpec, now = Date.now()): Promise<void> {
    const all = this.all();
    all[rememberKey(spec.projectDir, spec.entryPoint)] = {
      params: { ...spec.params },
      ...(spec.experimentName !== undefined ? { experimentName: spec.experimentName } : {}),
      envManager: spec.envManager,
      at: now,
    };
    const kept = Object.entries(all).sort(([, a], [, b]) => b.at - a.at).slice(0, MAX_REMEMBERED);
    await this.state.update(VALUES_KEY, Object.fromEntries(kept));
    await this.state.update(LAST_LAUNCH_KEY, spec);
  }

  lastLaunch(): LaunchSpec | undefined {
    const spec = this.state.get<Partial<LaunchSpec>>(LAST_LAUNCH_KEY);
    if (!spec || typeof spec.projectDir !== 'string' || typeof spec.entryPoint !== 'string' || !isEnvManager(spec.envManager)) return undefined;
    return {
      projectDir: spec.projectDir,
      projectLabel: typeof spec.projectLabel === 'string' ? spec.projectLabel : spec.projectDir,
      entryPoint: spec.entryPoint,
      params: stringRecord(spec.params),
      ...(typeof spec.experimentName === 'string' ? { experimentName: spec.experimentName } : {}),
      ...(typeof spec.runName === 'string' ? { runName: spec.runName } : {}),
      envManager: spec.envManager,
    };
  }

  private all(): RememberedMap {
    const stored = this.state.get<RememberedMap>(VALUES_KEY);
    return stored && typeof stored === 'object' ? { ...stored } : {};
  }
}

export function rememberKey(projectDir: string, entryPoint: string): string {
  return JSON.stringify([projectDir, entryPoint]);
}

/**
 * The values to prefill, one per declared parameter: the remembered one, else the MLproject's default,
 * else empty (a required parameter).
 */
export function initialValues(entryPoint: EntryPoint, remembered: RememberedRun | undefined): Record<string, string> {
  const values: Record<string, string> = {};
  for (const parameter of entryPoint.parameters) {
    const last = remembered && Object.hasOwn(remembered.params, parameter.name) ? remembered.params[parameter.name] : undefined;
    values[parameter.name] = last ?? parameter.default ?? '';
  }
  return values;
}

function stringRecord(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}
