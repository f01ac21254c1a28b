import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { runReported } from '../explorer/guardedCommand';
import type { ExplorerNode } from '../explorer/nodes';
import type { TrackingStore } from '../mlflow/store';
import type { Run } from '../mlflow/types';
import { Disposer } from '../vscode/disposer';
import type { Log } from '../vscode/log';
import { showInfo } from '../vscode/notify';
import { type EvaluationTarget, parseEvaluationState } from './core/evaluationSession';
import { EVALUATION_VIEW_TYPE } from '../vscode/viewTypes';
import { EVALUATION_RUNS_FILTER, isEvaluationRun, runLabel } from './core/evaluationTable';
import { loadPanels } from '../vscode/lazyPanels';
import type { EvaluationPanel, EvaluationPanelDependencies } from './evaluationPanel';

/** Evaluation runs offered in a pick: the newest of this many per experiment. */
const MAX_PICKED_RUNS = 200;

/**
 * Results of `mlflow.genai.evaluate` runs: "Evaluation Results" on an evaluation run opens its table
 * (a row per evaluated trace, a column per scorer, the run's aggregates; a row opens its trace), and
 * "Compare Evaluation Runs" puts two runs' scores side by side with the rows that regressed marked.
 */
export class EvaluationsFeature implements vscode.Disposable {
  private readonly disposer = new Disposer();
  private readonly panels = new Map<string, EvaluationPanel>();

  constructor(private readonly deps: { extensionUri: vscode.Uri; activeStore: ActiveStore; log: Log; selection: () => readonly ExplorerNode[] }) {
    const register = (id: string, handler: (...args: never[]) => unknown): void => {
      this.disposer.track(vscode.commands.registerCommand(id, handler));
    };
    register('mlflow.evaluations.open', (target?: ExplorerNode | string) => this.guard(() => this.openFrom(target)));
    register('mlflow.evaluations.compare', (node?: ExplorerNode | string, nodes?: readonly ExplorerNode[] | string) =>
      this.guard(() => this.compareFrom(node, nodes)));
    // Registering needs only the view type: the panel's code (dist/panels.js) loads when one is restored.
    this.disposer.track(vscode.window.registerWebviewPanelSerializer(EVALUATION_VIEW_TYPE, { deserializeWebviewPanel: (panel, state: unknown) => this.restore(panel, state) }));
  }

  /**
   * What the panel serializer does after a window reload: adopt the panel VS Code re-created with the
   * target its page saved (a run, or two runs compared), or close it when that state can't be read.
   * Public so tests can restore a panel without reloading the window.
   */
  async restore(panel: vscode.WebviewPanel, raw: unknown): Promise<void> {
    const target = panel.viewType === EVALUATION_VIEW_TYPE ? parseEvaluationState(raw) : undefined;
    if (!target) {
      this.deps.log.info('Closed a restored evaluation panel whose saved state could not be read.');
      panel.dispose();
      return;
    }
    this.track(target, loadPanels().EvaluationPanel.restore(panel, this.panelDeps(), target));
  }

  private panelDeps(): EvaluationPanelDependencies {
    return {
      extensionUri: this.deps.extensionUri,
      activeStore: this.deps.activeStore,
      log: this.deps.log,
      openTrace: (traceId) => void vscode.commands.executeCommand('mlflow.traces.open', traceId),
    };
  }

  /** A panel leaves the map when closed (a restored duplicate leaves the one that replaced it in place). */
  private track(target: EvaluationTarget, panel: EvaluationPanel): EvaluationPanel {
    const key = keyOf(target);
    this.panels.set(key, panel);
    panel.onDidDispose(() => {
      if (this.panels.get(key) === panel) this.panels.delete(key);
    });
    return panel;
  }

  /** The open panel of a target, if any (for tests). */
  panelOf(target: EvaluationTarget): EvaluationPanel | undefined {
    return this.panels.get(keyOf(target));
  }

  open(target: EvaluationTarget): EvaluationPanel {
    const key = keyOf(target);
    const existing = this.panels.get(key);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    return this.track(target, loadPanels().EvaluationPanel.create(this.panelDeps(), target));
  }

  private get store(): TrackingStore {
    const store = this.deps.activeStore.current?.store;
    if (!store) throw new Error('Not connected to an MLflow tracking store.');
    return store;
  }

  private async openFrom(target?: ExplorerNode | string): Promise<void> {
    if (typeof target === 'string') {
      this.open({ mode: 'table', runId: target });
      return;
    }
    const node = target ?? this.deps.selection()[0];
    if (node?.kind === 'run' && isEvaluationRun(node.run)) {
      this.open({ mode: 'table', runId: node.run.info.runId });
      return;
    }
    const experimentId = node && 'run' in node ? node.run.info.experimentId : node?.kind === 'experiment' ? node.experiment.experimentId : undefined;
    const runs = await this.evaluationRuns(experimentId);
    if (runs.length === 0) {
      void showInfo(noEvaluationRuns(node));
      return;
    }
    const picked = await vscode.window.showQuickPick(runs.map(runItem), { title: 'Evaluation Results of…' });
    if (picked) this.open({ mode: 'table', runId: picked.run.info.runId });
  }

