import assert from 'node:assert/strict';
import type { CliLookup } from '../../src/modelServing/cliLookup';
import { parseServeMessage } from '../../src/modelServing/messages';
import type { ModelDetails } from '../../src/modelServing/modelSource';
import type { ServeRequest } from '../../src/modelServing/modelServers';
import type { LauncherView, ResponseView, ServeHostMessage, ServerView } from '../../src/modelServing/protocol';
import { describeState, INITIAL_STATE, nextState, type ServerEvent, type ServerState } from '../../src/modelServing/serverState';
import { ServeSession, type ServedModel, type ServeSessionHost } from '../../src/modelServing/serveSession';

const URI = 'runs:/3e56eb1ebbc048908c2e6c1176332f77/model';
const CLI: CliLookup = { ok: true, cli: { executable: '/opt/my env/bin/mlflow', versionLine: 'mlflow, version 2.17.2', version: '2.17.2', envManagers: ['local', 'virtualenv', 'conda'], environment: { kind: 'venv', prefix: '/opt/my env', binDirs: ['/opt/my env/bin'] } } };
const BODY = JSON.stringify({ dataframe_split: { columns: ['a', 'b'], data: [[1, 2], [3, 4]] } }, null, 2);
const DETAILS: ModelDetails = {
  model: { status: 'loaded', detail: 'run x', flavors: ['python_function'], servable: true, inputs: [], outputs: [], params: [], exampleSource: 'serving_input_example.json', problems: [] },
  payload: { format: 'dataframe_split', body: BODY, source: 'serving_input_example.json' },
  // `b` is a double column: converted bodies write its whole numbers as floats.
  inputs: [
    { kind: 'column', name: 'a', type: 'long', required: true },
    { kind: 'column', name: 'b', type: 'double', required: true },
  ],
};

/** A served model driven by the test through the same state machine the real server uses. */
class FakeServed implements ServedModel {
  state: ServerState = INITIAL_STATE;
  readonly invoked: string[] = [];
  private readonly listeners = new Set<(state: ServerState) => void>();
  constructor(readonly port: number) {}
  get view(): ServerView {
    return { phase: this.state.phase, url: `http://127.0.0.1:${this.port}`, port: this.port, text: describeState(this.state, 'u') };
  }
  onDidChange(listener: (state: ServerState) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }
  emit(event: ServerEvent): void {
    this.state = nextState(this.state, event);
    for (const listener of this.listeners) listener(this.state);
  }
  async stop(): Promise<void> {
    this.emit({ kind: 'stopRequested' });
    this.emit({ kind: 'exited', code: 0, signal: null });
  }
  async invoke(body: string): Promise<ResponseView> {
    this.invoked.push(body);
    return { kind: 'predictions', status: 200, latencyMs: 3, text: '[\n  1\n]' };
  }
}

function harness(options: { cli?: CliLookup; launch?: (request: ServeRequest) => Promise<ServedModel> } = {}) {
  const posted: ServeHostMessage[] = [];
  const launched: ServeRequest[] = [];
  const titles: string[] = [];
  const waiters = new Set<() => void>();
  const host: ServeSessionHost = {
    post: (message) => {
      posted.push(message);
      for (const waiter of [...waiters]) waiter();
    },
    lookUpMlflow: async () => options.cli ?? CLI,
    proposePort: async () => 5123,
    loadModel: async () => DETAILS,
    launch: async (request) => {
      launched.push(request);
      return options.launch ? options.launch(request) : new FakeServed(request.port);
    },
    setTitle: (title) => titles.push(title),
    log: { info: () => undefined, warn: () => undefined, error: () => undefined },
  };
  /** The first message posted from `since` on that `accept` takes; resolves on the post, no polling. */
  const next = <T extends ServeHostMessage['type']>(type: T, accept: (m: Extract<ServeHostMessage, { type: T }>) => boolean = () => true, since = 0) =>
    new Promise<Extract<ServeHostMessage, { type: T }>>((resolve) => {
      const check = (): void => {
        const found = posted.slice(since).find((m): m is Extract<ServeHostMessage, { type: T }> => m.type === type && accept(m as Extract<ServeHostMessage, { type: T }>));
        if (!found) return;
        waiters.delete(check);
        resolve(found);
      };
      waiters.add(check);
      check();
    });
  return { host, posted, launched, titles, next };
}

