import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { guardWrite, type WriteOperation } from '../connection/core/writeGuard';
import { isMlflowError } from '../mlflow/errors';
import type { TrackingStore } from '../mlflow/store';
import type { Run } from '../mlflow/types';
import { Disposer } from '../vscode/disposer';
import type { Log } from '../vscode/log';
import { describeError } from './errorMessages';
import type { ExplorerNode } from './nodes';
import type { RunsModel } from './runsModel';
import { RunNotes } from './runNotes';
import { showError, showInfo, showWarning } from '../vscode/notify';

/** What the context menu hands a command: the clicked node, and all selected nodes on multi-select. */
type NodeArgs = [node?: ExplorerNode, selected?: readonly ExplorerNode[]];

/**
 * Actions on runs and experiments from the Runs view's context menus. Each write goes to the store and
 * then reloads the affected part of the tree. Write commands are registered with `write`, which checks
 * that the store takes writes before the command asks for anything (guardWrite): a local store answers
 * with a ReadOnlyStoreError whose message offers the way out ("Start Tracking Server"), and nothing the
 * user typed is thrown away.
 */
export class RunCommands implements vscode.Disposable {
  private readonly disposer = new Disposer();
  /** The ids of the commands registered as writes (each refused on a read-only store before it runs). */
  readonly writeCommands: string[] = [];

  constructor(
    private readonly deps: {
      activeStore: ActiveStore;
      model: RunsModel;
      log: Log;
      selection: () => readonly ExplorerNode[];
    },
  ) {
    this.disposer.track(new RunNotes({ activeStore: deps.activeStore, model: deps.model }));
    const register = (id: string, handler: (...args: NodeArgs) => unknown) =>
      this.disposer.track(vscode.commands.registerCommand(id, (...args: NodeArgs) => this.guard(id, () => handler(...args))));
    const write = (id: string, operation: WriteOperation<NodeArgs>, body: (store: TrackingStore, ...args: NodeArgs) => unknown) => {
      this.writeCommands.push(id);
      register(id, guardWrite(() => deps.activeStore.current?.store, operation, body));
    };
    const runsWord = (active: boolean, one: string, many: string) => (...[node, selected]: NodeArgs) =>
      this.runsOf(node, selected).filter((r) => (r.info.lifecycleStage === 'active') === active).length === 1 ? one : many;
    register('mlflow.copyRunId', (node) => this.copy(this.run(node)?.info.runId));
    register('mlflow.copyModelUri', (node) => this.copy(modelUriOf(node)));
    register('mlflow.copyValue', (node) => this.copy(node?.kind === 'value' ? node.value : undefined));
    register('mlflow.openInBrowser', (node) => this.openInBrowser(node));
    write('mlflow.renameRun', 'Renaming a run', (store, node) => this.renameRun(store, node));
    write('mlflow.deleteRun', runsWord(true, 'Deleting a run', 'Deleting runs'), (store, node, selected) => this.deleteRuns(store, node, selected));
    write('mlflow.restoreRun', runsWord(false, 'Restoring a run', 'Restoring runs'), (store, node, selected) => this.restoreRuns(store, node, selected));
    write('mlflow.setTag', 'Setting a tag', (store, node) => this.setTag(store, node));
    write('mlflow.deleteTag', 'Deleting a tag', (store, node) => this.deleteTag(store, node));
    write('mlflow.editNote', 'Editing a run note', (_store, node) => this.editNote(node));
    write('mlflow.renameExperiment', 'Renaming an experiment', (store, node) => this.renameExperiment(store, node));
    write('mlflow.deleteExperiment', 'Deleting an experiment', (store, node) => this.deleteExperiment(store, node));
    write('mlflow.restoreExperiment', 'Restoring an experiment', (store, node) => this.restoreExperiment(store, node));
  }

