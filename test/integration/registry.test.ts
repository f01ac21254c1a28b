import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import type { TrackingStore } from '../../src/mlflow/store';
import { ModelRegistration } from '../../src/registry/modelRegistration';
import type { RegistryFeature } from '../../src/registry/registryFeature';
import { RegistryModel } from '../../src/registry/registryModel';
import type { AliasNode, ModelVersionNode, RegisteredModelNode, RegistryNode } from '../../src/registry/registryNodes';
import type { Workbench } from '../../src/workbench';
import { ReplayServer } from '../support/replayServer';
import { activateExtension, EXTENSION_ID, waitFor } from './support';

/** Runs of the demo store (demo/mlflow.db, the store behind the 2.17.2 captures) that produced iris-classifier's versions. */
const RUNS = { v1: '459191d6afe44e408cc618beff3a1e37', v2: 'b6018b06ee1d4ca0b0b9c15450bf3092', v3: 'ec033497c82c457d8bdd9ab82f58445e' };

interface Shown {
  kind: 'warning' | 'error' | 'info';
  message: string;
  items: string[];
}

/**
 * Stands in for the user: answers input boxes, quick picks and message buttons from a script and
 * records what was shown. An input that fails its own validation is not accepted (VS Code would keep
 * the box open); its message is recorded instead.
 */
class ScriptedUser {
  readonly shown: Shown[] = [];
  readonly validations: string[] = [];
  /** Typed answers; `{ cancel }` types the value, reads its validation, then presses Escape. */
  inputs: (string | { cancel: string })[] = [];
  picks: string[] = [];
  button: string | undefined;
  private readonly originals: Record<string, unknown>;
  private readonly window = vscode.window as unknown as Record<string, unknown>;

  constructor() {
    const names = ['showWarningMessage', 'showErrorMessage', 'showInformationMessage', 'showInputBox', 'showQuickPick'];
    this.originals = Object.fromEntries(names.map((n) => [n, this.window[n]]));
    const message = (kind: Shown['kind']) => async (text: string, ...rest: unknown[]) => {
      const items = rest.filter((r): r is string => typeof r === 'string');
      this.shown.push({ kind, message: text, items });
      return this.button !== undefined && items.includes(this.button) ? this.button : undefined;
    };
    this.window.showWarningMessage = message('warning');
    this.window.showErrorMessage = message('error');
    this.window.showInformationMessage = message('info');
    this.window.showInputBox = async (options: vscode.InputBoxOptions = {}) => {
      const next = this.inputs.shift();
      if (next === undefined) return undefined;
      const value = typeof next === 'string' ? next : next.cancel;
      const result = await options.validateInput?.(value);
      const text = typeof result === 'string' ? result : result?.message;
      if (text) this.validations.push(text);
      const blocking = typeof result === 'string' ? Boolean(result) : result?.severity === vscode.InputBoxValidationSeverity.Error;
      return blocking || typeof next !== 'string' ? undefined : value;
    };
    this.window.showQuickPick = async (items: readonly (string | vscode.QuickPickItem)[] | Thenable<readonly (string | vscode.QuickPickItem)[]>) => {
      const wanted = this.picks.shift();
      return (await items).find((item) => (typeof item === 'string' ? item : item.label) === wanted);
    };
  }

  restore(): void {
    Object.assign(this.window, this.originals);
  }
}

