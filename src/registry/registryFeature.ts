import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import type { ExplorerNode } from '../explorer/nodes';
import { modelUriOf } from '../explorer/runCommands';
import type { ModelVersion } from '../mlflow/types';
import type { PromptsTree } from '../prompts/promptsTree';
import { ContextKey, setContext } from '../vscode/contextKeys';
import { Disposer } from '../vscode/disposer';
import type { Log } from '../vscode/log';
import { ModelRegistration } from './modelRegistration';
import { runGuarded } from '../explorer/guardedCommand';
import { RegistryCommands } from './registryCommands';
import { RegistryModel, type RegistryState } from './registryModel';
import type { RegistryNode } from './registryNodes';
import { parseRegistrationSource } from './registryRules';
import { RegistryTreeProvider } from './registryTreeProvider';

/** Registered models per page; registries are small next to run lists. */
const PAGE_SIZE = 100;

/** What `mlflow.registerModel` is invoked with: a model URI (and run id), or a Runs view node. */
type RegisterArgs = [target?: string | ExplorerNode, runId?: string];

/**
 * The Models view (model registry): registered models → aliases, tags, versions → a version's run,
 * source and tags. Owns the tree view, its model, the view-level commands (refresh, load more,
 * register) and the context keys its welcome text and menus read; model, version, alias and tag
 * actions live in registryCommands.ts.
 */
export class RegistryFeature implements vscode.Disposable {
  private readonly disposer = new Disposer();
  readonly model: RegistryModel;
  readonly provider: RegistryTreeProvider;
  readonly treeView: vscode.TreeView<RegistryNode>;
  readonly commands: RegistryCommands;
  private readonly registration: ModelRegistration;

  constructor(private readonly deps: { activeStore: ActiveStore; log: Log; revealRun?: (runId: string) => Promise<void>; prompts?: PromptsTree }) {
    const { activeStore, log } = deps;
    this.model = this.disposer.track(new RegistryModel(activeStore, { pageSize: PAGE_SIZE }));
    this.provider = new RegistryTreeProvider(this.model, activeStore, deps.prompts);
    this.treeView = this.disposer.track(vscode.window.createTreeView('mlflow.models', { treeDataProvider: this.provider, showCollapseAll: true }));
    this.commands = this.disposer.track(new RegistryCommands({
      activeStore,
      model: this.model,
      log,
      revealRun: deps.revealRun,
      selection: () => this.treeView.selection,
    }));
    this.registration = new ModelRegistration({ activeStore, model: this.model });
    this.disposer.track(activeStore.onDidChange(() => this.model.reset()));
    this.disposer.track(this.model.onDidChangeState((state) => this.applyState(state)));
    this.applyState(this.model.state);

    const register = (id: string, handler: (...args: never[]) => unknown) =>
      this.disposer.track(vscode.commands.registerCommand(id, handler));
    register('mlflow.refreshModels', () => this.model.reset());
    register('mlflow.loadMoreModels', () =>
      runGuarded('mlflow.loadMoreModels', log, () => vscode.window.withProgress({ location: { viewId: 'mlflow.models' } }, () => this.model.loadMore())));
    register('mlflow.registerModel', (...args: RegisterArgs) => this.registerFromCommand(...args));
  }

  /**
   * Registers a model as a new version of a registered model, asking which one (existing or new).
   * `source` is `runs:/<run id>/<path>` or `models:/m-…`; `runId` names the run of a logged model.
   * Failures are shown to the user (a local store: "Start Tracking Server"); resolves with the new
   * version, or undefined when cancelled or failed. `options.name` skips the question.
   */
  async registerModel(source: string, runId?: string, options?: { name?: string }): Promise<ModelVersion | undefined> {
    let version: ModelVersion | undefined;
    await runGuarded('mlflow.registerModel', this.deps.log, async () => {
      version = await this.registration.register(source, runId, options);
    });
    return version;
  }

  /** From the palette (asks for a URI), a Runs view model node, or another feature passing a URI. */
  private async registerFromCommand(target?: string | ExplorerNode, runId?: string): Promise<void> {
    if (typeof target === 'object') {
      const uri = modelUriOf(target);
      // A logged model a run only consumed was produced elsewhere: its own source run is looked up instead.
      const consumed = target.kind === 'loggedModel' && target.direction === 'input';
      const nodeRunId = 'run' in target && !consumed ? target.run.info.runId : undefined;
      if (uri) await this.registerModel(uri, nodeRunId);
      return;
    }
    const source = target ?? (await vscode.window.showInputBox({
      title: 'Register Model: model URI',
      placeHolder: 'runs:/<run id>/model or models:/m-…',
      ignoreFocusOut: true,
      validateInput: (value) => {
        const parsed = parseRegistrationSource(value);
        return parsed.ok ? undefined : parsed.message;
      },
    }));
    if (source) await this.registerModel(source, runId);
  }

  private applyState(state: RegistryState): void {
    void setContext(ContextKey.RegistryEmpty, state.empty);
    void setContext(ContextKey.RegistryStages, state.stages);
  }

  dispose(): void {
    this.disposer.dispose();
  }
}
