import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { guardWrite, writableStore, type WriteOperation } from '../connection/core/writeGuard';
import type { TrackingStore } from '../mlflow/store';
import type { Run } from '../mlflow/types';
import { Disposer } from '../vscode/disposer';
import type { Log } from '../vscode/log';
import { runGuarded } from './guardedCommand';
import type { ExplorerNode } from './nodes';
import type { RunsModel } from './runsModel';
import { RunNotes } from './runNotes';
import type { RunPicker } from './runPicker';
import { runNodeOf } from './runPicker';
import { showInfo, showWarning } from '../vscode/notify';

/** What the context menu hands a command: the clicked node, and all selected nodes on multi-select. */
type NodeArgs = [node?: ExplorerNode, selected?: readonly ExplorerNode[]];

/** How a command finds its target from the palette: which selected nodes fit it, and what to ask for. */
interface Ask {
  fits(node: ExplorerNode): boolean;
  ask(): Promise<ExplorerNode | readonly ExplorerNode[] | undefined>;
  /** For a write: the operation, so a read-only store says so before anything is asked. */
  write?: string;
}

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
      /** Asks for the experiment or runs when a command comes from the palette with nothing selected. */
      picker: RunPicker;
    },
  ) {
    this.disposer.track(new RunNotes({ activeStore: deps.activeStore, model: deps.model }));
    /**
     * `ask` is the palette's way in: with no node (the palette passes none) and nothing fitting selected
     * in the Runs view, it asks for the target in a searchable quick pick. A context menu always passes
     * its node, so tree behaviour is unchanged.
     */
    const register = (id: string, handler: (...args: NodeArgs) => unknown, ask?: Ask) =>
      this.disposer.track(vscode.commands.registerCommand(id, (...args: NodeArgs) => runGuarded(id, this.deps.log, async () => {
        const resolved = args[0] || args[1]?.length || !ask ? args : await this.fromPalette(ask);
        if (resolved) await handler(...resolved);
      })));
    /**
     * A write: guardWrite refuses on a read-only store before the body asks anything. From the palette the
     * same refusal comes before the quick picks (fromPalette checks `ask.write` first).
     */
    const write = (id: string, operation: WriteOperation<NodeArgs>, body: (store: TrackingStore, ...args: NodeArgs) => unknown, ask?: Ask) => {
      this.writeCommands.push(id);
      const paletteOperation = typeof operation === 'string' ? operation : operation();
      register(id, guardWrite(() => deps.activeStore.current?.store, operation, body), ask && { ...ask, write: paletteOperation });
    };
    const runsWord = (active: boolean, one: string, many: string) => (...[node, selected]: NodeArgs) =>
      this.runsOf(node, selected).filter((r) => (r.info.lifecycleStage === 'active') === active).length === 1 ? one : many;
    const picker = deps.picker;
    const oneRun = (title: string): Ask => ({ fits: (n) => this.run(n) !== undefined, ask: async () => picker.pickRunNode(title) });
    const experiment = (title: string, stage: 'active' | 'deleted' = 'active'): Ask => ({
      fits: (n) => n.kind === 'experiment' && (n.experiment.lifecycleStage === 'deleted') === (stage === 'deleted'),
      ask: async () => picker.pickExperimentNode(title, { stage }),
    });
    register('mlflow.copyRunId', (node) => this.copy(this.run(node)?.info.runId), oneRun('Copy Run ID'));
    register('mlflow.copyModelUri', (node) => this.copyModelUri(node), {
      fits: (n) => modelUriOf(n) !== undefined,
      ask: async () => picker.pickRunNode('Copy Model URI of a Run'),
    });
    register('mlflow.copyValue', (node) => this.copy(node?.kind === 'value' ? node.value : undefined));
    register('mlflow.openInBrowser', (node) => this.openInBrowser(node), {
      fits: (n) => this.run(n) !== undefined || n.kind === 'experiment',
      // A store without a web UI says so before anything is asked.
      ask: async () => (this.deps.activeStore.current?.webUiUrl ? picker.pickRunNode('Open Run in MLflow UI') : (this.noWebUi(), undefined)),
    });
    write('mlflow.renameRun', 'Renaming a run', (store, node) => this.renameRun(store, node), oneRun('Rename Run'));
    write('mlflow.deleteRun', runsWord(true, 'Deleting a run', 'Deleting runs'), (store, node, selected) => this.deleteRuns(store, node, selected), {
      fits: (n) => this.run(n)?.info.lifecycleStage === 'active',
      ask: async () => (await picker.pickRunList('Delete Runs', { min: 1 }))?.map(runNodeOf),
    });
    write('mlflow.restoreRun', runsWord(false, 'Restoring a run', 'Restoring runs'), (store, node, selected) => this.restoreRuns(store, node, selected), {
      fits: (n) => this.run(n)?.info.lifecycleStage === 'deleted',
      ask: async () => (await picker.pickRunList('Restore Runs', { min: 1 }, { deleted: true }))?.map(runNodeOf),
    });
    write('mlflow.setTag', 'Setting a tag', (store, node) => this.setTag(store, node), oneRun('Set Tag on a Run'));
    write('mlflow.deleteTag', 'Deleting a tag', (store, node) => this.deleteTag(store, node), {
      fits: (n) => n.kind === 'value' && n.section === 'tags',
      ask: async () => {
        const runNode = await picker.pickRunNode('Delete Tag from a Run');
        if (!runNode) return undefined;
        const key = await picker.pickTag('Delete Tag', runNode.run);
        return key === undefined ? undefined : { kind: 'value', section: 'tags', run: runNode.run, key, value: runNode.run.data.tags[key] ?? '' };
      },
    });
    write('mlflow.editNote', 'Editing a run note', (_store, node) => this.editNote(node), oneRun('Edit Run Note'));
    write('mlflow.renameExperiment', 'Renaming an experiment', (store, node) => this.renameExperiment(store, node), experiment('Rename Experiment'));
    write('mlflow.deleteExperiment', 'Deleting an experiment', (store, node) => this.deleteExperiment(store, node), experiment('Delete Experiment'));
    write('mlflow.restoreExperiment', 'Restoring an experiment', (store, node) => this.restoreExperiment(store, node), experiment('Restore Experiment', 'deleted'));
  }

  /**
   * The target of a command run from the palette: what is selected in the Runs view when it fits the
   * command, else what the user picks (undefined when they cancel). A write is refused on a read-only
   * store before anything is asked.
   */
  private async fromPalette(ask: Ask): Promise<NodeArgs | undefined> {
    const selected = this.deps.selection().filter(ask.fits);
    if (selected.length) return [selected[0], selected];
    if (ask.write) await writableStore(this.deps.activeStore.current?.store, ask.write);
    const asked = await ask.ask();
    if (!asked) return undefined;
    if (isNodeList(asked)) return asked.length ? [asked[0], asked] : undefined;
    return [asked, undefined];
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

  private async copy(text: string | undefined): Promise<void> {
    if (!text) return;
    await vscode.env.clipboard.writeText(text);
    vscode.window.setStatusBarMessage(`Copied ${text}`, 3000);
  }

  private async copyModelUri(node?: ExplorerNode): Promise<void> {
    const uri = modelUriOf(node);
    if (!uri && node?.kind === 'run') {
      void showInfo(`Run "${node.run.info.runName || node.run.info.runId}" logged no model.`);
      return;
    }
    await this.copy(uri);
  }

  private noWebUi(): void {
    void showInfo('This store has no MLflow web UI. Start a tracking server for it ("MLflow: Start Tracking Server") to open runs in a browser.');
  }

  private async openInBrowser(node?: ExplorerNode): Promise<void> {
    const base = this.deps.activeStore.current?.webUiUrl;
    if (!base) {
      this.noWebUi();
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

function isNodeList(value: ExplorerNode | readonly ExplorerNode[]): value is readonly ExplorerNode[] {
  return Array.isArray(value);
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
