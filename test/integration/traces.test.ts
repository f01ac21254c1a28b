import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import type { TracesNode } from '../../src/traces/tracesTreeProvider';
import type { Workbench } from '../../src/workbench';
import { type LiveTraceServer, startLiveTraceServer } from '../support/liveTraceServer';
import { ReplayServer } from '../support/replayServer';
import { FIXTURES_DIR } from '../support/repoRoot';
import { activateExtension, waitFor } from './support';

/**
 * The Traces view and the trace panel in the real extension host: against the GenAI SQLite store
 * (read-only) and against a loopback server replaying the MLflow 3 GenAI captures (an assessment
 * added from the panel sends exactly the captured request); on a 2.x server there are no traces.
 */

const GENAI_DB = path.join(FIXTURES_DIR, 'mlflow-3.x', 'genai-store', 'mlflow.db');
const ERROR_TRACE = 'tr-873a8f64a37a38e7e62b221cb35491ba';
const SCRATCH_TRACE = 'tr-4fa588e721aa33c4c92898b2e2919153';
const RAG_TRACE = 'tr-1e1301009a4ee5aa9a0cd46ae8b5344a';
const TOOL_AGENT_TRACE = 'tr-de222485da0d338798921efc01159fdc';

describe('Traces view and trace panel', () => {
  let workbench: Workbench;
  let original: string | undefined;
  const children = (node?: TracesNode) => workbench.traces.provider.getChildren(node);
  const labelOf = (node: TracesNode) => String(workbench.traces.provider.getTreeItem(node).label);

  before(async () => {
    workbench = await activateExtension();
    await workbench.ready;
    original = workbench.connections.current?.name;
  });

  after(async () => {
    workbench.traces.model.setFilter(undefined);
    if (original) await workbench.connections.select(original);
  });

  describe('on the GenAI SQLite store', () => {
    before(async () => {
      await workbench.connections.connectTo('GenAI store', `sqlite:///${GENAI_DB}`);
    });

    it('lists the experiments that have traces, and genai-app’s 29 traces newest first', async () => {
      const experiments = (await children()).filter((n) => n.kind === 'experiment');
      assert.deepStrictEqual(experiments.map(labelOf).sort(), ['genai-app', 'genai-app-capture-scratch', 'genai-app-partial-export', 'genai-traces']);
      const app = experiments.find((n) => labelOf(n) === 'genai-app')!;
      const traces = (await children(app)).filter((n): n is Extract<TracesNode, { kind: 'trace' }> => n.kind === 'trace');
      assert.strictEqual(traces.length, 29);
      assert.strictEqual(labelOf(traces[0]!), 'multimodal_agent');
      const times = traces.map((t) => t.trace.requestTime);
      assert.deepStrictEqual(times, [...times].sort((a, b) => b - a));
      const item = workbench.traces.provider.getTreeItem(traces[0]!);
      assert.match(String(item.description), /^\d+ms · 91 tok · /);
    });

    it('filters with MLflow’s trace filter syntax', async () => {
      workbench.traces.model.setFilter("trace.status = 'ERROR'");
      try {
        const app = (await children()).find((n) => n.kind === 'experiment' && n.experiment.name === 'genai-app')!;
        const traces = (await children(app)).filter((n) => n.kind === 'trace');
        assert.deepStrictEqual(traces.map((t) => t.kind === 'trace' && t.trace.traceId), [ERROR_TRACE]);
      } finally {
        workbench.traces.model.setFilter(undefined);
      }
    });

    it('groups an experiment’s traces by session, each session’s turns oldest first', async () => {
      await vscode.commands.executeCommand('mlflow.traces.groupBySession');
      try {
        const app = (await children()).find((n) => n.kind === 'experiment' && n.experiment.name === 'genai-app')!;
        const sessions = (await children(app)).filter((n) => n.kind === 'session');
        assert.deepStrictEqual(sessions.map(labelOf).sort(), ['sess-alice-001', 'sess-bob-002']);
        const alice = sessions.find((n) => labelOf(n) === 'sess-alice-001')!;
        assert.strictEqual(String(workbench.traces.provider.getTreeItem(alice).description), '3 turns · alice@example.com');
        const turns = await children(alice);
        const times = turns.map((t) => (t.kind === 'trace' ? t.trace.requestTime : 0));
        assert.strictEqual(turns.length, 3);
        assert.deepStrictEqual(times, [...times].sort((a, b) => a - b));
      } finally {
        await vscode.commands.executeCommand('mlflow.traces.ungroup');
      }
    });

    it('shows the prompts in the Models view; opens a version and diffs two versions', async () => {
      const registry = workbench.registry.provider;
      const root = await registry.getChildren();
      const promptsNode = root.find((n) => n.kind === 'prompts');
      assert.ok(promptsNode, 'a Prompts node');
      assert.ok(!root.some((n) => n.kind === 'model' && n.model.name === 'genai-app-qa'), 'prompts are not listed as models');
      const prompts = await registry.getChildren(promptsNode);
      assert.deepStrictEqual(prompts.map((n) => n.kind === 'prompt' && n.prompt.name), ['genai-app-chat', 'genai-app-qa']);
      const versions = await registry.getChildren(prompts[1]);
      assert.deepStrictEqual(versions.map((n) => String(registry.getTreeItem(n).description)), ['@staging · Handle unknown answers', '@production · Add persona and language variables', 'Initial version']);
      const v3 = versions[0]!;
      await vscode.commands.executeCommand('mlflow.prompts.open', v3);
      const editor = vscode.window.activeTextEditor;
      assert.ok(editor);
      assert.match(editor.document.getText(), /^You are a concise \{\{persona\}\}\. Answer using only the context; say "I don't know" otherwise\./);
      assert.strictEqual(editor.document.uri.scheme, 'mlflow-prompt');
      if (v3.kind !== 'promptVersion') assert.fail('a version node');
      await workbench.prompts.diff(v3, '2');
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      assert.ok(input instanceof vscode.TabInputTextDiff, 'a diff editor');
      const [left, right] = await Promise.all([vscode.workspace.openTextDocument(input.original), vscode.workspace.openTextDocument(input.modified)]);
      assert.match(left.getText(), /using only the context\.\n/);
      assert.match(right.getText(), /say "I don't know" otherwise/);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });

    it('opens a trace panel that draws the span tree with its ERROR spans', async () => {
      await vscode.commands.executeCommand('mlflow.traces.open', ERROR_TRACE);
      const panel = workbench.traces.panelOf(ERROR_TRACE);
      assert.ok(panel);
      const summary = await panel.whenRendered((s) => s.spans > 0 && s.selectedSpan !== undefined);
      assert.deepStrictEqual([summary.spans, summary.errorSpans, summary.selectedSpan], [3, 2, 'weather_agent']);
      panel.dispose();
    });

    it('Open Source opens the span’s function in the trace’s script; a span without a function says why', async () => {
      const folder = vscode.workspace.workspaceFolders?.[0];
      assert.ok(folder, 'a workspace is open');
      // The rag traces record mlflow.source.name = genai_populate.py and, on `retrieve`, mlflow.spanFunctionName.
      const script = vscode.Uri.joinPath(folder.uri, 'genai-app', 'genai_populate.py');
      const source = ['import mlflow', '', 'docs = retrieve("q")  # a call, not the definition', '', '@mlflow.trace(span_type="RETRIEVER")', 'def retrieve(query, top_k=2):', '    return []', ''].join('\n');
      await vscode.workspace.fs.createDirectory(vscode.Uri.joinPath(folder.uri, 'genai-app'));
      await vscode.workspace.fs.writeFile(script, new TextEncoder().encode(source));
      try {
        await vscode.commands.executeCommand('mlflow.traces.open', RAG_TRACE);
        const panel = workbench.traces.panelOf(RAG_TRACE);
        assert.ok(panel);
        await panel.session.loaded;
        await panel.whenRendered((s) => s.spans > 0);
        assert.strictEqual(await panel.session.openSource(2), undefined, 'opened, nothing to say');
        const editor = vscode.window.activeTextEditor;
        assert.ok(editor, 'an editor opened');
        assert.strictEqual(editor.document.uri.toString(), script.toString());
        assert.deepStrictEqual([editor.selection.active.line, editor.selection.active.character], [5, 4]);

        assert.match((await panel.session.openSource(4)) ?? '', /ChatOpenAI.*records no function name/);
        // The editor hid the panel; shown again, it says why too.
        panel.panel.reveal();
        const said = await panel.whenRendered((s) => s.sourceMessage !== undefined);
        assert.match(said.sourceMessage ?? '', /ChatOpenAI.*records no function name/);
        panel.dispose();
      } finally {
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
        await vscode.workspace.fs.delete(vscode.Uri.joinPath(folder.uri, 'genai-app'), { recursive: true });
      }
    });

    it('Compare Traces opens the two traces side by side from the command', async () => {
      const panel = await workbench.traces.compare(TOOL_AGENT_TRACE, ERROR_TRACE);
      assert.ok(panel);
      const summary = await panel.whenRendered((s) => s.rows > 0);
      assert.deepStrictEqual([summary.a, summary.b, summary.rows, summary.differing], [TOOL_AGENT_TRACE, ERROR_TRACE, 4, 4]);
      panel.dispose();
    });
  });

  describe('on an MLflow 3 server (GenAI captures replayed)', () => {
    let replay: ReplayServer;
    before(async () => {
      replay = await ReplayServer.start('mlflow-3.x-genai');
      await vscode.workspace.getConfiguration('mlflow').update('traces.reviewer', 'reviewer@example.com', vscode.ConfigurationTarget.Global);
      await workbench.connections.connectTo('GenAI replay', replay.baseUrl);
    });
    after(async () => {
      await vscode.workspace.getConfiguration('mlflow').update('traces.reviewer', undefined, vscode.ConfigurationTarget.Global);
      await replay.close();
    });

    it('adds an expectation from the panel with exactly the request MLflow’s client sends, then reloads', async () => {
      await vscode.commands.executeCommand('mlflow.traces.open', SCRATCH_TRACE);
      const panel = workbench.traces.panelOf(SCRATCH_TRACE);
      assert.ok(panel);
      const before = await panel.whenRendered((s) => s.traceId === SCRATCH_TRACE && s.spans > 0);
      replay.takeRequests();
      await panel.session.addAssessment({ kind: 'expectation', name: 'expected_response', value: 'ok' });
      const sent = replay.takeRequests().filter((r) => r.path.includes('/traces/')).map((r) => r.capture ?? `UNMATCHED ${r.method} ${r.path} ${JSON.stringify(r.body)}`);
      assert.deepStrictEqual(sent, ['assessments_create_expectation_text', 'traces_get_scratch_with_assessments']);
      assert.ok(before.assessments > 0);

      // Override a judge's feedback: the web UI's request (replayed under /api), then the reload.
      await panel.session.overrideAssessment({ assessmentId: 'a-4a798f66aa9d4b8c9fb84a07ad976bcd', value: '0.9', rationale: 'Human override.' });
      const overridden = replay.takeRequests().filter((r) => r.path.includes('/traces/')).map((r) => r.capture ?? `UNMATCHED ${r.method} ${r.path} ${JSON.stringify(r.body)}`);
      assert.deepStrictEqual(overridden, ['assessments_create_override_ui', 'traces_get_scratch_with_assessments']);
      panel.dispose();
    });
  });

  describe('live, on an MLflow 3 server whose app keeps logging', () => {
    let live: LiveTraceServer;
    before(async () => {
      await vscode.workspace.getConfiguration('mlflow').update('runs.refreshInterval', 1, vscode.ConfigurationTarget.Global);
      live = await startLiveTraceServer({ initialTraces: 2 });
      await workbench.connections.connectTo('Live traces', live.baseUrl);
    });
    after(async () => {
      await vscode.workspace.getConfiguration('mlflow').update('runs.refreshInterval', undefined, vscode.ConfigurationTarget.Global);
      await live.close();
    });

    it('shows new traces in the expanded experiment without a refresh', async () => {
      const { traces } = workbench;
      await waitFor(async () => (await traces.model.available()) && (await children()).some((n) => n.kind === 'experiment'), 'the live experiment is listed', 60_000);
      await waitFor(async () => {
        await vscode.commands.executeCommand('mlflow.traces.focus');
        return traces.treeView.visible;
      }, 'the Traces view is visible', 60_000);
      const experiment = (await children()).find((n) => n.kind === 'experiment')!;
      const shown = async () => (await children(experiment)).filter((n) => n.kind === 'trace').map((n) => (n.kind === 'trace' ? n.trace.traceId : ''));
      assert.strictEqual((await shown()).length, 2);
      const added = live.addTraces(2);
      await waitFor(async () => (await shown()).length === 4, 'the two new traces appear', 60_000);
      assert.deepStrictEqual((await shown()).slice(0, 2), [...added].reverse(), 'newest first');
    });
  });

  describe('on an MLflow 2 server', () => {
    let replay: ReplayServer;
    before(async () => {
      replay = await ReplayServer.start('mlflow-2.17.2');
      await workbench.connections.connectTo('Replay 2.17.2', replay.baseUrl);
    });
    after(() => replay.close());

    it('has no traces (the view stays hidden)', async () => {
      assert.strictEqual(await workbench.traces.model.available(), false);
    });
  });
});
