import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import type { Log } from '../vscode/log';
import { ContextKey, setContext } from '../vscode/contextKeys';
import { Disposer } from '../vscode/disposer';
import { settings } from '../vscode/settings';
import { AutoRefresh } from './autoRefresh';
import { shouldPoll } from './core/liveRefresh';
import { describeError } from './errorMessages';
import { quoteSearchKey } from './format';
import type { ExplorerNode, LoadMoreNode } from './nodes';
import type { RunPicker } from './runPicker';
import { RunsModel } from './runsModel';
import { RunsTreeProvider } from './runsTreeProvider';
import { showError } from '../vscode/notify';

const FILTER_HISTORY_KEY = 'mlflow.runs.filterHistory';
const PINNED_KEY = 'mlflow.experiments.pinned';
const SORT_KEY = 'mlflow.runs.orderBy';
const DEFAULT_ORDER = ['attributes.start_time DESC'];

interface FilterPickItem extends vscode.QuickPickItem {
  readonly choice: 'typed' | 'recent' | 'clear';
}

/** The filter an accepted pick stands for: the box's text, a recent filter, or null to clear. */
function filterChoice(selected: FilterPickItem | undefined, typedValue: string): string | null {
  if (selected?.choice === 'clear') return null;
  if (selected?.choice === 'recent') return selected.label;
  return typedValue;
}

/**
 * The Runs view: experiments → runs → params, metrics, tags, artifacts. Owns the tree view, its model,
 * the live refresh and the view-level commands (filter, sort, search, load more). Run and experiment
 * actions live in runCommands.ts.
 */
export class ExplorerFeature implements vscode.Disposable {
  private readonly disposer = new Disposer();
  readonly model: RunsModel;
  readonly provider: RunsTreeProvider;
  readonly treeView: vscode.TreeView<ExplorerNode>;
  private readonly autoRefresh: AutoRefresh;
  /** Launches from the extension (Run MLproject) still running: the view follows them. */
  private launchesInFlight = 0;

