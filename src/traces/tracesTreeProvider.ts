import * as vscode from 'vscode';
import { describeError } from '../explorer/errorMessages';
import type { TraceInfo, TraceState } from '../mlflow/traceTypes';
import type { Experiment } from '../mlflow/types';
import { untrustedMarkdown } from '../vscode/untrustedMarkdown';
import { type SessionGroup, groupBySession, summarizeTrace, traceDescription, traceDetails } from './core/traceSummary';
import type { TracesModel } from './tracesModel';

export type TracesNode =
  | { readonly kind: 'experiment'; readonly experiment: Experiment }
  | { readonly kind: 'trace'; readonly trace: TraceInfo }
  | { readonly kind: 'session'; readonly experimentId: string; readonly group: SessionGroup }
  | { readonly kind: 'loadMore'; readonly experimentId: string; readonly loaded: number }
  | { readonly kind: 'message'; readonly id: string; readonly text: string; readonly detail?: string; readonly severity: 'info' | 'error' };

/** `contextValue`s matched by package.json menus. */
export const enum TracesContext {
  Experiment = 'tracesExperiment',
  Session = 'traceSession',
  Trace = 'trace',
  TraceError = 'traceError',
  LoadMore = 'tracesLoadMore',
  Message = 'tracesMessage',
}

const STATE_ICONS: Record<TraceState, vscode.ThemeIcon> = {
  OK: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  ERROR: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  IN_PROGRESS: new vscode.ThemeIcon('sync~spin'),
  STATE_UNSPECIFIED: new vscode.ThemeIcon('circle-outline'),
};

/**
 * Adapts TracesModel to the tree API: experiments with traces → their traces (newest first, paged) →
 * "Load more". getChildren only reads; failures become message rows.
 */
export class TracesTreeProvider implements vscode.TreeDataProvider<TracesNode> {
  readonly onDidChangeTreeData: vscode.Event<void>;

  constructor(private readonly model: TracesModel) {
    this.onDidChangeTreeData = model.onDidChange;
  }

  async getChildren(node?: TracesNode): Promise<TracesNode[]> {
    try {
      return await this.children(node);
    } catch (error) {
      const { message, detail } = describeError(error);
      return [{ kind: 'message', id: `error-${node?.kind ?? 'root'}`, text: message, detail, severity: 'error' }];
    }
  }

  private async children(node?: TracesNode): Promise<TracesNode[]> {
    if (!node) {
      if (!this.model.store) return [];
      if (!(await this.model.available())) {
        return [{ kind: 'message', id: 'unavailable', text: 'This store has no GenAI traces (they need MLflow 3).', severity: 'info' }];
      }
      let experiments = await this.model.experiments();
      if (this.model.focusExperimentId) experiments = experiments.filter((e) => e.experimentId === this.model.focusExperimentId);
      if (experiments.length === 0) return [{ kind: 'message', id: 'empty', text: 'No traces yet. Trace a GenAI app with mlflow.trace or autolog.', severity: 'info' }];
      return experiments.map((experiment) => ({ kind: 'experiment', experiment }));
    }
    if (node.kind === 'session') {
      const { traces, truncated } = await this.model.sessionTraces(node.experimentId, node.group.session);
      const turns: TracesNode[] = traces.map((trace) => ({ kind: 'trace', trace }));
      if (truncated) turns.push({ kind: 'message', id: `truncated-${node.experimentId}-${node.group.session}`, text: `Showing the newest ${traces.length} turns of this session.`, severity: 'info' });
      return turns;
    }
    if (node.kind !== 'experiment') return [];
    const entry = await this.model.tracesOf(node.experiment);
    const items: TracesNode[] = this.model.groupBySession
      ? groupBySession(entry.traces).map((group) => ({ kind: 'session', experimentId: node.experiment.experimentId, group }))
      : entry.traces.map((trace) => ({ kind: 'trace', trace }));
    if (entry.error !== undefined) {
      const { message, detail } = describeError(entry.error);
      items.push({ kind: 'message', id: `error-${node.experiment.experimentId}`, text: message, detail, severity: 'error' });
    } else if (entry.traces.length === 0) {
      items.push({ kind: 'message', id: `none-${node.experiment.experimentId}`, text: this.model.filter ? 'No traces match the filter.' : 'No traces.', severity: 'info' });
    }
    if (entry.nextPageToken) items.push({ kind: 'loadMore', experimentId: node.experiment.experimentId, loaded: entry.traces.length });
    return items;
  }

  getTreeItem(node: TracesNode): vscode.TreeItem {
    switch (node.kind) {
      case 'experiment': {
        const item = new vscode.TreeItem(node.experiment.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `traces-exp-${node.experiment.experimentId}`;
        item.iconPath = new vscode.ThemeIcon('beaker');
        item.contextValue = TracesContext.Experiment;
        item.description = this.model.filter ? 'filtered' : undefined;
        return item;
      }
      case 'trace':
        return traceItem(node.trace);
      case 'session': {
        const { group } = node;
        const item = new vscode.TreeItem(group.session, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `traces-session-${node.experimentId}-${group.session}`;
        item.iconPath = new vscode.ThemeIcon('comment-discussion');
        item.contextValue = TracesContext.Session;
        item.description = [`${group.traceIds.length} turn${group.traceIds.length === 1 ? '' : 's'}`, ...group.users].join(' · ');
        item.tooltip = untrustedMarkdown((md) => md.appendText(`Session ${group.session}: ${group.traceIds.length} traces in the loaded page, last ${new Date(group.lastRequestTime).toISOString()}`));
        return item;
      }
      case 'loadMore': {
        const item = new vscode.TreeItem('Load more traces…', vscode.TreeItemCollapsibleState.None);
        item.id = `traces-more-${node.experimentId}-${node.loaded}`;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.contextValue = TracesContext.LoadMore;
        item.command = { command: 'mlflow.traces.loadMore', title: 'Load More', arguments: [node] };
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.id = `traces-msg-${node.id}`;
        item.iconPath = new vscode.ThemeIcon(node.severity === 'error' ? 'warning' : 'info');
        item.contextValue = TracesContext.Message;
        if (node.detail) item.tooltip = untrustedMarkdown((md) => md.appendText(node.detail ?? ''));
        return item;
      }
    }
  }
}

function traceItem(trace: TraceInfo): vscode.TreeItem {
  const summary = summarizeTrace(trace);
  const item = new vscode.TreeItem(summary.name, vscode.TreeItemCollapsibleState.None);
  item.id = `trace-${trace.traceId}`;
  item.iconPath = STATE_ICONS[trace.state];
  item.description = traceDescription(summary) + (summary.assessments.length > 0 ? ` · ${summary.assessments.length} assessments` : '');
  item.contextValue = trace.state === 'ERROR' ? TracesContext.TraceError : TracesContext.Trace;
  item.tooltip = untrustedMarkdown((md) => {
    for (const [label, value] of traceDetails(summary)) {
      md.appendMarkdown('**');
      md.appendText(label);
      md.appendMarkdown('**: ');
      md.appendText(value);
      md.appendMarkdown('  \n');
    }
  });
  item.command = { command: 'mlflow.traces.open', title: 'Open Trace', arguments: [trace.traceId] };
  item.accessibilityInformation = { label: `Trace ${summary.name}, ${trace.state}, ${traceDescription(summary)}` };
  return item;
}