  /** Runs behind the clicked/selected nodes (run nodes, or the run of a child node), deduplicated. */
  runsOf(node?: ExplorerNode, selected?: readonly ExplorerNode[]): Run[] {
    const nodes = selected?.length ? selected : node ? [node] : this.deps.selection();
    const runs = new Map<string, Run>();
    for (const n of nodes) {
      const run = this.run(n);
      if (run) runs.set(run.info.runId, run);
    }
    return [...runs.values()];
  }

  private run(node?: ExplorerNode): Run | undefined {
    if (!node) return undefined;
    switch (node.kind) {
      case 'run':
      case 'section':
      case 'value':
      case 'artifact':
      case 'loggedModel':
        return node.run;
      default:
        return undefined;
    }
  }

  private async guard(id: string, action: () => unknown): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.deps.log.error(`${id} failed`, error);
      const text = describeError(error).message;
      if (isMlflowError(error, 'READ_ONLY_STORE')) {
        const choice = await showWarning(text, 'Start Tracking Server');
        if (choice) await vscode.commands.executeCommand('mlflow.startTrackingServer');
      } else if (isMlflowError(error, 'UNAUTHENTICATED') || isMlflowError(error, 'PERMISSION_DENIED')) {
        const choice = await showError(text, 'Sign in…');
        if (choice) await vscode.commands.executeCommand('mlflow.signIn');
      } else {
        void showError(`MLflow: ${text}`);
      }
    }
  }

  private async copy(text: string | undefined): Promise<void> {
    if (!text) return;
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(`Copied ${text}`, 3000);
  }

  private async openInBrowser(node?: ExplorerNode): Promise<void> {
    const base = this.deps.activeStore.current?.webUiUrl;
    if (!base) {
      void showInfo('This store has no MLflow web UI. Start a tracking server for it ("MLflow: Start Tracking Server") to open runs in a browser.');
      return;
    }
    const run = this.run(node);
    const experimentId = run?.info.experimentId ?? (node?.kind === 'experiment' ? node.experiment.experimentId : undefined);
    if (!experimentId) return;
    const path = run ? `#/experiments/${encodeURIComponent(experimentId)}/runs/${encodeURIComponent(run.info.runId)}` : `#/experiments/${encodeURIComponent(experimentId)}`;
    await vscode.env.openExternal(vscode.Uri.parse(`${base}/${path}`));
  }

  private async renameRun(store: TrackingStore, node?: ExplorerNode): Promise<void> {
    const run = this.run(node);
    if (!run) return;
    const name = await vscode.window.showInputBox({ title: 'Rename run', value: run.info.runName, validateInput: (v) => (v.trim() ? undefined : 'A run name cannot be empty') });
    if (!name || name === run.info.runName) return;
    await store.updateRun(run.info.runId, { runName: name.trim() });
    this.deps.model.reloadExperiment(run.info.experimentId);
  }

  private async deleteRuns(store: TrackingStore, node?: ExplorerNode, selected?: readonly ExplorerNode[]): Promise<void> {
    const runs = this.runsOf(node, selected).filter((r) => r.info.lifecycleStage === 'active');
    if (!runs.length) return;
    const what = runs.length === 1 ? `run "${runs[0]!.info.runName}"` : `${runs.length} runs`;
    const answer = await showWarning(`Delete ${what}? It can be restored until the server's garbage collection removes it.`, { modal: true }, 'Delete');
    if (answer !== 'Delete') return;
    for (const run of runs) await store.deleteRun(run.info.runId);
    for (const id of new Set(runs.map((r) => r.info.experimentId))) this.deps.model.reloadExperiment(id);
  }

  private async restoreRuns(store: TrackingStore, node?: ExplorerNode, selected?: readonly ExplorerNode[]): Promise<void> {
    const runs = this.runsOf(node, selected).filter((r) => r.info.lifecycleStage === 'deleted');
    if (!runs.length) return;
    for (const run of runs) await store.restoreRun(run.info.runId);
    for (const id of new Set(runs.map((r) => r.info.experimentId))) this.deps.model.reloadExperiment(id);
  }

  private async setTag(store: TrackingStore, node?: ExplorerNode): Promise<void> {
    const run = this.run(node);
    if (!run) return;
    const presetKey = node?.kind === 'value' && node.section === 'tags' ? node.key : undefined;
    const key = presetKey ?? (await vscode.window.showInputBox({ title: 'Tag key', validateInput: (v) => (v.trim() ? undefined : 'A tag key cannot be empty') }));
    if (!key) return;
    const value = await vscode.window.showInputBox({ title: `Value of tag "${key}"`, value: run.data.tags[key] ?? '' });
    if (value === undefined) return;
    await store.setRunTag(run.info.runId, key.trim(), value);
    this.deps.model.reloadExperiment(run.info.experimentId);
  }

  private async deleteTag(store: TrackingStore, node?: ExplorerNode): Promise<void> {
    if (node?.kind !== 'value' || node.section !== 'tags') return;
    const answer = await showWarning(`Delete tag "${node.key}" from this run?`, { modal: true }, 'Delete');
    if (answer !== 'Delete') return;
    await store.deleteRunTag(node.run.info.runId, node.key);
    this.deps.model.reloadExperiment(node.run.info.experimentId);
  }

  /**
   * Opens the run's note (Markdown) in an editor tab; saving the tab writes it to the run, and saving
   * it empty deletes the note.
   */
  private async editNote(node?: ExplorerNode): Promise<vscode.TextEditor | undefined> {
    const run = this.run(node);
    if (!run) return undefined;
    const document = await vscode.workspace.openTextDocument(RunNotes.uriOf(run));
    const editor = await vscode.window.showTextDocument(document, { preview: false });
    vscode.window.setStatusBarMessage('Save to store this run note; save it empty to delete it.', 10_000);
    return editor;
  }

  private async renameExperiment(store: TrackingStore, node?: ExplorerNode): Promise<void> {
    if (node?.kind !== 'experiment') return;
    const name = await vscode.window.showInputBox({ title: 'Rename experiment', value: node.experiment.name, validateInput: (v) => (v.trim() ? undefined : 'An experiment name cannot be empty') });
    if (!name || name === node.experiment.name) return;
    await store.renameExperiment(node.experiment.experimentId, name.trim());
    this.deps.model.reset();
  }

  private async deleteExperiment(store: TrackingStore, node?: ExplorerNode): Promise<void> {
    if (node?.kind !== 'experiment') return;
    const answer = await showWarning(`Delete experiment "${node.experiment.name}" and hide its runs?`, { modal: true }, 'Delete');
    if (answer !== 'Delete') return;
    await store.deleteExperiment(node.experiment.experimentId);
    this.deps.model.reset();
  }

  private async restoreExperiment(store: TrackingStore, node?: ExplorerNode): Promise<void> {
    if (node?.kind !== 'experiment') return;
    await store.restoreExperiment(node.experiment.experimentId);
    this.deps.model.reset();
  }

  dispose(): void {
    this.disposer.dispose();
  }
}

/** `runs:/<id>/<path>` for a run's model folder, `models:/<m-id>` for an MLflow 3 logged model. */
export function modelUriOf(node?: ExplorerNode): string | undefined {
  if (!node) return undefined;
  if (node.kind === 'loggedModel') return `models:/${node.modelId}`;
  if (node.kind === 'artifact' && node.loggedModelId && !node.file.path) return `models:/${node.loggedModelId}`;
  if (node.kind === 'artifact' && node.file.isDir) return `runs:/${node.run.info.runId}/${node.file.path}`;
  if (node.kind === 'run') {
    if (node.modelPath) return `runs:/${node.run.info.runId}/${node.modelPath}`;
    const output = node.run.outputs.modelOutputs[0];
    if (output) return `models:/${output.modelId}`;
  }
  return undefined;
}
