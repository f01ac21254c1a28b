import { userInfo } from 'node:os';
import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { describeError } from '../explorer/errorMessages';
import { runReported } from '../explorer/guardedCommand';
import type { ExplorerNode, RunNode } from '../explorer/nodes';
import { AutoRefresh } from '../explorer/autoRefresh';
import { ContextKey, setContext } from '../vscode/contextKeys';
import { settings } from '../vscode/settings';
import { tracesToPoll } from './core/traceLiveRefresh';
import { Disposer } from '../vscode/disposer';
import type { Log } from '../vscode/log';
import { loadPanels } from '../vscode/lazyPanels';
import { SESSION_CONVERSATION_VIEW_TYPE, TRACE_COMPARE_VIEW_TYPE, TRACE_VIEW_TYPE } from '../vscode/viewTypes';
import { parseSessionPanelState, parseTraceComparePanelState, parseTracePanelState } from './core/panelState';
import type { SessionTarget } from './core/sessionConversation';
import { groupBySession, modelTracesFilter, runTracesFilter, summarizeTrace, traceDescription } from './core/traceSummary';
import type { SessionConversationPanel, SessionConversationPanelDependencies } from './sessionConversationPanel';
import type { TraceComparePanel, TraceComparePanelDependencies } from './traceComparePanel';
import type { TracePanel, TracePanelDependencies } from './tracePanel';
import { type TraceOrder, TracesModel } from './tracesModel';
import { type TracesNode, TracesTreeProvider } from './tracesTreeProvider';

/** Traces per page in the view: enough to scan, few enough to stay quick on a busy server. */
const PAGE_SIZE = 50;

const ORDER_CHOICES: { label: string; order: TraceOrder }[] = [
  { label: 'Newest first', order: 'newest' },
  { label: 'Oldest first', order: 'oldest' },
  { label: 'Slowest first', order: 'slowest' },
  { label: 'By name', order: 'name' },
];

/**
 * MLflow 3 GenAI traces: the Traces view (experiments with traces → traces, filtered with MLflow's
 * trace filter syntax), one trace panel per trace (span tree, timeline, inputs/outputs, assessments),
 * and the commands that reach traces from runs and logged models in the Runs view. Its three panels
 * (trace, Compare Traces, session conversation) have serializers, so they come back after a window reload.
 */
export class TracesFeature implements vscode.Disposable {
  private readonly disposer = new Disposer();
  readonly model: TracesModel;
  readonly treeView: vscode.TreeView<TracesNode>;
  readonly provider: TracesTreeProvider;
  private readonly panels = new Map<string, TracePanel>();
  /** The open Compare Traces panels. */
  private readonly comparePanels = new Set<TraceComparePanel>();
  /** The open session conversation panels, by `experimentId/session`. */
  private readonly sessionPanels = new Map<string, SessionConversationPanel>();
  /** Re-reads expanded experiments while they are getting new traces; exposed for tests. */
  readonly autoRefresh: AutoRefresh;

