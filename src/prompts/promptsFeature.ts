import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { describeError } from '../explorer/errorMessages';
import { Disposer } from '../vscode/disposer';
import type { Log } from '../vscode/log';
import { showError } from '../vscode/notify';
import { type PromptVersion, promptAliasUri, promptDocument, promptVersionUri } from './core/prompts';
import { PromptsModel } from './promptsModel';
import { type PromptTreeNode, PromptsTree } from './promptsTree';

export const PROMPT_SCHEME = 'mlflow-prompt';

/** `mlflow-prompt:/<name>/<version>/<name> v<version>.txt`: the last segment names the editor tab. */
export function promptDocumentUri(name: string, version: string): vscode.Uri {
  const label = `${name} v${version}`.replace(/[\\/:*?"<>|]+/g, '_').slice(0, 120);
  return vscode.Uri.from({ scheme: PROMPT_SCHEME, path: `/${encodeURIComponent(name)}/${encodeURIComponent(version)}/${label}.txt` });
}

function parsePromptUri(uri: vscode.Uri): { name: string; version: string } | undefined {
  const [, name, version] = uri.path.split('/');
  if (!name || !version) return undefined;
  return { name: decodeURIComponent(name), version: decodeURIComponent(version) };
}

/**
 * Prompts (MLflow 3 prompt registry) in the Models view: prompts → versions with alias badges; a
 * version opens as a read-only document (`mlflow-prompt:`), two versions open in VS Code's diff
 * editor, and `prompts:/name/version` / `prompts:/name@alias` URIs are copied for `load_prompt`.
 */
export class PromptsFeature implements vscode.Disposable, vscode.TextDocumentContentProvider {
  private readonly disposer = new Disposer();
  readonly model: PromptsModel;
  readonly tree: PromptsTree;

  constructor(private readonly deps: { activeStore: ActiveStore; log: Log }) {
    this.model = new PromptsModel(deps.activeStore);
    this.tree = new PromptsTree(this.model);
    this.disposer.track(deps.activeStore.onDidChange(() => this.model.reset()));
    this.disposer.track(vscode.workspace.registerTextDocumentContentProvider(PROMPT_SCHEME, this));
    const register = (id: string, handler: (...args: never[]) => unknown): void => {
      this.disposer.track(vscode.commands.registerCommand(id, handler));
    };
    register('mlflow.prompts.open', (node?: PromptTreeNode) => this.guard(() => this.open(node)));
    register('mlflow.prompts.diff', (node?: PromptTreeNode) => this.guard(() => this.diff(node)));
    register('mlflow.prompts.copyUri', (node?: PromptTreeNode) => this.guard(() => this.copyUri(node)));
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const parsed = parsePromptUri(uri);
    if (!parsed) return '';
    return promptDocument(await this.model.version(parsed.name, parsed.version));
  }

  async open(node?: PromptTreeNode): Promise<vscode.TextEditor | undefined> {
    if (node?.kind !== 'promptVersion') return undefined;
    const document = await vscode.workspace.openTextDocument(promptDocumentUri(node.version.name, node.version.version));
    return vscode.window.showTextDocument(document, { preview: true });
  }

  /** Diffs a version with another of the same prompt (asked; the previous version first). */
  async diff(node?: PromptTreeNode, otherVersion?: string): Promise<void> {
    if (node?.kind !== 'promptVersion') return;
    const { name, version } = node.version;
    const prompt = (await this.model.prompts()).find((p) => p.name === name);
    if (!prompt) return;
    const versions = (await this.model.versionsOf(prompt)).filter((v) => v.version !== version);
    if (versions.length === 0) {
      void vscode.window.showInformationMessage(`${name} has only one version.`);
      return;
    }
    let other: PromptVersion | undefined = versions.find((v) => v.version === otherVersion);
    if (!other) {
      const older = versions.filter((v) => Number(v.version) < Number(version));
      const ordered = [...older, ...versions.filter((v) => !older.includes(v))];
      const pick = await vscode.window.showQuickPick(
        ordered.map((v) => ({ label: `Version ${v.version}`, description: [v.aliases.map((a) => `@${a}`).join(' '), v.commitMessage ?? ''].filter(Boolean).join(' · '), v })),
        { title: `Compare ${name} v${version} with…` },
      );
      other = pick?.v;
    }
    if (!other) return;
    const [left, right] = Number(other.version) < Number(version) ? [other.version, version] : [version, other.version];
    await vscode.commands.executeCommand('vscode.diff', promptDocumentUri(name, left), promptDocumentUri(name, right), `${name}: v${left} ↔ v${right}`);
  }

  private async copyUri(node?: PromptTreeNode): Promise<void> {
    let uris: string[] = [];
    if (node?.kind === 'promptVersion') uris = [promptVersionUri(node.version.name, node.version.version), ...node.version.aliases.map((a) => promptAliasUri(node.version.name, a))];
    else if (node?.kind === 'prompt') uris = node.prompt.aliases.map((a) => promptAliasUri(node.prompt.name, a.alias));
    if (uris.length === 0) return;
    const uri = uris.length === 1 ? uris[0] : (await vscode.window.showQuickPick(uris, { title: 'Copy Prompt URI' }));
    if (uri) await vscode.env.clipboard.writeText(uri);
  }

  private async guard(action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (error) {
      const { message, detail } = describeError(error);
      this.deps.log.error(`Prompts: ${message}${detail ? ` (${detail})` : ''}`);
      void showError(message);
    }
  }

  dispose(): void {
    this.disposer.dispose();
  }
}
