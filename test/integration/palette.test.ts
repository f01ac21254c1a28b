import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Workbench } from '../../src/workbench';
import type { MlflowServer } from '../support/mlflowServer/server';
import { FIXTURES_DIR } from '../support/repoRoot';
import { EXTENSION_ID, activateExtension, serverFromWorkspaceStore, waitFor } from './support';

/** One answer to a quick pick: an item's label, several labels (multi-select), or undefined (Escape). */
type PickAnswer = string | readonly string[] | undefined;

interface Shown {
  readonly kind: 'warning' | 'error' | 'info';
  readonly message: string;
}

/**
 * Stands in for the user at the palette: answers quick picks (both `createQuickPick`, which the run
 * picker uses, and `showQuickPick`), input boxes and message buttons from queues, and records what each
 * pick offered and every message shown. The extension and the tests share one `vscode` API object.
 */
class PaletteUser {
  picks: PickAnswer[] = [];
  inputs: string[] = [];
  buttons: string[] = [];
  readonly offered: { title: string; labels: string[] }[] = [];
  readonly shown: Shown[] = [];
  readonly problems: string[] = [];
  private readonly window = vscode.window as unknown as Record<string, unknown>;
  private readonly originals: Record<string, unknown>;

  constructor() {
    const names = ['createQuickPick', 'showQuickPick', 'showInputBox', 'showWarningMessage', 'showErrorMessage', 'showInformationMessage'];
    this.originals = Object.fromEntries(names.map((n) => [n, this.window[n]]));
    const message = (kind: Shown['kind']) => async (text: string, ...rest: unknown[]) => {
      const items = rest.filter((r): r is string => typeof r === 'string');
      this.shown.push({ kind, message: text });
      const button = items.length ? this.buttons.shift() : undefined;
      return button !== undefined && items.includes(button) ? button : undefined;
    };
    this.window.showWarningMessage = message('warning');
    this.window.showErrorMessage = message('error');
    this.window.showInformationMessage = message('info');
    this.window.showInputBox = async () => this.inputs.shift();
    this.window.showQuickPick = async (items: readonly (string | vscode.QuickPickItem)[] | Thenable<readonly (string | vscode.QuickPickItem)[]>, options?: vscode.QuickPickOptions) => {
      const list = await items;
      const label = (item: string | vscode.QuickPickItem) => (typeof item === 'string' ? item : item.label);
      const chosen = this.choose(options?.title ?? '', list.map(label));
      return chosen === undefined ? undefined : list.find((item) => label(item) === chosen[0]);
    };
    this.window.createQuickPick = () => this.fakeQuickPick();
  }

  /** Takes the next answer for a pick offering `labels`; undefined = Escape. */
  private choose(title: string, labels: string[]): string[] | undefined {
    this.offered.push({ title, labels });
    const answer = this.picks.shift();
    if (answer === undefined) return undefined;
    const wanted = typeof answer === 'string' ? [answer] : [...answer];
    const missing = wanted.filter((w) => !labels.includes(w));
    if (missing.length) {
      this.problems.push(`"${title}" offered no ${missing.join(', ')} (it offered ${labels.join(', ')})`);
      return undefined;
    }
    return wanted;
  }

