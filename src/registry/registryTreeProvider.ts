import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { describeError } from '../explorer/errorMessages';
import { isMlflowError } from '../mlflow/errors';
import type { ModelVersion, ModelVersionStatus, RegisteredModel } from '../mlflow/types';
import { aliasLabel, aliasesOf, modelBadges, oneLine, statusText, versionBadges, versionLabel } from './registryLabels';
import type { RegistryModel } from './registryModel';
import {
  nodeId,
  RegistryContext,
  type AliasNode,
  type ModelVersionNode,
  type RegistryMessageNode,
  type RegistryNode,
  type TagNode,
} from './registryNodes';
import { sortedEntries, untrustedMarkdown } from '../vscode/untrustedMarkdown';
import type { PromptsTree } from '../prompts/promptsTree';

const STATUS_ICONS: Record<ModelVersionStatus, vscode.ThemeIcon> = {
  READY: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  PENDING_REGISTRATION: new vscode.ThemeIcon('clock', new vscode.ThemeColor('charts.yellow')),
  FAILED_REGISTRATION: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
};

/**
 * Adapts RegistryModel to VS Code's tree API: registered models → aliases, tags and versions →
 * a version's source run, source and tags. getChildren only reads (it never shows UI); failures become
 * message items that say what happened and offer the next step.
 */
export class RegistryTreeProvider implements vscode.TreeDataProvider<RegistryNode> {
  readonly onDidChangeTreeData: vscode.Event<RegistryNode | undefined>;

  constructor(
    private readonly model: RegistryModel,
    private readonly activeStore: ActiveStore,
    /** The Prompts branch (MLflow 3 prompt registry), when the feature is wired. */
    private readonly prompts?: PromptsTree,
  ) {
    this.onDidChangeTreeData = model.onDidChange;
  }

  async getChildren(node?: RegistryNode): Promise<RegistryNode[]> {
    try {
      return await this.children(node);
    } catch (error) {
      return errorNodes(error, node);
    }
  }

  private async children(node?: RegistryNode): Promise<RegistryNode[]> {
    if (!node) {
      if (!this.activeStore.current) return [];
      const { models, hasMore, hasRegistry } = await this.model.getModels();
      if (!hasRegistry) return [message('no-registry', 'This store has no model registry.', 'info')];
      // An empty registry shows the view's welcome text (context key mlflow.registryEmpty), not an item.
      const items: RegistryNode[] = [...((await this.prompts?.root()) ?? []), ...models.map((model): RegistryNode => ({ kind: 'model', model }))];
      if (hasMore) items.push({ kind: 'loadMore', loaded: models.length });
      return items;
    }
    switch (node.kind) {
      case 'model':
        return this.modelChildren(node.model);
      case 'modelTags':
        return tagNodes(node.model.name, undefined, node.model.tags);
      case 'version': {
        const { version } = node;
        const items: RegistryNode[] = [];
        if (version.runId) items.push({ kind: 'run', version, runId: version.runId });
        if (version.source) items.push({ kind: 'source', version });
        items.push(...tagNodes(version.name, version.version, version.tags));
        return items;
      }
      case 'prompts':
      case 'prompt':
      case 'promptVersion':
        return (await this.prompts?.children(node)) ?? [];
      case 'alias':
      case 'source':
      case 'run':
      case 'tag':
      case 'loadMore':
      case 'message':
        return [];
    }
  }

  /** Aliases and tags come with the model; versions are loaded on expand, and their failure is shown in place. */
  private async modelChildren(model: RegisteredModel): Promise<RegistryNode[]> {
    const items: RegistryNode[] = [...model.aliases]
      .sort((a, b) => a.alias.localeCompare(b.alias))
      .map((a): AliasNode => ({ kind: 'alias', model, alias: a.alias, version: a.version }));
    if (Object.keys(model.tags).length) items.push({ kind: 'modelTags', model });
    try {
      const versions = await this.model.getVersions(model.name);
      if (versions.length === 0) items.push(message(`no-versions-${model.name}`, 'No versions yet.', 'info'));
      const showStages = this.model.state.stages;
      for (const version of versions) items.push({ kind: 'version', version, aliases: aliasesOf(version, model), showStages });
    } catch (error) {
      items.push(...errorNodes(error, { kind: 'model', model }));
    }
    return items;
  }

