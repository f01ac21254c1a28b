import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Workbench } from '../../src/workbench';
import { logTraceLike } from '../e2e/storeEdits';
import { FIXTURES_DIR } from '../support/repoRoot';
import { activateExtension, waitFor } from './support';

/**
 * The GenAI panels after "Developer: Reload Window", in the real extension host: VS Code re-creates
 * each panel and hands its serializer the state the page saved; the feature's `restore` (what the
 * serializer calls) is given such a panel and state, and the panel must show its trace, traces, session
 * or evaluation again; a state it can't read closes the panel. And a session conversation stays live:
 * a trace the app logs into the session shows up as a new turn without a Refresh.
 */

const GENAI_DB = path.join(FIXTURES_DIR, 'mlflow-3.x', 'genai-store', 'mlflow.db');
const ALICE = ['tr-1e1301009a4ee5aa9a0cd46ae8b5344a', 'tr-575f671b1a79a4f3fcdabbb264334530', 'tr-9e528e76c7338b32c13b0a4e4bee0d61'];
const ERROR_TRACE = 'tr-873a8f64a37a38e7e62b221cb35491ba';
const TOOL_AGENT_TRACE = 'tr-de222485da0d338798921efc01159fdc';
const EVALUATION_RUN = '3f6987bf23b24284ab503f0f9e9c5188';

/** A panel as VS Code re-creates it after a reload, before any serializer has adopted it. */
function recreated(viewType: string): vscode.WebviewPanel {
  return vscode.window.createWebviewPanel(viewType, 'Restored', vscode.ViewColumn.Active, { enableScripts: true });
}

/** The state as VS Code keeps it: JSON written by the page. */
const saved = (state: unknown): unknown => JSON.parse(JSON.stringify(state));