  /** A QuickPick that, once its items are set (the picker loads them after showing), picks and accepts. */
  private fakeQuickPick(): vscode.QuickPick<vscode.QuickPickItem> {
    const accept = new vscode.EventEmitter<void>();
    const hide = new vscode.EventEmitter<void>();
    const never = new vscode.EventEmitter<never>();
    let items: readonly vscode.QuickPickItem[] = [];
    const fake = {
      title: '', placeholder: '', value: '', canSelectMany: false, matchOnDescription: false, matchOnDetail: false,
      ignoreFocusOut: false, busy: false, enabled: true, selectedItems: [] as readonly vscode.QuickPickItem[], activeItems: [] as readonly vscode.QuickPickItem[],
      onDidAccept: accept.event, onDidHide: hide.event, onDidChangeValue: never.event, onDidChangeActive: never.event,
      onDidChangeSelection: never.event, onDidTriggerButton: never.event, onDidTriggerItemButton: never.event,
      show: () => undefined,
      hide: () => hide.fire(),
      dispose: () => [accept, hide, never].forEach((e) => e.dispose()),
      get items() {
        return items;
      },
      set items(value: readonly vscode.QuickPickItem[]) {
        items = value;
        const chosen = user.choose(fake.title, value.map((i) => i.label));
        if (chosen === undefined) {
          hide.fire();
          return;
        }
        fake.selectedItems = value.filter((i) => chosen.includes(i.label));
        fake.activeItems = fake.selectedItems;
        accept.fire();
      },
    };
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const user = this;
    return fake as unknown as vscode.QuickPick<vscode.QuickPickItem>;
  }

  restore(): void {
    Object.assign(this.window, this.originals);
  }
}

describe('Palette on the read-only workspace store (real extension host)', () => {
  const runAlone = async (command: string) => {
    const user = new PaletteUser();
    try {
      await vscode.commands.executeCommand(command);
    } finally {
      user.restore();
    }
    assert.deepStrictEqual(user.offered, [], `${command}: nothing asked`);
    return user.shown;
  };

  before(async () => {
    const workbench = await activateExtension();
    await workbench.ready;
    assert.strictEqual(workbench.connections.current?.kind, 'sqlite', 'the workspace store is selected');
    assert.deepStrictEqual(workbench.explorer.treeView.selection, [], 'nothing selected in the Runs view');
    assert.deepStrictEqual(workbench.registry.treeView.selection, [], 'nothing selected in the Models view');
  });

  it('Open in MLflow UI says the store has no web UI before asking for a run', async () => {
    assert.match((await runAlone('mlflow.openInBrowser'))[0]?.message ?? '', /This store has no MLflow web UI/);
  });

  for (const [command, operation] of [
    ['mlflow.renameRun', 'Renaming a run'],
    ['mlflow.deleteExperiment', 'Deleting an experiment'],
    ['mlflow.setModelAlias', 'Setting an alias'],
    ['mlflow.deleteModelVersion', 'Deleting a model version'],
  ] as const) {
    it(`${command} says a server is needed before asking for anything`, async () => {
      const shown = await runAlone(command);
      assert.strictEqual(shown.length, 1, JSON.stringify(shown));
      assert.match(shown[0]!.message, new RegExp(`^${operation} needs a tracking server`));
    });
  }
});

/**
 * Every palette command that needs a target, run from the palette the way a user does: no argument,
 * nothing selected in the views, the quick picks answered. Against a writable tracking server holding
 * the demo store, so each command's effect is read back from what the server stores.
 */