  constructor(private readonly deps: {
    extensionUri: vscode.Uri;
    globalStorageUri: vscode.Uri;
    activeStore: ActiveStore;
    log: Log;
    /** Asks for a run when "Show Traces" comes from the palette. */
    pickRun?: (title: string) => Promise<RunNode | undefined>;
  }) {
    const { activeStore } = deps;
    this.model = this.disposer.track(new TracesModel(activeStore, PAGE_SIZE));
    this.provider = new TracesTreeProvider(this.model);
    this.treeView = this.disposer.track(vscode.window.createTreeView('mlflow.traces', { treeDataProvider: this.provider, showCollapseAll: true, canSelectMany: true }));
    this.disposer.track(activeStore.onDidChange(() => this.onConnectionChanged()));
    void this.onConnectionChanged();

    // Live: while an expanded experiment is getting new traces, re-read it (the Runs view's rule and back-off).
    this.autoRefresh = this.disposer.track(
      new AutoRefresh(
        () => this.model.refreshLive(tracesToPoll({ viewVisible: this.treeView.visible, now: Date.now(), experiments: this.model.liveState(Date.now()) })),
        () => tracesToPoll({ viewVisible: this.treeView.visible, now: Date.now(), experiments: this.model.liveState(Date.now()) }).length > 0,
        settings.refreshIntervalSeconds() * 1000,
        undefined,
        (error, nextDelayMs) => deps.log.warn(`Live refresh of the Traces view failed (next try in ${Math.round(nextDelayMs / 1000)} s): ${describeError(error).message}`),
      ),
    );
    this.disposer.track(this.model.onDidChange(() => this.autoRefresh.kick()));
    this.disposer.track(this.model.onDidLoadPage(() => this.autoRefresh.kick()));
    this.disposer.track(this.treeView.onDidChangeVisibility(() => this.autoRefresh.kick()));
    this.disposer.track(this.treeView.onDidCollapseElement(({ element }) => {
      if (element.kind === 'experiment') this.model.setExpanded(element.experiment.experimentId, false);
      this.autoRefresh.kick();
    }));
    this.disposer.track(this.treeView.onDidExpandElement(({ element }) => {
      if (element.kind === 'experiment') this.model.setExpanded(element.experiment.experimentId, true);
      this.autoRefresh.kick();
    }));
    let refreshMs = settings.refreshIntervalSeconds() * 1000;
    this.disposer.track(vscode.workspace.onDidChangeConfiguration((event) => {
      if (!event.affectsConfiguration('mlflow.runs.refreshInterval')) return;
      const next = settings.refreshIntervalSeconds() * 1000;
      if (next !== refreshMs) this.autoRefresh.setInterval((refreshMs = next));
    }));

    const register = (id: string, handler: (...args: never[]) => unknown): void => {
      this.disposer.track(vscode.commands.registerCommand(id, handler));
    };
    register('mlflow.traces.refresh', () => this.model.reset());
    register('mlflow.traces.filter', () => this.askFilter());
    register('mlflow.traces.clearFilter', () => this.applyFilter(undefined, undefined));
    register('mlflow.traces.sort', () => this.askOrder());
    register('mlflow.traces.groupBySession', () => this.setGrouped(true));
    register('mlflow.traces.ungroup', () => this.setGrouped(false));
    register('mlflow.traces.loadMore', (node?: TracesNode) => {
      if (node?.kind === 'loadMore') return this.guard(() => this.model.loadMore(node.experimentId));
      return undefined;
    });
    register('mlflow.traces.open', (target?: string | TracesNode) => this.guard(() => this.openFrom(target)));
    register('mlflow.traces.copyId', (node?: TracesNode) => {
      if (node?.kind === 'trace') void vscode.env.clipboard.writeText(node.trace.traceId);
    });
    register('mlflow.traces.showForRun', (node?: ExplorerNode) => this.guard(async () => this.showFor(node ?? (await this.deps.pickRun?.('Show Traces of a Run')))));
    register('mlflow.traces.compare', (node?: TracesNode | string, nodes?: readonly TracesNode[] | string) => this.guard(() => this.compare(node, nodes)));
    register('mlflow.traces.openSession', (node?: TracesNode) => this.guard(() => this.openSessionFrom(node)));

    // Registering needs only the view types: the panels' code (dist/panels.js) loads when one is restored.
    const serializer: vscode.WebviewPanelSerializer = { deserializeWebviewPanel: (panel, state: unknown) => this.restore(panel, state) };
    for (const viewType of [TRACE_VIEW_TYPE, TRACE_COMPARE_VIEW_TYPE, SESSION_CONVERSATION_VIEW_TYPE]) {
      this.disposer.track(vscode.window.registerWebviewPanelSerializer(viewType, serializer));
    }
  }

