import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { guardWrite, writableStore } from '../connection/core/writeGuard';
import { MlflowError } from '../mlflow/errors';
import type { TrackingStore } from '../mlflow/store';
import type { Stage } from '../mlflow/types';
import { registeredModelAliasUri, registeredModelVersionUri } from '../serving/modelUri';
import { Disposer } from '../vscode/disposer';
import type { Log } from '../vscode/log';
import { aliasesOf, versionBadges, versionLabel } from './registryLabels';
import type { RegistryModel } from './registryModel';
import type { RegistryNode } from './registryNodes';
import { RegistryPicker, type RegistryTarget } from './registryPicker';
import { aliasNameProblem, tagKeyProblem } from './registryRules';
import { runGuarded } from '../explorer/guardedCommand';
import { showInfo, showWarning } from '../vscode/notify';

/** The command the serving feature registers; the Models view only hands it a model URI. */
export const SERVE_MODEL_COMMAND = 'mlflow.serveModel';

/** What a registry write is aimed at: a registered model, or one version of it. */
type Target = { kind: 'model'; name: string } | { kind: 'version'; name: string; version: string };

/**
 * Actions on registered models, versions, aliases and tags from the Models view's context menus. Write
 * commands are registered with `write`, which checks first that the store can be written (guardWrite: a
 * local store answers with the ReadOnlyStoreError that names "Start Tracking Server", before any
 * question is asked); each then re-reads the model it changed.
 */
export class RegistryCommands implements vscode.Disposable {
  private readonly disposer = new Disposer();
  /** The ids of the commands registered as writes (each refused on a read-only store before it runs). */
  readonly writeCommands: string[] = [];

  constructor(
    private readonly deps: {
      activeStore: ActiveStore;
      model: RegistryModel;
      log: Log;
      revealRun?: (runId: string) => Promise<void>;
      selection: () => readonly RegistryNode[];
    },
  ) {
    const picker = new RegistryPicker(deps.model);
    /**
     * With no node (the palette passes none) the command acts on what is selected in the Models view if
     * it fits, else asks for the model and its version, alias or tag. A context menu always passes its node.
     */
    const register = (id: string, title: string, target: RegistryTarget, handler: (node: RegistryNode | undefined) => unknown, write?: string) =>
      this.disposer.track(vscode.commands.registerCommand(id, (node?: RegistryNode) =>
        runGuarded(id, deps.log, async () => {
          const selected = deps.selection()[0];
          let chosen = node ?? (selected && RegistryPicker.fits(target, selected) ? selected : undefined);
          if (!chosen) {
            // A read-only store says so before anything is asked.
            if (write) await writableStore(deps.activeStore.current?.store, write);
            chosen = await picker.pick(target, title);
          }
          if (chosen) await handler(chosen);
        })));
    /** A write: guardWrite refuses on a read-only store before the body asks anything (and before the picks). */
    const write = (id: string, title: string, target: RegistryTarget, operation: string, body: (store: TrackingStore, node: RegistryNode | undefined) => unknown) => {
      this.writeCommands.push(id);
      register(id, title, target, guardWrite(() => deps.activeStore.current?.store, operation, body), operation);
    };
    register('mlflow.copyModelVersionUri', 'Copy Model Version URI', 'version', (node) => this.copyVersionUri(node));
    register('mlflow.copyModelAliasUri', 'Copy Alias URI', 'alias', (node) => this.copyAliasUri(node));
    write('mlflow.setModelAlias', 'Set Alias', 'version', 'Setting an alias', (store, node) => this.setAlias(store, node));
    write('mlflow.moveModelAlias', 'Move Alias', 'alias', 'Moving an alias', (store, node) => this.moveAlias(store, node));
    write('mlflow.deleteModelAlias', 'Remove Alias', 'alias', 'Removing an alias', (store, node) => this.deleteAlias(store, node));
    write('mlflow.transitionModelVersionStage', 'Transition Stage', 'version', 'Transitioning a stage', (store, node) => this.transitionStage(store, node));
    write('mlflow.editModelDescription', 'Edit Description', 'modelOrVersion', 'Editing a description', (store, node) => this.editDescription(store, node));
    write('mlflow.setModelTag', 'Set Tag on a Model or Version', 'modelOrVersion', 'Setting a tag', (store, node) => this.setTag(store, node));
    write('mlflow.deleteModelTag', 'Delete Tag from a Model or Version', 'tag', 'Deleting a tag', (store, node) => this.deleteTag(store, node));
    write('mlflow.deleteModelVersion', 'Delete Version', 'version', 'Deleting a model version', (store, node) => this.deleteVersion(store, node));
    register('mlflow.openModelVersionRun', 'Open Source Run', 'version', (node) => this.openRun(node));
    register('mlflow.serveModelVersion', 'Serve Model Version', 'version', (node) => this.serveVersion(node));
    register('mlflow.serveModelAlias', 'Serve Alias', 'alias', (node) => this.serveAlias(node));
    register('mlflow.openModelInBrowser', 'Open Model in MLflow UI', 'modelOrVersion', (node) => this.openInBrowser(node));
  }