describe('Palette: commands ask for what they act on (real extension host)', () => {
  let workbench: Workbench;
  let server: MlflowServer;
  let original: string | undefined;
  let user: PaletteUser;

  const run = async (command: string, answers: { picks?: PickAnswer[]; inputs?: string[]; buttons?: string[] } = {}) => {
    user.picks = [...(answers.picks ?? [])];
    user.inputs = [...(answers.inputs ?? [])];
    user.buttons = [...(answers.buttons ?? [])];
    await vscode.commands.executeCommand(command);
    assert.deepStrictEqual(user.problems, [], `${command}: every pick offered what the user looked for`);
    assert.deepStrictEqual(user.picks, [], `${command}: every pick was asked`);
    assert.deepStrictEqual(user.inputs, [], `${command}: every input was asked`);
    const errors = user.shown.filter((s) => s.kind === 'error');
    assert.deepStrictEqual(errors, [], `${command}: no error`);
  };
  const served = (runName: string) => server.data.runs.find((r) => r.info.runName === runName)!;
  const experimentNamed = (name: string) => server.data.experiments.find((e) => e.name === name)!;
  const titles = () => user.offered.map((o) => o.title);

  before(async () => {
    workbench = await activateExtension();
    await workbench.ready;
    original = workbench.connections.current?.name;
    server = await serverFromWorkspaceStore();
    await workbench.connections.connectTo('palette server', server.baseUrl);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  after(async () => {
    if (original) await workbench?.connections.select(original);
    await server?.close();
  });

  beforeEach(() => {
    user = new PaletteUser();
    assert.deepStrictEqual(workbench.explorer.treeView.selection, [], 'nothing selected in the Runs view');
    assert.deepStrictEqual(workbench.registry.treeView.selection, [], 'nothing selected in the Models view');
  });

  afterEach(() => {
    user.restore();
  });

  describe('Runs view commands', () => {
    it('pins an experiment picked among the unpinned ones, and unpins it picked among the pinned ones', async () => {
      const iris = experimentNamed('iris-classification').experimentId;
      await run('mlflow.pinExperiment', { picks: ['iris-classification'] });
      assert.ok(workbench.explorer.model.viewOptions.pinned.has(iris));
      assert.ok(!user.offered[0]!.labels.includes('scratch-deleted'), 'deleted experiments are not offered');

      await run('mlflow.unpinExperiment', { picks: ['iris-classification'] });
      assert.deepStrictEqual(user.offered[1]!.labels, ['iris-classification'], 'Unpin offers only the pinned experiments');
      assert.ok(!workbench.explorer.model.viewOptions.pinned.has(iris));
    });

    it('copies the id and the model URI of a picked run', async () => {
      await run('mlflow.copyRunId', { picks: ['iris-classification', 'logreg-C0.1-lbfgs'] });
      assert.deepStrictEqual(titles(), ['Copy Run ID', 'Copy Run ID: iris-classification']);
      assert.strictEqual(await vscode.env.clipboard.readText(), served('logreg-C0.1-lbfgs').info.runId);

      await run('mlflow.copyModelUri', { picks: ['iris-classification', 'logreg-C0.1-lbfgs'] });
      assert.strictEqual(await vscode.env.clipboard.readText(), `runs:/${served('logreg-C0.1-lbfgs').info.runId}/model`);

      await run('mlflow.copyModelUri', { picks: ['iris-classification', 'baseline-0'] });
      assert.match(user.shown.at(-1)?.message ?? '', /Run "baseline-0" logged no model\./);
    });

    it('renames a picked run, sets and deletes its tag, and opens its note', async () => {
      await run('mlflow.renameRun', { picks: ['iris-classification', 'baseline-1'], inputs: ['baseline-one'] });
      const id = served('baseline-one').info.runId;

      await run('mlflow.setTag', { picks: ['iris-classification', 'baseline-one'], inputs: ['palette', 'yes'] });
      assert.strictEqual(served('baseline-one').data.tags.palette, 'yes');

      await run('mlflow.deleteTag', { picks: ['iris-classification', 'baseline-one', 'palette'], buttons: ['Delete'] });
      const tagLabels = user.offered.at(-1)!.labels;
      assert.ok(tagLabels.indexOf('palette') < tagLabels.findIndex((l) => l.startsWith('mlflow.')), `the run's own tags come before MLflow's: ${tagLabels.join(', ')}`);
      assert.match(user.shown.at(-1)!.message, /Delete tag "palette"/);
      assert.strictEqual(served('baseline-one').data.tags.palette, undefined);

      await run('mlflow.editNote', { picks: ['iris-classification', 'baseline-one'] });
      await waitFor(() => vscode.window.visibleTextEditors.some((e) => e.document.uri.scheme === 'mlflow-note' && e.document.uri.path.startsWith(`/${id}/`)), 'the note editor of the picked run');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });

    it('deletes several picked runs, then restores one picked among the deleted runs', async () => {
      await run('mlflow.deleteRun', { picks: ['wine-regression', ['ridge-alpha-0.001', 'ridge-alpha-0.01']], buttons: ['Delete'] });
      assert.match(user.shown.at(-1)!.message, /Delete 2 runs\?/);
      assert.deepStrictEqual(['ridge-alpha-0.001', 'ridge-alpha-0.01'].map((n) => served(n).info.lifecycleStage), ['deleted', 'deleted']);

      await run('mlflow.restoreRun', { picks: ['wine-regression', 'ridge-alpha-0.01'] });
      assert.deepStrictEqual([...user.offered.at(-1)!.labels].sort(), ['ridge-alpha-0.001', 'ridge-alpha-0.01'], 'Restore offers only deleted runs');
      assert.strictEqual(served('ridge-alpha-0.01').info.lifecycleStage, 'active');
      assert.strictEqual(served('ridge-alpha-0.001').info.lifecycleStage, 'deleted');
    });

    it('renames, deletes and restores a picked experiment', async () => {
      await run('mlflow.renameExperiment', { picks: ['mlproject-demo'], inputs: ['mlproject-demo-renamed'] });
      assert.ok(experimentNamed('mlproject-demo-renamed'));

      await run('mlflow.deleteExperiment', { picks: ['mlproject-demo-renamed'], buttons: ['Delete'] });
      assert.strictEqual(experimentNamed('mlproject-demo-renamed').lifecycleStage, 'deleted');

      await run('mlflow.restoreExperiment', { picks: ['mlproject-demo-renamed'] });
      assert.ok(user.offered.at(-1)!.labels.includes('scratch-deleted'), 'Restore offers the deleted experiments');
      assert.ok(!user.offered.at(-1)!.labels.includes('iris-classification'), 'and only those');
      assert.strictEqual(experimentNamed('mlproject-demo-renamed').lifecycleStage, 'active');
    });

    it("asks for the run whose source to open or diff, and ends quietly when the pick is cancelled", async () => {
      for (const command of ['mlflow.openRunSource', 'mlflow.diffRunSourceWithWorkingTree']) {
        await run(command, { picks: ['iris-classification', 'baseline-0'] });
        assert.strictEqual(user.offered.length, 2, `${command} asked for the experiment, then the run`);
        assert.ok(user.shown.length > 0 && !user.shown.some((s) => /Right-click a run/.test(s.message)), `${command} acted on the picked run: ${JSON.stringify(user.shown)}`);
        user.offered.length = 0;
        user.shown.length = 0;
        await run(command, { picks: [undefined] });
        assert.deepStrictEqual(user.shown, [], `${command}: Escape says nothing`);
        user.offered.length = 0;
      }
    });

    it('does nothing and says nothing when the experiment pick is cancelled', async () => {
      const before = server.data.runs.map((r) => r.info.runName);
      await run('mlflow.renameRun', { picks: [undefined] });
      assert.deepStrictEqual(server.data.runs.map((r) => r.info.runName), before);
      assert.deepStrictEqual(user.shown, []);
    });
  });

  describe('Models view commands', () => {
    it('copies the URI of a picked version and of a picked alias', async () => {
      await run('mlflow.copyModelVersionUri', { picks: ['iris-classifier', 'Version 3'] });
      assert.deepStrictEqual(user.offered.map((o) => o.labels), [['iris-classifier', 'wine-regressor'], ['Version 3', 'Version 2', 'Version 1']]);
      assert.strictEqual(await vscode.env.clipboard.readText(), 'models:/iris-classifier/3');
      await run('mlflow.copyModelAliasUri', { picks: ['iris-classifier', '@champion'] });
      assert.strictEqual(await vscode.env.clipboard.readText(), 'models:/iris-classifier@champion');
    });

    it('sets an alias on a picked version, moves it, and removes it', async () => {
      const alias = () => server.data.registeredModels.find((m) => m.name === 'iris-classifier')!.aliases.find((a) => a.alias === 'palette')?.version;
      await run('mlflow.setModelAlias', { picks: ['iris-classifier', 'Version 1'], inputs: ['palette'] });
      assert.strictEqual(alias(), '1');
      await run('mlflow.moveModelAlias', { picks: ['iris-classifier', '@palette', 'Version 2'] });
      assert.strictEqual(alias(), '2');
      await run('mlflow.deleteModelAlias', { picks: ['iris-classifier', '@palette'], buttons: ['Remove Alias'] });
      assert.strictEqual(alias(), undefined);
    });

    it("transitions a picked version's stage, edits a model's description, sets and deletes a version tag, deletes a version", async () => {
      const version = (name: string, v: string) => server.data.modelVersions.find((m) => m.name === name && m.version === v);
      await run('mlflow.transitionModelVersionStage', { picks: ['iris-classifier', 'Version 1', 'Staging', 'Keep other versions in Staging'] });
      assert.strictEqual(version('iris-classifier', '1')!.currentStage, 'Staging');

      await run('mlflow.editModelDescription', { picks: ['wine-regressor', 'wine-regressor'], inputs: ['Set from the palette.'] });
      assert.strictEqual(user.offered.at(-1)!.labels[0], 'wine-regressor', 'the model itself is offered first');
      assert.strictEqual(server.data.registeredModels.find((m) => m.name === 'wine-regressor')!.description, 'Set from the palette.');

      await run('mlflow.setModelTag', { picks: ['wine-regressor', 'Version 1'], inputs: ['palette', 'yes'] });
      assert.strictEqual(version('wine-regressor', '1')!.tags.palette, 'yes');
      await run('mlflow.deleteModelTag', { picks: ['wine-regressor', 'Version 1', 'palette'], buttons: ['Delete Tag'] });
      assert.strictEqual(version('wine-regressor', '1')!.tags.palette, undefined);

      await run('mlflow.deleteModelVersion', { picks: ['iris-classifier', 'Version 1'], buttons: ['Delete Version'] });
      assert.strictEqual(version('iris-classifier', '1'), undefined);
    });

    it('opens the serving launcher for a picked version and a picked alias', async () => {
      const tabs = () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) => t.label.startsWith('Serve '));
      // An mlflow to find (the stand-in venv's): without one the launcher says MLflow is not installed.
      const configuration = vscode.workspace.getConfiguration('mlflow');
      const venvMlflow = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'support', 'fake-venv', 'bin', 'mlflow');
      await configuration.update('executablePath', venvMlflow, vscode.ConfigurationTarget.Workspace);
      try {
        await run('mlflow.serveModelVersion', { picks: ['iris-classifier', 'Version 2'] });
        await run('mlflow.serveModelAlias', { picks: ['wine-regressor', '@latest-good'] });
        await waitFor(() => tabs().some((t) => t.label === 'Serve models:/iris-classifier/2') && tabs().some((t) => t.label === 'Serve models:/wine-regressor@latest-good'), 'both launchers');
        const panels = workbench.serving.panels.panels;
        await waitFor(() => panels.length === 2 && panels.every((panel) => panel.session.cliState !== 'checking'), 'both launchers to look for mlflow', 30_000);
        assert.deepStrictEqual(panels.map((panel) => panel.session.cliState), ['ready', 'ready']);
      } finally {
        await configuration.update('executablePath', undefined, vscode.ConfigurationTarget.Workspace);
      }
      assert.deepStrictEqual(workbench.serving.servers, [], 'opening a launcher starts no server');
      await vscode.window.tabGroups.close(tabs());
    });

    it('says plainly when the store has no prompts, asking nothing', async () => {
      await run('mlflow.prompts.open');
      assert.deepStrictEqual(user.offered, []);
      assert.match(user.shown[0]?.message ?? '', /No prompts in this store/);
    });

    // Last: it leaves a run selected in the Runs view.
    it("reveals a picked version's source run in the Runs view", async () => {
      await run('mlflow.openModelVersionRun', { picks: ['iris-classifier', 'Version 2'] });
      const runs = workbench.explorer.treeView;
      const id = served('logreg-C1.0-lbfgs').info.runId;
      await waitFor(() => runs.selection.some((n) => n.kind === 'run' && n.run.info.runId === id), "the version's source run to be selected");
    });
  });
});

