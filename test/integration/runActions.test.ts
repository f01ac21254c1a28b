import * as assert from 'assert';
import * as vscode from 'vscode';
import type { ExplorerNode, RunNode } from '../../src/explorer/nodes';
import type { Workbench } from '../../src/workbench';
import type { MlflowServer } from '../support/mlflowServer/server';
import { activateExtension, serverFromWorkspaceStore, waitFor } from './support';

type Answers = { inputs: (string | undefined)[]; warnings: (string | undefined)[] };

/**
 * Answers the extension's input boxes and modal warnings from queues (the extension and these tests
 * share one `vscode` API object), and records the prompts, so a test drives a command as a user would.
 */
function answer(answers: Answers): { prompts: string[]; restore(): void } {
  const window = vscode.window as unknown as Record<string, unknown>;
  const originals = { showInputBox: window.showInputBox, showWarningMessage: window.showWarningMessage };
  const prompts: string[] = [];
  window.showInputBox = (options?: vscode.InputBoxOptions) => {
    prompts.push(options?.title ?? '');
    return Promise.resolve(answers.inputs.shift());
  };
  window.showWarningMessage = (message: string) => {
    prompts.push(message);
    return Promise.resolve(answers.warnings.shift());
  };
  return { prompts, restore: () => Object.assign(window, originals) };
}

