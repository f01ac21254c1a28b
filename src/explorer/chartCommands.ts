import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import type { ChartsFeature } from '../charts/chartsFeature';
import { Disposer } from '../vscode/disposer';
import type { Log } from '../vscode/log';
import { settings } from '../vscode/settings';
import { describeError } from './errorMessages';
import type { ExplorerNode } from './nodes';
import type { RunCommands } from './runCommands';
import { RunPicker } from './runPicker';
import { showError } from '../vscode/notify';

/** A target given by another feature rather than a tree node (e.g. "Open Charts" after Run MLproject). */
interface RunIdsTarget {
  runIds: string[];
}

/**
 * The chart entries: "Chart Metrics" on runs (or a metric, which preselects it), "Chart Runs" on an
 * experiment, "Compare Runs" and "Diff Params" on a multi-selection. From the palette with no selection
 * in the Runs view (or too few runs selected) each asks for what it needs: the experiment, then its runs.
 */
export class ChartCommands implements vscode.Disposable {
  private readonly disposer = new Disposer();

  constructor(deps: { charts: ChartsFeature; runCommands: RunCommands; activeStore: ActiveStore; log: Log }) {
    const { charts, runCommands, log } = deps;
    const picker = new RunPicker({ activeStore: deps.activeStore, keyMetric: () => settings.keyMetric() });
    const register = (id: string, handler: (node?: ExplorerNode | RunIdsTarget, selected?: readonly ExplorerNode[]) => unknown) =>
      this.disposer.track(vscode.commands.registerCommand(id, async (node?: ExplorerNode | RunIdsTarget, selected?: readonly ExplorerNode[]) => {
        try {
          await handler(node, selected);
        } catch (error) {
          log.error(`${id} failed`, error);
          void showError(`MLflow: ${describeError(error).message}`);
        }
      }));
    const runIds = (node?: ExplorerNode | RunIdsTarget, selected?: readonly ExplorerNode[]): string[] =>
      node && 'runIds' in node ? node.runIds : runCommands.runsOf(node, selected).map((run) => run.info.runId);

    register('mlflow.openCharts', async (node, selected) => {
      let ids = runIds(node, selected);
      if (!ids.length) ids = (await picker.pickRuns('Chart Metrics', { min: 1 })) ?? [];
      if (!ids.length) return;
      const metricKeys = node && 'kind' in node && node.kind === 'value' && node.section === 'metrics' ? [node.key] : undefined;
      charts.openCharts({ runIds: ids }, { metricKeys });
    });
    register('mlflow.chartExperiment', async (node) => {
      const experiment = node && 'kind' in node && node.kind === 'experiment' ? node.experiment : await picker.pickExperiment('Chart Runs');
      if (!experiment) return;
      charts.openCharts({ runIds: [], experimentId: experiment.experimentId, title: `Charts: ${experiment.name}` });
    });
    register('mlflow.compareRuns', async (node, selected) => {
      let ids = runIds(node, selected);
      if (ids.length < 2) ids = (await picker.pickRuns('Compare Runs', { min: 2 })) ?? [];
      if (ids.length < 2) return;
      charts.compareRuns(ids);
    });
    register('mlflow.diffParams', async (node, selected) => {
      let ids = runIds(node, selected);
      if (ids.length !== 2) ids = (await picker.pickRuns('Diff Params', { min: 2, max: 2 })) ?? [];
      if (ids.length !== 2) return;
      await charts.diffParams(ids[0]!, ids[1]!);
    });
  }

  dispose(): void {
    this.disposer.dispose();
  }
}