describe('GenAI panels: restore after a window reload, and the live session conversation', () => {
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

  describe('restore, on the GenAI SQLite store', () => {
    before(async () => {
      await workbench.connections.connectTo('GenAI store (restore)', `sqlite:///${GENAI_DB}`);
    });

    it('re-opens a trace panel, Compare Traces and a session conversation from their saved state', async () => {
      const tracePanel = recreated('mlflow.trace');
      await workbench.traces.restore(tracePanel, saved({ traceId: ERROR_TRACE }));
      const trace = workbench.traces.panelOf(ERROR_TRACE);
      assert.ok(trace && trace.panel === tracePanel, 'the feature adopted the panel VS Code re-created');
      const shown = await trace.whenRendered((s) => s.traceId === ERROR_TRACE && s.spans > 0, 60_000);
      assert.ok(shown.errorSpans > 0, 'the error trace, with its ERROR spans');
      // Opening the same trace again reveals the restored panel rather than a second one.
      assert.strictEqual(workbench.traces.openTrace(ERROR_TRACE), trace);
      trace.dispose();

      const comparePanel = recreated('mlflow.traceCompare');
      await workbench.traces.restore(comparePanel, saved({ traceIds: [TOOL_AGENT_TRACE, ERROR_TRACE] }));
      const compare = workbench.traces.comparePanelOf(TOOL_AGENT_TRACE, ERROR_TRACE);
      assert.ok(compare && compare.panel === comparePanel);
      const compared = await compare.whenRendered((s) => s.rows > 0, 60_000);
      assert.deepStrictEqual([compared.a, compared.b, compared.rows], [TOOL_AGENT_TRACE, ERROR_TRACE, 4]);
      compare.dispose();

      const sessionPanel = recreated('mlflow.traceSession');
      await workbench.traces.restore(sessionPanel, saved({ experimentId: '8', session: 'sess-alice-001' }));
      const session = workbench.traces.sessionPanelOf({ experimentId: '8', session: 'sess-alice-001' });
      assert.ok(session && session.panel === sessionPanel);
      const turns = await session.whenRendered((s) => s.turns === 3 && s.loaded === 3, 60_000);
      assert.deepStrictEqual([turns.session, turns.kinds], ['sess-alice-001', ['chat/chat', 'chat/chat', 'chat/chat']]);
      assert.deepStrictEqual(session.session.traceIds, ALICE);
      await waitFor(() => sessionPanel.title === 'Session sess-alice-001', 'the restored title');
      session.dispose();
    });

    it('re-opens an evaluation panel from its saved run', async () => {
      const panel = recreated('mlflow.evaluation');
      await workbench.evaluations.restore(panel, saved({ mode: 'table', runId: EVALUATION_RUN }));
      const evaluation = workbench.evaluations.panelOf({ mode: 'table', runId: EVALUATION_RUN });
      assert.ok(evaluation && evaluation.panel === panel);
      const shown = await evaluation.whenRendered((s) => s.mode === 'table', 60_000);
      assert.deepStrictEqual([shown.rows, shown.scorers.length], [4, 4]);
      evaluation.dispose();
    });

    it('closes a restored panel whose saved state it can’t read (an older version’s, a broken page’s)', async () => {
      const cases: [string, (p: vscode.WebviewPanel) => Promise<void>][] = [
        ['mlflow.trace', (p) => workbench.traces.restore(p, { traceId: '<img src=x onerror=alert(1)>' })],
        ['mlflow.traceCompare', (p) => workbench.traces.restore(p, { traceIds: [ERROR_TRACE] })],
        ['mlflow.traceSession', (p) => workbench.traces.restore(p, { session: 'sess-alice-001' })],
        ['mlflow.evaluation', (p) => workbench.evaluations.restore(p, { mode: 'table' })],
      ];
      for (const [viewType, restore] of cases) {
        const panel = recreated(viewType);
        const closed = new Promise<void>((resolve) => panel.onDidDispose(() => resolve()));
        await restore(panel);
        await closed;
      }
      assert.strictEqual(workbench.traces.sessionPanelOf({ experimentId: '8', session: 'sess-alice-001' }), undefined, 'no session panel was kept');
    });
  });

  describe('live, on a writable copy of the GenAI store', () => {
    let folder: string;
    let db: string;

    before(async () => {
      folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-live-session-'));
      db = path.join(folder, 'mlflow.db');
      fs.copyFileSync(GENAI_DB, db);
      await vscode.workspace.getConfiguration('mlflow').update('runs.refreshInterval', 1, vscode.ConfigurationTarget.Global);
      await workbench.connections.connectTo('GenAI store (live session)', `sqlite:///${db}`);
    });

    after(async () => {
      await vscode.workspace.getConfiguration('mlflow').update('runs.refreshInterval', undefined, vscode.ConfigurationTarget.Global);
      if (original) await workbench.connections.select(original);
      fs.rmSync(folder, { recursive: true, force: true });
    });

    it('shows a turn the app logs into the open session without a refresh, and a failed re-read as a notice over the turns', async function () {
      this.timeout(180_000);
      const panel = workbench.traces.openSession({ experimentId: '8', session: 'sess-alice-001' });
      try {
        await panel.whenRendered((s) => s.turns === 3 && s.loaded === 3, 60_000);

        // The app answers the user's next message: a new trace in the session (a copy of the last turn).
        const next = 'tr-5e55104000000000000000000000000a';
        await logTraceLike(db, ALICE[2]!, next, 60_000);
        const grown = await panel.whenRendered((s) => s.turns === 4 && s.loaded === 4, 60_000);
        assert.deepStrictEqual(grown.kinds, ['chat/chat', 'chat/chat', 'chat/chat', 'chat/chat'], 'the new turn read and drawn beside the others');
        assert.deepStrictEqual(panel.session.traceIds, [...ALICE, next]);
        assert.strictEqual(grown.error, undefined);

        // The store can't be read for a while (here: emptied): the panel says so and keeps its turns.
        const kept = path.join(folder, 'kept.db');
        fs.copyFileSync(db, kept);
        fs.writeFileSync(`${db}.empty`, '');
        fs.renameSync(`${db}.empty`, db);
        const failed = await panel.whenRendered((s) => s.error !== undefined, 60_000);
        assert.match(failed.error!, /Could not re-read the session/);
        assert.deepStrictEqual([failed.turns, failed.loaded], [4, 4], 'the turns stay');

        // Readable again: the notice goes at the next re-read (after the back-off).
        fs.renameSync(kept, db);
        const recovered = await panel.whenRendered((s) => s.error === undefined, 90_000);
        assert.deepStrictEqual([recovered.turns, recovered.loaded], [4, 4]);

        // Hidden behind another editor, it stops re-reading; shown again, it catches up.
        const other = await vscode.workspace.openTextDocument({ content: 'another editor' });
        await vscode.window.showTextDocument(other, { viewColumn: panel.panel.viewColumn, preview: false });
        await waitFor(() => !panel.panel.visible && !panel.live.scheduled, 'the hidden panel stops re-reading', 30_000);
        const later = 'tr-5e55104000000000000000000000000c';
        await logTraceLike(db, ALICE[2]!, later, 120_000);
        panel.panel.reveal();
        await panel.whenRendered((s) => s.turns === 5, 60_000);
        assert.deepStrictEqual(panel.session.traceIds, [...ALICE, next, later]);
      } finally {
        panel.dispose();
        await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      }
      assert.strictEqual(panel.live.scheduled, false, 'no re-read after the panel closed');
    });
  });
});
