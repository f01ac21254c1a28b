import * as vscode from 'vscode';
import { artifactUri } from '../artifacts/artifactsFeature';
import { formatBytes } from '../artifacts/downloadPlan';
import type { ActiveStore } from '../connection/activeStore';
import { evaluationResultsNode } from '../evaluations/core/evaluationTable';
import { isMlflowError } from '../mlflow/errors';
import type { FileInfo, Run } from '../mlflow/types';
import { describeError } from './errorMessages';
import { formatDuration, formatMetricValue, formatRelativeTime, keyMetricOf } from './format';
import {
  NodeContext,
  runModelPath,
  type ArtifactNode,
  type ExplorerNode,
  type LoggedModelNode,
  type MessageNode,
  type RunNode,
  type RunSectionNode,
} from './nodes';
import { MAX_LISTED_EXPERIMENTS, RunsModel } from './runsModel';
import { rowText } from '../vscode/core/untrustedText';
import { sortedEntries, untrustedMarkdown } from '../vscode/untrustedMarkdown';

const STATUS_ICONS: Record<string, vscode.ThemeIcon> = {
  RUNNING: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  SCHEDULED: new vscode.ThemeIcon('clock', new vscode.ThemeColor('charts.yellow')),
  FINISHED: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  FAILED: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  KILLED: new vscode.ThemeIcon('circle-slash', new vscode.ThemeColor('disabledForeground')),
};

/**
 * Adapts RunsModel to VS Code's tree API. getChildren only reads (it never shows UI); failures become
 * message items that say what happened and what to do next.
 */
export class RunsTreeProvider implements vscode.TreeDataProvider<ExplorerNode> {
  readonly onDidChangeTreeData: vscode.Event<ExplorerNode | undefined>;

  constructor(
    private readonly model: RunsModel,
    private readonly activeStore: ActiveStore,
    private readonly keyMetric: () => string | undefined,
  ) {
    this.onDidChangeTreeData = model.onDidChange;
  }

  async getChildren(node?: ExplorerNode): Promise<ExplorerNode[]> {
    try {
      return await this.children(node);
    } catch (error) {
      return errorNodes(error, node);
    }
  }

  private async children(node?: ExplorerNode): Promise<ExplorerNode[]> {
    if (!node) {
      if (!this.activeStore.current) return [];
      const experiments = await this.model.getExperiments();
      if (experiments.length === 0) {
        const filtered = Boolean(this.model.viewOptions.experimentNameFilter);
        return [message('empty-experiments', filtered ? 'No experiment matches the name filter.' : 'No experiments yet: log a run with mlflow.start_run().', 'info',
          filtered ? { command: 'mlflow.clearExperimentSearch', title: 'Clear experiment search' } : undefined)];
      }
      if (!this.model.experimentsTruncated) return experiments;
      // The count is what was loaded: servers may send pages smaller than asked for.
      const loaded = this.model.experimentsLoaded.toLocaleString('en-US');
      const cap = MAX_LISTED_EXPERIMENTS.toLocaleString('en-US');
      return [
        ...experiments,
        message('experiments-capped', `The server has more experiments than the view loads: the ${loaded} most recently updated are loaded.`, 'info', undefined,
          `Experiments load newest first (last update); the view reads at most 50 pages (up to ${cap} experiments) so it stays responsive.`),
      ];
    }
    switch (node.kind) {
      case 'experiment': {
        const { runs, hasMore, loaded } = await this.model.getRuns(node.experiment.experimentId);
        const items: ExplorerNode[] = [...runs];
        if (runs.length === 0) {
          items.push(this.model.viewOptions.filter
            ? message(`empty-filter-${node.experiment.experimentId}`, 'No runs match the filter.', 'info', { command: 'mlflow.clearRunFilter', title: 'Clear filter' })
            : message(`empty-runs-${node.experiment.experimentId}`, 'No runs in this experiment yet.', 'info'));
        }
        if (hasMore) items.push({ kind: 'loadMore', experimentId: node.experiment.experimentId, loaded });
        return items;
      }
      case 'run':
        return runSections(node);
      case 'section':
        return this.sectionChildren(node);
      case 'artifact':
        if (!node.file.isDir) return [];
        return this.artifactChildren(node.run, node.file.path, node.loggedModelId);
      case 'loggedModel':
        return this.artifactChildren(node.run, undefined, node.modelId);
      case 'value':
      case 'loadMore':
      case 'message':
        return [];
    }
  }

