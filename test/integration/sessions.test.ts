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
      assert.deepStrictEqual(replay.takeRequests().filter((r) => r.path.includes('/traces')).map((r) => r.capture ?? `UNMATCHED ${r.method} ${r.path} ${JSON.stringify(r.body)}`), ['traces_search_filter_session_metadata_backticks']);
    });
  });
});