describe('Models view (real extension host)', () => {
  let workbench: Workbench;
  let registry: RegistryFeature;
  let user: ScriptedUser;

  const children = (node?: RegistryNode) => registry.provider.getChildren(node);
  const item = (node: RegistryNode) => registry.provider.getTreeItem(node);
  const label = (node: RegistryNode) => String(item(node).label);
  /** A tooltip as the user reads it: appendText's escapes and non-breaking spaces undone. */
  const tooltipText = (node: RegistryNode) => {
    const tooltip = item(node).tooltip as vscode.MarkdownString;
    assert.strictEqual(tooltip.isTrusted, false, 'text from the server is never trusted Markdown');
    return tooltip.value.replace(/&nbsp;/g, ' ').replace(/\\([\\`*_{}[\]()#+\-.!~|>])/g, '$1');
  };
  const modelNamed = async (name: string): Promise<RegisteredModelNode> => {
    const node = (await children()).find((n): n is RegisteredModelNode => n.kind === 'model' && n.model.name === name);
    assert.ok(node, `${name} is listed`);
    return node;
  };
  const versionOf = async (name: string, version: string): Promise<ModelVersionNode> => {
    const node = (await children(await modelNamed(name))).find((n): n is ModelVersionNode => n.kind === 'version' && n.version.version === version);
    assert.ok(node, `${name} version ${version} is listed`);
    return node;
  };
  const aliasOf = async (name: string, alias: string): Promise<AliasNode> => {
    const node = (await children(await modelNamed(name))).find((n): n is AliasNode => n.kind === 'alias' && n.alias === alias);
    assert.ok(node, `@${alias} is listed under ${name}`);
    return node;
  };

  before(async () => {
    workbench = await activateExtension();
    await workbench.ready;
    // The Workbench's own feature, wired to the real Runs view and the real serving feature.
    registry = workbench.registry;
  });

  beforeEach(() => {
    user = new ScriptedUser();
  });

  afterEach(() => {
    user.restore();
  });

  describe('over the demo SQLite store', () => {
    it('lists the registered models with their newest version and alias count', async () => {
      const models = (await children()).filter((n) => n.kind === 'model');
      assert.deepStrictEqual(models.map(label), ['iris-classifier', 'wine-regressor']);
      const iris = item(models[0]);
      assert.strictEqual(iris.description, 'latest v3 · 2 aliases');
      assert.strictEqual(iris.contextValue, 'registeredModel');
      assert.match(tooltipText(models[0]), /Iris species classifier \(reference data\)\./);
      assert.match(tooltipText(models[0]), /Aliases: @challenger → v3, @champion → v2/);
      assert.strictEqual(item(models[1]).description, 'latest v1 · 1 alias');
      assert.strictEqual(registry.model.state.empty, false);
    });

    it('expands iris-classifier into its aliases, tags and versions as the store holds them', async () => {
      const nodes = await children(await modelNamed('iris-classifier'));
      assert.deepStrictEqual(nodes.map(label), ['@challenger → v3', '@champion → v2', 'Tags', 'Version 3', 'Version 2', 'Version 1']);
      const versions = nodes.filter((n) => n.kind === 'version').map(item);
      assert.deepStrictEqual(versions.map((v) => v.description), ['@challenger · Staging', '@champion · Production', 'Archived']);
      assert.deepStrictEqual(versions.map((v) => (v.iconPath as vscode.ThemeIcon).id), ['pass', 'pass', 'pass']);
      assert.deepStrictEqual(versions.map((v) => v.contextValue), ['modelVersionWithRun', 'modelVersionWithRun', 'modelVersionWithRun']);
      const tags = await children(nodes[2]);
      assert.deepStrictEqual(tags.map((t) => [label(t), item(t).description]), [['domain', 'botany'], ['owner', 'alice'], ['task', 'classification']]);
    });

    it("shows a version's source run, source and tags, and its details in the tooltip", async () => {
      const v3 = await versionOf('iris-classifier', '3');
      const details = await children(v3);
      assert.deepStrictEqual(details.map((d) => [label(d), item(d).description]), [
        ['Source run', RUNS.v3],
        ['Source', `/srv/mlflow-ref/artifacts/1/${RUNS.v3}/artifacts/model`],
        ['reviewed_by', 'bob'],
        ['validation_status', 'approved'],
      ]);
      const tooltip = tooltipText(v3);
      assert.match(tooltip, /Version 3 \(challenger\)/);
      assert.match(tooltip, new RegExp(`Source run: ${RUNS.v3}`));
      assert.match(tooltip, /reviewed_by = bob/);
    });

    it('refuses writes on the read-only store with a Start Tracking Server button, before asking anything', async () => {
      user.inputs = ['should-not-be-asked'];
      await vscode.commands.executeCommand('mlflow.setModelAlias', await versionOf('iris-classifier', '1'));
      assert.deepStrictEqual(user.inputs, ['should-not-be-asked'], 'no input box was shown');
      assert.strictEqual(user.shown.length, 1);
      assert.strictEqual(user.shown[0].kind, 'warning');
      assert.match(user.shown[0].message, /Setting an alias needs a tracking server.*"MLflow: Start Tracking Server"/);
      assert.deepStrictEqual(user.shown[0].items, ['Start Tracking Server']);

      assert.strictEqual(await registry.registerModel(`runs:/${RUNS.v1}/model`), undefined);
      assert.match(user.shown[1]?.message ?? '', /Registering a model needs a tracking server/);
      assert.deepStrictEqual(user.shown[1]?.items, ['Start Tracking Server']);
    });

    it('copies models:/ URIs of a version and of an alias', async () => {
      await vscode.commands.executeCommand('mlflow.copyModelVersionUri', await versionOf('iris-classifier', '3'));
      assert.strictEqual(await vscode.env.clipboard.readText(), 'models:/iris-classifier/3');
      await vscode.commands.executeCommand('mlflow.copyModelAliasUri', await aliasOf('iris-classifier', 'champion'));
      assert.strictEqual(await vscode.env.clipboard.readText(), 'models:/iris-classifier@champion');
    });

    it("serves a version or an alias: the serving feature's launcher opens for its models:/ URI (no server started)", async () => {
      assert.ok((await vscode.commands.getCommands(true)).includes('mlflow.serveModel'), 'the Workbench registers serving');
      const tabs = (): vscode.Tab[] => vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview);
      const labels = () => tabs().map((tab) => tab.label);
      // An mlflow to find (the stand-in venv's): without one the launcher says MLflow is not installed.
      const configuration = vscode.workspace.getConfiguration('mlflow');
      const venvMlflow = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'support', 'fake-venv', 'bin', 'mlflow');
      await configuration.update('executablePath', venvMlflow, vscode.ConfigurationTarget.Workspace);
      try {
        await vscode.commands.executeCommand('mlflow.serveModelVersion', await versionOf('iris-classifier', '2'));
        await vscode.commands.executeCommand('mlflow.serveModelAlias', await aliasOf('iris-classifier', 'champion'));
        await waitFor(() => labels().includes('Serve models:/iris-classifier/2') && labels().includes('Serve models:/iris-classifier@champion'), 'both launchers to open');
        const panels = workbench.serving.panels.panels;
        await waitFor(() => panels.length === 2 && panels.every((panel) => panel.session.cliState !== 'checking'), 'both launchers to look for mlflow', 30_000);
        assert.deepStrictEqual(panels.map((panel) => panel.session.cliState), ['ready', 'ready']);
      } finally {
        await configuration.update('executablePath', undefined, vscode.ConfigurationTarget.Workspace);
      }
      assert.deepStrictEqual(user.shown, [], 'no warning: serving is available');
      assert.deepStrictEqual(workbench.serving.servers, [], 'opening a launcher starts no server');
      await vscode.window.tabGroups.close(tabs().filter((tab) => tab.label.startsWith('Serve ')));
    });

    it('opens the source run of a version in the Runs view, selected', async () => {
      await vscode.commands.executeCommand('mlflow.openModelVersionRun', await versionOf('iris-classifier', '2'));
      const runs = workbench.explorer.treeView;
      await waitFor(() => runs.visible && runs.selection.some((n) => n.kind === 'run' && n.run.info.runId === RUNS.v2), 'the version\'s source run to be selected in the Runs view');
      assert.deepStrictEqual(runs.selection.map((n) => (n.kind === 'run' ? n.run.info.runId : n.kind)), [RUNS.v2]);
    });
  });

  describe('Register Model over the demo store, its writes recorded', () => {
    type Call = [string, ...unknown[]];
    let calls: Call[];
    let registration: ModelRegistration;
    let demo: TrackingStore;
    let owner: RegistryModel;

    before(() => {
      demo = workbench.connections.current!.store;
      // Reads come from the real store; writes, which it refuses, are recorded and answered as a server would.
      const writesTo: Partial<Record<keyof TrackingStore, (...args: string[]) => unknown>> = {
        capabilities: async () => ({ ...(await demo.capabilities()), readOnly: false }),
        createRegisteredModel: async (name) => {
          calls.push(['createRegisteredModel', name]);
          return { name, creationTimestamp: 0, description: '', latestVersions: [], tags: {}, aliases: [] };
        },
        createModelVersion: async (name, source, runId) => {
          calls.push(['createModelVersion', name, source, runId]);
          return { ...(await demo.getModelVersion('iris-classifier', '1')), name, version: '4', source, runId };
        },
      };
      const store = new Proxy(demo, {
        get: (target, key: keyof TrackingStore) => {
          const value = writesTo[key] ?? target[key];
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      const activeStore = { current: { ...workbench.connections.current!, store }, onDidChange: new vscode.EventEmitter<undefined>().event };
      owner = new RegistryModel(activeStore, { pageSize: 100 });
      registration = new ModelRegistration({ activeStore, model: owner });
    });

    after(() => owner.dispose());

    beforeEach(() => {
      calls = [];
    });

    it("adds a version to an existing model with the run's artifact location as source, as mlflow.register_model does", async () => {
      const version = await registration.register(`runs:/${RUNS.v1}/model`, undefined, { name: 'iris-classifier' });
      const run = await demo.getRun(RUNS.v1);
      assert.deepStrictEqual(calls, [['createModelVersion', 'iris-classifier', `${run.info.artifactUri}/model`, RUNS.v1]]);
      assert.strictEqual(version?.version, '4');
      assert.match(user.shown[0]?.message ?? '', /^Registered iris-classifier version 4\.$/);
    });

    it('creates the registered model first when the name is new', async () => {
      await registration.register(`runs:/${RUNS.v2}/model`, undefined, { name: 'iris-distilled' });
      assert.deepStrictEqual(calls.map((c) => c.slice(0, 2)), [['createRegisteredModel', 'iris-distilled'], ['createModelVersion', 'iris-distilled']]);
    });

    it('registers an MLflow 3 logged model by its models:/ URI with the run that produced it', async () => {
      const modelId = 'm-8a56e736fef14ed487ab931712344172';
      await registration.register(`models:/${modelId}`, RUNS.v3, { name: 'iris-classifier' });
      assert.deepStrictEqual(calls, [['createModelVersion', 'iris-classifier', `models:/${modelId}`, RUNS.v3]]);
    });

    it('refuses registered-model URIs and paths before any request', async () => {
      await assert.rejects(registration.register('models:/iris-classifier/2', undefined, { name: 'x' }), /is a registered model already/);
      await assert.rejects(registration.register('/tmp/model', undefined, { name: 'x' }), /is not a model MLflow tracks/);
      assert.deepStrictEqual(calls, []);
    });
  });

  describe('over a loopback server replaying the MLflow 2.17.2 captures', () => {
    let replay: ReplayServer;
    let pageSize: number;
    /** Registry requests since the last call, by the capture that answered; searches (which the view may repeat while visible) left out. */
    const writes = () => replay.takeRequests()
      .filter((r) => /\/(registered-models|model-versions)\//.test(r.path) && !r.path.endsWith('/search'))
      .map((r) => r.capture ?? `UNMATCHED ${r.method} ${r.path} ${JSON.stringify(r.body)}`);

    before(async () => {
      replay = await ReplayServer.start('mlflow-2.17.2');
      pageSize = registry.model.viewOptions.pageSize;
      await workbench.connections.connectTo('Replay 2.17.2', replay.baseUrl);
      // The captures were made with MLflow's client page size for registered models.
      registry.model.setOptions({ pageSize: 10 });
    });

    after(async () => {
      registry.model.setOptions({ pageSize });
      await workbench.connections.select('Workspace store');
      await replay.close();
    });

    it('lists the models and versions the server sends, with the requests MLflow’s client makes', async () => {
      replay.takeRequests();
      assert.deepStrictEqual((await children()).map(label), ['iris-classifier', 'wine-regressor']);
      const nodes = await children(await modelNamed('iris-classifier'));
      assert.deepStrictEqual(nodes.filter((n) => n.kind === 'version').map((n) => item(n).description), ['@challenger · Staging', '@champion · Production', 'Archived']);
      const served = new Set(replay.takeRequests().map((r) => r.capture));
      assert.ok(served.has('registered_models_search') && served.has('model_versions_search'), [...served].join(', '));
    });

    it('sets an alias typed by the user with the captured request, then shows it', async () => {
      replay.prefer('registered_models_get_with_temp_alias');
      writes();
      user.inputs = ['temp-alias'];
      await vscode.commands.executeCommand('mlflow.setModelAlias', await versionOf('iris-classifier', '1'));
      assert.deepStrictEqual(user.shown, []);
      assert.deepStrictEqual(writes(), ['registered_models_set_alias', 'registered_models_get_with_temp_alias']);
      assert.ok((await children(await modelNamed('iris-classifier'))).some((n) => label(n) === '@temp-alias → v1'));
      assert.strictEqual(item(await versionOf('iris-classifier', '1')).description, '@temp-alias · Archived');
    });

    it('refuses reserved alias names before sending anything, and says when an alias will move', async () => {
      writes();
      user.inputs = ['latest', 'v1', { cancel: 'champion' }];
      for (let i = 0; i < 3; i++) await vscode.commands.executeCommand('mlflow.setModelAlias', await versionOf('iris-classifier', '1'));
      assert.deepStrictEqual(user.validations, [
        "'latest' alias name (case insensitive) is reserved.",
        "Version alias name 'v1' is reserved.",
        '@champion is on version 2; it will move to version 1.',
      ]);
      assert.deepStrictEqual(writes(), []);
      assert.deepStrictEqual(user.shown, []);
    });

    it('removes an alias after a modal confirmation, with the captured request', async () => {
      replay.prefer();
      writes();
      user.button = 'Remove Alias';
      await vscode.commands.executeCommand('mlflow.deleteModelAlias', await aliasOf('iris-classifier', 'temp-alias'));
      assert.match(user.shown[0]?.message ?? '', /Remove alias @temp-alias from iris-classifier\?/);
      assert.deepStrictEqual(writes(), ['registered_models_delete_alias', 'registered_models_get']);
      await waitFor(async () => !(await children(await modelNamed('iris-classifier'))).some((n) => label(n).startsWith('@temp-alias')), 'the alias to disappear');
    });

    it('transitions a stage, keeping the other versions, with the captured request', async () => {
      writes();
      user.picks = ['Staging', 'Keep other versions in Staging'];
      await vscode.commands.executeCommand('mlflow.transitionModelVersionStage', await versionOf('iris-classifier', '1'));
      assert.deepStrictEqual(writes(), ['model_versions_transition_stage', 'registered_models_get']);
    });

    it('deletes a version only after a modal confirmation that names what stops resolving', async () => {
      writes();
      await vscode.commands.executeCommand('mlflow.deleteModelVersion', await versionOf('iris-classifier', '2'));
      assert.strictEqual(user.shown.length, 1);
      assert.strictEqual(user.shown[0].message, 'Delete version 2 of iris-classifier? This cannot be undone: models:/iris-classifier/2 and its aliases (@champion) will stop resolving.');
      assert.deepStrictEqual(user.shown[0].items, ['Delete Version']);
      assert.deepStrictEqual(writes(), [], 'cancelled: nothing sent');
    });

    it('edits descriptions and sets tags of models and versions with the captured requests', async () => {
      writes();
      user.inputs = ['Version 3 (challenger)'];
      await vscode.commands.executeCommand('mlflow.editModelDescription', await versionOf('iris-classifier', '3'));
      user.inputs = ['reviewed_by', 'bob'];
      await vscode.commands.executeCommand('mlflow.setModelTag', await versionOf('iris-classifier', '3'));
      user.inputs = ['domain', 'botany'];
      await vscode.commands.executeCommand('mlflow.setModelTag', await modelNamed('iris-classifier'));
      assert.deepStrictEqual(user.shown, []);
      assert.deepStrictEqual(writes(), [
        'model_versions_update_description', 'registered_models_get',
        'model_versions_set_tag', 'registered_models_get',
        'registered_models_set_tag', 'registered_models_get',
      ]);
    });
  });
});