  constructor(
    private readonly deps: { activeStore: ActiveStore; log: Log; workspaceState: vscode.Memento; picker: RunPicker },
  ) {
    const { activeStore, workspaceState } = deps;
    this.model = this.disposer.track(new RunsModel(activeStore, {
      pageSize: settings.pageSize(),
      orderBy: workspaceState.get<string[]>(SORT_KEY, DEFAULT_ORDER),
      showDeletedExperiments: false,
      showDeletedRuns: false,
      pinned: new Set(workspaceState.get<string[]>(PINNED_KEY, [])),
    }));
    this.provider = new RunsTreeProvider(this.model, activeStore, () => settings.keyMetric());
    this.treeView = this.disposer.track(vscode.window.createTreeView('mlflow.runs', {
      treeDataProvider: this.provider,
      canSelectMany: true,
      showCollapseAll: true,
    }));
    this.autoRefresh = this.disposer.track(new AutoRefresh(
      () => this.model.refreshLive(this.launchesInFlight > 0),
      () => shouldPoll({ viewVisible: this.treeView.visible, launchInFlight: this.launchesInFlight > 0, now: Date.now(), experiments: this.model.liveState() }),
      settings.refreshIntervalSeconds() * 1000,
      undefined,
      (error, nextDelayMs) => deps.log.warn(`Live refresh of the Runs view failed (next try in ${Math.round(nextDelayMs / 1000)} s): ${describeError(error).message}`),
    ));
    this.disposer.track(this.model.onDidChange(() => this.autoRefresh.kick()));
    this.disposer.track(this.model.onDidLoadRuns(() => this.autoRefresh.kick()));
    this.disposer.track(this.treeView.onDidChangeVisibility(() => this.autoRefresh.kick()));
    this.disposer.track(this.treeView.onDidExpandElement(({ element }) => this.setExpanded(element, true)));
    this.disposer.track(this.treeView.onDidCollapseElement(({ element }) => this.setExpanded(element, false)));
    this.disposer.track(activeStore.onDidChange(() => this.model.reset()));
    // Only real changes reload the view: VS Code also reports settings as "affected" while it loads
    // them, and a reload then would drop the runs of an experiment the user just expanded.
    let keyMetric = settings.keyMetric();
    let refreshMs = settings.refreshIntervalSeconds() * 1000;
    this.disposer.track(vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('mlflow.runs.pageSize') && settings.pageSize() !== this.model.viewOptions.pageSize) {
        this.model.setOptions({ pageSize: settings.pageSize() });
      }
      if (event.affectsConfiguration('mlflow.runs.keyMetric') && settings.keyMetric() !== keyMetric) {
        keyMetric = settings.keyMetric();
        this.model.reset();
      }
      if (event.affectsConfiguration('mlflow.runs.refreshInterval') && settings.refreshIntervalSeconds() * 1000 !== refreshMs) {
        refreshMs = settings.refreshIntervalSeconds() * 1000;
        this.autoRefresh.setInterval(refreshMs);
      }
    }));
    this.updateDescription();

    const register = (id: string, handler: (...args: never[]) => unknown) =>
      this.disposer.track(vscode.commands.registerCommand(id, handler));
    register('mlflow.refresh', () => this.model.reset());
    register('mlflow.loadMoreRuns', (node: LoadMoreNode) => this.loadMore(node));
    register('mlflow.filterRuns', () => this.filterRuns());
    register('mlflow.clearRunFilter', () => this.applyFilter(undefined));
    register('mlflow.sortRuns', () => this.sortRuns());
    register('mlflow.searchExperiments', () => this.searchExperiments());
    register('mlflow.clearExperimentSearch', () => this.setExperimentSearch(undefined));
    register('mlflow.toggleDeleted', () => this.toggleDeleted());
    register('mlflow.pinExperiment', (node?: ExplorerNode) => this.pinCommand(node, true));
    register('mlflow.unpinExperiment', (node?: ExplorerNode) => this.pinCommand(node, false));
    register('mlflow.revealRun', (runId: string) => this.revealRun(runId));
  }

  /**
   * Shows a run in the tree (after "Run MLproject" or from the Models view): loads its experiment's
   * first page again so a new run is there, then selects it. Returns false when the run is not among
   * the loaded pages (an old run in a large experiment).
   */
  async revealRun(runId: string): Promise<boolean> {
    const store = this.model.store;
    if (!store) return false;
    const run = await store.getRun(runId);
    const experimentId = run.info.experimentId;
    // A run of an experiment created since the view listed them (a script's MLFLOW_EXPERIMENT_NAME).
    await this.model.ensureExperimentListed(experimentId);
    this.model.reloadExperiment(experimentId);
    await this.model.getRuns(experimentId);
    const node = this.model.runNode(runId);
    if (!node) return false;
    await vscode.commands.executeCommand('mlflow.runs.focus');
    await this.treeView.reveal(node, { select: true, focus: true, expand: false });
    return true;
  }

  /**
   * Follows a launch from the extension until `finished` settles: meanwhile expanded experiments are
   * polled even when none of their loaded runs is RUNNING, so the launched run appears by itself.
   */
  followLaunch(finished: Promise<unknown>): void {
    this.launchesInFlight++;
    this.autoRefresh.kick();
    const done = () => {
      this.launchesInFlight--;
      // One more look after the launch: its run has finished on the server but may show RUNNING here.
      this.autoRefresh.kick();
    };
    finished.then(done, done);
  }

  private setExpanded(node: ExplorerNode, expanded: boolean): void {
    if (node.kind !== 'experiment') return;
    this.model.setExpanded(node.experiment.experimentId, expanded);
    this.autoRefresh.kick();
  }

  /** The runs selected in the view, or the one the context menu was opened on. */
  selectedRuns(clicked?: ExplorerNode, all?: readonly ExplorerNode[]): ExplorerNode[] {
    const nodes = all && all.length ? all : clicked ? [clicked] : this.treeView.selection;
    return [...nodes];
  }

  private async loadMore(node: LoadMoreNode): Promise<void> {
    await vscode.window.withProgress({ location: { viewId: 'mlflow.runs' } }, () => this.model.loadMore(node.experimentId));
  }

  /**
   * Asks for an MLflow search filter, offering the recent ones; a bad filter keeps the previous one.
   *
   * Enter applies what is in the box, read from the box itself. The list keeps one shape while the
   * user types (the typed-filter row first, then the recent filters, then "Clear"), because VS Code
   * matches a selection to its item by position: an Enter pressed before the list caught up with the
   * typing used to pick the row at that position in the new list, which re-applied the previous
   * filter.
   */
  async filterRuns(): Promise<void> {
    const history = this.deps.workspaceState.get<string[]>(FILTER_HISTORY_KEY, []);
    const current = this.model.viewOptions.filter;
    const pick = vscode.window.createQuickPick<FilterPickItem>();
    pick.title = 'Filter runs (MLflow search syntax)';
    pick.placeholder = "e.g. metrics.accuracy > 0.9 and params.solver = 'lbfgs'";
    pick.value = current ?? '';
    const typed = (value: string): FilterPickItem => ({
      choice: 'typed',
      label: value || 'All runs (no filter)',
      description: value ? 'apply this filter' : undefined,
      alwaysShow: true,
    });
    const rest: FilterPickItem[] = [
      ...history.map((h): FilterPickItem => ({ choice: 'recent', label: h, description: 'recent' })),
      ...(current ? [{ choice: 'clear', label: '$(close) Clear filter', description: current, alwaysShow: true } as const] : []),
    ];
    pick.items = [typed(pick.value), ...rest];
    const disposables = [pick.onDidChangeValue((value) => (pick.items = [typed(value), ...rest]))];
    const chosen = await new Promise<string | undefined | null>((resolve) => {
      disposables.push(pick.onDidAccept(() => {
        resolve(filterChoice(pick.selectedItems[0], pick.value));
        pick.hide();
      }));
      disposables.push(pick.onDidHide(() => resolve(undefined)));
      pick.show();
    });
    disposables.forEach((d) => d.dispose());
    pick.dispose();
    if (chosen === undefined) return;
    await this.applyFilter(chosen === null ? undefined : chosen.trim() || undefined);
  }

  /**
   * Applies a filter after checking it with the store (one small query), so that a bad filter shows the
   * server's message and leaves the current one in place.
   */
  async applyFilter(filter: string | undefined): Promise<boolean> {
    const store = this.model.store;
    if (filter && store) {
      try {
        const experiments = await this.model.getExperiments();
        const ids = experiments.slice(0, 1).map((e) => e.experiment.experimentId);
        if (ids.length) await store.searchRuns({ experimentIds: ids, filter, maxResults: 1 });
      } catch (error) {
        void showError(`Filter not applied: ${describeError(error).message}`);
        return false;
      }
      const history = this.deps.workspaceState.get<string[]>(FILTER_HISTORY_KEY, []);
      await this.deps.workspaceState.update(FILTER_HISTORY_KEY, [filter, ...history.filter((h) => h !== filter)].slice(0, 10));
    }
    this.model.setOptions({ filter });
    this.updateDescription();
    return true;
  }

  private async sortRuns(): Promise<void> {
    const metricKeys = [...new Set(this.model.loadedRuns().flatMap((run) => run.data.metrics.map((m) => m.key)))].sort();
    const choices: (vscode.QuickPickItem & { orderBy: string[] })[] = [
      { label: 'Newest first', description: 'start time', orderBy: ['attributes.start_time DESC'] },
      { label: 'Oldest first', description: 'start time', orderBy: ['attributes.start_time ASC'] },
      { label: 'Name (A→Z)', orderBy: ['attributes.run_name ASC'] },
      ...metricKeys.flatMap((key) => [
        { label: `${key}: highest first`, description: 'metric', orderBy: [`metrics.${quoteSearchKey(key)} DESC`] },
        { label: `${key}: lowest first`, description: 'metric', orderBy: [`metrics.${quoteSearchKey(key)} ASC`] },
      ]),
    ];
    const chosen = await vscode.window.showQuickPick(choices, { title: 'Sort runs by', matchOnDescription: true });
    if (!chosen) return;
    await this.deps.workspaceState.update(SORT_KEY, chosen.orderBy);
    this.model.setOptions({ orderBy: chosen.orderBy });
    this.updateDescription();
  }

  private async searchExperiments(): Promise<void> {
    const value = await vscode.window.showInputBox({
      title: 'Search experiments by name',
      value: this.model.viewOptions.experimentNameFilter ?? '',
      placeHolder: 'part of an experiment name',
    });
    if (value !== undefined) this.setExperimentSearch(value.trim() || undefined);
  }

  private setExperimentSearch(value: string | undefined): void {
    this.model.setOptions({ experimentNameFilter: value });
    this.updateDescription();
  }

  private toggleDeleted(): void {
    const show = !this.model.viewOptions.showDeletedExperiments;
    this.model.setOptions({ showDeletedExperiments: show, showDeletedRuns: show });
    this.updateDescription();
  }

  /**
   * Pin or Unpin from a context menu (its node), or from the palette: the experiment selected in the
   * view if it can take the change, else one picked among those that can (unpinned ones for Pin).
   */
  private async pinCommand(node: ExplorerNode | undefined, pinned: boolean): Promise<void> {
    try {
      const fits = (n: ExplorerNode) => n.kind === 'experiment' && this.model.viewOptions.pinned.has(n.experiment.experimentId) !== pinned;
      const target = node
        ?? this.treeView.selection.find(fits)
        ?? (await this.deps.picker.pickExperimentNode(pinned ? 'Pin Experiment' : 'Unpin Experiment', { pinned: this.model.viewOptions.pinned, wantPinned: !pinned }));
      if (target) await this.setPinned(target, pinned);
    } catch (error) {
      this.deps.log.error(`${pinned ? 'Pin' : 'Unpin'} Experiment failed`, error);
      void showError(`MLflow: ${describeError(error).message}`);
    }
  }

  private async setPinned(node: ExplorerNode, pinned: boolean): Promise<void> {
    if (node.kind !== 'experiment') return;
    const set = new Set(this.model.viewOptions.pinned);
    if (pinned) set.add(node.experiment.experimentId);
    else set.delete(node.experiment.experimentId);
    await this.deps.workspaceState.update(PINNED_KEY, [...set]);
    this.model.setOptions({ pinned: set });
  }

  /** The view's description line says what is narrowing or ordering the list. */
  private updateDescription(): void {
    const { filter, experimentNameFilter, orderBy, showDeletedExperiments } = this.model.viewOptions;
    const parts: string[] = [];
    if (experimentNameFilter) parts.push(`experiments: "${experimentNameFilter}"`);
    if (filter) parts.push(`filter: ${filter}`);
    if (orderBy.join() !== DEFAULT_ORDER.join()) parts.push(`sort: ${orderBy.join(', ')}`);
    if (showDeletedExperiments) parts.push('incl. deleted');
    this.treeView.description = parts.join(' · ') || undefined;
    void setContext(ContextKey.RunsFiltered, Boolean(filter));
  }

  dispose(): void {
    this.disposer.dispose();
  }
}
