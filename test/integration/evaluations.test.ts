import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ExplorerNode } from '../../src/explorer/nodes';
import type { PromptTreeNode } from '../../src/prompts/promptsTree';
import type { RegistryNode } from '../../src/registry/registryNodes';
import type { Workbench } from '../../src/workbench';
import { DatasetBuilder } from '../support/mlflowServer/dataset';
import { startMlflowServer, type MlflowServer } from '../support/mlflowServer/server';
import { ReplayServer } from '../support/replayServer';
import { FIXTURES_DIR } from '../support/repoRoot';
import { activateExtension, waitFor } from './support';

/**
 * Evaluation results and the prompt registry's writes in the real extension host: the evaluation table
 * and the comparison of the GenAI store's two `mlflow.genai.evaluate` runs, a row opening its trace, the
 * table over a server replaying the MLflow 3 captures; prompt aliases set, moved and removed and a new
 * version registered from an editor against a writable loopback server; local stores refuse writes.
 */

const GENAI_DB = path.join(FIXTURES_DIR, 'mlflow-3.x', 'genai-store', 'mlflow.db');
const IN_MEMORY_RUN = '3f6987bf23b24284ab503f0f9e9c5188';
const DATASET_RUN = '960b99b397364425bab48b5e84dea0c9';
const REGISTRY_ROW_TRACE = 'tr-30a7bde5ec72cd55526faf5ee4699ea4';

/** Answers input boxes, quick picks and message buttons from a script; records the messages shown. */
class ScriptedUser {
  readonly shown: string[] = [];
  inputs: string[] = [];
  picks: string[] = [];
  button: string | undefined;
  private readonly window = vscode.window as unknown as Record<string, unknown>;
  private readonly originals: Record<string, unknown>;