  /** Two evaluation runs selected in the Runs view compare at once; otherwise the missing ones are asked for. */
  private async compareFrom(node?: ExplorerNode | string, nodes?: readonly ExplorerNode[] | string): Promise<void> {
    if (typeof node === 'string' && typeof nodes === 'string') {
      this.open({ mode: 'compare', runIds: [node, nodes] });
      return;
    }
    const selected = (Array.isArray(nodes) && nodes.length > 0 ? nodes : typeof node === 'object' ? [node] : this.deps.selection())
      .filter((n): n is Extract<ExplorerNode, { kind: 'run' }> => n.kind === 'run' && isEvaluationRun(n.run))
      .map((n) => n.run);
    if (selected.length >= 2) {
      this.open({ mode: 'compare', runIds: baselineFirst(selected[0]!, selected[1]!) });
      return;
    }
    const first = selected[0];
    const anyNode = typeof node === 'object' ? node : undefined;
    const experimentId = first?.info.experimentId ?? (anyNode && 'run' in anyNode ? anyNode.run.info.experimentId : undefined);
    const runs = (await this.evaluationRuns(experimentId)).filter((r) => r.info.runId !== first?.info.runId);
    if (runs.length + (first ? 1 : 0) < 2) {
      void showInfo('Comparing needs two evaluation runs (runs made by mlflow.genai.evaluate); this experiment has fewer.');
      return;
    }
    if (first) {
      const other = await vscode.window.showQuickPick(runs.map(runItem), { title: `Compare ${runLabel(first)} with…` });
      if (other) this.open({ mode: 'compare', runIds: baselineFirst(first, other.run) });
      return;
    }
    const picked = await vscode.window.showQuickPick(runs.map(runItem), { title: 'Compare two evaluation runs (pick two; the older one is the baseline)', canPickMany: true });
    if (!picked) return;
    if (picked.length !== 2) {
      void showInfo('Pick exactly two evaluation runs to compare.');
      return;
    }
    this.open({ mode: 'compare', runIds: baselineFirst(picked[0]!.run, picked[1]!.run) });
  }

  /** Evaluation runs of one experiment, or of every experiment listed, newest first. */
  private async evaluationRuns(experimentId?: string): Promise<Run[]> {
    const store = this.store;
    const experimentIds = experimentId !== undefined
      ? [experimentId]
      : (await store.searchExperiments({ maxResults: 100 })).items.map((e) => e.experimentId);
    if (experimentIds.length === 0) return [];
    const page = await store.searchRuns({ experimentIds, filter: EVALUATION_RUNS_FILTER, orderBy: ['attributes.start_time DESC'], maxResults: MAX_PICKED_RUNS });
    return page.items;
  }

  private guard(action: () => Promise<unknown>): Promise<void> {
    return runReported('Evaluations', this.deps.log, action);
  }

  dispose(): void {
    for (const panel of [...this.panels.values()]) panel.dispose();
    this.disposer.dispose();
  }
}

/** The older run is the baseline (A), the newer the candidate (B), whatever order they were picked in. */
function baselineFirst(x: Run, y: Run): [string, string] {
  const [a, b] = (x.info.startTime ?? 0) <= (y.info.startTime ?? 0) ? [x, y] : [y, x];
  return [a.info.runId, b.info.runId];
}

function keyOf(target: EvaluationTarget): string {
  return target.mode === 'table' ? `table:${target.runId}` : `compare:${target.runIds.join(':')}`;
}

function runItem(run: Run): vscode.QuickPickItem & { run: Run } {
  const means = run.data.metrics.filter((m) => m.key.endsWith('/mean')).map((m) => `${m.key.slice(0, -'/mean'.length)} ${Number(m.value.toPrecision(3))}`);
  return {
    label: runLabel(run),
    description: [run.inputs.datasets[0]?.name, run.info.startTime ? new Date(run.info.startTime).toLocaleString() : undefined].filter(Boolean).join(' · '),
    detail: means.join(' · ') || undefined,
    run,
  };
}

function noEvaluationRuns(node?: ExplorerNode): string {
  const base = 'No evaluation runs found (runs made by mlflow.genai.evaluate carry the tag mlflow.runType=genai_evaluate)';
  return node?.kind === 'run' ? `${node.run.info.runName || node.run.info.runId} is not an evaluation run. ${base} in its experiment.` : `${base}.`;
}
