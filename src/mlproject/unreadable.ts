import type { Diagnostic, DiagnosticCode, ParseResult } from './types';

/**
 * Problems that stop MLflow from loading an MLproject at all (`load_project` raises before any entry
 * point is looked at): not YAML, not a mapping, `entry_points` not a mapping. With one of these there
 * is no entry point to offer, and running a script of the project fails the same way, so Run MLproject
 * says why instead of offering an empty list.
 */
const UNREADABLE: readonly DiagnosticCode[] = ['yaml-syntax', 'not-a-mapping', 'entry-points-not-mapping'];

/** The first problem that makes the MLproject unreadable for MLflow, or undefined. */
export function unreadableReason(result: ParseResult): Diagnostic | undefined {
  return result.diagnostics.find((d) => d.severity === 'error' && UNREADABLE.includes(d.code));
}

/** "line 6, column 14": where the problem starts, counted from 1 as editors show it. */
export function problemPosition(problem: Diagnostic): string {
  return `line ${problem.range.start.line + 1}, column ${problem.range.start.column + 1}`;
}

/** What the user is told; `label` names the project (its name, or its folder). */
export function unreadableMessage(label: string, problem: Diagnostic): string {
  return `Can't run ${label}: its MLproject cannot be read (${problemPosition(problem)}): ${problem.message}. \`mlflow run\` stops there too, so no entry point can run until it is fixed.`;
}