  constructor() {
    const names = ['showWarningMessage', 'showErrorMessage', 'showInformationMessage', 'showInputBox', 'showQuickPick'];
    this.originals = Object.fromEntries(names.map((n) => [n, this.window[n]]));
    const message = async (text: string, ...rest: unknown[]) => {
      this.shown.push(text);
      const items = rest.filter((r): r is string => typeof r === 'string');
      return this.button !== undefined && items.includes(this.button) ? this.button : undefined;
    };
    this.window.showWarningMessage = message;
    this.window.showErrorMessage = message;
    this.window.showInformationMessage = message;
    this.window.showInputBox = async (options: vscode.InputBoxOptions = {}) => {
      const next = this.inputs.shift();
      if (next === undefined) return undefined;
      const result = await options.validateInput?.(next);
      const blocking = typeof result === 'string' ? Boolean(result) : result?.severity === vscode.InputBoxValidationSeverity.Error;
      if (blocking) this.shown.push(typeof result === 'string' ? result : result!.message);
      return blocking ? undefined : next;
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

describe('Evaluation results and prompt writes (real extension host)', () => {
  let workbench: Workbench;
  let original: string | undefined;

  before(async () => {
    workbench = await activateExtension();
    await workbench.ready;
    original = workbench.connections.current?.name;
  });

  after(async () => {
    if (original) await workbench.connections.select(original);
  });

  describe('on the GenAI SQLite store', () => {
    before(async () => {
      await workbench.connections.connectTo('GenAI store', `sqlite:///${GENAI_DB}`);
    });

    it('opens an evaluation run’s table: a row per evaluated trace, a column per scorer; a row opens its trace', async () => {
      await vscode.commands.executeCommand('mlflow.evaluations.open', IN_MEMORY_RUN);
      const panel = workbench.evaluations.panelOf({ mode: 'table', runId: IN_MEMORY_RUN });
      assert.ok(panel, 'the panel opened');
      try {
        const shown = await panel.whenRendered((s) => s.mode === 'table', 30_000);
        assert.deepStrictEqual(shown, { mode: 'table', rows: 4, scorers: ['exact_match', 'response_length', 'keyword_overlap', 'mentions_mlflow'] });
        assert.strictEqual(panel.panel.title, 'Evaluation funny-stag-459');
        // What the page sends when "Open trace" is clicked on a row.
        panel.session.receive({ type: 'openTrace', traceId: REGISTRY_ROW_TRACE });
        const trace = await waitFor(() => workbench.traces.panelOf(REGISTRY_ROW_TRACE), 'the trace panel of the row');
        const rendered = await trace.whenRendered((s) => s.traceId === REGISTRY_ROW_TRACE && s.spans > 0, 30_000);
        assert.ok(rendered.assessments >= 5, 'the trace shows the scorers’ assessments');
        trace.dispose();
        // A trace the table does not list is not opened, whatever the page asks.
        panel.session.receive({ type: 'openTrace', traceId: 'tr-873a8f64a37a38e7e62b221cb35491ba' });
        assert.strictEqual(workbench.traces.panelOf('tr-873a8f64a37a38e7e62b221cb35491ba'), undefined);
      } finally {
        panel.dispose();
      }
    });

    it('shows "Evaluation Results" first under an evaluation run in the Runs view (not under other runs); it opens the table', async () => {
      const children = (node?: ExplorerNode) => workbench.explorer.provider.getChildren(node);
      const experiment = await waitFor(async () => (await children()).find((n) => n.kind === 'experiment' && n.experiment.name === 'genai-app'), 'genai-app in the Runs view');
      const runs = await waitFor(async () => {
        const listed = (await children(experiment)).filter((n): n is Extract<ExplorerNode, { kind: 'run' }> => n.kind === 'run');
        return listed.length >= 3 ? listed : undefined;
      }, 'the runs of genai-app');
      const evaluation = runs.find((r) => r.run.info.runId === DATASET_RUN)!;
      const [first] = await children(evaluation);
      const item = workbench.explorer.provider.getTreeItem(first!);
      assert.strictEqual(item.label, 'Evaluation Results');
      assert.strictEqual((item.iconPath as vscode.ThemeIcon).id, 'checklist');
      const traced = runs.find((r) => r.run.info.runId === '8cf132e8d9e94031b248a55539a94d05')!;
      assert.ok(!(await children(traced)).some((n) => n.kind === 'message' && n.text === 'Evaluation Results'), 'a traced run is no evaluation run');
      await vscode.commands.executeCommand(item.command!.command, ...(item.command!.arguments ?? []));
      const panel = workbench.evaluations.panelOf({ mode: 'table', runId: DATASET_RUN });
      assert.ok(panel);
      try {
        assert.strictEqual((await panel.whenRendered((s) => s.mode === 'table', 30_000)).rows, 5);
      } finally {
        panel.dispose();
      }
    });

    it('compares the two evaluation runs: aggregates side by side, rows matched by their inputs', async () => {
      await vscode.commands.executeCommand('mlflow.evaluations.compare', IN_MEMORY_RUN, DATASET_RUN);
      const panel = workbench.evaluations.panelOf({ mode: 'compare', runIds: [IN_MEMORY_RUN, DATASET_RUN] });
      assert.ok(panel);
      try {
        const shown = await panel.whenRendered((s) => s.mode === 'compare', 30_000);
        assert.deepStrictEqual(shown, { mode: 'compare', rows: 5, scorers: ['exact_match', 'response_length', 'keyword_overlap', 'mentions_mlflow'], regressions: 0 });
        const view = panel.session.current;
        assert.ok(view?.mode === 'compare');
        assert.strictEqual(view.comparison.matched, 4);
        assert.deepStrictEqual(view.comparison.scorers.filter((s) => s.direction === 'regressed').map((s) => s.name), ['exact_match', 'keyword_overlap']);
      } finally {
        panel.dispose();
      }
    });

    it('refuses prompt alias writes on a local store with the way out', async () => {
      const user = new ScriptedUser();
      try {
        const version = await promptVersion(workbench, 'genai-app-qa', '3');
        await vscode.commands.executeCommand('mlflow.prompts.setAlias', version);
        await waitFor(() => user.shown.length > 0, 'a message');
        assert.match(user.shown[0]!, /Start Tracking Server/);
      } finally {
        user.restore();
      }
    });
  });

  describe('on an MLflow 3 server (GenAI captures replayed)', () => {
    let replay: ReplayServer;
    before(async () => {
      replay = await ReplayServer.start('mlflow-3.x-genai');
      await workbench.connections.connectTo('GenAI replay', replay.baseUrl);
    });
    after(async () => {
      await replay.close();
    });

    it('builds the table from the run and the traces search MLflow’s evaluation page sends', async () => {
      replay.takeRequests();
      await vscode.commands.executeCommand('mlflow.evaluations.open', IN_MEMORY_RUN);
      const panel = workbench.evaluations.panelOf({ mode: 'table', runId: IN_MEMORY_RUN });
      assert.ok(panel);
      try {
        const shown = await panel.whenRendered((s) => s.mode === 'table', 30_000);
        assert.strictEqual(shown.rows, 4);
        const sent = replay.takeRequests().filter((r) => /runs\/get|traces\/search/.test(r.path)).map((r) => r.capture ?? `UNMATCHED ${r.method} ${r.path}`);
        assert.deepStrictEqual(sent, ['runs_get_eval_run', 'traces_search_filter_run_id_eval_run']);
      } finally {
        panel.dispose();
      }
    });
  });

  describe('prompt aliases and new versions on a writable server', () => {
    let server: MlflowServer;
    let user: ScriptedUser;
    before(async () => {
      const b = new DatasetBuilder();
      b.registeredModel('qa-prompt', { description: 'first', tags: { 'mlflow.prompt.is_prompt': 'true' } });
      for (const [text, message] of [['Answer {{question}}.', 'first'], ['Answer {{question}} briefly.', 'shorter']] as const) {
        b.modelVersion('qa-prompt', { source: 'dummy-source', description: message, tags: { 'mlflow.prompt.is_prompt': 'true', '_mlflow_prompt_type': 'text', 'mlflow.prompt.text': text } });
      }
      b.alias('qa-prompt', 'production', '1');
      server = await startMlflowServer({ dataset: b.build() });
      await workbench.connections.connectTo('prompt server', server.baseUrl);
    });
    beforeEach(() => {
      user = new ScriptedUser();
    });
    afterEach(() => user.restore());
    after(async () => {
      await server.close();
    });

    it('sets a typed alias on a version (shown as a badge), moves another one there, removes one', async () => {
      user.picks = ['$(add) New alias…'];
      user.inputs = ['latest'];
      await vscode.commands.executeCommand('mlflow.prompts.setAlias', await promptVersion(workbench, 'qa-prompt', '2'));
      // The reserved name is refused with MLflow's message while typing; nothing reaches the server.
      assert.ok(user.shown.some((m) => /'latest' alias name \(case insensitive\) is reserved/.test(m)), user.shown.join('\n'));
      assert.strictEqual(server.count('/api/2.0/mlflow/registered-models/alias'), 0);
      user.inputs = ['staging'];
      user.picks = ['$(add) New alias…'];
      await vscode.commands.executeCommand('mlflow.prompts.setAlias', await promptVersion(workbench, 'qa-prompt', '2'));
      await waitFor(async () => versionDescription(workbench, 'qa-prompt', '2').then((d) => d.startsWith('@staging')), 'the @staging badge on version 2');

      user.picks = ['@production'];
      await vscode.commands.executeCommand('mlflow.prompts.setAlias', await promptVersion(workbench, 'qa-prompt', '2'));
      await waitFor(async () => (await versionDescription(workbench, 'qa-prompt', '2')).startsWith('@production @staging'), 'both badges on version 2');
      assert.strictEqual(await versionDescription(workbench, 'qa-prompt', '1'), 'first');
      const aliasWrites = server.requests.filter((r) => r.path.endsWith('/registered-models/alias') && r.method === 'POST').map((r) => r.body);
      assert.deepStrictEqual(aliasWrites, [{ name: 'qa-prompt', alias: 'staging', version: '2' }, { name: 'qa-prompt', alias: 'production', version: '2' }]);

      user.picks = ['@staging'];
      user.button = 'Remove Alias';
      await vscode.commands.executeCommand('mlflow.prompts.deleteAlias', await promptVersion(workbench, 'qa-prompt', '2'));
      await waitFor(async () => (await versionDescription(workbench, 'qa-prompt', '2')) === '@production · shorter', 'only @production left');
    });

    it('registers the edited text of "Edit as New Prompt Version" as version 3 with a commit message', async () => {
      const editor = await workbench.prompts.editAsNewVersion(await promptVersion(workbench, 'qa-prompt', '2'));
      assert.ok(editor);
      assert.strictEqual(editor.document.getText(), 'Answer {{question}} briefly.');
      await editor.edit((edit) => edit.insert(editor.document.positionAt(editor.document.getText().length), ' Cite {{source}}.'));
      user.inputs = ['cite sources'];
      const created = await workbench.prompts.registerVersion();
      assert.ok(created);
      assert.deepStrictEqual([created.version, created.template, created.commitMessage], ['3', 'Answer {{question}} briefly. Cite {{source}}.', 'cite sources']);
      const create = server.requests.find((r) => r.path.endsWith('/model-versions/create'));
      assert.deepStrictEqual(create?.body, {
        name: 'qa-prompt',
        source: 'dummy-source',
        tags: [
          { key: 'mlflow.prompt.is_prompt', value: 'true' },
          { key: '_mlflow_prompt_type', value: 'text' },
          { key: 'mlflow.prompt.text', value: 'Answer {{question}} briefly. Cite {{source}}.' },
        ],
        description: 'cite sources',
      });
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    });
  });
});

async function promptVersion(workbench: Workbench, name: string, version: string): Promise<PromptTreeNode> {
  const provider = workbench.registry.provider;
  const prompts = (await provider.getChildren()).find((n: RegistryNode) => n.kind === 'prompts');
  assert.ok(prompts, 'the Prompts node is listed');
  const prompt = (await provider.getChildren(prompts)).find((n: RegistryNode) => n.kind === 'prompt' && n.prompt.name === name);
  assert.ok(prompt, `${name} is listed`);
  const node = (await provider.getChildren(prompt)).find((n: RegistryNode) => n.kind === 'promptVersion' && n.version.version === version);
  assert.ok(node && node.kind === 'promptVersion', `${name} v${version} is listed`);
  return node;
}

async function versionDescription(workbench: Workbench, name: string, version: string): Promise<string> {
  return String(workbench.registry.provider.getTreeItem(await promptVersion(workbench, name, version)).description ?? '');
}
