import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { writableStore } from '../connection/core/writeGuard';
import { isMlflowError, MlflowError } from '../mlflow/errors';
import type { TrackingStore } from '../mlflow/store';
import type { ModelVersion } from '../mlflow/types';
import { registeredModelVersionUri } from '../serving/modelUri';
import type { RegistryModel } from './registryModel';
import { parseRegistrationSource, runArtifactSource, type RegistrationSource } from './registryRules';
import { showInfo } from '../vscode/notify';

/**
 * "Register Model…": a run's model (`runs:/<run>/<path>`) or an MLflow 3 logged model (`models:/m-…`)
 * becomes a new version of a registered model, created first when the name is new. Does what MLflow's
 * own `mlflow.register_model` does, so the version looks the same as one registered from Python.
 */
export class ModelRegistration {
  constructor(private readonly deps: { activeStore: ActiveStore; model: RegistryModel }) {}

  /**
   * Registers `source`; asks for the registered model name unless `options.name` is given. Returns the
   * new version, or undefined when the user cancelled. Throws MlflowErrors (a local store: ReadOnlyStoreError).
   */
  async register(source: string, runId?: string, options: { name?: string } = {}): Promise<ModelVersion | undefined> {
    const parsed = parseRegistrationSource(source);
    if (!parsed.ok) throw new MlflowError(parsed.message, 'INVALID_PARAMETER_VALUE');
    // Checked before asking for a name: the answer would be thrown away.
    const store = await writableStore(this.deps.activeStore.current?.store, 'Registering a model');
    const capabilities = await store.capabilities();
    if (!capabilities.registry) throw new MlflowError(`${store.description} has no model registry.`, 'NOT_SUPPORTED');

    const names = await this.deps.model.modelNames();
    const name = options.name ?? (await pickModelName(names, parsed.source.uri));
    if (!name) return undefined;
    // Resolved before anything is created, so a missing run leaves no empty registered model behind.
    const resolved = await resolveSource(store, parsed.source, runId, capabilities.loggedModels);
    const isNew = !names.includes(name);
    if (isNew) {
      try {
        await store.createRegisteredModel(name);
      } catch (error) {
        // Someone registered the name since the list was read: add a version to theirs, as MLflow does.
        if (!isMlflowError(error, 'RESOURCE_ALREADY_EXISTS')) throw error;
      }
    }
    const version = await store.createModelVersion(name, resolved.source, resolved.runId);
    if (isNew) this.deps.model.reset();
    else await this.deps.model.reloadModel(name);
    void this.announce(version);
    return version;
  }

  private async announce(version: ModelVersion): Promise<void> {
    const pending = version.status === 'PENDING_REGISTRATION' ? ' (registration pending)' : '';
    const choice = await showInfo(`Registered ${version.name} version ${version.version}${pending}.`, 'Copy Model URI');
    if (choice) await vscode.env.clipboard.writeText(registeredModelVersionUri(version.name, version.version));
  }
}

/** The source and run id MLflow's client sends for a registration source. */
async function resolveSource(
  store: TrackingStore,
  source: RegistrationSource,
  runId: string | undefined,
  loggedModels: boolean,
): Promise<{ source: string; runId?: string }> {
  if (source.kind === 'run') {
    const run = await store.getRun(source.runId);
    return { source: runArtifactSource(run.info.artifactUri, source.artifactPath), runId: source.runId };
  }
  if (runId || !loggedModels) return { source: source.uri, runId };
  const model = await store.getLoggedModel(source.modelId);
  return { source: source.uri, runId: model.sourceRunId };
}

type NameItem = vscode.QuickPickItem & { name: string };

/** Asks for a registered model: an existing one from the list, or a new name typed in the same box. */
async function pickModelName(existing: readonly string[], source: string): Promise<string | undefined> {
  const pick = vscode.window.createQuickPick<NameItem>();
  pick.title = `Register ${source} as a new version of…`;
  pick.placeholder = existing.length ? 'Pick a registered model, or type a new name' : 'Type a name for the new registered model';
  pick.ignoreFocusOut = true;
  const existingItems: NameItem[] = [...existing].sort().map((name) => ({ label: name, description: 'add a version', name }));
  const update = (value: string): void => {
    const name = value.trim();
    // MLflow accepts such names, but `models:/<name>/<version>` could never load them.
    const create: NameItem[] = !name || existing.includes(name)
      ? []
      : /[/?]/.test(name)
        ? [{ label: '$(warning) A name with "/" or "?" cannot be loaded with a models:/ URI', name: '', alwaysShow: true }]
        : [{ label: `$(add) ${name}`, description: 'create a new registered model', name, alwaysShow: true }];
    pick.items = [...create, ...existingItems];
  };
  update('');
  const disposables = [pick.onDidChangeValue(update)];
  const chosen = await new Promise<string | undefined>((resolve) => {
    disposables.push(pick.onDidAccept(() => {
      const selected = pick.selectedItems[0] ?? pick.activeItems[0];
      if (!selected?.name) return;
      resolve(selected.name);
      pick.hide();
    }));
    disposables.push(pick.onDidHide(() => resolve(undefined)));
    pick.show();
  });
  disposables.forEach((d) => d.dispose());
  pick.dispose();
  return chosen;
}