  getTreeItem(node: RegistryNode): vscode.TreeItem {
    const item = this.treeItem(node);
    item.id = nodeId(node);
    return item;
  }

  private treeItem(node: RegistryNode): vscode.TreeItem {
    switch (node.kind) {
      case 'prompts':
      case 'prompt':
      case 'promptVersion':
        if (!this.prompts) throw new Error('prompt nodes without a prompts tree');
        return this.prompts.treeItem(node);
      case 'model': {
        const m = node.model;
        const item = new vscode.TreeItem(m.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.iconPath = new vscode.ThemeIcon('package');
        item.description = modelBadges(m);
        item.contextValue = RegistryContext.Model;
        item.tooltip = modelTooltip(m);
        return item;
      }
      case 'alias': {
        const item = new vscode.TreeItem(aliasLabel(node.alias, node.version), vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('mention');
        item.contextValue = RegistryContext.Alias;
        item.tooltip = untrustedMarkdown((md) => {
          md.appendText(`models:/${node.model.name}@${node.alias} resolves to version ${node.version}.`);
        });
        return item;
      }
      case 'modelTags': {
        const item = new vscode.TreeItem('Tags', vscode.TreeItemCollapsibleState.Collapsed);
        item.iconPath = new vscode.ThemeIcon('tag');
        item.description = String(Object.keys(node.model.tags).length);
        item.contextValue = RegistryContext.ModelTags;
        return item;
      }
      case 'version':
        return versionItem(node);
      case 'run': {
        const item = new vscode.TreeItem('Source run', vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('beaker');
        item.description = node.runId;
        item.contextValue = RegistryContext.SourceRun;
        item.tooltip = untrustedMarkdown((md) => md.appendText(`Run ${node.runId} produced this version. Click to open it in the Runs view.`));
        item.command = { command: 'mlflow.openModelVersionRun', title: 'Open Source Run', arguments: [node] };
        return item;
      }
      case 'source': {
        const item = new vscode.TreeItem('Source', vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('folder');
        item.description = oneLine(node.version.source);
        item.contextValue = RegistryContext.Source;
        item.tooltip = untrustedMarkdown((md) => md.appendText(node.version.source));
        if (node.version.modelId) {
          // An MLflow 3 logged model (`models:/m-…`): open the run that logged it, where the model is listed.
          item.tooltip = untrustedMarkdown((md) => md.appendText(`${node.version.source}\n\nClick to open the run that logged this model.`));
          item.command = { command: 'mlflow.openModelVersionRun', title: 'Open Source Run', arguments: [node] };
        }
        return item;
      }
      case 'tag': {
        const item = new vscode.TreeItem(node.key, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('tag');
        item.description = oneLine(node.value);
        item.contextValue = node.version === undefined ? RegistryContext.ModelTag : RegistryContext.VersionTag;
        item.tooltip = untrustedMarkdown((md) => md.appendText(`${node.key} = ${node.value}`));
        return item;
      }
      case 'loadMore': {
        const item = new vscode.TreeItem(`Load more models… (${node.loaded} shown)`, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('ellipsis');
        item.command = { command: 'mlflow.loadMoreModels', title: 'Load more models', arguments: [node] };
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(node.severity === 'error' ? 'error' : node.severity === 'warning' ? 'warning' : 'info');
        if (node.detail) item.tooltip = node.detail;
        item.contextValue = RegistryContext.Message;
        if (node.command) item.command = { ...node.command, arguments: node.command.arguments ? [...node.command.arguments] : undefined };
        return item;
      }
    }
  }

  getParent(): undefined {
    // Nothing is revealed programmatically below the top level.
    return undefined;
  }
}

function versionItem(node: ModelVersionNode): vscode.TreeItem {
  const v = node.version;
  const item = new vscode.TreeItem(versionLabel(v), vscode.TreeItemCollapsibleState.Collapsed);
  item.iconPath = STATUS_ICONS[v.status];
  item.description = versionBadges(v, node.aliases, node.showStages);
  item.contextValue = v.runId ? RegistryContext.VersionWithRun : RegistryContext.Version;
  item.tooltip = versionTooltip(node);
  return item;
}

function modelTooltip(m: RegisteredModel): vscode.MarkdownString {
  return untrustedMarkdown((md) => {
    md.appendMarkdown('**');
    md.appendText(m.name);
    md.appendMarkdown('**\n\n');
    if (m.description) md.appendText(`${m.description}\n`);
    md.appendText(`Created ${new Date(m.creationTimestamp).toLocaleString()}`);
    if (m.lastUpdatedTimestamp) md.appendText(` · updated ${new Date(m.lastUpdatedTimestamp).toLocaleString()}`);
    if (m.aliases.length) md.appendText(`\nAliases: ${m.aliases.map((a) => `@${a.alias} → v${a.version}`).join(', ')}`);
    const tags = sortedEntries(m.tags);
    if (tags.length) {
      md.appendMarkdown('\n\n**Tags**\n\n');
      md.appendText(tags.map(([k, value]) => `${k} = ${oneLine(value)}`).join('\n'));
    }
  });
}

function versionTooltip(node: ModelVersionNode): vscode.MarkdownString {
  const v: ModelVersion = node.version;
  return untrustedMarkdown((md) => {
    md.appendMarkdown('**');
    md.appendText(`${v.name} version ${v.version}`);
    md.appendMarkdown('**\n\n');
    md.appendText(statusText(v.status));
    if (v.statusMessage) md.appendText(`: ${v.statusMessage}`);
    if (node.aliases.length) md.appendText(` · ${node.aliases.map((a) => `@${a}`).join(' ')}`);
    if (node.showStages && v.currentStage !== 'None') md.appendText(` · stage ${v.currentStage}`);
    md.appendText(`\nCreated ${new Date(v.creationTimestamp).toLocaleString()}`);
    if (v.runId) md.appendText(`\nSource run: ${v.runId}`);
    if (v.source) md.appendText(`\nSource: ${v.source}`);
    if (v.description) md.appendText(`\n${v.description}`);
    const tags = sortedEntries(v.tags);
    if (tags.length) {
      md.appendMarkdown('\n\n**Tags**\n\n');
      md.appendText(tags.map(([k, value]) => `${k} = ${oneLine(value)}`).join('\n'));
    }
  });
}

function tagNodes(modelName: string, version: string | undefined, tags: Record<string, string>): TagNode[] {
  return sortedEntries(tags).map(([key, value]) => ({ kind: 'tag', modelName, version, key, value }));
}

function errorNodes(error: unknown, parent: RegistryNode | undefined): RegistryMessageNode[] {
  const described = describeError(error);
  const scope = parent ? nodeId(parent) : 'root';
  const retry = { command: 'mlflow.refreshModels', title: 'Retry' };
  const nodes = [message(`error-${scope}`, described.message, 'error', retry, described.detail)];
  if (isMlflowError(error, 'UNAUTHENTICATED') || isMlflowError(error, 'PERMISSION_DENIED')) {
    nodes.push(message(`signin-${scope}`, 'Sign in…', 'info', { command: 'mlflow.signIn', title: 'Sign in' }));
  } else {
    nodes.push(message(`retry-${scope}`, 'Retry', 'info', retry));
    if (!parent) nodes.push(message(`configure-${scope}`, 'Configure connection…', 'info', { command: 'mlflow.connect', title: 'Configure connection' }));
  }
  return nodes;
}

function message(id: string, text: string, severity: RegistryMessageNode['severity'], command?: RegistryMessageNode['command'], detail?: string): RegistryMessageNode {
  return { kind: 'message', id, text, severity, command, detail };
}


