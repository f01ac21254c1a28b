/**
 * The debug configuration of "Debug Python File with Tracking": the Python extension's debugger
 * (`debugpy`) launching the same script, arguments and interpreter with the same tracking variables as
 * "Run with Tracking". Pure, so the configuration is unit-tested.
 */
import type { ScriptLaunch } from './scriptLaunch';

/** The debugger type contributed by the Python Debugger extension (ms-python.debugpy). */
export const DEBUGPY_TYPE = 'debugpy';

/** The subset of VS Code's DebugConfiguration written here. */
export interface DebugpyLaunchConfiguration {
  readonly type: typeof DEBUGPY_TYPE;
  readonly request: 'launch';
  readonly name: string;
  readonly program: string;
  readonly args: string[];
  readonly cwd: string;
  readonly python: string;
  readonly env: Record<string, string>;
  readonly console: 'integratedTerminal';
  readonly justMyCode: boolean;
  readonly [key: string]: unknown;
}

/**
 * Credentials MLflow would read from the debuggee's inherited environment. debugpy's `env` adds to what
 * the debuggee inherits and cannot remove a variable, so those the launch does not set are set empty,
 * which MLflow treats as unset (a token meant for another server must not travel along).
 */
const INHERITED_SECRETS = ['MLFLOW_TRACKING_USERNAME', 'MLFLOW_TRACKING_PASSWORD', 'MLFLOW_TRACKING_TOKEN', 'MLFLOW_RUN_ID'];

export function debugConfiguration(launch: ScriptLaunch, name: string, inherited: Readonly<Record<string, string | undefined>>): DebugpyLaunchConfiguration {
  const env: Record<string, string> = {};
  for (const secret of INHERITED_SECRETS) if (inherited[secret] !== undefined && launch.overlay[secret] === undefined) env[secret] = '';
  Object.assign(env, launch.overlay);
  return {
    type: DEBUGPY_TYPE,
    request: 'launch',
    name,
    program: launch.argv[0] ?? '',
    args: launch.argv.slice(1),
    cwd: launch.cwd,
    python: launch.executable,
    env,
    console: 'integratedTerminal',
    // The user debugs their script; stepping into MLflow's client is rarely what they want.
    justMyCode: true,
  };
}
