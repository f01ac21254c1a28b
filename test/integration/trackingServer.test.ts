import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ActiveConnection } from '../../src/connection/activeStore';
import { checkHealth } from '../../src/trackingServer/health';
import { TrackingServer, type TrackingServerState } from '../../src/trackingServer/trackingServer';
import type { Log } from '../../src/vscode/log';
import { activateExtension, EXTENSION_ID, waitFor } from './support';

type Current = Pick<ActiveConnection, 'name' | 'kind' | 'trackingUri'>;

/** What the test sees of the extension's connection: the server's connectTo calls, applied to `current`. */
function fakeConnections(initial: Current) {
  const calls: [string, string][] = [];
  const activeStore = { current: initial as Current | undefined };
  const connections = {
    connectTo: async (name: string, trackingUri: string) => {
      calls.push([name, trackingUri]);
      activeStore.current = { name, trackingUri, kind: trackingUri.startsWith('http') ? 'rest' : 'sqlite' };
    },
  };
  return { calls, activeStore, connections };
}

/** True once no process of the group `pid` led is left (the fake server's workers included). */
function groupGone(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/**
 * Records the notifications the server shows (and answers none), so tests can check what the user is
 * told without a notification waiting for a click.
 */
function captureMessages(): { messages: string[]; restore(): void } {
  const window = vscode.window as Record<'showErrorMessage' | 'showWarningMessage' | 'showInformationMessage', unknown>;
  const originals = { showErrorMessage: window.showErrorMessage, showWarningMessage: window.showWarningMessage, showInformationMessage: window.showInformationMessage };
  const messages: string[] = [];
  for (const name of Object.keys(originals) as (keyof typeof originals)[]) {
    window[name] = async (message: string) => {
      messages.push(`${name}: ${message}`);
      return undefined;
    };
  }
  return { messages, restore: () => Object.assign(window, originals) };
}

function readRecord(file: string): { argv: string[]; cwd: string; pid: number }[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)) : [];
}

