import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ActiveConnection } from '../../src/connection/activeStore';
import { lookUpMlflow } from '../../src/modelServing/cliLookup';
import { ModelServers } from '../../src/modelServing/modelServers';
import { ProjectLauncher } from '../../src/projects/launcher';
import { RememberedRuns } from '../../src/projects/rememberedRuns';
import { freeLoopbackPort } from '../../src/trackingServer/health';
import { TrackingServer } from '../../src/trackingServer/trackingServer';
import { findOnPath } from '../../src/vscode/python';
import type { Workbench } from '../../src/workbench';
import { activateExtension, EXTENSION_ID, waitFor } from './support';

interface Recorded {
  argv: string[];
  env: Record<string, string | null>;
  credentials: Record<string, boolean>;
}

/**
 * Issue 16 §1: `mlflow.executablePath` names <venv>/bin/mlflow, but the extension host's PATH lacks
 * <venv>/bin (VS Code started from a desktop launcher). The stand-in mlflow then fails as MLflow does
 * (test/support/fake-venv): `models serve` finds no gunicorn (127), `run --env-manager local` the system
 * python without the packages. Every child must get the environment's bin first on PATH.
 */
describe('Child environments: every mlflow child runs in its Python environment (real extension host)', () => {
  let workbench: Workbench;
  let venv: string;
  let venvMlflow: string;
  let record: string;
  let pathBefore: string | undefined;
  const saved: Record<string, string | undefined> = {};
  const readRecord = (): Recorded[] =>
    fs.existsSync(record) ? fs.readFileSync(record, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Recorded) : [];
  const setEnv = (vars: Record<string, string | undefined>): void => {
    for (const [name, value] of Object.entries(vars)) {
      if (!(name in saved)) saved[name] = process.env[name];
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };

  before(async () => {
    workbench = await activateExtension();
    await workbench.ready;
    await waitFor(() => workbench.connections.current?.kind === 'sqlite', 'the demo store to be the active connection');
    venv = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'support', 'fake-venv');
    venvMlflow = path.join(venv, 'bin', 'mlflow');
    await vscode.workspace.getConfiguration('mlflow').update('executablePath', venvMlflow, vscode.ConfigurationTarget.Workspace);
    // The extension host's PATH without the environment: what VS Code started from a launcher has.
    pathBefore = process.env.PATH;
    const lacking = (pathBefore ?? '').split(path.delimiter).filter((entry) => path.resolve(entry || '.') !== path.join(venv, 'bin')).join(path.delimiter);
    record = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-childenv-it-')), 'invocations.jsonl');
    setEnv({ PATH: lacking, FAKE_MLFLOW_RECORD: record, MLFLOW_TRACKING_TOKEN: 'inherited-token-for-another-server', VIRTUAL_ENV: undefined });
    // The premise: nothing on this PATH serves a model; without the fix these tests fail.
    assert.strictEqual(await findOnPath('gunicorn'), undefined, 'no gunicorn on the extension host PATH');
    assert.strictEqual(await findOnPath('uvicorn'), undefined, 'no uvicorn on the extension host PATH');
  });

  after(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    process.env.PATH = pathBefore;
    await vscode.workspace.getConfiguration('mlflow').update('executablePath', undefined, vscode.ConfigurationTarget.Workspace);
    fs.rmSync(path.dirname(record), { recursive: true, force: true });
  });

  it("serves a model with the environment's gunicorn first on PATH, VIRTUAL_ENV set, and no inherited tracking token", async function () {
    this.timeout(90_000);
    const servers = new ModelServers({ activeStore: workbench.connections, log: workbench.log, terminals: false });
    try {
      const lookup = await lookUpMlflow(new AbortController().signal);
      assert.ok(lookup.ok, lookup.ok ? '' : lookup.message);
      assert.deepStrictEqual(lookup.cli.environment, { kind: 'venv', prefix: venv, binDirs: [path.join(venv, 'bin')] });
      const server = await servers.start({ cli: lookup.cli, modelUri: 'models:/iris-classifier/1', host: '127.0.0.1', port: await freeLoopbackPort(), envManager: 'local' });
      const state = await server.whenState((s) => s.phase === 'healthy' || s.phase === 'stopped');
      assert.strictEqual(state.phase, 'healthy', server.view.text);
      const call = readRecord().find((entry) => entry.argv[0] === 'models');
      assert.ok(call, 'the stand-in recorded the serve call');
      assert.strictEqual(call.env.PATH?.split(path.delimiter)[0], path.join(venv, 'bin'));
      assert.strictEqual(call.env.VIRTUAL_ENV, venv);
      assert.strictEqual(call.credentials.MLFLOW_TRACKING_TOKEN, false, 'a token exported for another server does not reach the child');
      assert.strictEqual(call.env.MLFLOW_TRACKING_URI, workbench.connections.current?.trackingUri);
      assert.strictEqual(call.env.MLFLOW_ALLOW_FILE_STORE, null, 'not a file store');
    } finally {
      await servers.stopAll();
      servers.dispose();
    }
  });

  it('serves from an MLflow 3 file store with MLFLOW_ALLOW_FILE_STORE=true (MLflow 3 refuses it otherwise)', async function () {
    this.timeout(90_000);
    const mlruns = vscode.Uri.file(path.join(path.dirname(record), 'mlruns')).toString();
    const current: Pick<ActiveConnection, 'kind' | 'processEnv'> = { kind: 'file', processEnv: async () => ({ MLFLOW_TRACKING_URI: mlruns }) };
    const servers = new ModelServers({ activeStore: { current: current as ActiveConnection }, log: workbench.log, terminals: false });
    setEnv({ FAKE_MLFLOW_VERSION: '3.x' });
    try {
      const lookup = await lookUpMlflow(new AbortController().signal);
      assert.ok(lookup.ok, lookup.ok ? '' : lookup.message);
      const server = await servers.start({ cli: lookup.cli, modelUri: 'models:/iris-classifier/1', host: '127.0.0.1', port: await freeLoopbackPort(), envManager: 'local' });
      const state = await server.whenState((s) => s.phase === 'healthy' || s.phase === 'stopped');
      assert.strictEqual(state.phase, 'healthy', server.view.text);
      const call = readRecord().filter((entry) => entry.argv[0] === 'models').at(-1);
      assert.deepStrictEqual([call?.env.MLFLOW_ALLOW_FILE_STORE, call?.env.MLFLOW_TRACKING_URI], ['true', mlruns]);
    } finally {
      setEnv({ FAKE_MLFLOW_VERSION: undefined });
      await servers.stopAll();
      servers.dispose();
    }
  });

  it("runs an MLproject with --env-manager local on the environment's python, with no inherited tracking token", async function () {
    this.timeout(90_000);
    const tiny = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'mlproject-tiny');
    const memory = new Map<string, unknown>();
    const workspaceState = { get: <T>(key: string) => memory.get(key) as T | undefined, update: async (key: string, value: unknown) => void memory.set(key, value) };
    const launcher = new ProjectLauncher({ activeStore: workbench.connections, log: workbench.log, remembered: new RememberedRuns(workspaceState), revealRun: async () => undefined });
    try {
      const launch = await launcher.launch({ projectDir: tiny, projectLabel: 'tiny-elasticnet', entryPoint: 'validate', params: {}, envManager: 'local' });
      assert.ok(launch, 'the run started');
      assert.strictEqual(await launch.exitCode, 0, launch.output());
      assert.match(launch.output(), /=== Run \(ID '[0-9a-f]{32}'\) succeeded ===/);
      const call = readRecord().filter((entry) => entry.argv[0] === 'run').at(-1);
      assert.strictEqual(call?.env.PATH?.split(path.delimiter)[0], path.join(venv, 'bin'));
      assert.strictEqual(call?.credentials.MLFLOW_TRACKING_TOKEN, false);
    } finally {
      launcher.dispose();
    }
  });

  it('starts `mlflow server` (MLflow 3) on a file store with MLFLOW_ALLOW_FILE_STORE=true, in the environment', async function () {
    this.timeout(90_000);
    if (process.platform === 'win32') return;
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-childenv-store-'));
    fs.mkdirSync(path.join(folder, 'mlruns'));
    const current = { name: 'Workspace store', kind: 'file' as const, trackingUri: vscode.Uri.file(path.join(folder, 'mlruns')).toString() };
    const activeStore: { current: Pick<ActiveConnection, 'name' | 'kind' | 'trackingUri'> | undefined } = { current };
    const connections = { connectTo: async (name: string, trackingUri: string) => void (activeStore.current = { name, trackingUri, kind: 'rest' }) };
    const server = new TrackingServer({ activeStore, connections, log: workbench.log });
    setEnv({ FAKE_MLFLOW_VERSION: '3.x' });
    try {
      const running = await server.start();
      assert.ok(running, 'the server started');
      const call = readRecord().filter((entry) => entry.argv[0] === 'server').at(-1);
      assert.deepStrictEqual([call?.env.MLFLOW_ALLOW_FILE_STORE, call?.env.VIRTUAL_ENV], ['true', venv]);
      assert.strictEqual(call?.env.PATH?.split(path.delimiter)[0], path.join(venv, 'bin'));
    } finally {
      setEnv({ FAKE_MLFLOW_VERSION: undefined });
      await server.stop();
      server.dispose();
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });

  it('with no mlflow anywhere, Run MLproject says MLflow is not installed for that Python and Install MLflow runs pip for it, as an argv', async function () {
    this.timeout(60_000);
    const configuration = vscode.workspace.getConfiguration('mlflow');
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-no-mlflow-'));
    // A Python without MLflow: the stand-in interpreter, alone on PATH (no mlflow beside it).
    fs.symlinkSync(path.join(venv, 'bin', 'python'), path.join(bin, 'python3'));
    const window = vscode.window as unknown as Record<string, unknown>;
    const original = window.showErrorMessage;
    const shown: { message: string; items: string[] }[] = [];
    window.showErrorMessage = async (message: string, ...items: string[]) => {
      shown.push({ message, items });
      return items.includes('Install MLflow') ? 'Install MLflow' : undefined;
    };
    const pathBeforeTest = process.env.PATH;
    await configuration.update('executablePath', undefined, vscode.ConfigurationTarget.Workspace);
    process.env.PATH = [bin, path.dirname(process.execPath)].join(path.delimiter);
    const memory = new Map<string, unknown>();
    const workspaceState = { get: <T>(key: string) => memory.get(key) as T | undefined, update: async (key: string, value: unknown) => void memory.set(key, value) };
    const launcher = new ProjectLauncher({ activeStore: workbench.connections, log: workbench.log, remembered: new RememberedRuns(workspaceState), revealRun: async () => undefined });
    try {
      const opened = new Promise<vscode.Terminal>((resolve) => {
        const listener = vscode.window.onDidOpenTerminal((terminal) => {
          if (terminal.name !== 'Install MLflow') return;
          listener.dispose();
          resolve(terminal);
        });
      });
      assert.strictEqual(await launcher.prepare(undefined), undefined, 'nothing to run');
      const terminal = await opened;
      const python = path.join(bin, 'python3');
      assert.deepStrictEqual(shown, [{
        message: `Can't run the MLproject: MLflow is not installed for the selected Python (${python}, the first on PATH). ` +
          `Install it there with \`${python} -m pip install mlflow\`, select another interpreter, or set mlflow.executablePath.`,
        items: ['Install MLflow', 'Set mlflow.executablePath'],
      }]);
      const options = terminal.creationOptions as vscode.TerminalOptions;
      assert.deepStrictEqual([options.shellPath, options.shellArgs], [python, ['-m', 'pip', 'install', 'mlflow']]);
      terminal.dispose();
    } finally {
      window.showErrorMessage = original;
      process.env.PATH = pathBeforeTest;
      launcher.dispose();
      await configuration.update('executablePath', venvMlflow, vscode.ConfigurationTarget.Workspace);
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });
});