  private async sectionChildren(node: RunSectionNode): Promise<ExplorerNode[]> {
    const { run } = node;
    switch (node.section) {
      case 'params':
        return sortedEntries(run.data.params).map(([key, value]) => ({ kind: 'value', section: 'params', run, key, value }));
      case 'metrics':
        return [...run.data.metrics]
          .sort((a, b) => a.key.localeCompare(b.key))
          .map((metric) => ({ kind: 'value', section: 'metrics', run, key: metric.key, value: formatMetricValue(metric.value) }));
      case 'tags':
        return sortedEntries(run.data.tags)
          .filter(([key]) => !key.startsWith('mlflow.') || USER_VISIBLE_SYSTEM_TAGS.has(key))
          .map(([key, value]) => ({ kind: 'value', section: 'tags', run, key, value }));
      case 'artifacts':
        return this.artifactChildren(run, undefined, undefined);
      case 'models':
        return this.loggedModelChildren(run);
      case 'childRuns':
        return [...(node.children ?? [])];
    }
  }

  /**
   * A run's logged models, labelled by their names (`logged_models.name`, e.g. "model"); a model whose
   * record cannot be read keeps its id as the label.
   */
  private async loggedModelChildren(run: Run): Promise<ExplorerNode[]> {
    const links = [
      ...run.outputs.modelOutputs.map((m) => ({ modelId: m.modelId, direction: 'output' as const })),
      ...run.inputs.modelInputs.map((modelId) => ({ modelId, direction: 'input' as const })),
    ];
    const store = this.model.store;
    const names = await Promise.all(
      links.map(async ({ modelId }) => (store ? (await store.getLoggedModel(modelId).catch(() => undefined))?.name : undefined) || undefined),
    );
    return links.map((link, i): LoggedModelNode => ({ kind: 'loggedModel', run, ...link, ...(names[i] ? { name: names[i] } : {}) }));
  }

  private async artifactChildren(run: Run, path: string | undefined, loggedModelId: string | undefined): Promise<ExplorerNode[]> {
    const store = this.model.store;
    if (!store) return [];
    const files: FileInfo[] = loggedModelId
      ? await store.listLoggedModelArtifacts(loggedModelId, path)
      : await store.listArtifacts(run.info.runId, path);
    if (files.length === 0) {
      return [message(`empty-artifacts-${run.info.runId}-${loggedModelId ?? ''}-${path ?? ''}`, path ? 'Empty folder.' : 'No artifacts logged.', 'info')];
    }
    const modelPath = runModelPath(run);
    return [...files]
      .sort((a, b) => Number(b.isDir) - Number(a.isDir) || a.path.localeCompare(b.path))
      .map((file): ArtifactNode => ({ kind: 'artifact', run, file, loggedModelId, isModel: file.isDir && file.path === modelPath }));
  }