  private get store(): TrackingStore {
    const store = this.deps.activeStore.current?.store;
    if (!store) throw new Error('Not connected to an MLflow tracking store.');
    return store;
  }

  private async copy(text: string): Promise<void> {
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(`Copied ${text}`, 3000);
  }

  private async copyVersionUri(node?: RegistryNode): Promise<void> {
    const target = targetOf(node);
    if (target?.kind === 'version') await this.copy(registeredModelVersionUri(target.name, target.version));
  }

  private async copyAliasUri(node?: RegistryNode): Promise<void> {
    if (node?.kind === 'alias') await this.copy(registeredModelAliasUri(node.model.name, node.alias));
  }

  private async setAlias(store: TrackingStore, node?: RegistryNode): Promise<void> {
    const target = targetOf(node);
    if (target?.kind !== 'version') return;
    const existing = this.deps.model.findModel(target.name)?.aliases ?? [];
    const input = await vscode.window.showInputBox({
      title: `Set an alias on ${target.name} version ${target.version}`,
      prompt: `models:/${target.name}@<alias> will load this version. An alias on another version moves here.`,
      placeHolder: 'champion',
      validateInput: (value) => {
        const alias = value.trim();
        const problem = aliasNameProblem(alias);
        if (problem) return { message: problem, severity: vscode.InputBoxValidationSeverity.Error };
        const current = existing.find((a) => a.alias === alias);
        if (current && current.version !== target.version) {
          return { message: `@${alias} is on version ${current.version}; it will move to version ${target.version}.`, severity: vscode.InputBoxValidationSeverity.Info };
        }
        return undefined;
      },
    });
    if (input === undefined) return;
    await this.putAlias(store, target.name, input.trim(), target.version);
  }

  private async moveAlias(store: TrackingStore, node?: RegistryNode): Promise<void> {
    if (node?.kind !== 'alias') return;
    const versions = await this.deps.model.getVersions(node.model.name);
    const others = versions.filter((v) => v.version !== node.version);
    if (!others.length) {
      void showInfo(`${node.model.name} has no other version to move @${node.alias} to.`);
      return;
    }
    const showStages = this.deps.model.state.stages;
    const picked = await vscode.window.showQuickPick(
      others.map((v) => ({ label: versionLabel(v), description: versionBadges(v, aliasesOf(v, node.model), showStages), detail: v.description || undefined, version: v.version })),
      { title: `Move @${node.alias} of ${node.model.name} (now on version ${node.version}) to…` },
    );
    if (picked) await this.putAlias(store, node.model.name, node.alias, picked.version);
  }

  /** Sets (or moves: MLflow keeps one version per alias) an alias, checked the way the server checks it. */
  private async putAlias(store: TrackingStore, name: string, alias: string, version: string): Promise<void> {
    const problem = aliasNameProblem(alias);
    if (problem) throw new MlflowError(problem, 'INVALID_PARAMETER_VALUE');
    await store.setAlias(name, alias, version);
    await this.deps.model.reloadModel(name);
    vscode.window.setStatusBarMessage(`@${alias} → ${name} version ${version}`, 4000);
  }

