import * as assert from 'assert';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ArtifactNode } from '../../src/explorer/nodes';
import type { Run } from '../../src/mlflow/types';
import { lookUpMlflow, type MlflowCli } from '../../src/modelServing/cliLookup';
import { displayCommand } from '../../src/modelServing/launchForm';
import type { ModelServer } from '../../src/modelServing/modelServer';
import { ModelServers } from '../../src/modelServing/modelServers';
import { loadModelDetails } from '../../src/modelServing/modelSource';
import type { LauncherForm } from '../../src/modelServing/protocol';
import { pingOnce } from '../../src/modelServing/scoringClient';
import { ServePanels } from '../../src/modelServing/servePanels';
import { freeLoopbackPort } from '../../src/trackingServer/health';
import type { Workbench } from '../../src/workbench';
import { activateExtension, EXTENSION_ID, waitFor } from './support';

const WINE_RUN = '3e56eb1ebbc048908c2e6c1176332f77';
const LOGGED_MODEL = 'm-8a56e736fef14ed487ab931712344172';
const IRIS_COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

interface Recorded {
  argv: string[];
  version: string;
  pid: number;
  env: Record<string, string | null>;
}

function readRecord(file: string): Recorded[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line) as Recorded) : [];
}

/** True once no process of the group `pid` led is left. */
function groupGone(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function expectedArgv(modelUri: string, port: number): string[] {
  return ['models', 'serve', '--model-uri', modelUri, '--host', '127.0.0.1', '--port', String(port), '--env-manager', 'local'];
}

/** Runs `body` with FAKE_MLFLOW_* set for the children it starts (they inherit the extension host's env). */
async function withFakeEnv<T>(vars: Record<string, string>, body: () => Promise<T>): Promise<T> {
  Object.assign(process.env, vars);
  try {
    return await body();
  } finally {
    for (const name of Object.keys(vars)) delete process.env[name];
  }
}

describe('Serve model (real extension host, the fake mlflow)', () => {
  let workbench: Workbench;
  let servers: ModelServers;
  let panels: ServePanels;
  let fakeMlflow: string;
  let record: string;
  let pathBefore: string | undefined;

  before(async () => {
    workbench = await activateExtension();
    await workbench.ready;
    await waitFor(() => workbench.connections.current?.kind === 'sqlite', 'the demo store to be the active connection');
    const extension = vscode.extensions.getExtension(EXTENSION_ID)!;
    fakeMlflow = path.join(extension.extensionPath, 'test', 'support', 'fake-venv', 'bin', 'mlflow');
    assert.ok(fs.existsSync(fakeMlflow), 'the fake mlflow exists');
    // The extension host has the login shell's PATH, not the harness's: put the fake first here.
    pathBefore = process.env.PATH;
    process.env.PATH = [path.dirname(fakeMlflow), pathBefore].filter(Boolean).join(path.delimiter);
    record = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-serve-it-')), 'invocations.jsonl');
    process.env.FAKE_MLFLOW_RECORD = record;
    servers = new ModelServers({ activeStore: workbench.connections, log: workbench.log });
    panels = new ServePanels({ extensionUri: extension.extensionUri, activeStore: workbench.connections, log: workbench.log, servers });
  });

  afterEach(async () => {
    panels?.dispose();
    await servers?.stopAll();
  });

  after(() => {
    servers?.dispose();
    process.env.PATH = pathBefore;
    delete process.env.FAKE_MLFLOW_RECORD;
    if (record) fs.rmSync(path.dirname(record), { recursive: true, force: true });
  });

  async function cli(): Promise<MlflowCli> {
    const lookup = await lookUpMlflow(new AbortController().signal);
    assert.ok(lookup.ok, lookup.ok ? '' : lookup.message);
    assert.strictEqual(lookup.cli.executable, fakeMlflow, 'the mlflow found on PATH');
    return lookup.cli;
  }

  async function serve(modelUri: string): Promise<ModelServer> {
    const port = await freeLoopbackPort();
    return servers.start({ cli: await cli(), modelUri, host: '127.0.0.1', port, envManager: 'local' });
  }

  it('runs `mlflow models serve` with exactly the argv for each model URI kind, healthy via /ping, and Stop ends its process group', async function () {
    this.timeout(120_000);
    const cases: [string, string][] = [
      [`runs:/${WINE_RUN}/model`, '2.17.2'],
      [`models:/${LOGGED_MODEL}`, '3.x'],
      ['models:/iris-classifier/1', '2.17.2'],
      ['models:/iris-classifier@champion', '2.17.2'],
    ];
    for (const [modelUri, version] of cases) {
      await withFakeEnv({ FAKE_MLFLOW_VERSION: version }, async () => {
        const server = await serve(modelUri);
        const port = server.spec.port;
        const healthy = await server.whenState((state) => state.phase === 'healthy' || state.phase === 'stopped');
        assert.strictEqual(healthy.phase, 'healthy', `${modelUri}: ${JSON.stringify(healthy)}`);
        assert.match(healthy.listening ?? '', new RegExp(`^http://127\\.0\\.0\\.1:${port}$`), `${modelUri}: the listening line was read`);

        const calls = readRecord(record).filter((call) => call.argv[0] === 'models' && call.argv.includes(String(port)));
        assert.strictEqual(calls.length, 1, `${modelUri}: one serve invocation recorded`);
        assert.deepStrictEqual(calls[0].argv, expectedArgv(modelUri, port), `${modelUri}: the exact argv, no shell`);
        assert.deepStrictEqual(server.info.argv, calls[0].argv);
        assert.strictEqual(calls[0].version, version);
        assert.strictEqual(calls[0].env.MLFLOW_TRACKING_URI, workbench.connections.current?.trackingUri, 'the child reads the active store');
        assert.strictEqual(await pingOnce(server.url, AbortSignal.timeout(5_000)), true);
        assert.ok(vscode.window.terminals.some((terminal) => terminal.name === `MLflow serve :${port}`), 'its output has a terminal');

        const pid = server.info.pid!;
        assert.strictEqual(groupGone(pid), false);
        const stopped = await server.stop();
        assert.deepStrictEqual([stopped.phase, stopped.reason, stopped.exitCode], ['stopped', 'user', 0]);
        // Workers (gunicorn's, forked by the stand-in venv's program) are reaped a moment after the group's SIGKILL.
        await waitFor(() => groupGone(pid), `${modelUri}: no process of the server group to be left`);
        await assert.rejects(pingOnce(server.url, AbortSignal.timeout(2_000)), `${modelUri}: nothing answers on :${port} any more`);
      });
    }
  });

  it('sends the example body to /invocations from the extension host and reads the predictions; a bad body gets the server\'s 400', async () => {
    const modelUri = 'models:/iris-classifier@champion';
    const details = await loadModelDetails(workbench.connections.current?.store, modelUri);
    assert.strictEqual(details.payload.source, 'serving_input_example.json');
    const server = await serve(modelUri);
    await server.whenState((state) => state.phase === 'healthy');

    const ok = await server.invoke(details.payload.body);
    assert.strictEqual(ok.kind, 'predictions', ok.text);
    assert.strictEqual(ok.status, 200);
    assert.ok(ok.latencyMs >= 0);
    assert.deepStrictEqual(JSON.parse(ok.text), [1, 2, 2], 'the fake\'s iris rule on the three example rows');

    const wrongColumns = await server.invoke(JSON.stringify({ dataframe_split: { columns: ['alcohol'], data: [[13.2]] } }));
    assert.strictEqual(wrongColumns.kind, 'error');
    assert.strictEqual(wrongColumns.status, 400);
    assert.strictEqual(wrongColumns.errorCode, 'INVALID_PARAMETER_VALUE');
    assert.match(wrongColumns.text, /Failed to enforce schema .* Model is missing inputs \['sepal_length', 'sepal_width', 'petal_length', 'petal_width'\]/s);
    assert.deepStrictEqual(wrongColumns.missingInputs, IRIS_COLUMNS);
    assert.deepStrictEqual(wrongColumns.extraInputs, ['alcohol']);

    const notJson = await server.invoke('{"dataframe_split": ');
    assert.strictEqual(notJson.status, 400);
    assert.match(notJson.text, /^Invalid input\. Ensure that input is a valid JSON formatted string\./);
  });

  it('refuses a port that is taken before launching anything', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const before = readRecord(record).length;
      await assert.rejects(
        servers.start({ cli: await cli(), modelUri: `runs:/${WINE_RUN}/model`, host: '127.0.0.1', port, envManager: 'local' }),
        new RegExp(`^MlflowError: Port ${port} on 127\\.0\\.0\\.1 is already in use\\. Choose another port\\.$`),
      );
      assert.deepStrictEqual(readRecord(record).slice(before).filter((call) => call.argv[0] === 'models'), [], 'nothing was spawned');
    } finally {
      blocker.close();
    }
  });

  it('reads the server\'s own "Connection in use" when the port is taken while the model loads', async () => {
    const blocker = net.createServer();
    try {
      const server = await withFakeEnv({ FAKE_MLFLOW_SERVE_DELAY_MS: '3000' }, () => serve(`runs:/${WINE_RUN}/model`));
      // The fake waits before binding (environment creation); the port is taken in between.
      await new Promise<void>((resolve) => blocker.listen(server.spec.port, '127.0.0.1', resolve));
      const stopped = await server.whenState((state) => state.phase === 'stopped');
      assert.strictEqual(stopped.reason, 'portInUse', JSON.stringify(stopped));
      // The group is stopped as soon as the line is read, so the fake's own exit 1 and the SIGTERM race.
      const status = new RegExp(`^Stopped \\((exit code 1|signal SIGTERM)\\): Port ${server.spec.port} on 127\\.0\\.0\\.1 is already in use by another process\\.$`);
      assert.match(server.view.text, status);
    } finally {
      blocker.close();
    }
  });

  it('reports a server that exits by itself with its exit code', async () => {
    const server = await withFakeEnv({ FAKE_MLFLOW_SERVE_FAIL: '1' }, () => serve('models:/iris-classifier/1'));
    const stopped = await server.whenState((state) => state.phase === 'stopped');
    assert.deepStrictEqual([stopped.reason, stopped.exitCode], ['exited', 1]);
    assert.match(server.view.text, /^Stopped \(exit code 1\): the server exited by itself$/);
  });

  it('the panel shows the exact command and the MLmodel, launches, turns healthy, answers requests and stops', async function () {
    this.timeout(90_000);
    const modelUri = 'models:/iris-classifier@champion';
    const panel = panels.openLauncher(modelUri);
    const shown = await panel.whenRendered((s) => s.command !== '' && s.model.status === 'loaded' && s.request.body.includes('sepal_length'), 30_000);
    const port = Number(/--port (\d+)/.exec(shown.command)?.[1]);
    assert.ok(port > 0, shown.command);
    assert.strictEqual(shown.command, displayCommand(fakeMlflow, expectedArgv(modelUri, port)));
    assert.strictEqual(shown.modelUri, modelUri);
    assert.deepStrictEqual(shown.model.flavors, ['python_function', 'sklearn']);
    assert.deepStrictEqual(shown.model.inputs, IRIS_COLUMNS);
    assert.strictEqual(shown.model.exampleSource, 'serving_input_example.json');
    assert.deepStrictEqual([shown.tab, shown.phase, shown.launchEnabled, shown.request.sendEnabled], ['launch', 'idle', true, false]);

    // What the format selector posts: the double columns' whole numbers stay floats (`5.0`), which
    // MLflow's schema enforcement needs (a bare `5` is read as int64 and refused for a double column).
    assert.match(shown.request.body, /^\s+\d+\.0,?$/m, 'the example, as MLflow wrote it, has whole-number floats');
    panel.session.receive({ type: 'convert', format: 'dataframe_records', body: shown.request.body });
    const records = await panel.whenRendered((s) => s.request.format === 'dataframe_records');
    assert.match(records.request.body, /"sepal_\w+": \d+\.0,?$/m);
    assert.strictEqual((JSON.parse(records.request.body) as { dataframe_records: unknown[] }).dataframe_records.length, 3);

    // What the page's Launch button posts.
    const form: LauncherForm = { modelUri, host: '127.0.0.1', port: String(port), envManager: 'local', workers: '', timeout: '' };
    panel.session.receive({ type: 'launch', form });
    const healthy = await panel.whenRendered((s) => s.phase === 'healthy' && s.tab === 'request' && s.request.sendEnabled, 30_000);
    assert.strictEqual(healthy.status, `Healthy at http://127.0.0.1:${port}`);
    assert.strictEqual(healthy.launchEnabled, false, 'one server per panel at a time');
    const calls = readRecord(record).filter((call) => call.argv.includes(String(port)));
    assert.deepStrictEqual(calls.map((call) => call.argv), [expectedArgv(modelUri, port)]);

    panel.session.receive({ type: 'send', body: healthy.request.body });
    const answered = await panel.whenRendered((s) => s.response?.kind === 'predictions');
    assert.strictEqual(answered.response?.status, 200);
    assert.deepStrictEqual(JSON.parse(answered.response?.text ?? ''), [1, 2, 2]);

    panel.session.receive({ type: 'send', body: JSON.stringify({ inputs: [{ petal_length: 1 }] }) });
    const refused = await panel.whenRendered((s) => s.response?.status === 400);
    assert.match(refused.response?.text ?? '', /Model is missing inputs \['sepal_length', 'sepal_width', 'petal_width'\]/);

    panel.session.receive({ type: 'stop' });
    const stopped = await panel.whenRendered((s) => s.phase === 'stopped');
    assert.strictEqual(stopped.status, 'Stopped (exit code 0)');
    assert.strictEqual(stopped.launchEnabled, true, 'a stopped server can be launched again');
  });

  it('mlflow.serveModel opens the launcher for a Runs-view model folder and for { modelUri } from the Models view', async () => {
    // Registered by the Workbench's ServingFeature: a broken registration fails here, it is not skipped.
    assert.ok((await vscode.commands.getCommands(true)).includes('mlflow.serveModel'), 'mlflow.serveModel is registered');
    const tabs = (): vscode.Tab[] => vscode.window.tabGroups.all.flatMap((group) => group.tabs).filter((tab) => tab.input instanceof vscode.TabInputWebview);
    const run: Run = {
      info: { runId: WINE_RUN, experimentId: '2', runName: 'ridge-wine-model', userId: 'test', status: 'FINISHED', artifactUri: '', lifecycleStage: 'active' },
      data: { metrics: [], params: {}, tags: {} },
      inputs: { datasets: [], modelInputs: [] },
      outputs: { modelOutputs: [] },
    };
    const folder: ArtifactNode = { kind: 'artifact', run, file: { path: 'model', isDir: true }, isModel: true };
    await vscode.commands.executeCommand('mlflow.serveModel', folder);
    await vscode.commands.executeCommand('mlflow.serveModel', { modelUri: 'models:/iris-classifier/1' });
    const opened = await waitFor(() => {
      const labels = tabs().map((tab) => tab.label);
      return labels.includes(`Serve runs:/${WINE_RUN}/model`) && labels.includes('Serve models:/iris-classifier/1') && labels;
    }, 'both launchers to open');
    assert.ok(opened);
    await vscode.window.tabGroups.close(tabs().filter((tab) => tab.label.startsWith('Serve ')));
  });
});
