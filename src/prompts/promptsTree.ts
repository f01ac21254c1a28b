import * as vscode from 'vscode';
import type { RegisteredModel } from '../mlflow/types';
import { sortedEntries, untrustedMarkdown } from '../vscode/untrustedMarkdown';
import { type PromptVersion, promptVersionDescription, templateVariables, userTags } from './core/prompts';
import type { PromptsModel } from './promptsModel';

/** The Prompts branch of the Models view: "Prompts" → prompts → versions. */
export type PromptTreeNode =
  | { readonly kind: 'prompts'; readonly count: number }
  | { readonly kind: 'prompt'; readonly prompt: RegisteredModel }
  | { readonly kind: 'promptVersion'; readonly version: PromptVersion };

export const enum PromptContext {
  Prompts = 'prompts',
  Prompt = 'prompt',
  PromptVersion = 'promptVersion',
}

export function promptNodeId(node: PromptTreeNode): string {
  switch (node.kind) {
    case 'prompts':
      return JSON.stringify(['prompts']);
    case 'prompt':
      return JSON.stringify(['prompt', node.prompt.name]);
    case 'promptVersion':
      return JSON.stringify(['promptVersion', node.version.name, node.version.version]);
  }
}

/** Children and items of the prompt nodes; the Models view's provider delegates to it. */
export class PromptsTree {
  constructor(private readonly model: PromptsModel) {}

  /** The "Prompts" node when the store has any prompt (MLflow 3 registries), else nothing. */
  async root(): Promise<PromptTreeNode[]> {
    this.model.reset();
    try {
      const prompts = await this.model.prompts();
      return prompts.length > 0 ? [{ kind: 'prompts', count: prompts.length }] : [];
    } catch {
      // A registry that cannot list prompts (2.x filters, an error shown by the models below) has none to show.
      return [];
    }
  }

  async children(node: PromptTreeNode): Promise<PromptTreeNode[]> {
    switch (node.kind) {
      case 'prompts':
        return (await this.model.prompts()).map((prompt) => ({ kind: 'prompt', prompt }));
      case 'prompt':
        return (await this.model.versionsOf(node.prompt)).map((version) => ({ kind: 'promptVersion', version }));
      case 'promptVersion':
        return [];
    }
  }

  treeItem(node: PromptTreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'prompts': {
        const item = new vscode.TreeItem('Prompts', vscode.TreeItemCollapsibleState.Collapsed);
        item.iconPath = new vscode.ThemeIcon('comment-discussion');
        item.description = String(node.count);
        item.contextValue = PromptContext.Prompts;
        return item;
      }
      case 'prompt': {
        const p = node.prompt;
        const item = new vscode.TreeItem(p.name, vscode.TreeItemCollapsibleState.Collapsed);
        item.iconPath = new vscode.ThemeIcon('note');
        item.description = p.aliases.map((a) => `@${a.alias} → v${a.version}`).join(' ');
        item.contextValue = PromptContext.Prompt;
        item.tooltip = untrustedMarkdown((md) => {
          md.appendMarkdown('**');
          md.appendText(p.name);
          md.appendMarkdown('**\n\n');
          if (p.description) md.appendText(`${p.description}\n`);
          const tags = sortedEntries(userTags(p.tags));
          if (tags.length) md.appendText(`\nTags: ${tags.map(([k, v]) => `${k}=${v}`).join(', ')}`);
        });
        return item;
      }
      case 'promptVersion': {
        const v = node.version;
        const item = new vscode.TreeItem(`Version ${v.version}`, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon(v.type === 'chat' ? 'comment' : 'symbol-text');
        item.description = promptVersionDescription(v);
        item.contextValue = PromptContext.PromptVersion;
        item.command = { command: 'mlflow.prompts.open', title: 'Open Prompt', arguments: [node] };
        item.tooltip = untrustedMarkdown((md) => {
          md.appendMarkdown('**');
          md.appendText(`prompts:/${v.name}/${v.version}`);
          md.appendMarkdown('**\n\n');
          if (v.commitMessage) md.appendText(`${v.commitMessage}\n`);
          md.appendText(`${v.type} prompt`);
          const variables = templateVariables(v.template);
          if (variables.length) md.appendText(` · variables: ${variables.join(', ')}`);
          if (v.aliases.length) md.appendText(` · ${v.aliases.map((a) => `@${a}`).join(' ')}`);
          const tags = sortedEntries(v.tags);
          if (tags.length) md.appendText(`\nTags: ${tags.map(([k, value]) => `${k}=${value}`).join(', ')}`);
        });
        return item;
      }
    }
  }
}
