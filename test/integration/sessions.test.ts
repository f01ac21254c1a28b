import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import type { TracesNode } from '../../src/traces/tracesTreeProvider';
import type { Workbench } from '../../src/workbench';
import { ReplayServer } from '../support/replayServer';
import { FIXTURES_DIR } from '../support/repoRoot';
import { activateExtension } from './support';

/**
 * Sessions in the real extension host: a session node of the Traces view lists every trace of the
 * session (from the GenAI SQLite store, and from a loopback server replaying the MLflow 3 captures with
 * exactly the captured session search), and "Open Session as Conversation" opens the conversation panel.
 */

const GENAI_DB = path.join(FIXTURES_DIR, 'mlflow-3.x', 'genai-store', 'mlflow.db');
const ALICE = ['tr-1e1301009a4ee5aa9a0cd46ae8b5344a', 'tr-575f671b1a79a4f3fcdabbb264334530', 'tr-9e528e76c7338b32c13b0a4e4bee0d61'];

describe('Sessions: the session node and the conversation panel', () => {
  let workbench: Workbench;
  let original: string | undefined;
  const children = (node?: TracesNode) => workbench.traces.provider.getChildren(node);
  const labelOf = (node: TracesNode) => String(workbench.traces.provider.getTreeItem(node).label);
  const traceIds = (nodes: TracesNode[]) => nodes.map((n) => (n.kind === 'trace' ? n.trace.traceId : `${n.kind}`));

  before(async () => {
    workbench = await activateExtension();
    await workbench.ready;
    original = workbench.connections.current?.name;
  });

  after(async () => {
    await vscode.commands.executeCommand('mlflow.traces.ungroup');
    if (original) await workbench.connections.select(original);
  });

  describe('on the GenAI SQLite store', () => {
    before(async () => {
      await workbench.connections.connectTo('GenAI store (sessions)', `sqlite:///${GENAI_DB}`);
      await vscode.commands.executeCommand('mlflow.traces.groupBySession');
    });

    it('lists every trace of a session under its node, oldest first, and opens the session as a conversation', async () => {
      const app = (await children()).find((n) => n.kind === 'experiment' && n.experiment.name === 'genai-app')!;
      const alice = (await children(app)).find((n) => n.kind === 'session' && labelOf(n) === 'sess-alice-001');
      assert.ok(alice, 'a node for the session');
      assert.deepStrictEqual(traceIds(await children(alice)), ALICE);

      await vscode.commands.executeCommand('mlflow.traces.openSession', alice);
      const panel = workbench.traces.sessionPanelOf({ experimentId: '8', session: 'sess-alice-001' });
      assert.ok(panel, 'the conversation panel opened');
      const summary = await panel.whenRendered((s) => s.turns === 3 && s.loaded === 3, 60_000);
      assert.deepStrictEqual(summary.kinds, ['chat/chat', 'chat/chat', 'chat/chat']);
      assert.deepStrictEqual(panel.session.traceIds, ALICE);

      // The same command on the same session reveals the open panel.
      await vscode.commands.executeCommand('mlflow.traces.openSession', alice);
      assert.strictEqual(workbench.traces.sessionPanelOf({ experimentId: '8', session: 'sess-alice-001' }), panel);
      panel.dispose();
    });

    it('from the palette, asks for a session among the listed traces and opens it', async () => {
      const window = vscode.window as unknown as Record<string, unknown>;
      const original = window.showQuickPick;
      const offered: vscode.QuickPickItem[][] = [];
      window.showQuickPick = async (items: readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>) => {
        const list = await items;
        offered.push([...list]);
        return list.find((i) => i.label === 'sess-bob-002' && i.description === 'genai-app');
      };
      try {
        await vscode.commands.executeCommand('mlflow.traces.openSession');
      } finally {
        window.showQuickPick = original;
      }
      assert.strictEqual(offered.length, 1, 'one session picker');
      const fromApp = offered[0]!.filter((i) => i.description === 'genai-app').map((i) => i.label).sort();
      assert.deepStrictEqual(fromApp, ['sess-alice-001', 'sess-bob-002']);
      const panel = workbench.traces.sessionPanelOf({ experimentId: '8', session: 'sess-bob-002' });
      assert.ok(panel, 'the picked session’s panel opened');
      const summary = await panel.whenRendered((s) => s.turns === 2 && s.loaded === 2, 60_000);
      assert.strictEqual(summary.session, 'sess-bob-002');
      panel.dispose();
    });
  });

  describe('on an MLflow 3 server (GenAI captures replayed)', () => {
    let replay: ReplayServer;
    before(async () => {
      replay = await ReplayServer.start('mlflow-3.x-genai');
      await workbench.connections.connectTo('GenAI replay (sessions)', replay.baseUrl);
    });
    after(async () => {
      await replay.close();
    });

    it('lists the session’s traces with exactly the captured session search, oldest first', async () => {
      const session: TracesNode = { kind: 'session', experimentId: '8', group: { session: 'sess-alice-001', traceIds: [], users: [], lastRequestTime: 0 } };
      assert.strictEqual(await workbench.traces.model.available(), true, 'an MLflow 3 server');
      replay.takeRequests();
      const turns = await children(session);
      assert.deepStrictEqual(traceIds(turns), ALICE);
      // Every traces request is the captured session search (the Traces view may list the same expanded
      // session again for the new connection at the same time, so the count is not fixed).
      const sent = replay.takeRequests().filter((r) => r.path.includes('/traces')).map((r) => r.capture ?? `UNMATCHED ${r.method} ${r.path} ${JSON.stringify(r.body)}`);
      assert.ok(sent.length >= 1, 'the session search was sent');
      assert.deepStrictEqual([...new Set(sent)], ['traces_search_filter_session_metadata_backticks']);

      // The conversation reads each shown turn's trace; the replay has no capture of the second one's, which
      // then says why (the server's 404 page) while the other two show.
      await vscode.commands.executeCommand('mlflow.traces.openSession', session);
      const panel = workbench.traces.sessionPanelOf({ experimentId: '8', session: 'sess-alice-001' });
      assert.ok(panel, 'the conversation panel opened');
      const summary = await panel.whenRendered((s) => s.turns === 3 && s.loaded + s.failed === 3, 60_000);
      assert.deepStrictEqual([summary.loaded, summary.failed], [2, 1]);
      const gets = replay.takeRequests().filter((r) => r.path.endsWith('/traces/get')).map((r) => r.capture ?? `UNMATCHED ${r.query.trace_id?.[0]}`).sort();
      assert.deepStrictEqual(gets, ['UNMATCHED tr-575f671b1a79a4f3fcdabbb264334530', 'traces_get_rag_updated_overridden_deleted_assessments', 'traces_get_rag_with_assessments']);
      panel.dispose();
    });
  });
});