  getTreeItem(node: ExplorerNode): vscode.TreeItem {
    switch (node.kind) {
      case 'experiment': {
        const e = node.experiment;
        const item = new vscode.TreeItem(rowText(e.name) || `(experiment ${e.experimentId})`, vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `experiment:${e.experimentId}`;
        item.iconPath = new vscode.ThemeIcon(node.pinned ? 'pinned' : e.lifecycleStage === 'deleted' ? 'trash' : 'beaker');
        item.description = e.lifecycleStage === 'deleted' ? 'deleted' : `#${e.experimentId}`;
        item.contextValue = e.lifecycleStage === 'deleted' ? NodeContext.ExperimentDeleted
          : node.pinned ? NodeContext.ExperimentPinned : NodeContext.Experiment;
        item.tooltip = untrustedMarkdown((md) => {
          md.appendMarkdown('**');
          md.appendText(e.name);
          md.appendMarkdown('**\n\n');
          md.appendText(`ID ${e.experimentId} · ${e.lifecycleStage}`);
          if (e.artifactLocation) md.appendText(`\nArtifacts: ${e.artifactLocation}`);
          const description = e.tags['mlflow.note.content'];
          if (description) md.appendText(`\n\n${description}`);
        });
        return item;
      }
      case 'run':
        return this.runItem(node);
      case 'loadMore': {
        const item = new vscode.TreeItem(`Load more runs… (${node.loaded} shown)`, vscode.TreeItemCollapsibleState.None);
        item.id = `loadMore:${node.experimentId}:${node.loaded}`;
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: 'mlflow.loadMoreRuns', title: 'Load more runs', arguments: [node] };
        return item;
      }
      case 'section': {
        const labels = { params: 'Parameters', metrics: 'Metrics', tags: 'Tags', artifacts: 'Artifacts', models: 'Logged models', childRuns: 'Child runs' };
        const icons = { params: 'symbol-parameter', metrics: 'graph-line', tags: 'tag', artifacts: 'folder', models: 'package', childRuns: 'type-hierarchy-sub' };
        const item = new vscode.TreeItem(labels[node.section], vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `section:${node.run.info.runId}:${node.section}`;
        item.iconPath = new vscode.ThemeIcon(icons[node.section]);
        item.description = sectionCount(node);
        return item;
      }
      case 'value': {
        const item = new vscode.TreeItem(rowText(node.key), vscode.TreeItemCollapsibleState.None);
        item.id = `value:${node.run.info.runId}:${node.section}:${node.key}`;
        item.description = rowText(oneLine(node.value));
        item.tooltip = untrustedMarkdown((md) => {
          md.appendText(`${node.key} = ${node.value}`);
        });
        item.contextValue = node.section === 'params' ? NodeContext.Param : node.section === 'metrics' ? NodeContext.Metric : NodeContext.Tag;
        if (node.section === 'metrics') {
          item.command = { command: 'mlflow.openCharts', title: 'Open chart', arguments: [node] };
        }
        return item;
      }
      case 'artifact': {
        const name = node.file.path.split('/').pop() ?? node.file.path;
        const item = new vscode.TreeItem(rowText(name), node.file.isDir ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
        item.id = `artifact:${node.run.info.runId}:${node.loggedModelId ?? ''}:${node.file.path}`;
        item.iconPath = node.isModel ? new vscode.ThemeIcon('package') : node.file.isDir ? vscode.ThemeIcon.Folder : vscode.ThemeIcon.File;
        item.resourceUri = artifactUri(node);
        if (node.file.fileSize !== undefined && !node.file.isDir) item.description = formatBytes(node.file.fileSize);
        item.contextValue = node.isModel ? NodeContext.ArtifactModel : node.file.isDir ? NodeContext.ArtifactFolder : NodeContext.ArtifactFile;
        if (!node.file.isDir) item.command = { command: 'mlflow.openArtifact', title: 'Open artifact', arguments: [node] };
        return item;
      }
      case 'loggedModel': {
        const item = new vscode.TreeItem(rowText(node.name ?? node.modelId), vscode.TreeItemCollapsibleState.Collapsed);
        item.id = `loggedModel:${node.run.info.runId}:${node.direction}:${node.modelId}`;
        item.iconPath = new vscode.ThemeIcon('package');
        item.description = node.direction === 'output' ? 'logged by this run' : 'used by this run';
        item.tooltip = `models:/${node.modelId}`;
        item.contextValue = NodeContext.LoggedModel;
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(rowText(node.text), vscode.TreeItemCollapsibleState.None);
        item.id = `message:${node.id}`;
        item.iconPath = new vscode.ThemeIcon(node.icon ?? (node.severity === 'error' ? 'error' : node.severity === 'warning' ? 'warning' : 'info'));
        if (node.detail) item.tooltip = node.detail;
        // Without this, screen readers read the tooltip (the raw server error) instead of the sentence.
        item.accessibilityInformation = { label: rowText(node.text) };
        item.contextValue = NodeContext.Message;
        if (node.command) item.command = { ...node.command, arguments: node.command.arguments ? [...node.command.arguments] : undefined };
        return item;
      }
    }
  }

  /**
   * Run items are built once per loaded run: after each "Load more" VS Code asks for every loaded item
   * again, and rebuilding them all made loading 10,000 runs cost seconds (see docs/PERFORMANCE.md).
   * A refresh loads new Run objects, so the cache never serves stale data.
   */
  private readonly runItems = new WeakMap<Run, { item: vscode.TreeItem; childCount: number }>();

  private runItem(node: RunNode): vscode.TreeItem {
    const cached = this.runItems.get(node.run);
    if (cached && cached.childCount === node.children.length) return cached.item;
    const { info } = node.run;
    const item = new vscode.TreeItem(rowText(info.runName) || info.runId.slice(0, 8), vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `run:${info.runId}`;
    item.iconPath = info.lifecycleStage === 'deleted' ? new vscode.ThemeIcon('trash') : STATUS_ICONS[info.status] ?? STATUS_ICONS.FINISHED;
    const metric = keyMetricOf(node.run, this.keyMetric());
    const parts = [];
    if (metric) parts.push(`${metric.key}=${formatMetricValue(metric.value)}`);
    if (info.startTime) parts.push(formatRelativeTime(info.startTime, Date.now()));
    if (node.children.length) parts.push(`${node.children.length} child run${node.children.length === 1 ? '' : 's'}`);
    item.description = rowText(parts.join(' · '));
    item.contextValue = info.lifecycleStage === 'deleted'
      ? NodeContext.RunDeleted
      : info.status === 'RUNNING' ? NodeContext.RunRunning
      : node.modelPath || node.run.outputs.modelOutputs.length ? NodeContext.RunWithModel : NodeContext.Run;
    this.runItems.set(node.run, { item, childCount: node.children.length });
    return item;
  }

  /** Run tooltips are built when hovered, not for every item listed. */
  resolveTreeItem(item: vscode.TreeItem, node: ExplorerNode): vscode.TreeItem {
    if (node.kind === 'run' && !item.tooltip) item.tooltip = runTooltip(node.run);
    return item;
  }

  /** Parents of runs (for reveal): the parent run when it is loaded, else the experiment. */
  getParent(node: ExplorerNode): ExplorerNode | undefined {
    if (node.kind !== 'run') return undefined;
    const parentId = node.run.data.tags['mlflow.parentRunId'];
    const parent = parentId ? this.model.runNode(parentId) : undefined;
    return parent ?? this.model.experimentNode(node.run.info.experimentId);
  }
}

const USER_VISIBLE_SYSTEM_TAGS = new Set(['mlflow.note.content', 'mlflow.source.name', 'mlflow.source.git.commit', 'mlflow.user', 'mlflow.parentRunId', 'mlflow.source.type']);

function runTooltip(run: Run): vscode.MarkdownString {
  const { info, data } = run;
  return untrustedMarkdown((md) => {
    md.appendMarkdown('**');
    md.appendText(info.runName || info.runId);
    md.appendMarkdown('**\n\n');
    md.appendText(`${info.status} · run ${info.runId}\n`);
    if (info.startTime) {
      md.appendText(`Started ${new Date(info.startTime).toLocaleString()}`);
      md.appendText(info.endTime ? ` · took ${formatDuration(info.endTime - info.startTime)}\n` : '\n');
    }
    if (info.userId) md.appendText(`User: ${info.userId}\n`);
    const source = data.tags['mlflow.source.name'];
    if (source) md.appendText(`Source: ${source}\n`);
    const params = sortedEntries(data.params).slice(0, 12);
    if (params.length) {
      md.appendMarkdown('\n\n**Parameters**\n\n');
      md.appendText(params.map(([k, v]) => `${k} = ${oneLine(v)}`).join('\n'));
    }
    const metrics = [...data.metrics].sort((a, b) => a.key.localeCompare(b.key)).slice(0, 12);
    if (metrics.length) {
      md.appendMarkdown('\n\n**Latest metrics**\n\n');
      md.appendText(metrics.map((m) => `${m.key} = ${formatMetricValue(m.value)} (step ${m.step})`).join('\n'));
    }
  });
}

function runSections(node: RunNode): ExplorerNode[] {
  const { run } = node;
  const sections: ExplorerNode[] = [];
  const evaluation = evaluationResultsNode(run);
  if (evaluation) sections.push(evaluation);
  if (node.children.length) sections.push({ kind: 'section', section: 'childRuns', run, children: node.children });
  if (Object.keys(run.data.params).length) sections.push({ kind: 'section', section: 'params', run });
  if (run.data.metrics.length) sections.push({ kind: 'section', section: 'metrics', run });
  sections.push({ kind: 'section', section: 'tags', run });
  sections.push({ kind: 'section', section: 'artifacts', run });
  if (run.outputs.modelOutputs.length || run.inputs.modelInputs.length) sections.push({ kind: 'section', section: 'models', run });
  return sections;
}

function sectionCount(node: RunSectionNode): string | undefined {
  const { run } = node;
  switch (node.section) {
    case 'params':
      return String(Object.keys(run.data.params).length);
    case 'metrics':
      return String(run.data.metrics.length);
    case 'childRuns':
      return String(node.children?.length ?? 0);
    case 'models':
      return String(run.outputs.modelOutputs.length + run.inputs.modelInputs.length);
    default:
      return undefined;
  }
}

function errorNodes(error: unknown, parent: ExplorerNode | undefined): MessageNode[] {
  const described = describeError(error);
  const scope = parent ? `${parent.kind}` : 'root';
  const nodes: MessageNode[] = [message(`error-${scope}`, described.message, 'error', { command: 'mlflow.refresh', title: 'Retry' }, described.detail)];
  if (isMlflowError(error, 'UNAUTHENTICATED') || isMlflowError(error, 'PERMISSION_DENIED')) {
    nodes.push(message(`signin-${scope}`, 'Sign in…', 'info', { command: 'mlflow.signIn', title: 'Sign in' }));
  } else if (RunsModel.isFilterError(error)) {
    nodes.push(message(`filter-${scope}`, 'Edit the filter…', 'info', { command: 'mlflow.filterRuns', title: 'Filter runs' }));
  } else if (!parent) {
    nodes.push(message(`retry-${scope}`, 'Retry', 'info', { command: 'mlflow.refresh', title: 'Retry' }));
    nodes.push(message(`configure-${scope}`, 'Configure connection…', 'info', { command: 'mlflow.connect', title: 'Configure connection' }));
  }
  return nodes;
}

function message(id: string, text: string, severity: MessageNode['severity'], command?: MessageNode['command'], detail?: string): MessageNode {
  return { kind: 'message', id, text, severity, command, detail };
}



function oneLine(text: string): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ');
  return flat.length > 120 ? `${flat.slice(0, 119)}…` : flat;
}