describe('Palette: traces and prompts on the GenAI SQLite store (real extension host)', () => {
  let workbench: Workbench;
  let original: string | undefined;
  let user: PaletteUser;
  const ask = async (command: string, picks: PickAnswer[]) => {
    user.picks = [...picks];
    await vscode.commands.executeCommand(command);
    assert.deepStrictEqual(user.problems, [], `${command}: every pick offered what the user looked for`);
    assert.deepStrictEqual(user.picks, [], `${command}: every pick was asked`);
    assert.deepStrictEqual(user.shown, [], `${command}: no message`);
  };

  before(async () => {
    workbench = await activateExtension();
    await workbench.ready;
    original = workbench.connections.current?.name;
    await workbench.connections.connectTo('GenAI store (palette)', `sqlite:///${path.join(FIXTURES_DIR, 'mlflow-3.x', 'genai-store', 'mlflow.db')}`);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    if (original) await workbench?.connections.select(original);
  });

  beforeEach(() => {
    user = new PaletteUser();
  });

  afterEach(() => {
    user.restore();
  });

  it('shows the traces of a picked run', async () => {
    await ask('mlflow.traces.showForRun', ['genai-traces', 'traced-run']);
    try {
      assert.match(workbench.traces.model.filter ?? '', /^attributes\.run_id = .dc21ad4b76d54660bcd894525acc74d6.$/);
    } finally {
      // The Traces view is shared with the next test files: back to all traces.
      await vscode.commands.executeCommand('mlflow.traces.clearFilter');
    }
    assert.strictEqual(workbench.traces.model.filter, undefined);
  });

  it('Set and Remove Prompt Alias say the read-only store needs a tracking server before asking for anything', async () => {
    for (const [command, operation] of [['mlflow.prompts.setAlias', 'Setting a prompt alias'], ['mlflow.prompts.deleteAlias', 'Removing a prompt alias']] as const) {
      user.shown.length = 0;
      await vscode.commands.executeCommand(command);
      assert.deepStrictEqual(user.offered, [], `${command}: nothing asked`);
      assert.strictEqual(user.shown.length, 1, JSON.stringify(user.shown));
      assert.match(user.shown[0]!.message, new RegExp(`^${operation} needs a tracking server`));
    }
  });

  it('opens, diffs and copies the URI of a picked prompt version', async () => {
    await ask('mlflow.prompts.open', ['genai-app-qa', 'Version 3']);
    assert.deepStrictEqual(user.offered[1]!.labels, ['Version 3', 'Version 2', 'Version 1'], 'versions newest first');
    const editor = await waitFor(() => vscode.window.visibleTextEditors.find((e) => e.document.uri.scheme === 'mlflow-prompt'), 'the prompt document');
    assert.match(editor.document.getText(), /say "I don't know" otherwise/);

    await ask('mlflow.prompts.diff', ['genai-app-qa', 'Version 3', 'Version 2']);
    await waitFor(() => vscode.window.tabGroups.activeTabGroup.activeTab?.input instanceof vscode.TabInputTextDiff, 'the diff editor');

    await ask('mlflow.prompts.copyUri', ['genai-app-qa', 'Version 3', 'prompts:/genai-app-qa/3']);
    assert.strictEqual(await vscode.env.clipboard.readText(), 'prompts:/genai-app-qa/3');
  });
});