const launcherWith = (accept: (l: LauncherView) => boolean) => (m: { launcher: LauncherView }) => accept(m.launcher);

describe('Serve panel session (host side, fake host)', () => {
  it('posts nothing before ready, then the launcher with the exact command, the model and the body', async () => {
    const h = harness();
    const session = new ServeSession(h.host, URI);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(h.posted, [], 'the page would miss anything sent before it said ready');
    session.receive({ type: 'ready' });
    const { launcher } = await h.next('launcher', launcherWith((l) => l.command !== undefined));
    assert.equal(launcher.command, `'/opt/my env/bin/mlflow' models serve --model-uri ${URI} --host 127.0.0.1 --port 5123 --env-manager local`);
    assert.deepEqual(launcher.cli, { status: 'ready', executable: '/opt/my env/bin/mlflow', version: '2.17.2', environment: 'virtual environment /opt/my env' });
    assert.deepEqual(launcher.envManagers, ['local', 'virtualenv', 'conda']);
    assert.deepEqual((await h.next('payload')).payload, DETAILS.payload);
    assert.equal((await h.next('model', (m) => m.model.status === 'loaded')).model.flavors[0], 'python_function');
    assert.deepEqual(h.titles.at(-1), `Serve ${URI}`);
    session.dispose();
  });

  it('answers form edits with errors or the new command', async () => {
    const h = harness();
    const session = new ServeSession(h.host, URI);
    session.receive({ type: 'ready' });
    await h.next('launcher', launcherWith((l) => l.command !== undefined));
    const since = h.posted.length;
    session.receive({ type: 'formChanged', form: { modelUri: URI, host: '127.0.0.1', port: 'x', envManager: 'local', workers: '3', timeout: '' } });
    const refused = await h.next('launcher', () => true, since);
    assert.equal(refused.launcher.command, undefined);
    assert.match(refused.launcher.errors.port ?? '', /TCP port/);
    session.receive({ type: 'formChanged', form: { modelUri: URI, host: '0.0.0.0', port: '6001', envManager: 'conda', workers: '3', timeout: '' } });
    const fixed = await h.next('launcher', launcherWith((l) => l.command !== undefined), since);
    assert.match(fixed.launcher.command ?? '', /--host 0\.0\.0\.0 --port 6001 --env-manager conda --workers 3$/);
    session.dispose();
  });

  it('launches with the checked request, follows the server to healthy, switches to Request and sends there', async () => {
    let served: FakeServed | undefined;
    const h = harness({ launch: async (request) => (served = new FakeServed(request.port)) });
    const session = new ServeSession(h.host, URI);
    session.receive({ type: 'ready' });
    const { launcher } = await h.next('launcher', launcherWith((l) => l.command !== undefined));
    session.receive({ type: 'launch', form: launcher.form });
    await h.next('server', (m) => m.server?.phase === 'starting');
    assert.deepEqual(h.launched, [{ cli: CLI.ok ? CLI.cli : undefined, modelUri: URI, host: '127.0.0.1', port: 5123, envManager: 'local' }]);
    assert.ok(served);
    const beforeHealthy = h.posted.length;
    served.emit({ kind: 'healthy', elapsedMs: 5 });
    assert.deepEqual(h.posted.slice(beforeHealthy).map((m) => m.type), ['server', 'showTab']);
    assert.deepEqual(h.posted.at(-1), { type: 'showTab', tab: 'request' });

    session.receive({ type: 'launch', form: launcher.form });
    const refused = await h.next('launcher', launcherWith((l) => l.launchError !== undefined));
    assert.match(refused.launcher.launchError ?? '', /still running; stop it/);
    assert.equal(h.launched.length, 1, 'no second server while the first runs');

    session.receive({ type: 'send', body: BODY });
    const { response } = await h.next('response');
    assert.equal(response.kind, 'predictions');
    assert.deepEqual(served.invoked, [BODY]);

    session.receive({ type: 'stop' });
    const stopped = await h.next('server', (m) => m.server?.phase === 'stopped');
    assert.equal(stopped.server?.text, 'Stopped (exit code 0)');
    session.dispose();
  });

  it('shows why a launch was refused (port taken) and lets the user try again', async () => {
    const h = harness({ launch: async () => Promise.reject(new Error('Port 5123 on 127.0.0.1 is already in use. Choose another port.')) });
    const session = new ServeSession(h.host, URI);
    session.receive({ type: 'ready' });
    const { launcher } = await h.next('launcher', launcherWith((l) => l.command !== undefined));
    session.receive({ type: 'launch', form: launcher.form });
    const refused = await h.next('launcher', launcherWith((l) => l.launchError !== undefined && !l.launching));
    assert.equal(refused.launcher.launchError, 'Port 5123 on 127.0.0.1 is already in use. Choose another port.');
    session.dispose();
  });

  it('explains a missing mlflow and does not launch', async () => {
    const h = harness({ cli: { ok: false, message: 'No `mlflow` executable was found on PATH.' } });
    const session = new ServeSession(h.host, URI);
    session.receive({ type: 'ready' });
    const { launcher } = await h.next('launcher', launcherWith((l) => l.cli.status === 'missing'));
    assert.equal(launcher.command, undefined);
    session.receive({ type: 'launch', form: launcher.form });
    await h.next('launcher', launcherWith((l) => l.launchError === 'No `mlflow` executable was found on PATH.'));
    assert.equal(h.launched.length, 0);
    session.dispose();
  });

  it('refuses to send without a healthy server, and converts bodies between formats', async () => {
    const h = harness();
    const session = new ServeSession(h.host, URI);
    session.receive({ type: 'ready' });
    await h.next('payload', (m) => m.payload.source === 'serving_input_example.json');
    session.receive({ type: 'send', body: BODY });
    assert.match((await h.next('response')).response.text, /No healthy server/);

    session.receive({ type: 'convert', format: 'dataframe_records', body: BODY });
    const records = await h.next('payload', (m) => m.payload.format === 'dataframe_records');
    assert.deepEqual(JSON.parse(records.payload.body), { dataframe_records: [{ a: 1, b: 2 }, { a: 3, b: 4 }] });
    assert.match(records.payload.body, /"a": 1,\s+"b": 2\.0\s/, 'the double column keeps its floats, the long one its ints');

    const since = h.posted.length;
    session.receive({ type: 'convert', format: 'inputs', body: '{"dataframe_split": ' });
    assert.match((await h.next('notice', () => true, since)).message, /not valid JSON/);
    assert.equal((await h.next('payload', () => true, since)).payload.format, 'dataframe_records', 'the selector goes back to the body\'s format');
    session.dispose();
  });

  it('keeps what the page reports and resolves waits on it', async () => {
    const h = harness();
    const session = new ServeSession(h.host, URI);
    const waiting = session.whenRendered((s) => s.phase === 'healthy', 1_000);
    const summary = {
      tab: 'request', modelUri: URI, command: 'mlflow models serve', errors: [], launchEnabled: false, phase: 'healthy', status: 'Healthy',
      model: { status: 'loaded', flavors: ['python_function'], inputs: ['a'], exampleSource: 'signature' },
      request: { format: 'inputs', body: '{}', sendEnabled: true, sending: false, notice: '' },
      response: { kind: 'predictions', status: 200, text: '[1]' },
    };
    session.receive({ type: 'rendered', summary });
    assert.deepEqual(await waiting, summary);
    session.dispose();
  });
});