  /**
   * What the panel serializers do after a window reload: adopt the panel VS Code re-created with the
   * state its page saved (a trace id, two trace ids, a session), or close it when that state can't be
   * read. Public so tests can restore a panel without reloading the window.
   */
  async restore(panel: vscode.WebviewPanel, raw: unknown): Promise<void> {
    switch (panel.viewType) {
      case TRACE_VIEW_TYPE: {
        const state = parseTracePanelState(raw);
        if (!state) return this.discard(panel, 'trace');
        this.trackTrace(loadPanels().TracePanel.restore(panel, this.traceDeps(), state.traceId));
        return;
      }
      case TRACE_COMPARE_VIEW_TYPE: {
        const state = parseTraceComparePanelState(raw);
        if (!state) return this.discard(panel, 'Compare Traces');
        this.trackCompare(loadPanels().TraceComparePanel.restore(panel, this.linkedDeps(), state.traceIds));
        return;
      }
      case SESSION_CONVERSATION_VIEW_TYPE: {
        const state = parseSessionPanelState(raw);
        if (!state) return this.discard(panel, 'session conversation');
        this.trackSession(loadPanels().SessionConversationPanel.restore(panel, this.linkedDeps(), state));
        return;
      }
      default:
        return this.discard(panel, panel.viewType);
    }
  }

  /** A panel persisted by an older version or a broken page: nothing to restore, so it closes. */
  private discard(panel: vscode.WebviewPanel, kind: string): void {
    this.deps.log.info(`Closed a restored ${kind} panel whose saved state could not be read.`);
    panel.dispose();
  }

  /** What the Compare Traces and session panels need: the store, and the way to open a trace of theirs. */
  private linkedDeps(): TraceComparePanelDependencies & SessionConversationPanelDependencies {
    return { extensionUri: this.deps.extensionUri, activeStore: this.deps.activeStore, log: this.deps.log, openTrace: (id) => this.openTrace(id) };
  }

  private traceDeps(): TracePanelDependencies {
    return {
      extensionUri: this.deps.extensionUri,
      activeStore: this.deps.activeStore,
      log: this.deps.log,
      attachmentsDir: vscode.Uri.joinPath(this.deps.globalStorageUri, 'trace-attachments'),
      reviewer,
      changed: () => this.model.traceChanged(),
    };
  }

  /** Panels leave their map when closed (a restored duplicate leaves the one that replaced it in place). */
  private trackTrace(panel: TracePanel): TracePanel {
    this.panels.set(panel.traceId, panel);
    panel.onDidDispose(() => {
      if (this.panels.get(panel.traceId) === panel) this.panels.delete(panel.traceId);
    });
    return panel;
  }

  private trackCompare(panel: TraceComparePanel): TraceComparePanel {
    this.comparePanels.add(panel);
    panel.onDidDispose(() => this.comparePanels.delete(panel));
    return panel;
  }

  private trackSession(panel: SessionConversationPanel): SessionConversationPanel {
    const key = sessionKey(panel.session.target);
    this.sessionPanels.set(key, panel);
    panel.onDidDispose(() => {
      if (this.sessionPanels.get(key) === panel) this.sessionPanels.delete(key);
    });
    return panel;
  }

  /** "Open Session as Conversation" on a session node, or from the palette with a session picked. */
  private async openSessionFrom(node?: TracesNode): Promise<void> {
    const target = node?.kind === 'session' ? { experimentId: node.experimentId, session: node.group.session } : await this.pickSession();
    if (target) this.openSession(target);
  }

  /** Opens (or reveals) the conversation panel of one session. */
  openSession(target: SessionTarget): SessionConversationPanel {
    const existing = this.sessionPanels.get(sessionKey(target));
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    return this.trackSession(loadPanels().SessionConversationPanel.create(this.linkedDeps(), target));
  }

  /** The open conversation panel of a session, if any (for tests). */
  sessionPanelOf(target: SessionTarget): SessionConversationPanel | undefined {
    return this.sessionPanels.get(sessionKey(target));
  }

