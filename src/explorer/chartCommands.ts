import * as vscode from 'vscode';
import type { ChartsFeature } from '../charts/chartsFeature';
import { Disposer } from '../vscode/disposer';
import type { ExplorerNode } from './nodes';
import type { RunCommands } from './runCommands';
import { showInfo } from '../vscode/notify';

/** A target given by another feature rather than a tree node (e.g. "Open Charts" after Run MLproject). */
interface RunIdsTarget {
  runIds: string[];
}

/**
 * The Runs view's chart entries: "Chart Metrics" on runs (or a metric, which preselects it), "Chart
 * Runs" on an experiment, "Compare Runs" and "Diff Params" on a multi-selection.
 */
export class ChartCommands implements vscode.Disposable {
  private readonly disposer = new Disposer();

  constructor(deps: { charts: ChartsFeature; runCommands: RunCommands }) {
    const { charts, runCommands } = deps;
    const register = (id: string, handler: (node?: ExplorerNode | RunIdsTarget, selected?: readonly ExplorerNode[]) => unknown) =>
      this.disposer.track(vscode.commands.registerCommand(id, handler));
    const runIds = (node?: ExplorerNode | RunIdsTarget, selected?: readonly ExplorerNode[]): string[] =>
      node && 'runIds' in node ? node.runIds : runCommands.runsOf(node, selected).map((run) => run.info.runId);

    register('mlflow.openCharts', (node, selected) => {
      const ids = runIds(node, selected);
      if (!ids.length) return void showInfo('Select one or more runs in the Runs view to chart them.');
      const metricKeys = node && 'kind' in node && node.kind === 'value' && node.section === 'metrics' ? [node.key] : undefined;
      charts.openCharts({ runIds: ids }, { metricKeys });
    });
    register('mlflow.chartExperiment', (node) => {
      if (!node || !('kind' in node) || node.kind !== 'experiment') return;
      charts.openCharts({ runIds: [], experimentId: node.experiment.experimentId, title: `Charts: ${node.experiment.name}` });
    });
    register('mlflow.compareRuns', (node, selected) => {
      const ids = runIds(node, selected);
      if (ids.length < 2) return void showInfo('Select two or more runs (Ctrl/Cmd+click) to compare them.');
      charts.compareRuns(ids);
    });
    register('mlflow.diffParams', async (node, selected) => {
      const ids = runIds(node, selected);
      if (ids.length !== 2) return void showInfo('Select exactly two runs to diff their parameters.');
      await charts.diffParams(ids[0]!, ids[1]!);
    });
  }

  dispose(): void {
    this.disposer.dispose();
  }
}
