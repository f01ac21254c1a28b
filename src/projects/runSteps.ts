/**
 * The order of questions "Run MLproject…" asks, and the walk through them with Back and Escape. Kept
 * apart from the quick input widgets so the navigation rules are plain unit-tested code.
 */
import type { EntryPoint, ParameterSpec } from '../mlproject/types';

export type RunStep =
  | { kind: 'project' }
  | { kind: 'entryPoint' }
  | { kind: 'parameter'; parameter: ParameterSpec }
  | { kind: 'experiment' }
  | { kind: 'runName' }
  | { kind: 'envManager' };

export interface StepPlanInput {
  /** More than one MLproject in the workspace and none chosen yet (a CodeLens already names one). */
  chooseProject: boolean;
  /** False when the entry point was given (a CodeLens sits above one). */
  chooseEntryPoint: boolean;
  /** The chosen entry point, once known: its parameters become one step each. */
  entryPoint?: EntryPoint;
}

export function planRunSteps(input: StepPlanInput): RunStep[] {
  const steps: RunStep[] = [];
  if (input.chooseProject) steps.push({ kind: 'project' });
  if (input.chooseEntryPoint) steps.push({ kind: 'entryPoint' });
  for (const parameter of input.entryPoint?.parameters ?? []) steps.push({ kind: 'parameter', parameter });
  steps.push({ kind: 'experiment' }, { kind: 'runName' }, { kind: 'envManager' });
  return steps;
}

export type StepOutcome = 'next' | 'back' | 'cancel';

/**
 * Runs the steps `plan()` returns, re-planning after each one (choosing an entry point changes the
 * parameter steps). Back from the first step stays there, as the quick input shows no Back button
 * on it. Resolves true when the last step was completed, false on cancel.
 */
export async function walkSteps(
  plan: () => readonly RunStep[],
  run: (step: RunStep, index: number, total: number) => Promise<StepOutcome>,
): Promise<boolean> {
  let index = 0;
  for (;;) {
    const steps = plan();
    if (index >= steps.length) return true;
    const outcome = await run(steps[index], index, steps.length);
    if (outcome === 'cancel') return false;
    index = outcome === 'back' ? Math.max(0, index - 1) : index + 1;
  }
}

/** The prompt of a parameter's input box, e.g. `alpha (float, default 0.5)`. */
export function parameterPrompt(parameter: ParameterSpec): string {
  const what = parameter.default === undefined ? 'required' : `default ${parameter.default === '' ? "''" : parameter.default}`;
  return `${parameter.name} (${parameter.type}, ${what})`;
}
