import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { pickText } from '../explorer/core/pickItems';
import { guardWrite, writableStore } from '../connection/core/writeGuard';
import type { TrackingStore } from '../mlflow/store';
import type { RegisteredModel } from '../mlflow/types';
import { runGuarded, runReported } from '../explorer/guardedCommand';
import { aliasNameProblem } from '../registry/registryRules';
import { ContextKey, setContext } from '../vscode/contextKeys';
import { Disposer } from '../vscode/disposer';
import type { Log } from '../vscode/log';
import { showInfo, showWarning } from '../vscode/notify';
import { draftText, type PromptVersion, promptAliasUri, promptDocument, promptVersionUri, templateFromDraft } from './core/prompts';
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
  /** Untitled documents opened by "Edit as New Prompt Version", by URI: which prompt they become a version of. */
  private readonly drafts = new Map<string, { name: string; type: 'text' | 'chat'; baseVersion: string }>();
  readonly model: PromptsModel;
  readonly tree: PromptsTree;
  /** The ids of the commands registered as writes (each refused on a read-only store before it runs; see guardWrite). */
  readonly writeCommands: string[] = [];

  constructor(private readonly deps: { activeStore: ActiveStore; log: Log }) {
    this.model = new PromptsModel(deps.activeStore);
    this.tree = new PromptsTree(this.model);
    this.disposer.track(deps.activeStore.onDidChange(() => this.model.reset()));
    this.disposer.track(vscode.workspace.registerTextDocumentContentProvider(PROMPT_SCHEME, this));
    const register = (id: string, handler: (...args: never[]) => unknown): void => {
      this.disposer.track(vscode.commands.registerCommand(id, handler));
    };
    // From the palette (no node) the prompt and its version are asked for.
    register('mlflow.prompts.open', (node?: PromptTreeNode) => this.guard(async () => this.open(node ?? (await this.pickVersion('Open Prompt Version')))));
    register('mlflow.prompts.diff', (node?: PromptTreeNode) => this.guard(async () => this.diff(node ?? (await this.pickVersion('Compare Prompt Versions')))));
    register('mlflow.prompts.copyUri', (node?: PromptTreeNode) => this.guard(async () => this.copyUri(node ?? (await this.pickVersion('Copy Prompt URI')))));
    const registerWrite = (id: string, handler: (node?: PromptTreeNode) => Promise<unknown>): void => {
      this.disposer.track(vscode.commands.registerCommand(id, (node?: PromptTreeNode) => runGuarded(id, deps.log, () => handler(node))));
    };
    /**
     * A write: guardWrite refuses on a read-only store first; then, from the palette (no node), the prompt
     * and its version are asked for; then the body runs.
     */
    const write = (id: string, operation: string, title: string, body: (store: TrackingStore, node?: PromptTreeNode) => Promise<unknown>): void => {
      this.writeCommands.push(id);
      registerWrite(id, guardWrite(() => deps.activeStore.current?.store, operation, async (store, node?: PromptTreeNode) =>
        body(store, node ?? (await this.pickVersion(title)))));
    };
    write('mlflow.prompts.setAlias', 'Setting a prompt alias', 'Set Prompt Alias', (store, node) => this.setAlias(store, node));
    write('mlflow.prompts.deleteAlias', 'Removing a prompt alias', 'Remove Prompt Alias', (store, node) => this.deleteAlias(store, node));
    registerWrite('mlflow.prompts.editAsNewVersion', (node) => this.editAsNewVersion(node));
    // Checks the store itself, after saying when there is no text to register (it is also called directly).
    registerWrite('mlflow.prompts.registerVersion', (node) => this.registerVersion(node));
    this.disposer.track(vscode.workspace.onDidCloseTextDocument((document) => this.drafts.delete(document.uri.toString())));
    this.disposer.track(vscode.window.onDidChangeActiveTextEditor((editor) => void this.updateDraftContext(editor)));
  }

  private updateDraftContext(editor: vscode.TextEditor | undefined): Thenable<unknown> {
    return setContext(ContextKey.PromptDraft, editor !== undefined && this.drafts.has(editor.document.uri.toString()));
  }

  /** Re-reads the prompts and redraws the Models view (prompts hang under it). */
  private async changed(): Promise<void> {
    this.model.reset();
    await vscode.commands.executeCommand('mlflow.refreshModels');
  }

  /**
   * Sets an alias on a prompt version, or moves one of the prompt's aliases here (MLflow keeps one
   * version per alias): the prompt's other aliases are offered first, a new name is typed and checked
   * the way the server checks it.
   */
  private async setAlias(store: TrackingStore, node?: PromptTreeNode): Promise<void> {
    if (node?.kind !== 'promptVersion') return;
    const { name, version } = node.version;
    const prompt = await this.promptNamed(name);
    const movable = (prompt?.aliases ?? []).filter((a) => a.version !== version);
    const NEW = '$(add) New alias…';
    let alias: string | undefined;
    if (movable.length > 0) {
      const picked = await vscode.window.showQuickPick(
        [{ label: NEW, alias: undefined }, ...movable.map((a) => ({ label: `@${a.alias}`, description: `on version ${a.version}; moves to version ${version}`, alias: a.alias }))],
        { title: `Set an alias on ${name} version ${version}` },
      );
      if (!picked) return;
      alias = picked.alias;
    }
    if (alias === undefined) {
      const typed = await vscode.window.showInputBox({
        title: `New alias for ${name} version ${version}`,
        prompt: `prompts:/${name}@<alias> will load this version.`,
        ignoreFocusOut: true,
        validateInput: (value) => {
          const problem = aliasNameProblem(value.trim());
          if (problem) return problem;
          const current = prompt?.aliases.find((a) => a.alias === value.trim());
          return current && current.version !== version
            ? { message: `@${value.trim()} is on version ${current.version}; it will move to version ${version}.`, severity: vscode.InputBoxValidationSeverity.Info }
            : undefined;
        },
      });
      if (typed === undefined) return;
      alias = typed.trim();
    }
    const problem = aliasNameProblem(alias);
    if (problem) throw new Error(problem);
    await store.setAlias(name, alias, version);
    await this.changed();
    vscode.window.setStatusBarMessage(`@${alias} → ${name} version ${version}`, 4000);
  }

  /** Removes one alias of a version (or of a prompt), after asking: `prompts:/name@alias` stops resolving. */
  private async deleteAlias(store: TrackingStore, node?: PromptTreeNode): Promise<void> {
    let name: string;
    let aliases: string[];
    if (node?.kind === 'promptVersion') {
      name = node.version.name;
      aliases = node.version.aliases;
    } else if (node?.kind === 'prompt') {
      name = node.prompt.name;
      aliases = node.prompt.aliases.map((a) => a.alias);
    } else {
      return;
    }
    if (aliases.length === 0) {
      void showInfo(`${name}${node.kind === 'promptVersion' ? ` version ${node.version.version}` : ''} has no alias.`);
      return;
    }
    const alias = aliases.length === 1 ? aliases[0] : (await vscode.window.showQuickPick(aliases.map((a) => `@${a}`), { title: `Remove which alias of ${name}?` }))?.slice(1);
    if (!alias) return;
    const answer = await showWarning(`Remove alias @${alias} from ${name}? prompts:/${name}@${alias} will stop resolving for anyone who loads it.`, { modal: true }, 'Remove Alias');
    if (answer !== 'Remove Alias') return;
    await store.deleteAlias(name, alias);
    await this.changed();
  }

  /** Opens a version's template in an untitled editor; "Register New Prompt Version" then makes it the next version. */
  async editAsNewVersion(node?: PromptTreeNode): Promise<vscode.TextEditor | undefined> {
    let version: PromptVersion | undefined;
    if (node?.kind === 'promptVersion') version = node.version;
    else if (node?.kind === 'prompt') version = (await this.model.versionsOf(node.prompt))[0];
    else {
      const uri = vscode.window.activeTextEditor?.document.uri;
      const parsed = uri?.scheme === PROMPT_SCHEME ? parsePromptUri(uri) : undefined;
      if (parsed) version = await this.model.version(parsed.name, parsed.version);
    }
    if (!version) return undefined;
    const document = await vscode.workspace.openTextDocument({ content: draftText(version), language: version.type === 'chat' ? 'json' : 'plaintext' });
    this.drafts.set(document.uri.toString(), { name: version.name, type: version.type, baseVersion: version.version });
    const editor = await vscode.window.showTextDocument(document);
    await this.updateDraftContext(editor);
    return editor;
  }

  /**
   * Registers the active editor's text as a new version of a prompt: a draft from "Edit as New Prompt
   * Version" knows its prompt, any other editor asks which prompt. The commit message is asked for.
   */
  async registerVersion(node?: PromptTreeNode): Promise<PromptVersion | undefined> {
    const editor = vscode.window.activeTextEditor;
    if (editor?.document.uri.scheme === PROMPT_SCHEME) {
      void showInfo('This is a registered version (read-only). Use "Edit as New Prompt Version", change the text, then register it.');
      return undefined;
    }
    if (!editor) {
      void showInfo('Open the new prompt text in an editor, then run "Register New Prompt Version".');
      return undefined;
    }
    const store = await writableStore(this.deps.activeStore.current?.store, 'Registering a prompt version');
    const document = editor.document;
    let target = this.drafts.get(document.uri.toString());
    if (!target) {
      let prompt: RegisteredModel | undefined = node?.kind === 'prompt' ? node.prompt : undefined;
      if (!prompt) {
        const prompts = await this.model.prompts();
        if (prompts.length === 0) {
          void showInfo('This registry has no prompts yet; register the first version with mlflow.genai.register_prompt.');
          return undefined;
        }
        prompt = (await vscode.window.showQuickPick(prompts.map((p) => ({ label: p.name, description: p.aliases.map((a) => `@${a.alias}`).join(' '), prompt: p })), {
          title: 'Register the editor text as a new version of…',
        }))?.prompt;
      }
      if (!prompt) return undefined;
      const latest = (await this.model.versionsOf(prompt))[0];
      target = { name: prompt.name, type: latest?.type ?? 'text', baseVersion: latest?.version ?? '0' };
    }
    const template = templateFromDraft(document.getText(), target.type);
    if (!template.ok) throw new Error(template.message);
    const commitMessage = await vscode.window.showInputBox({
      title: `New version of ${target.name}: commit message`,
      prompt: `Describes what changed since version ${target.baseVersion} (stored as the version's description).`,
      ignoreFocusOut: true,
    });
    if (commitMessage === undefined) return undefined;
    const created = await store.createPromptVersion({ name: target.name, template: template.template, type: target.type, ...(commitMessage.trim() ? { commitMessage: commitMessage.trim() } : {}) });
    await this.changed();
    vscode.window.setStatusBarMessage(`Registered prompts:/${created.name}/${created.version}`, 5000);
    const prompt = await this.promptNamed(created.name);
    return prompt ? (await this.model.versionsOf(prompt)).find((v) => v.version === created.version) : undefined;
  }

  private async promptNamed(name: string): Promise<RegisteredModel | undefined> {
    return (await this.model.prompts()).find((p) => p.name === name);
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

  /** A prompt, then one of its versions (newest first), as the Models view's node for it. */
  private async pickVersion(title: string): Promise<PromptTreeNode | undefined> {
    const prompts = await this.model.prompts();
    if (prompts.length === 0) {
      void vscode.window.showInformationMessage('No prompts in this store (prompts are in MLflow 3 registries).');
      return undefined;
    }
    const prompt = await vscode.window.showQuickPick(
      prompts.map((p) => ({ label: pickText(p.name), description: p.aliases.map((a) => `@${a.alias}`).join(' '), prompt: p })),
      { title, placeHolder: 'Prompt (type to search)', matchOnDescription: true },
    );
    if (!prompt) return undefined;
    const versions = [...(await this.model.versionsOf(prompt.prompt))].sort((a, b) => Number(b.version) - Number(a.version));
    const version = await vscode.window.showQuickPick(
      versions.map((v) => ({ label: `Version ${v.version}`, description: pickText([v.aliases.map((a) => `@${a}`).join(' '), v.commitMessage ?? ''].filter(Boolean).join(' · ')), v })),
      { title: `${title}: ${pickText(prompt.prompt.name)}`, placeHolder: 'Version', matchOnDescription: true },
    );
    return version ? { kind: 'promptVersion', version: version.v } : undefined;
  }

  private async copyUri(node?: PromptTreeNode): Promise<void> {
    let uris: string[] = [];
    if (node?.kind === 'promptVersion') uris = [promptVersionUri(node.version.name, node.version.version), ...node.version.aliases.map((a) => promptAliasUri(node.version.name, a))];
    else if (node?.kind === 'prompt') uris = node.prompt.aliases.map((a) => promptAliasUri(node.prompt.name, a.alias));
    if (uris.length === 0) return;
    const uri = uris.length === 1 ? uris[0] : (await vscode.window.showQuickPick(uris, { title: 'Copy Prompt URI' }));
    if (uri) await vscode.env.clipboard.writeText(uri);
  }

  private guard(action: () => Promise<unknown>): Promise<void> {
    return runReported('Prompts', this.deps.log, action);
  }

  dispose(): void {
    this.disposer.dispose();
  }
}