  /** The sessions among the traces listed so far (the first pages of a few experiments if none is). */
  private async pickSession(): Promise<SessionTarget | undefined> {
    const experiments = await this.model.experiments();
    const entries = [];
    for (const experiment of experiments.slice(0, 20)) {
      const entry = await this.model.tracesOf(experiment, false);
      if (entry.traces.length > 0) entries.push(entry);
    }
    const items = entries.flatMap((entry) =>
      groupBySession(entry.traces).map((group) => ({
        label: group.session,
        description: entry.experiment.name,
        detail: [`${group.traceIds.length} turn${group.traceIds.length === 1 ? '' : 's'} listed`, ...group.users, `last ${new Date(group.lastRequestTime).toLocaleString()}`].join(' · '),
        target: { experimentId: entry.experiment.experimentId, session: group.session },
      })),
    );
    if (items.length === 0) {
      void vscode.window.showInformationMessage('No sessions among the listed traces. A GenAI app sets one with mlflow.update_current_trace(session_id=…).');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(items, { title: 'Open Session as Conversation', placeHolder: 'A session (mlflow.trace.session)', matchOnDescription: true, matchOnDetail: true });
    return picked?.target;
  }

  /**
   * Compare Traces: two traces selected in the view (or two ids, from a test or a link); with one
   * selected, a QuickPick asks for the other; with none, for both.
   */
  async compare(node?: TracesNode | string, nodes?: readonly TracesNode[] | string): Promise<TraceComparePanel | undefined> {
    let ids: string[];
    if (typeof node === 'string') ids = typeof nodes === 'string' ? [node, nodes] : [node];
    else {
      const selected = Array.isArray(nodes) && nodes.length > 0 ? nodes : node ? [node] : [];
      ids = selected.filter((n): n is Extract<TracesNode, { kind: 'trace' }> => n.kind === 'trace').map((n) => n.trace.traceId);
    }
    ids = [...new Set(ids)];
    if (ids.length > 2) {
      void vscode.window.showWarningMessage(`Compare Traces compares two traces; ${ids.length} are selected.`);
      return undefined;
    }
    if (ids.length < 2) {
      const picked = await this.pickTraces(2 - ids.length, ids);
      if (!picked) return undefined;
      ids = [...ids, ...picked];
    }
    return this.trackCompare(loadPanels().TraceComparePanel.create(this.linkedDeps(), [ids[0]!, ids[1]!]));
  }

  private async pickTraces(count: number, exclude: readonly string[]): Promise<string[] | undefined> {
    let loaded = this.model.loadedTraces();
    if (loaded.length < 2) {
      // Nothing listed yet (the view was never opened): the first page of the first experiments.
      for (const experiment of (await this.model.experiments()).slice(0, 5)) await this.model.tracesOf(experiment, false);
      loaded = this.model.loadedTraces();
    }
    const items = loaded
      .filter((t) => !exclude.includes(t.traceId))
      .map((t) => {
        const summary = summarizeTrace(t);
        return { label: summary.name || t.traceId, description: t.traceId, detail: traceDescription(summary), traceId: t.traceId };
      });
    if (items.length < count) {
      void vscode.window.showInformationMessage('Compare Traces needs two traces; the Traces view lists fewer.');
      return undefined;
    }
    const title = count === 2 ? 'Compare Traces: pick two traces' : 'Compare Traces: pick the trace to compare with';
    if (count === 1) {
      const one = await vscode.window.showQuickPick(items, { title, matchOnDescription: true, matchOnDetail: true });
      return one ? [one.traceId] : undefined;
    }
    const two = await vscode.window.showQuickPick(items, { title, canPickMany: true, matchOnDescription: true, matchOnDetail: true });
    if (!two) return undefined;
    if (two.length !== 2) {
      void vscode.window.showWarningMessage(`Pick exactly two traces (${two.length} picked).`);
      return undefined;
    }
    return two.map((t) => t.traceId);
  }

  /** The open Compare Traces panel of two traces (in that order), if any (for tests). */
  comparePanelOf(a: string, b: string): TraceComparePanel | undefined {
    return [...this.comparePanels].find((panel) => panel.session.traceIds[0] === a && panel.session.traceIds[1] === b);
  }

  /** The open panel of a trace, if any (for tests and reveal). */
  panelOf(traceId: string): TracePanel | undefined {
    return this.panels.get(traceId);
  }

  /** Opens (or reveals) the panel of one trace. */
  openTrace(traceId: string): TracePanel {
    const existing = this.panels.get(traceId);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    return this.trackTrace(loadPanels().TracePanel.create(this.traceDeps(), traceId));
  }

  private async openFrom(target?: string | TracesNode): Promise<void> {
    let traceId = typeof target === 'string' ? target : target?.kind === 'trace' ? target.trace.traceId : undefined;
    if (!traceId) {
      traceId = (await vscode.window.showInputBox({
        title: 'Open Trace',
        prompt: 'A trace id (tr-…)',
        validateInput: (value) => (/^tr-[0-9a-f]{32}$/.test(value.trim()) ? undefined : 'A trace id is tr- followed by 32 hex digits.'),
      }))?.trim();
    }
    if (traceId) this.openTrace(traceId);
  }

  /** The open panels reload on their own (each listens to the store), so a switch reads each trace once. */
  private async onConnectionChanged(): Promise<void> {
    this.model.focusExperimentId = undefined;
    this.model.reset();
    let available = false;
    try {
      available = await this.model.available();
    } catch {
      // An unreachable server shows its error in the Runs view; the Traces view just stays hidden.
    }
    await setContext(ContextKey.TracesAvailable, available);
  }

  private async askFilter(): Promise<void> {
    const filter = await vscode.window.showInputBox({
      title: 'Filter Traces',
      value: this.model.filter ?? '',
      prompt: "MLflow trace filter: trace.status = 'ERROR', tags.env = 'prod', metadata.`mlflow.trace.session` = 's1', span.type = 'TOOL', feedback.`helpful` = 'true', trace.timestamp_ms > 1700000000000 (AND only)",
      placeHolder: "trace.status = 'ERROR' AND tags.env = 'prod'",
    });
    if (filter !== undefined) await this.applyFilter(filter, this.model.focusExperimentId);
  }

  private async applyFilter(filter: string | undefined, focusExperimentId: string | undefined): Promise<void> {
    this.model.focusExperimentId = focusExperimentId;
    this.model.setFilter(filter);
    this.treeView.message = this.model.filter ? `Filter: ${this.model.filter}` : undefined;
    await setContext(ContextKey.TracesFiltered, this.model.filter !== undefined || focusExperimentId !== undefined);
  }

  private async setGrouped(grouped: boolean): Promise<void> {
    this.model.setGroupBySession(grouped);
    await setContext(ContextKey.TracesBySession, grouped);
  }

  private async askOrder(): Promise<void> {
    const choice = await vscode.window.showQuickPick(
      ORDER_CHOICES.map((c) => ({ ...c, description: c.order === this.model.order ? 'current' : undefined })),
      { title: 'Sort Traces' },
    );
    if (choice) this.model.setOrder(choice.order);
  }

  /** "Show Traces" on a run or a logged model in the Runs view. */
  private async showFor(node?: ExplorerNode): Promise<void> {
    if (!node) return;
    if (node.kind === 'run') {
      await this.applyFilter(runTracesFilter(node.run.info.runId), node.run.info.experimentId);
    } else if (node.kind === 'loggedModel') {
      await this.applyFilter(modelTracesFilter(node.modelId), node.run.info.experimentId);
    } else {
      return;
    }
    await vscode.commands.executeCommand('mlflow.traces.focus');
  }

  private guard(action: () => Promise<unknown>): Promise<void> {
    return runReported('Traces', this.deps.log, action);
  }

  dispose(): void {
    for (const panel of [...this.panels.values()]) panel.dispose();
    for (const panel of [...this.comparePanels]) panel.dispose();
    for (const panel of [...this.sessionPanels.values()]) panel.dispose();
    this.disposer.dispose();
  }
}

/** Who a HUMAN assessment added here is from: the setting, else the OS user. */
function reviewer(): string {
  const configured = vscode.workspace.getConfiguration('mlflow').get<string>('traces.reviewer')?.trim();
  if (configured) return configured;
  try {
    return userInfo().username || 'vscode-user';
  } catch {
    return 'vscode-user';
  }
}

/** The open conversation panels are kept by experiment and session. */
function sessionKey(target: SessionTarget): string {
  return `${target.experimentId}/${target.session}`;
}