  private async deleteAlias(store: TrackingStore, node?: RegistryNode): Promise<void> {
    const alias = await this.aliasOf(node);
    if (!alias) return;
    const answer = await showWarning(
      `Remove alias @${alias.alias} from ${alias.name}? models:/${alias.name}@${alias.alias} will stop resolving for anyone who loads it.`,
      { modal: true },
      'Remove Alias',
    );
    if (answer !== 'Remove Alias') return;
    await store.deleteAlias(alias.name, alias.alias);
    await this.deps.model.reloadModel(alias.name);
  }

  /** The alias node itself, or one of a version's aliases (asked for when it has several). */
  private async aliasOf(node?: RegistryNode): Promise<{ name: string; alias: string } | undefined> {
    if (node?.kind === 'alias') return { name: node.model.name, alias: node.alias };
    if (node?.kind !== 'version') return undefined;
    if (node.aliases.length === 0) {
      void showInfo(`Version ${node.version.version} of ${node.version.name} has no alias.`);
      return undefined;
    }
    const alias = node.aliases.length === 1
      ? node.aliases[0]
      : await vscode.window.showQuickPick([...node.aliases], { title: `Remove which alias of version ${node.version.version}?` });
    return alias ? { name: node.version.name, alias } : undefined;
  }

  private async transitionStage(store: TrackingStore, node?: RegistryNode): Promise<void> {
    if (node?.kind !== 'version') return;
    const { name, version, currentStage } = node.version;
    if (!(await store.capabilities()).stages) {
      void showInfo('This registry has no stages; mark versions with aliases instead ("Set Alias…").');
      return;
    }
    const stages: Stage[] = ['Staging', 'Production', 'Archived', 'None'];
    const stage = await vscode.window.showQuickPick(
      stages.filter((s) => s !== currentStage).map((s) => ({ label: s, stage: s })),
      { title: `Move ${name} version ${version} from ${currentStage} to…` },
    );
    if (!stage) return;
    let archiveExisting = false;
    // MLflow takes archive_existing_versions only for the two serving stages.
    if (stage.stage === 'Staging' || stage.stage === 'Production') {
      const choice = await vscode.window.showQuickPick(
        [
          { label: `Keep other versions in ${stage.stage}`, archive: false },
          { label: `Archive other versions in ${stage.stage}`, archive: true },
        ],
        { title: `Other versions of ${name} in ${stage.stage}` },
      );
      if (!choice) return;
      archiveExisting = choice.archive;
    }
    await store.transitionModelVersionStage(name, version, stage.stage, archiveExisting);
    await this.deps.model.reloadModel(name);
  }

  private async editDescription(store: TrackingStore, node?: RegistryNode): Promise<void> {
    if (node?.kind !== 'model' && node?.kind !== 'version') return;
    const current = node.kind === 'model' ? node.model.description : node.version.description;
    const description = await vscode.window.showInputBox({
      title: node.kind === 'model' ? `Description of ${node.model.name}` : `Description of ${node.version.name} version ${node.version.version}`,
      value: current,
      ignoreFocusOut: true,
    });
    if (description === undefined || description === current) return;
    if (node.kind === 'model') await store.updateRegisteredModelDescription(node.model.name, description);
    else await store.updateModelVersionDescription(node.version.name, node.version.version, description);
    await this.deps.model.reloadModel(node.kind === 'model' ? node.model.name : node.version.name);
  }

  private async setTag(store: TrackingStore, node?: RegistryNode): Promise<void> {
    const target = targetOf(node);
    if (!target) return;
    const owner = target.kind === 'model' ? target.name : `${target.name} version ${target.version}`;
    const key = node?.kind === 'tag' ? node.key : await vscode.window.showInputBox({
      title: `Tag ${owner}: key`,
      validateInput: (value) => tagKeyProblem(value.trim()),
    });
    if (!key) return;
    const value = await vscode.window.showInputBox({ title: `Tag ${owner}: value of "${key.trim()}"`, value: node?.kind === 'tag' ? node.value : '' });
    if (value === undefined) return;
    if (target.kind === 'model') await store.setRegisteredModelTag(target.name, key.trim(), value);
    else await store.setModelVersionTag(target.name, target.version, key.trim(), value);
    await this.deps.model.reloadModel(target.name);
  }

