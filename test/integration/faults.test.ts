import * as assert from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { downloadWithProgress } from '../../src/artifacts/downloadCommand';
import type { ActiveStore } from '../../src/connection/activeStore';
import type { ExperimentNode, ExplorerNode, MessageNode, RunNode, RunSectionNode } from '../../src/explorer/nodes';
import { RunsModel } from '../../src/explorer/runsModel';
import { RunsTreeProvider } from '../../src/explorer/runsTreeProvider';
import { HttpClient } from '../../src/mlflow/http';
import type { FileInfo } from '../../src/mlflow/types';
import { RestStore } from '../../src/mlflow/rest/restStore';
import { ModelServers } from '../../src/modelServing/modelServers';
import { freeLoopbackPort } from '../../src/trackingServer/health';
import type { Workbench } from '../../src/workbench';
import { ESCAPING_ARTIFACT_NAMES, PAYLOADS, listingReply, startWatchingProxy, type ProxiedRequest, type WatchingProxy } from '../support/hostile';
import { DatasetBuilder } from '../support/mlflowServer/dataset';
import { startMlflowServer, type Fault, type MlflowServer } from '../support/mlflowServer/server';
import { EXTENSION_ID, activateExtension, waitFor } from './support';

/**
 * The Runs view and the chart panels in the real extension host while the tracking server misbehaves:
 * each fault ends as a message item that says what happened (never a modal, never an unhandled
 * rejection), the view recovers once the fault is gone and the user refreshes, a read is tried no more
 * often than the retry policy allows, and closing a panel (or refreshing the view) hangs up on its
 * requests still in flight, which the server side sees. Every request goes through a proxy that
 * records when the client hung up. The RestStore-level table of faults is test/unit/faultsRestStore.test.ts.
 */

const b = new DatasetBuilder();
b.experiment('Default');
const EXPERIMENT = b.experiment('faults');
const RUN = b.run(EXPERIMENT, { runName: 'steady', params: { alpha: '0.5' } });
b.history(RUN, 'loss', [0.9, 0.6, 0.3, 0.2]).artifact(RUN, 'model/MLmodel', 'flavors: {}\n');
const OTHER = b.run(EXPERIMENT, { runName: 'other' });
b.history(OTHER, 'loss', [1, 0.8]);
const DATASET = b.build();

/** The sentence each fault shows as the Runs view's first item, and a pattern for its detail (tooltip). */
const FAULTS: [string, Fault | 'closed port' | 'cut mid-body', string, RegExp][] = [
  ['a closed port', 'closed port', 'Cannot reach the tracking server.', /connection refused/],
  ['a server that hangs past the timeout', { delayMs: 60_000 }, 'The tracking server did not answer in time.', /timed out after 400 ms/],
  ['a dropped connection', { drop: true }, 'Cannot reach the tracking server.', /connection reset/],
  ['a connection reset mid-body', 'cut mid-body', 'Cannot reach the tracking server.', /\(connection reset\)/],
  ["Flask's 500 page", { status: 500 }, 'The server failed (500).', /\(HTML page\): 500 Internal Server Error$/],
  ['502 from a gateway', { status: 502, headers: { 'Retry-After': '0' } }, 'The server failed (502).', /502 Bad Gateway/],
  ['503 without Retry-After', { status: 503 }, 'The server failed (503).', /503 Service Unavailable/],
  ['429 with Retry-After', { status: 429, headers: { 'Retry-After': '0' }, body: 'Too many requests', contentType: 'text/plain' }, 'Server answered 429 Too Many Requests: Too many requests', /REQUEST_LIMIT_EXCEEDED \(HTTP 429\)/],
  ['an HTML page with 200', { status: 200, body: '<!doctype html><title>Proxy login</title><img src=x onerror=alert(1)>' }, 'The server sent a response that is not MLflow JSON.', /HTML page \(Proxy login\)/],
  ['truncated JSON', { status: 200, body: '{"experiments": [{"experiment_id": "1"', contentType: 'application/json' }, 'The server sent a response that is not MLflow JSON.', /truncated JSON/],
  ['50 MB of garbage', { status: 200, body: new Uint8Array(50 * 1024 * 1024).fill(0x7a), contentType: 'application/json' }, 'The server sent a response that is not MLflow JSON.', /52428800 bytes/],
  [
    'JSON of the wrong shape with 200 (not an empty list)',
    { status: 200, body: '{"experiments": "not-a-list", "next_page_token": 42}', contentType: 'application/json' },
    'The server sent a response that is not MLflow JSON.',
    /experiments\/search is not what an MLflow server sends \("experiments" is a string where MLflow sends a list\)/,
  ],
];