/** Run actions from the Runs view's context menu, against a writable tracking server. */
describe('Run actions against a tracking server (real extension host)', () => {
  let workbench: Workbench;
  let server: MlflowServer;
  let original: string | undefined;

  const runNamed = async (experiment: string, name: string): Promise<RunNode> => {
    const experiments = await workbench.explorer.provider.getChildren();
    const node = experiments.find((n) => n.kind === 'experiment' && n.experiment.name === experiment);
    assert.ok(node, `experiment ${experiment}`);
    const run = (await workbench.explorer.provider.getChildren(node)).find((n): n is RunNode => n.kind === 'run' && n.run.info.runName === name);
    assert.ok(run, `run ${name}`);
    return run;
  };
  const served = (runId: string) => server.data.runs.find((r) => r.info.runId === runId)!;
  const run = async (command: string, node: ExplorerNode, answers: Answers) => {
    const prompts = answer(answers);
    try {
      await vscode.commands.executeCommand(command, node);
    } finally {
      prompts.restore();
    }
    return prompts.prompts;
  };

  /** Edit Run Note, as a user does it: the note opens in an editor tab, gets replaced, and is saved. */
  const editNote = async (node: RunNode, text: string): Promise<string> => {
    const prompts = await run('mlflow.editNote', node, { inputs: [], warnings: [] });
    assert.deepStrictEqual(prompts, [], 'no input box: the note opens in an editor');
    // This run's note: the tab of an earlier note may still be closing.
    const isThisNote = (e: vscode.TextEditor) => e.document.uri.scheme === 'mlflow-note' && e.document.uri.path.startsWith(`/${node.run.info.runId}/`);
    const editor = await waitFor(() => vscode.window.visibleTextEditors.find(isThisNote), 'the note editor');
    const before = editor.document.getText();
    try {
      const whole = new vscode.Range(editor.document.positionAt(0), editor.document.positionAt(before.length));
      assert.ok(await editor.edit((edit) => edit.replace(whole, text)));
      // Saved as a user saves: Ctrl+S on the note's tab.
      await vscode.window.showTextDocument(editor.document);
      await vscode.commands.executeCommand('workbench.action.files.save');
      await waitFor(() => !editor.document.isDirty, 'the note to be saved');
    } finally {
      // A failed save leaves the tab dirty (nothing typed is lost); the next test starts without it.
      if (editor.document.isDirty) {
        await vscode.window.showTextDocument(editor.document);
        await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      }
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
    return before;
  };

  before(async () => {
    workbench = await activateExtension();
    await workbench.ready;
    original = workbench.connections.current?.name;
    server = await serverFromWorkspaceStore();
    await workbench.connections.connectTo('run actions server', server.baseUrl);
  });

  after(async () => {
    if (original) await workbench?.connections.select(original);
    await server?.close();
  });

  it('renames a run, sets and deletes a tag, and edits its note', async () => {
    const node = await runNamed('iris-classification', 'baseline-0');
    const id = node.run.info.runId;
    await run('mlflow.renameRun', node, { inputs: ['baseline-zero'], warnings: [] });
    assert.strictEqual(served(id).info.runName, 'baseline-zero');
    const renamed = await runNamed('iris-classification', 'baseline-zero');

    await run('mlflow.setTag', renamed, { inputs: ['reviewed', 'yes'], warnings: [] });
    assert.strictEqual(served(id).data.tags.reviewed, 'yes');

    await editNote(renamed, '**best** baseline');
    assert.strictEqual(served(id).data.tags['mlflow.note.content'], '**best** baseline');

    const tag: ExplorerNode = { kind: 'value', section: 'tags', run: renamed.run, key: 'reviewed', value: 'yes' };
    const prompts = await run('mlflow.deleteTag', tag, { inputs: [], warnings: ['Delete'] });
    assert.match(prompts[0]!, /Delete tag "reviewed"/);
    assert.strictEqual(served(id).data.tags.reviewed, undefined);
  });

  it('edits a run note as Markdown paragraphs in an editor, and deletes the tag when the note is cleared', async () => {
    const node = await runNamed('iris-classification', 'baseline-2');
    const id = node.run.info.runId;
    const note = '# Why this run\n\nThe **baseline** for the sweep.\n\n- C=1.0\n- solver: `lbfgs`\n';
    assert.strictEqual(await editNote(node, note), '', 'a run without a note opens an empty note');
    assert.strictEqual(served(id).data.tags['mlflow.note.content'], note);

    const edited = await runNamed('iris-classification', 'baseline-2');
    assert.strictEqual(await editNote(edited, ''), note, 'the editor opens with the note as stored');
    assert.ok(!('mlflow.note.content' in served(id).data.tags), 'the tag is deleted, not left empty');
    const cleared = await runNamed('iris-classification', 'baseline-2');
    assert.ok(!('mlflow.note.content' in cleared.run.data.tags), 'the Runs view reloaded the run');
  });

  it('deletes a run only after the confirmation, and restores it', async () => {
    const node = await runNamed('iris-classification', 'baseline-1');
    const id = node.run.info.runId;
    await run('mlflow.deleteRun', node, { inputs: [], warnings: [undefined] });
    assert.strictEqual(served(id).info.lifecycleStage, 'active', 'cancelled: nothing deleted');
    await run('mlflow.deleteRun', node, { inputs: [], warnings: ['Delete'] });
    assert.strictEqual(served(id).info.lifecycleStage, 'deleted');

    workbench.explorer.model.setOptions({ showDeletedRuns: true, showDeletedExperiments: true });
    try {
      const deleted = await runNamed('iris-classification', 'baseline-1');
      assert.strictEqual(workbench.explorer.provider.getTreeItem(deleted).contextValue, 'runDeleted');
      await run('mlflow.restoreRun', deleted, { inputs: [], warnings: [] });
      assert.strictEqual(served(id).info.lifecycleStage, 'active');
    } finally {
      workbench.explorer.model.setOptions({ showDeletedRuns: false, showDeletedExperiments: false });
    }
  });
});

/**
 * Writes on the workspace's own SQLite store, which the extension reads directly and cannot write:
 * each says a tracking server is needed BEFORE asking for anything, so nothing typed is lost.
 */
describe('Run actions on a read-only local store (real extension host)', () => {
  let workbench: Workbench;

  before(async () => {
    workbench = await activateExtension();
    await workbench.ready;
    assert.strictEqual(workbench.connections.current?.kind, 'sqlite', 'the workspace store is selected');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  const runNode = async (experiment: string, name: string): Promise<RunNode> => {
    const experiments = await workbench.explorer.provider.getChildren();
    const node = experiments.find((n) => n.kind === 'experiment' && n.experiment.name === experiment);
    assert.ok(node, `experiment ${experiment}`);
    const found = (await workbench.explorer.provider.getChildren(node)).find((n): n is RunNode => n.kind === 'run' && n.run.info.runName === name);
    assert.ok(found, `run ${name}`);
    return found;
  };

  for (const [command, operation] of [
    ['mlflow.renameRun', 'Renaming a run'],
    ['mlflow.setTag', 'Setting a tag'],
    ['mlflow.editNote', 'Editing a run note'],
    ['mlflow.deleteRun', 'Deleting a run'],
  ] as const) {
    it(`${command}: says a server is needed before asking for anything`, async () => {
      const node = await runNode('iris-classification', 'baseline-3');
      const prompts = answer({ inputs: [], warnings: [undefined] });
      try {
        await vscode.commands.executeCommand(command, node);
      } finally {
        prompts.restore();
      }
      assert.strictEqual(prompts.prompts.length, 1, `one prompt: ${JSON.stringify(prompts.prompts)}`);
      assert.match(prompts.prompts[0]!, new RegExp(`^${operation} needs a tracking server`));
      assert.ok(!vscode.window.visibleTextEditors.some((e) => e.document.uri.scheme === 'mlflow-note'), 'no note editor opened');
    });
  }

  it('every command registered as a write (runs, registry, prompts) is refused before it asks anything, whatever it is given', async () => {
    const writes = [...workbench.runCommands.writeCommands, ...workbench.registry.commands.writeCommands, ...workbench.prompts.writeCommands];
    for (const known of ['mlflow.renameRun', 'mlflow.deleteRun', 'mlflow.restoreExperiment', 'mlflow.deleteModelAlias', 'mlflow.deleteModelVersion', 'mlflow.prompts.deleteAlias']) {
      assert.ok(writes.includes(known), `${known} is registered as a write`);
    }
    const window = vscode.window as unknown as Record<string, unknown>;
    const showQuickPick = window.showQuickPick;
    const picks: string[] = [];
    window.showQuickPick = (_items: unknown, options?: vscode.QuickPickOptions) => {
      picks.push(options?.title ?? '');
      return Promise.resolve(undefined);
    };
    try {
      for (const id of writes) {
        // No target at all: the refusal comes before the command looks at what it was given.
        const prompts = answer({ inputs: [], warnings: [undefined] });
        try {
          await vscode.commands.executeCommand(id);
        } finally {
          prompts.restore();
        }
        assert.strictEqual(prompts.prompts.length, 1, `${id}: one prompt: ${JSON.stringify(prompts.prompts)}`);
        assert.match(prompts.prompts[0]!, /^[A-Z][a-z]+ .* needs a tracking server: .*"MLflow: Start Tracking Server"/, id);
      }
    } finally {
      window.showQuickPick = showQuickPick;
    }
    assert.deepStrictEqual(picks, [], 'no quick pick was shown');
  });
});