describe('Tracking server (real extension host, the fake mlflow on PATH)', () => {
  let log: Log;
  let workspace: string;
  let fakeMlflow: string;
  let record: string;
  let pathBefore: string | undefined;
  const servers: TrackingServer[] = [];
  let shown: ReturnType<typeof captureMessages>;

  beforeEach(() => {
    shown = captureMessages();
  });

  before(async () => {
    const workbench = await activateExtension();
    log = workbench.log;
    workspace = vscode.workspace.workspaceFolders![0].uri.fsPath;
    fakeMlflow = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'support', 'fake-venv', 'bin', 'mlflow');
    assert.ok(fs.existsSync(fakeMlflow), 'the fake mlflow exists');
    // code-server gives the extension host the login shell's PATH, not the harness's: put the fake first
    // here so that the feature's own PATH search finds it.
    pathBefore = process.env.PATH;
    process.env.PATH = [path.dirname(fakeMlflow), pathBefore].filter(Boolean).join(path.delimiter);
    record = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-ts-it-')), 'invocations.jsonl');
    // The fake appends each invocation (argv, cwd, pid) here; the server inherits the extension host's env.
    process.env.FAKE_MLFLOW_RECORD = record;
  });

  afterEach(async () => {
    shown.restore();
    for (const server of servers.splice(0)) {
      await server.stop();
      server.dispose();
    }
  });

  after(() => {
    process.env.PATH = pathBefore;
    delete process.env.FAKE_MLFLOW_RECORD;
    fs.rmSync(path.dirname(record), { recursive: true, force: true });
  });

  it('starts `mlflow server` for the workspace store on a free 127.0.0.1 port, connects, and stops its whole process group', async () => {
    if (process.platform === 'win32') return;
    const database = path.join(workspace, 'mlflow.db');
    const local: Current = { name: 'Workspace store', kind: 'sqlite', trackingUri: `sqlite:///${database}` };
    const { calls, activeStore, connections } = fakeConnections(local);
    const saved = new Map<string, unknown>();
    const workspaceState = {
      keys: () => [...saved.keys()],
      get: <T>(key: string) => saved.get(key) as T | undefined,
      update: async (key: string, value: unknown) => void (value === undefined ? saved.delete(key) : saved.set(key, value)),
    } as vscode.Memento;
    const server = new TrackingServer({ activeStore, connections, log, workspaceState });
    servers.push(server);
    const states: TrackingServerState[] = [];
    server.onDidChange((state) => states.push(state));

    const running = await server.start();
    assert.ok(running, `the server started (${shown.messages.join('; ')})`);
    assert.strictEqual(running.executable, fakeMlflow, 'the mlflow found on PATH (no Python extension here)');
    assert.strictEqual(running.url, `http://127.0.0.1:${running.port}`);
    assert.deepStrictEqual(running.argv, [
      'server',
      '--backend-store-uri', `sqlite:///${database}`,
      '--host', '127.0.0.1',
      '--port', String(running.port),
      '--default-artifact-root', path.join(workspace, 'mlruns'),
    ]);
    // The process really received exactly that argv (spawned without a shell), in the store's folder.
    const serverCall = readRecord(record).find((call) => call.argv[0] === 'server');
    assert.ok(serverCall, 'the fake recorded the server invocation');
    assert.deepStrictEqual(serverCall.argv, running.argv);
    assert.strictEqual(serverCall.cwd, workspace);
    assert.ok(readRecord(record).some((call) => call.argv[0] === '--version'), 'the executable was checked first');

    assert.strictEqual(await checkHealth(running.url), true);
    assert.strictEqual(server.state, 'running');
    assert.deepStrictEqual(server.running, running);
    assert.deepStrictEqual(states, ['starting', 'running']);
    assert.deepStrictEqual(calls, [[`Local server (port ${running.port})`, running.url]]);
    assert.deepStrictEqual(saved.get('mlflow.trackingServer'), { pid: running.pid, port: running.port, executable: fakeMlflow, argv: running.argv, store: { kind: 'sqlite', location: database } });

    const pid = running.pid!;
    assert.strictEqual(groupGone(pid), false);
    await server.stop();
    assert.strictEqual(server.state, 'stopped');
    assert.strictEqual(server.running, undefined);
    assert.deepStrictEqual(states, ['starting', 'running', 'stopping', 'stopped']);
    // The server program's workers are reaped a moment after the group's SIGKILL.
    await waitFor(() => groupGone(pid), 'no process of the server group to be left');
    assert.strictEqual(await checkHealth(running.url), false);
    assert.deepStrictEqual(calls[1], ['Workspace store', local.trackingUri], 'back to the store it served');
    assert.strictEqual(saved.has('mlflow.trackingServer'), false);
  });

  it('reports an mlflow that does not run and leaves nothing running', async () => {
    const { calls, activeStore, connections } = fakeConnections({ name: 'Workspace store', kind: 'sqlite', trackingUri: `sqlite:///${path.join(workspace, 'mlflow.db')}` });
    const server = new TrackingServer({ activeStore, connections, log });
    servers.push(server);
    const before = readRecord(record).length;
    // The fake refuses to run at all for an unknown version (exit 3), like a broken environment.
    process.env.FAKE_MLFLOW_VERSION = 'not-a-version';
    try {
      assert.strictEqual(await server.start(), undefined);
    } finally {
      delete process.env.FAKE_MLFLOW_VERSION;
    }
    assert.strictEqual(server.state, 'stopped');
    assert.deepStrictEqual(calls, []);
    assert.deepStrictEqual(readRecord(record).slice(before).map((call) => call.argv), [], 'the broken fake records nothing, and no server was spawned');
    assert.strictEqual(shown.messages.length, 1, shown.messages.join('; '));
    assert.match(shown.messages[0], /^showErrorMessage: Can't start the MLflow tracking server: `.*mlflow --version` failed/);
  });

  it('says what to do when there is no mlflow at all', async () => {
    const { calls, activeStore, connections } = fakeConnections({ name: 'Workspace store', kind: 'sqlite', trackingUri: `sqlite:///${path.join(workspace, 'mlflow.db')}` });
    const server = new TrackingServer({ activeStore, connections, log });
    servers.push(server);
    const withFake = process.env.PATH;
    process.env.PATH = path.join(os.tmpdir(), 'no-mlflow-here');
    try {
      assert.strictEqual(await server.start(), undefined);
    } finally {
      process.env.PATH = withFake;
    }
    assert.strictEqual(server.state, 'stopped');
    assert.deepStrictEqual(calls, []);
    await waitFor(() => shown.messages.length > 0, 'the message');
    assert.deepStrictEqual(shown.messages, [
      "showErrorMessage: Can't start the MLflow tracking server: MLflow is not installed, and no Python was found (no python3 or python on PATH). " +
        'Install Python 3 and then MLflow (`python -m pip install mlflow`), or set mlflow.executablePath.',
    ]);
  });
});