describe('Faults: the Runs view and the panels against a failing tracking server', () => {
  let workbench: Workbench;
  let server: MlflowServer;
  let proxy: WatchingProxy;
  let closedUrl: string;
  let original: string | undefined;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);

  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    workbench = await activateExtension();
    await workbench.ready;
    original = workbench.connections.current?.name;
    server = await startMlflowServer({ dataset: DATASET });
    proxy = await startWatchingProxy(server.baseUrl);
    const closed = await startMlflowServer();
    closedUrl = closed.baseUrl;
    await closed.close();
  });
  afterEach(() => {
    server.faults = undefined;
    proxy.cutBody = undefined;
    assert.deepStrictEqual(unhandled, [], 'no unhandled promise rejection');
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    if (original) await workbench?.connections.select(original);
    await proxy?.close();
    await server?.close();
  });

  /** The Runs view's model and tree adapter over its own store, with a timeout shorter than the shipped 30 s. */
  function runsView(baseUrl: string, timeoutMs = 15_000): { model: RunsModel; provider: RunsTreeProvider; dispose(): void } {
    const store = new RestStore(new HttpClient({ baseUrl, timeoutMs, retry: { baseDelayMs: 1 } }));
    const changed = new vscode.EventEmitter<undefined>();
    const activeStore: ActiveStore = {
      current: { name: 'faults', trackingUri: baseUrl, kind: 'rest', store, processEnv: async () => ({ MLFLOW_TRACKING_URI: baseUrl }) },
      onDidChange: changed.event,
    };
    const model = new RunsModel(activeStore, { pageSize: 100, orderBy: ['attributes.start_time DESC'], showDeletedExperiments: false, showDeletedRuns: false, pinned: new Set() });
    const provider = new RunsTreeProvider(model, activeStore, () => undefined);
    return { model, provider, dispose: () => (model.dispose(), changed.dispose(), store.dispose()) };
  }

  const file = (p: string): FileInfo => ({ path: p, isDir: false, fileSize: 1 });
  const messages = (nodes: ExplorerNode[]): MessageNode[] => nodes.filter((n): n is MessageNode => n.kind === 'message');
  const experimentNode = (nodes: ExplorerNode[]): ExperimentNode => {
    const node = nodes.find((n): n is ExperimentNode => n.kind === 'experiment' && n.experiment.name === 'faults');
    assert.ok(node, `the faults experiment is listed: ${JSON.stringify(nodes.map((n) => n.kind))}`);
    return node;
  };

  describe('each fault is a message item, and Refresh recovers', () => {
    for (const [what, fault, text, detail] of FAULTS) {
      it(what, async function () {
        this.timeout(20_000);
        const view = runsView(fault === 'closed port' ? closedUrl : proxy.baseUrl, typeof fault === 'object' && fault.delayMs ? 400 : undefined);
        try {
          if (fault === 'cut mid-body') proxy.cutBody = (url) => (url.includes('/experiments/search') ? 30 : undefined);
          else if (fault !== 'closed port') server.faults = (r) => (r.path.endsWith('/experiments/search') ? fault : undefined);
          const [item, ...rest] = messages(await view.provider.getChildren());
          assert.strictEqual(item?.text, text);
          assert.strictEqual(item.severity, 'error');
          assert.match(item.detail ?? '', detail);
          assert.doesNotMatch(`${item.text}\n${item.detail}`, /<img|<title|<!doctype/i, 'no markup from the server reaches the view');
          assert.ok(rest.some((n) => n.command?.command === 'mlflow.refresh'), 'offers Retry');
          if (fault === 'closed port') return;
          server.faults = undefined;
          proxy.cutBody = undefined;
          view.model.reset(); // what Retry / Refresh do
          experimentNode(await view.provider.getChildren());
        } finally {
          view.dispose();
        }
      });
    }

    it('something that is not an HTTP server on the port says so (not a parser code like HPE_INVALID_VERSION)', async () => {
      const sockets = new Set<net.Socket>();
      const garbage = net.createServer((socket) => {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.end('HTTP/9.7 200 OK\r\n\r\n');
      });
      await new Promise<void>((resolve) => garbage.listen(0, '127.0.0.1', resolve));
      const port = (garbage.address() as net.AddressInfo).port;
      const view = runsView(`http://127.0.0.1:${port}`);
      try {
        const [item] = messages(await view.provider.getChildren());
        assert.strictEqual(item?.severity, 'error');
        assert.match(item.detail ?? '', new RegExp(`^The server at 127\\.0\\.0\\.1:${port} is not an HTTP server`));
        assert.doesNotMatch(`${item.text}\n${item.detail}`, /HPE_|Parse Error/);
        const tree = view.provider.getTreeItem(item);
        assert.match(String(typeof tree.tooltip === 'string' ? tree.tooltip : tree.tooltip?.value), /is not an HTTP server/, 'the row says it on hover');
      } finally {
        view.dispose();
        const closed = new Promise<void>((resolve) => garbage.close(() => resolve()));
        for (const socket of sockets) socket.destroy();
        await closed;
      }
    });

    it('faults below the root: runs of an experiment and a run’s artifacts, each recovering on its own', async () => {
      const view = runsView(proxy.baseUrl);
      try {
        const experiment = experimentNode(await view.provider.getChildren());
        server.faults = (r) => (r.path.endsWith('/runs/search') ? { status: 500 } : undefined);
        assert.deepStrictEqual(messages(await view.provider.getChildren(experiment)).map((m) => m.text), ['The server failed (500).']);
        server.faults = undefined;
        view.model.reloadExperiment(experiment.experiment.experimentId);
        const run = (await view.provider.getChildren(experiment)).find((n): n is RunNode => n.kind === 'run' && n.run.info.runId === RUN);
        assert.ok(run);
        const artifacts = (await view.provider.getChildren(run)).find((n): n is RunSectionNode => n.kind === 'section' && n.section === 'artifacts');
        assert.ok(artifacts);
        server.faults = (r) => (r.path.endsWith('/artifacts/list') ? { status: 200, body: '{"files": [{"path": "mod', contentType: 'application/json' } : undefined);
        assert.deepStrictEqual(messages(await view.provider.getChildren(artifacts)).map((m) => m.text), ['The server sent a response that is not MLflow JSON.']);
        server.faults = undefined;
        assert.deepStrictEqual((await view.provider.getChildren(artifacts)).map((n) => n.kind === 'artifact' && n.file.path), ['model']);
      } finally {
        view.dispose();
      }
    });
  });

  describe('the registered Runs view over the real connection', () => {
    before(async () => {
      await workbench.connections.connectTo('faults server', proxy.baseUrl);
    });
    beforeEach(() => server.clearRequests());

    it('a 503 read is tried exactly 3 times (the shipped policy), shown as an item, and Refresh recovers', async () => {
      server.faults = (r) => (r.path.endsWith('/experiments/search') ? { status: 503, headers: { 'Retry-After': '0' } } : undefined);
      await vscode.commands.executeCommand('mlflow.refresh');
      const [item] = messages(await workbench.explorer.provider.getChildren());
      assert.strictEqual(item?.text, 'The server failed (503).');
      assert.strictEqual(server.count('experiments/search'), 3);
      server.faults = undefined;
      await vscode.commands.executeCommand('mlflow.refresh');
      experimentNode(await workbench.explorer.provider.getChildren());
      assert.strictEqual(server.count('experiments/search'), 4);
    });

    it('Refresh hangs up on a runs/search still in flight', async () => {
      const experiment = experimentNode(await workbench.explorer.provider.getChildren());
      server.faults = (r) => (r.path.endsWith('/runs/search') ? { delayMs: 60_000 } : undefined);
      const pending = workbench.explorer.provider.getChildren(experiment);
      await waitFor(() => server.count('runs/search') >= 1, 'the runs request at the server');
      await vscode.commands.executeCommand('mlflow.refresh');
      await hungUp('/runs/search');
      await pending;
    });

    it('closing a charts panel hangs up on its sampled-history request', async () => {
      server.faults = (r) => (r.path.endsWith('/metrics/get-history-bulk-interval') ? { delayMs: 60_000 } : undefined);
      const panel = workbench.charts.openCharts({ runIds: [RUN, OTHER] });
      await waitFor(() => server.count('metrics/get-history-bulk-interval') >= 1, 'the sampled-history request at the server');
      panel.dispose();
      const request = await hungUp('/metrics/get-history-bulk-interval');
      assert.strictEqual(request.finished, false);
      assert.strictEqual(server.count('metrics/get-history-bulk-interval'), 1, 'nothing asked again after closing');
    });

    it('closing a compare panel hangs up on its run requests', async () => {
      server.faults = (r) => (r.path.endsWith('/runs/get') ? { delayMs: 60_000 } : undefined);
      const panel = workbench.charts.compareRuns([RUN, OTHER]);
      await waitFor(() => server.count('runs/get') >= 2, 'both run requests at the server');
      panel.dispose();
      await waitFor(() => proxy.requests.filter((r) => r.url.includes('/runs/get') && r.closedEarly).length === 2, 'both requests hung up');
    });

    async function hungUp(route: string): Promise<ProxiedRequest> {
      return waitFor(() => proxy.requests.find((r) => r.url.includes(route) && r.closedEarly), `the client to hang up on ${route}`);
    }
  });

  describe('a hostile server: artifact names and credentials', () => {
    const PASSWORD = 'hunter2;$(id)`x`';
    /** Skipped (its `..`), so the download report names it first. */
    const COMMAND_LINK = `${PAYLOADS.commandLink}/../x.txt`;
    /** How VS Code finds links in a notification message (notifications.ts). */
    const NOTIFICATION_LINK = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/i;

    it('"Download…" of a run whose listing escapes writes only into the chosen folder and reports every skip', async () => {
      const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-faults-dl-'));
      const chosen = path.join(sandbox, 'chosen');
      fs.mkdirSync(chosen);
      const window = vscode.window as unknown as Record<'showOpenDialog' | 'showWarningMessage', (...args: unknown[]) => unknown>;
      const [openDialog, warning] = [window.showOpenDialog, window.showWarningMessage];
      const warnings: string[] = [];
      window.showOpenDialog = async () => [vscode.Uri.file(chosen)];
      window.showWarningMessage = (message: unknown) => (warnings.push(String(message)), Promise.resolve(undefined));
      const inModel = ['model/MLmodel', 'model/mlmodel', 'model/../../escape.txt', '/etc/passwd', 'model/..\\..\\x.txt'];
      server.faults = (r) =>
        r.path.endsWith('/artifacts/list')
          ? listingReply('/srv', r.query.path?.[0] === 'model' ? inModel.map(file) : [file(COMMAND_LINK), { path: 'model', isDir: true }, ...ESCAPING_ARTIFACT_NAMES.map(file)])
          : r.path === '/get-artifact'
            ? { status: 200, body: `bytes of ${r.query.path?.[0]}`, contentType: 'application/octet-stream' }
            : undefined;
      const store = new RestStore(new HttpClient({ baseUrl: server.baseUrl }));
      server.clearRequests();
      try {
        const outcome = await downloadWithProgress(store, [{ owner: { kind: 'run', runId: RUN }, file: { path: '', isDir: true } }], workbench.log);
        assert.ok(outcome);
        const written = (fs.readdirSync(sandbox, { recursive: true, withFileTypes: true }) as fs.Dirent[])
          .filter((entry) => entry.isFile())
          .map((entry) => path.relative(sandbox, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'));
        assert.deepStrictEqual(written, ['chosen/model/MLmodel'], 'nothing outside the chosen folder');
        const fetched = server.requests.filter((r) => r.path === '/get-artifact').map((r) => r.query.path?.[0]);
        assert.deepStrictEqual(fetched, ['model/MLmodel'], 'no refused name was even requested');
        assert.strictEqual(outcome.skipped.length, ESCAPING_ARTIFACT_NAMES.length + inModel.length);
        assert.strictEqual(warnings.length, 1);
        assert.ok(warnings[0].includes('Skipped') && warnings[0].replace(/\u200b/g, '').includes(COMMAND_LINK), warnings[0]);
        assert.doesNotMatch(warnings[0], NOTIFICATION_LINK, 'the server-named artifact makes no clickable link in the notification');
        assert.match(warnings[0], new RegExp(`^Downloaded 1 file \\(.*\\) to ${chosen.replace(/[/.]/g, '\\$&')}\\. Skipped ${outcome.skipped.length} files: `));
      } finally {
        Object.assign(window, { showOpenDialog: openDialog, showWarningMessage: warning });
        store.dispose();
        fs.rmSync(sandbox, { recursive: true, force: true });
      }
    });

    it('processEnv carries them, the tracking URI does not, and `mlflow models serve` gets them in env, not argv', async function () {
      this.timeout(60_000);
      const guarded = await startMlflowServer({ dataset: DATASET, auth: { username: 'alice', password: PASSWORD } });
      const record = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-faults-it-')), 'calls.jsonl');
      const servers = new ModelServers({ activeStore: workbench.connections, log: workbench.log, terminals: false });
      process.env.FAKE_MLFLOW_RECORD = record;
      try {
        const url = new URL(guarded.baseUrl);
        url.username = 'alice';
        url.password = encodeURIComponent(PASSWORD);
        await workbench.connections.connectTo('guarded', url.toString());
        experimentNode(await workbench.explorer.provider.getChildren());
        const connection = workbench.connections.current;
        assert.ok(connection);
        assert.strictEqual(connection.trackingUri, guarded.baseUrl);
        const env = await connection.processEnv();
        assert.deepStrictEqual(env, { MLFLOW_TRACKING_URI: guarded.baseUrl, MLFLOW_TRACKING_USERNAME: 'alice', MLFLOW_TRACKING_PASSWORD: PASSWORD });

        const fake = path.join(vscode.extensions.getExtension(EXTENSION_ID)?.extensionPath ?? '', 'test/support/fake-venv/bin/mlflow');
        const environment = { kind: 'venv' as const, prefix: path.dirname(path.dirname(fake)), binDirs: [path.dirname(fake)] };
        const cli = { executable: fake, versionLine: 'mlflow, version 2.17.2', version: '2.17.2', envManagers: ['local' as const], environment };
        const server = await servers.start({ cli, modelUri: 'models:/guarded-model/1', host: '127.0.0.1', port: await freeLoopbackPort(), envManager: 'local' });
        await server.whenState((state) => state.phase === 'healthy' || state.phase === 'stopped');
        const calls = await waitFor(() => (fs.existsSync(record) ? fs.readFileSync(record, 'utf8').trim() : ''), 'the recorded call');
        const call = JSON.parse(calls.split('\n')[0]) as { argv: string[]; env: Record<string, string | null>; credentials: Record<string, boolean> };
        assert.strictEqual(call.env.MLFLOW_TRACKING_URI, guarded.baseUrl);
        assert.strictEqual(call.credentials.MLFLOW_TRACKING_PASSWORD, true, 'the password is in the child’s environment');
        for (const text of [JSON.stringify(call.argv), JSON.stringify(server.info.argv), calls]) {
          assert.ok(!text.includes(PASSWORD) && !text.includes(encodeURIComponent(PASSWORD)), 'never in argv or anything recorded');
        }
        await server.stop();
      } finally {
        delete process.env.FAKE_MLFLOW_RECORD;
        servers.dispose();
        fs.rmSync(path.dirname(record), { recursive: true, force: true });
        await guarded.close();
      }
    });
  });
});
