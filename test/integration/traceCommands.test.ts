import * as assert from 'assert';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ExplorerNode, LoggedModelNode, RunNode } from '../../src/explorer/nodes';
import type { TracesNode } from '../../src/traces/tracesTreeProvider';
import type { Workbench } from '../../src/workbench';
import { startGenaiReplay } from '../support/genaiReplay';
import { type LiveTraceServer, startLiveTraceServer } from '../support/liveTraceServer';
import { type RecordedRequest, type ReplayServer, captureResponseText, getCapture, startLoopbackServer, type LoopbackServer } from '../support/replayServer';
import { FIXTURES_DIR } from '../support/repoRoot';
import { activateExtension, waitFor } from './support';

/**
 * The Traces view's commands a user reaches from menus, in the real extension host: Show Traces on a run
 * and on a logged model (the filter sent, the traces listed), Copy Trace ID, Sort Traces and Load more;
 * and the trace panel's Delete on an assessment and an attachment opened, from the messages the page
 * posts to what the store is asked and what VS Code opens. Against the GenAI SQLite store and against
 * loopback servers answering from the MLflow 3 GenAI captures.
 */

const GENAI_DB = path.join(FIXTURES_DIR, 'mlflow-3.x', 'genai-store', 'mlflow.db');
const TRACED_RUN = '8cf132e8d9e94031b248a55539a94d05';
/** The traces made inside TRACED_RUN, newest first (metadata mlflow.sourceRun; the capture traces_search_filter_run_id). */
const TRACED_RUN_TRACES = ['tr-24d67b4c32716887cf935e4aa6dc2f3d', 'tr-57a7fb909a96267b8206cb2aa87c0d9c'];
const DATASET_EVAL_RUN = '960b99b397364425bab48b5e84dea0c9';
const MODEL = 'm-732cc33fa6584be6915900c995cfb518';
const ATTACHMENT_TRACE = 'tr-463f75da6068608ed14afa40d9918f0d';
const TEXT_ATTACHMENT = { id: '2cef8557-cdbc-46c2-90ea-632b1e886eb2', contentType: 'text/plain', size: 22 };
const SCRATCH_TRACE = 'tr-4fa588e721aa33c4c92898b2e2919153';
const DELETED_ASSESSMENT = 'a-fd5f76e4ad9048f8b94a76d9155fd72b';

type TraceNode = Extract<TracesNode, { kind: 'trace' }>;