describe('Serve webview messages (validation)', () => {
  const form = { modelUri: URI, host: '127.0.0.1', port: '5001', envManager: 'local', workers: '', timeout: '' };

  it('accepts each well-formed message', () => {
    for (const message of [
      { type: 'ready' },
      { type: 'stop' },
      { type: 'formChanged', form },
      { type: 'launch', form },
      { type: 'convert', format: 'instances', body: '{}' },
      { type: 'send', body: '{"inputs": []}' },
    ]) {
      assert.deepEqual(parseServeMessage(message), message);
    }
  });

  it('drops extra keys and rejects unknown or malformed messages whole', () => {
    assert.deepEqual(parseServeMessage({ type: 'launch', form: { ...form, extra: 1 }, more: true }), { type: 'launch', form });
    for (const bad of [
      null,
      'ready',
      { type: 'exec', command: 'rm -rf /' },
      { type: 'launch', form: { ...form, port: 5001 } },
      { type: 'launch' },
      { type: 'convert', format: 'csv', body: '' },
      { type: 'send', body: 42 },
      { type: 'send', body: 'x'.repeat(20 * 1024 * 1024 + 1) },
      { type: 'rendered', summary: { tab: 'other' } },
    ]) {
      assert.equal(parseServeMessage(bad), undefined, JSON.stringify(bad)?.slice(0, 80));
    }
  });
});
