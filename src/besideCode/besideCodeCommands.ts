import * as vscode from 'vscode';

/** The commands of the runs beside the code (lens actions and hover links). */
export const BesideCodeCommand = {
  showRuns: 'mlflow.besideCode.showRuns',
  chartRuns: 'mlflow.besideCode.chartRuns',
  compareLastTwo: 'mlflow.besideCode.compareLastTwo',
  chartMetric: 'mlflow.besideCode.chartMetric',
} as const;

/** The `mlflow.besideCode.enabled` setting. */
export function besideCodeEnabled(): boolean {
  return vscode.workspace.getConfiguration('mlflow').get<boolean>('besideCode.enabled', true);
}