describe('Trace commands: Show Traces, Copy Trace ID, Sort, Load more; assessment delete and attachments from the panel', () => {
  let workbench: Workbench;
  let original: string | undefined;
  const children = (node?: TracesNode) => workbench.traces.provider.getChildren(node);
  const traceIds = (nodes: readonly TracesNode[]) => nodes.filter((n): n is TraceNode => n.kind === 'trace').map((n) => n.trace.traceId);
  /** The experiments the Traces view lists now, and the traces under them. */
  const listed = async (): Promise<{ experiments: string[]; traces: string[] }> => {
    const experiments = (await children()).filter((n): n is Extract<TracesNode, { kind: 'experiment' }> => n.kind === 'experiment');
    const traces: string[] = [];
    for (const e of experiments) traces.push(...traceIds(await children(e)));
    return { experiments: experiments.map((e) => e.experiment.name), traces };
  };
  const clearFilter = () => vscode.commands.executeCommand('mlflow.traces.clearFilter');
  /** Answers the next QuickPick with the item labelled `label`; gives the original back afterwards. */
  const pickOnce = (label: string): void => {
    const window = vscode.window as unknown as Record<string, unknown>;
    const originalPick = window.showQuickPick;
    window.showQuickPick = async (items: readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>) => {
      window.showQuickPick = originalPick;
      return (await items).find((item) => item.label === label);
    };
  };

  before(async () => {
    workbench = await activateExtension();
    await workbench.ready;
    original = workbench.connections.current?.name;
  });

  after(async () => {
    await clearFilter();
    if (original) await workbench.connections.select(original);
  });

  describe('on the GenAI SQLite store', () => {
    before(async () => {
      await workbench.connections.connectTo('GenAI store', `sqlite:///${GENAI_DB}`);
    });
    afterEach(async () => {
      await clearFilter();
    });

    const runNode = async (runId: string): Promise<RunNode> => {
      const explorer = workbench.explorer.provider;
      const experiment = await waitFor(async () => (await explorer.getChildren()).find((n) => n.kind === 'experiment' && n.experiment.name === 'genai-app'), 'genai-app in the Runs view');
      return waitFor(async () => (await explorer.getChildren(experiment)).find((n): n is RunNode => n.kind === 'run' && n.run.info.runId === runId), `run ${runId} in the Runs view`);
    };

    it('Show Traces on a run lists only the traces made in that run', async () => {
      const run = await runNode(TRACED_RUN);
      await vscode.commands.executeCommand('mlflow.traces.showForRun', run);
      assert.strictEqual(workbench.traces.model.filter, `attributes.run_id = '${TRACED_RUN}'`);
      const shown = await listed();
      assert.deepStrictEqual(shown.experiments, ['genai-app']);
      assert.deepStrictEqual([...shown.traces].sort(), TRACED_RUN_TRACES);
    });

    it('Show Traces on a logged model (under the run that used it) lists the traces made under that model', async () => {
      const run = await runNode(DATASET_EVAL_RUN);
      const explorer = workbench.explorer.provider;
      const models = (await explorer.getChildren(run)).find((n) => n.kind === 'section' && n.section === 'models');
      assert.ok(models, 'the run shows its logged models');
      const model = (await explorer.getChildren(models)).find((n): n is LoggedModelNode => n.kind === 'loggedModel' && n.modelId === MODEL);
      assert.ok(model, `logged model ${MODEL} under the run`);
      await vscode.commands.executeCommand('mlflow.traces.showForRun', model);
      assert.strictEqual(workbench.traces.model.filter, `request_metadata."mlflow.modelId" = '${MODEL}'`);
      const shown = await listed();
      assert.deepStrictEqual(shown.experiments, ['genai-app']);
      // The traces whose request metadata mlflow.modelId names the model (2 made under set_active_model, 5 evaluated with it).
      assert.deepStrictEqual([...shown.traces].sort(), [
        'tr-174f4c0526d27186ae8154bab4682aed',
        'tr-1a50505efcc36bb54be0f356a9195a79',
        'tr-286ea128368e34adbe09b34989e50b11',
        'tr-4a00c1dca70e3938246c65e8bfb0703b',
        'tr-7b2f1c7b6480d126c2e4aa929c2c00c3',
        'tr-8b96fe573f72e407de90698479cbbcfb',
        'tr-e0420ca2ed5f2f2b8b62a63ddb42644f',
      ]);
    });

    it('Copy Trace ID puts the trace’s tr-… id on the clipboard', async () => {
      await vscode.env.clipboard.writeText('');
      const app = (await children()).find((n) => n.kind === 'experiment' && n.experiment.name === 'genai-app')!;
      const first = (await children(app)).find((n): n is TraceNode => n.kind === 'trace')!;
      await vscode.commands.executeCommand('mlflow.traces.copyId', first);
      const copied = await waitFor(async () => {
        const text = await vscode.env.clipboard.readText();
        return text === '' ? undefined : text;
      }, 'the clipboard holds the id');
      assert.strictEqual(copied, first.trace.traceId);
      assert.match(copied, /^tr-[0-9a-f]{32}$/);
    });

    it('Sort Traces: oldest first reverses the newest-first list; slowest first orders by duration', async () => {
      const app = (await children()).find((n) => n.kind === 'experiment' && n.experiment.name === 'genai-app')!;
      const nodes = async () => (await children(app)).filter((n): n is TraceNode => n.kind === 'trace');
      const newest = await nodes();
      try {
        pickOnce('Oldest first');
        await vscode.commands.executeCommand('mlflow.traces.sort');
        const oldest = await nodes();
        assert.strictEqual(workbench.traces.model.order, 'oldest');
        assert.strictEqual(oldest.length, newest.length);
        const times = oldest.map((n) => n.trace.requestTime);
        assert.deepStrictEqual(times, [...times].sort((a, b) => a - b), 'oldest first');
        assert.notDeepStrictEqual(oldest.map((n) => n.trace.traceId), newest.map((n) => n.trace.traceId), 'the order changed');

        pickOnce('Slowest first');
        await vscode.commands.executeCommand('mlflow.traces.sort');
        const durations = (await nodes()).map((n) => n.trace.executionDurationMs ?? 0);
        assert.deepStrictEqual(durations, [...durations].sort((a, b) => b - a), 'slowest first');
        assert.strictEqual((await nodes())[0]!.trace.traceId, newest.reduce((a, b) => ((b.trace.executionDurationMs ?? 0) > (a.trace.executionDurationMs ?? 0) ? b : a)).trace.traceId);
      } finally {
        pickOnce('Newest first');
        await vscode.commands.executeCommand('mlflow.traces.sort');
      }
      assert.deepStrictEqual(traceIds(await children(app)), newest.map((n) => n.trace.traceId));
    });

    it('opens an attachment from the panel: the trace’s artifact file, opened in VS Code', async () => {
      await openAttachmentAndCheck();
    });
  });

  /** The panel's "Open text/plain attachment" (the message the page posts) opens the attachment's bytes. */
  async function openAttachmentAndCheck(replay?: ReplayServer): Promise<void> {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('mlflow.traces.open', ATTACHMENT_TRACE);
    const panel = workbench.traces.panelOf(ATTACHMENT_TRACE);
    assert.ok(panel);
    try {
      await panel.whenRendered((s) => s.traceId === ATTACHMENT_TRACE && s.spans > 0);
      replay?.takeRequests();
      panel.session.receive({ type: 'openAttachment', attachment: TEXT_ATTACHMENT });
      const editor = await waitFor(() => {
        const active = vscode.window.activeTextEditor;
        return active?.document.uri.path.endsWith(`/${ATTACHMENT_TRACE}/${TEXT_ATTACHMENT.id}.txt`) ? active : undefined;
      }, 'the attachment opened in an editor', 30_000);
      assert.strictEqual(editor.document.getText(), getCapture('mlflow-3.x-genai', 'ajax_get_trace_artifact_attachment_text').response);
      if (replay) assert.deepStrictEqual(replay.takeRequests().map((r) => r.capture ?? `UNMATCHED ${r.method} ${r.path}`), ['ajax_get_trace_artifact_attachment_text']);
    } finally {
      panel.dispose();
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  }

  describe('on an MLflow 3 server (GenAI captures replayed)', () => {
    let replay: ReplayServer;
    before(async () => {
      replay = await startGenaiReplay();
      await workbench.connections.connectTo('GenAI replay', replay.baseUrl);
    });
    after(async () => {
      await clearFilter();
      await replay.close();
    });

    const searches = (sent: readonly RecordedRequest[]) => sent.filter((r) => r.path.endsWith('/traces/search')).map((r) => ({ filter: (r.body as { filter?: string }).filter, answer: r.capture }));

    it('Show Traces on a run sends the filter MLflow’s server answered with the run’s traces, and lists them', async () => {
      const run = await workbench.connections.current!.store.getRun(TRACED_RUN);
      const node: RunNode = { kind: 'run', run, children: [] };
      replay.takeRequests();
      await vscode.commands.executeCommand('mlflow.traces.showForRun', node);
      const shown = await listed();
      assert.deepStrictEqual(shown.experiments, ['genai-app']);
      assert.deepStrictEqual(shown.traces, TRACED_RUN_TRACES, 'the run’s two traces, newest first (as the capture lists them)');
      const filtered = searches(replay.takeRequests()).filter((s) => s.filter !== undefined);
      assert.deepStrictEqual(filtered, [{ filter: `attributes.run_id = '${TRACED_RUN}'`, answer: 'traces_search_filter_run_id (derived)' }]);
    });

    it('Show Traces on a logged model sends the model filter of MLflow’s own UI', async () => {
      const run = await workbench.connections.current!.store.getRun(TRACED_RUN);
      const node: ExplorerNode = { kind: 'loggedModel', run, modelId: MODEL, direction: 'input' };
      replay.takeRequests();
      await vscode.commands.executeCommand('mlflow.traces.showForRun', node);
      await listed();
      const sent = searches(replay.takeRequests()).filter((s) => s.filter !== undefined).map((s) => s.filter);
      // The captures hold this filter's first page only (max_results 3), so the list cannot be replayed; the filter can.
      const captured = (getCapture('mlflow-3.x-genai', 'traces_search_filter_logged_model_ui_style').request.body as { filter: string }).filter;
      assert.deepStrictEqual(sent, [captured]);
    });

    it('Sort Traces sends the order asked for and lists the traces in it', async () => {
      await clearFilter();
      const app = (await children()).find((n) => n.kind === 'experiment' && n.experiment.name === 'genai-app')!;
      const newest = traceIds(await children(app));
      assert.strictEqual(newest.length, 29);
      replay.takeRequests();
      try {
        pickOnce('Oldest first');
        await vscode.commands.executeCommand('mlflow.traces.sort');
        assert.deepStrictEqual(traceIds(await children(app)), [...newest].reverse());
        const orders = replay.takeRequests().filter((r) => r.path.endsWith('/traces/search')).map((r) => (r.body as { order_by?: string[] }).order_by);
        assert.deepStrictEqual(orders, [['timestamp_ms ASC']]);
      } finally {
        pickOnce('Newest first');
        await vscode.commands.executeCommand('mlflow.traces.sort');
      }
    });

    it('opens an attachment from the panel with the web UI’s get-trace-artifact request', async () => {
      await openAttachmentAndCheck(replay);
    });
  });

  describe('Load more traces, on a server with more traces than a page', () => {
    let live: LiveTraceServer;
    before(async () => {
      const start = Date.now() - 24 * 3600_000;
      let tick = 0;
      // Logged a day ago, a second apart: no trace is live, so only the user pages.
      live = await startLiveTraceServer({ initialTraces: 62, now: () => start + 1000 * tick++ });
      await workbench.connections.connectTo('Paged traces', live.baseUrl);
    });
    after(async () => {
      await live.close();
    });

    it('lists the first 50 with "Load more traces…", which fetches the next page with the server’s token', async () => {
      const experiment = await waitFor(async () => (await children()).find((n) => n.kind === 'experiment'), 'the experiment');
      const first = await children(experiment);
      assert.strictEqual(traceIds(first).length, 50);
      const more = first.at(-1)!;
      assert.strictEqual(more.kind, 'loadMore');
      assert.strictEqual(workbench.traces.provider.getTreeItem(more).label, 'Load more traces…');
      const searchesBefore = live.searches();
      await vscode.commands.executeCommand('mlflow.traces.loadMore', more);
      const all = await children(experiment);
      const ids = traceIds(all);
      assert.strictEqual(ids.length, 62);
      assert.strictEqual(new Set(ids).size, 62, 'no trace twice');
      assert.deepStrictEqual(ids.slice(0, 50), traceIds(first), 'the first page stays, the next is appended');
      assert.ok(!all.some((n) => n.kind === 'loadMore'), 'nothing more to load');
      assert.strictEqual(live.searches() - searchesBefore, 1, 'one request for the next page');
      const pageRequest = live.server.requests.filter((r) => r.path.endsWith('/traces/search')).at(-1)!;
      const token = (pageRequest.body as { page_token?: string }).page_token ?? '';
      assert.deepStrictEqual(JSON.parse(Buffer.from(token, 'base64').toString('utf8')), { offset: 50 }, 'the token the first page ended with');
    });
  });

  describe('deleting an assessment from the panel, on a writable server', () => {
    let server: LoopbackServer;
    const received: { method: string; path: string; body: string }[] = [];
    before(async () => {
      // The scratch trace as the server answered before the delete (traces_get_scratch_with_assessments was
      // captured after it): the capture plus the assessment as the server last returned it (its update).
      const after = getCapture('mlflow-3.x-genai', 'traces_get_scratch_with_assessments');
      const assessment = (getCapture('mlflow-3.x-genai', 'assessments_update_feedback_ui').response as { assessment: { assessment_id: string } }).assessment;
      assert.strictEqual(assessment.assessment_id, DELETED_ASSESSMENT);
      const before = structuredClone(after.response) as { trace: { trace_info: { assessments: unknown[] } } };
      before.trace.trace_info.assessments.push(assessment);
      const deleted = getCapture('mlflow-3.x-genai', 'assessments_delete_ui');
      let isDeleted = false;
      server = await startLoopbackServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const url = new URL(req.url ?? '/', 'http://127.0.0.1');
          received.push({ method: req.method ?? '', path: url.pathname, body: Buffer.concat(chunks).toString('utf8') });
          if (req.method === 'GET' && url.pathname === '/api/3.0/mlflow/traces/get' && url.searchParams.get('trace_id') === SCRATCH_TRACE) {
            res.writeHead(200, { 'Content-Type': 'application/json' });
            res.end(captureResponseText({ ...after, response: isDeleted ? after.response : before }));
          } else if (req.method === 'DELETE' && url.pathname === deleted.request.path.replace('/ajax-api/', '/api/')) {
            isDeleted = true;
            res.writeHead(deleted.status, { 'Content-Type': deleted.response_content_type });
            res.end(JSON.stringify(deleted.response));
          } else {
            res.writeHead(404, { 'Content-Type': 'text/html' });
            res.end('<!doctype html><title>404 Not Found</title>');
          }
        });
      });
      await workbench.connections.connectTo('Writable GenAI server', server.baseUrl);
    });
    after(async () => {
      await server.close();
    });

    it('Delete sends MLflow’s DELETE for that assessment, then shows the trace without it', async () => {
      await vscode.commands.executeCommand('mlflow.traces.open', SCRATCH_TRACE);
      const panel = workbench.traces.panelOf(SCRATCH_TRACE);
      assert.ok(panel);
      try {
        const shown = await panel.whenRendered((s) => s.traceId === SCRATCH_TRACE && s.spans > 0);
        received.length = 0;
        panel.session.receive({ type: 'deleteAssessment', assessmentId: DELETED_ASSESSMENT });
        const after = await panel.whenRendered((s) => s.assessments === shown.assessments - 1, 30_000);
        assert.strictEqual(after.assessments, shown.assessments - 1);
        assert.deepStrictEqual(received.filter((r) => r.path.includes('/traces/')).map((r) => `${r.method} ${r.path} ${r.body}`), [
          `DELETE /api/3.0/mlflow/traces/${SCRATCH_TRACE}/assessments/${DELETED_ASSESSMENT} `,
          'GET /api/3.0/mlflow/traces/get ',
        ]);
      } finally {
        panel.dispose();
      }
    });
  });
});
