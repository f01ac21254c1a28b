import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { Disposer } from '../vscode/disposer';
import { loadPanels } from '../vscode/lazyPanels';
import { CHARTS_VIEW_TYPE, COMPARE_VIEW_TYPE } from '../vscode/viewTypes';
import type { ChartsPanel, PanelDependencies } from './chartsPanel';
import type { Logger } from './chartsSession';
import { runDiffText } from './compareModel';
import type { ComparePanel } from './comparePanel';
import { SampledHistoryCache } from './core/historyCache';
import { DIFF_SCHEME, DiffDocuments } from './diffDocuments';
import { parseChartsState, parseCompareState } from './messages';
import type { ChartsTarget, ChartsViewState } from './protocol';

export interface ChartsFeatureDependencies {
  extensionUri: vscode.Uri;
  activeStore: ActiveStore;
  log: Logger;
  /** How often running runs are polled; tests shorten it. */
  pollIntervalMs?: number;
  /**
   * Fires when the Runs view reloads runs (an experiment's id, or undefined for all), e.g. after a
   * rename: the charts then read those runs again instead of using the copies they kept.
   */
  onDidReloadRuns?: vscode.Event<string | undefined>;
}

/** The open panels, for tests and for commands that act on "the current chart". */
export interface ChartsPanels {
  readonly charts: readonly ChartsPanel[];
  readonly compare: readonly ComparePanel[];
  readonly lastCharts: ChartsPanel | undefined;
  readonly lastCompare: ComparePanel | undefined;
}

/**
 * Metric charts, run comparison and params diffs. Owns its panels, the panel serializers (so panels
 * come back after a window reload) and the `mlflow-diff:` document provider.
 */
export class ChartsFeature implements vscode.Disposable {
  private readonly disposer = new Disposer();
  private readonly chartsPanels: ChartsPanel[] = [];
  private readonly comparePanels: ComparePanel[] = [];
  private readonly diffDocuments: DiffDocuments;
  private readonly panelDeps: PanelDependencies;
  /** Finished runs' sampled histories, kept across panels: reopening their charts asks the server nothing. */
  readonly histories = new SampledHistoryCache();

  constructor(private readonly deps: ChartsFeatureDependencies) {
    this.panelDeps = { extensionUri: deps.extensionUri, activeStore: deps.activeStore, log: deps.log, pollIntervalMs: deps.pollIntervalMs, histories: this.histories };
    if (deps.onDidReloadRuns) this.disposer.track(deps.onDidReloadRuns((experimentId) => this.histories.forgetRuns(experimentId)));
    this.disposer.track(deps.activeStore.onDidChange(() => this.histories.clear()));
    this.diffDocuments = this.disposer.track(new DiffDocuments());
    this.disposer.track(vscode.workspace.registerTextDocumentContentProvider(DIFF_SCHEME, this.diffDocuments));
    const serializer: vscode.WebviewPanelSerializer = { deserializeWebviewPanel: (panel, state: unknown) => this.restore(panel, state) };
    this.disposer.track(vscode.window.registerWebviewPanelSerializer(CHARTS_VIEW_TYPE, serializer));
    this.disposer.track(vscode.window.registerWebviewPanelSerializer(COMPARE_VIEW_TYPE, serializer));
  }

  /**
   * What both panel serializers do after a window reload: adopt the panel VS Code recreated with the
   * state its page saved, or close it when that state can't be read. Public so tests can restore a
   * panel without reloading the window.
   */
  async restore(panel: vscode.WebviewPanel, raw: unknown): Promise<void> {
    switch (panel.viewType) {
      case CHARTS_VIEW_TYPE: {
        const state = parseChartsState(raw);
        if (!state) return this.discard(panel, 'charts');
        this.track(this.chartsPanels, new (loadPanels().ChartsPanel)(panel, this.panelDeps, state));
        return;
      }
      case COMPARE_VIEW_TYPE: {
        const state = parseCompareState(raw);
        if (!state || state.runIds.length === 0) return this.discard(panel, 'compare');
        this.track(this.comparePanels, new (loadPanels().ComparePanel)(panel, this.panelDeps, this.compareActions, state));
        return;
      }
      default:
        return this.discard(panel, panel.viewType);
    }
  }

  get panels(): ChartsPanels {
    return {
      charts: [...this.chartsPanels],
      compare: [...this.comparePanels],
      lastCharts: this.chartsPanels.at(-1),
      lastCompare: this.comparePanels.at(-1),
    };
  }

  /** Charts of one run, several runs, or (runIds empty, experimentId set) an experiment's latest runs. */
  openCharts(target: ChartsTarget, options: { metricKeys?: string[]; show?: Parameters<typeof ChartsPanel.create>[2] } = {}): ChartsPanel {
    if (target.runIds.length === 0 && target.experimentId === undefined) throw new Error('openCharts needs run ids or an experiment id');
    const state: ChartsViewState = {
      target: { ...target, runIds: [...target.runIds] },
      metricKeys: options.metricKeys ?? [],
      xAxis: 'step',
      yScale: 'linear',
      smoothing: 0,
      hiddenRunIds: [],
    };
    return this.track(this.chartsPanels, loadPanels().ChartsPanel.create(this.panelDeps, state, options.show));
  }

  compareRuns(runIds: string[]): ComparePanel {
    if (runIds.length === 0) throw new Error('compareRuns needs at least one run id');
    return this.track(this.comparePanels, loadPanels().ComparePanel.create(this.panelDeps, this.compareActions, { runIds: [...runIds], onlyDifferences: true }));
  }

  /** Opens VS Code's diff editor on two runs' params and tags. */
  async diffParams(runIdA: string, runIdB: string): Promise<void> {
    const store = this.deps.activeStore.current?.store;
    if (!store) throw new Error('Not connected to an MLflow tracking store.');
    const [a, b] = await Promise.all([store.getRun(runIdA), store.getRun(runIdB)]);
    const left = this.diffDocuments.add(a.info.runName || runIdA, runDiffText(a));
    const right = this.diffDocuments.add(b.info.runName || runIdB, runDiffText(b));
    await vscode.commands.executeCommand('vscode.diff', left, right, `${a.info.runName || runIdA} ↔ ${b.info.runName || runIdB} (params, tags)`);
  }

  dispose(): void {
    this.histories.clear();
    for (const panel of [...this.chartsPanels, ...this.comparePanels]) panel.dispose();
    this.disposer.dispose();
  }

  private readonly compareActions = {
    diffParams: (a: string, b: string) => this.diffParams(a, b),
    openCharts: (runIds: string[], metricKeys: string[]) => void this.openCharts({ runIds }, { metricKeys }),
  };

  /** Panels remove themselves from the list when closed; the feature disposes the rest on shutdown. */
  private track<P extends ChartsPanel | ComparePanel>(list: P[], panel: P): P {
    list.push(panel);
    const subscription = panel.onDidDispose(() => {
      subscription.dispose();
      const index = list.indexOf(panel);
      if (index >= 0) list.splice(index, 1);
    });
    return panel;
  }

  /** A panel persisted by an older version or a broken page: nothing to restore, so it closes. */
  private discard(panel: vscode.WebviewPanel, kind: string): void {
    this.deps.log.info(`Closed a restored ${kind} panel whose saved state could not be read.`);
    panel.dispose();
  }
}