  private async deleteTag(store: TrackingStore, node?: RegistryNode): Promise<void> {
    if (node?.kind !== 'tag') return;
    const owner = node.version === undefined ? node.modelName : `${node.modelName} version ${node.version}`;
    const answer = await showWarning(`Delete tag "${node.key}" from ${owner}?`, { modal: true }, 'Delete Tag');
    if (answer !== 'Delete Tag') return;
    if (node.version === undefined) await store.deleteRegisteredModelTag(node.modelName, node.key);
    else await store.deleteModelVersionTag(node.modelName, node.version, node.key);
    await this.deps.model.reloadModel(node.modelName);
  }

  private async deleteVersion(store: TrackingStore, node?: RegistryNode): Promise<void> {
    if (node?.kind !== 'version') return;
    const { name, version } = node.version;
    const aliases = node.aliases.length ? ` and its aliases (${node.aliases.map((a) => `@${a}`).join(', ')})` : '';
    const answer = await showWarning(
      `Delete version ${version} of ${name}? This cannot be undone: models:/${name}/${version}${aliases} will stop resolving.`,
      { modal: true },
      'Delete Version',
    );
    if (answer !== 'Delete Version') return;
    await store.deleteModelVersion(name, version);
    await this.deps.model.reloadModel(name);
  }

  private async openRun(node?: RegistryNode): Promise<void> {
    let runId = node?.kind === 'run' ? node.runId : node?.kind === 'version' || node?.kind === 'source' ? node.version.runId : undefined;
    const modelId = node?.kind === 'version' || node?.kind === 'source' ? node.version.modelId : undefined;
    // A version registered from a logged model may not name its run (the SQL registry leaves run_id empty).
    if (!runId && modelId) runId = (await this.store.getLoggedModel(modelId)).sourceRunId;
    if (!runId) return;
    if (this.deps.revealRun) {
      await this.deps.revealRun(runId);
      return;
    }
    const choice = await showInfo(`This version was produced by run ${runId}.`, 'Copy Run ID');
    if (choice) await this.copy(runId);
  }

  private async serveVersion(node?: RegistryNode): Promise<void> {
    const target = targetOf(node);
    if (target?.kind === 'version') await serveModel(registeredModelVersionUri(target.name, target.version));
  }

  private async serveAlias(node?: RegistryNode): Promise<void> {
    if (node?.kind === 'alias') await serveModel(registeredModelAliasUri(node.model.name, node.alias));
  }

  private async openInBrowser(node?: RegistryNode): Promise<void> {
    const base = this.deps.activeStore.current?.webUiUrl;
    const target = targetOf(node);
    if (!target) return;
    if (!base) {
      void showInfo('This store has no MLflow web UI. Start a tracking server for it ("MLflow: Start Tracking Server") to open models in a browser.');
      return;
    }
    const path = `#/models/${encodeURIComponent(target.name)}${target.kind === 'version' ? `/versions/${encodeURIComponent(target.version)}` : ''}`;
    await vscode.env.openExternal(vscode.Uri.parse(`${base}/${path}`));
  }

  dispose(): void {
    this.disposer.dispose();
  }
}

/** Hands a model URI to the serving feature, or says plainly that this installation cannot serve. */
export async function serveModel(modelUri: string): Promise<void> {
  const commands = await vscode.commands.getCommands(true);
  if (!commands.includes(SERVE_MODEL_COMMAND)) {
    void showWarning(
      `MLflow: serving is not available in this installation (no "${SERVE_MODEL_COMMAND}" command). ` +
        `To serve ${modelUri}, run mlflow models serve -m "${modelUri}" in a terminal.`,
    );
    return;
  }
  await vscode.commands.executeCommand(SERVE_MODEL_COMMAND, { modelUri });
}

/** The model or version a node stands for (a tag belongs to its owner, a source or run to its version). */
export function targetOf(node: RegistryNode | undefined): Target | undefined {
  switch (node?.kind) {
    case 'model':
    case 'modelTags':
      return { kind: 'model', name: node.model.name };
    case 'alias':
      return { kind: 'version', name: node.model.name, version: node.version };
    case 'version':
    case 'source':
    case 'run':
      return { kind: 'version', name: node.version.name, version: node.version.version };
    case 'tag':
      return node.version === undefined ? { kind: 'model', name: node.modelName } : { kind: 'version', name: node.modelName, version: node.version };
    default:
      return undefined;
  }
}
