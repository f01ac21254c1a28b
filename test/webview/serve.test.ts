import * as assert from 'node:assert';
import type {
  LauncherView,
  ModelView,
  ServeHostMessage,
  ServeRenderSummary,
  ServeWebviewMessage,
} from '../../src/modelServing/protocol';
import { contentSecurityPolicy } from '../../src/vscode/webviewHtml';
import { XSS_NAME } from './fixtures';
import { unnamedControls } from './accessibility';
import { pageSuite, postedBy, type WebviewPage } from './harness';

const posted = postedBy<ServeWebviewMessage>();
const rendered = (test: (s: ServeRenderSummary) => boolean) => posted('rendered', (m) => test(m.summary));

const URI = `models:/${XSS_NAME}@champion`;
const COMMAND = `/opt/venv/bin/mlflow models serve --model-uri '${URI}' --host 127.0.0.1 --port 5001 --env-manager local`;
const LAUNCHER: LauncherView = {
  form: { modelUri: URI, host: '127.0.0.1', port: '5001', envManager: 'local', workers: '', timeout: '' },
  envManagers: ['local', 'virtualenv', 'conda'],
  command: COMMAND,
  errors: {},
  cli: { status: 'ready', executable: '/opt/venv/bin/mlflow', version: '2.17.2', environment: 'virtual environment /opt/venv' },
  launching: false,
};
const MODEL: ModelView = {
  status: 'loaded',
  detail: 'run 459191d6afe44e408cc618beff3a1e37, artifact path model',
  flavors: ['python_function', XSS_NAME],
  servable: true,
  inputs: [{ name: XSS_NAME, type: 'double', required: true }, { name: 'petal_width', type: 'double', required: false }],
  outputs: [{ name: '', type: 'tensor int64 [-1]', required: true }],
  params: [],
  exampleSource: 'serving_input_example.json',
  problems: [],
};
const BODY = JSON.stringify({ dataframe_split: { columns: ['petal_width'], data: [[1.8]] } }, null, 2);

describe('serve webview (built bundle in Chromium, real CSP)', function () {
  const pages = pageSuite('serve');
  let view: WebviewPage;

  async function post(message: ServeHostMessage): Promise<void> {
    await view.post(message);
  }

  async function openLoaded(): Promise<ServeRenderSummary> {
    view = await pages.open();
    await post({ type: 'launcher', launcher: LAUNCHER });
    await post({ type: 'model', model: MODEL });
    await post({ type: 'payload', payload: { format: 'dataframe_split', body: BODY, source: 'serving_input_example.json' } });
    await post({ type: 'server', server: undefined });
    return (await view.waitFor(rendered((s) => s.model.status === 'loaded' && s.command !== '' && s.request.body !== ''), { what: 'loaded launcher' })).summary;
  }

  it('says ready first, runs under the one policy, and shows host text as text only', async () => {
    const summary = await openLoaded();
    assert.deepStrictEqual(view.received[0], { type: 'ready' });
    const meta = await view.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.strictEqual(meta, contentSecurityPolicy(view.cspSource, view.nonce));
    assert.strictEqual(summary.command, COMMAND);
    assert.strictEqual(summary.modelUri, URI);
    assert.deepStrictEqual(summary.model.flavors, ['python_function', XSS_NAME]);
    assert.deepStrictEqual(summary.model.inputs, [XSS_NAME, 'petal_width']);
    assert.strictEqual(await view.page.locator('#model-uri').textContent(), URI);
    assert.strictEqual(await view.page.locator('img').count(), 0, 'no markup made from the model name');
    assert.strictEqual(await view.page.locator('#signature-inputs tbody tr').count(), 2);
    assert.deepStrictEqual(view.savedStates.at(-1), { modelUri: URI }, 'the launcher comes back after a reload');
  });

  it('offers Launch only with a command, posts the typed form, and shows field errors from the host', async () => {
    const summary = await openLoaded();
    assert.deepStrictEqual([summary.tab, summary.phase, summary.launchEnabled, summary.request.sendEnabled], ['launch', 'idle', true, false]);

    let since = view.mark();
    await view.page.locator('#port input').fill('70000');
    const change = await view.waitFor(posted('formChanged', (m) => m.form.port === '70000'), { since });
    assert.deepStrictEqual(change.form, { ...LAUNCHER.form, port: '70000' });

    since = view.mark();
    await post({ type: 'launcher', launcher: { ...LAUNCHER, form: change.form, command: undefined, errors: { port: 'Enter a TCP port between 1 and 65535.' } } });
    const refused = await view.waitFor(rendered((s) => !s.launchEnabled), { since });
    assert.deepStrictEqual(refused.summary.errors, ['Enter a TCP port between 1 and 65535.']);
    assert.strictEqual(refused.summary.command, '');
    assert.strictEqual(await view.page.locator('#port').getAttribute('invalid'), '');

    since = view.mark();
    await view.page.locator('#port input').fill('5001');
    await view.waitFor(posted('formChanged', (m) => m.form.port === '5001'), { since });
    await post({ type: 'launcher', launcher: LAUNCHER });
    await view.waitFor(rendered((s) => s.launchEnabled), { since });
    since = view.mark();
    await view.page.locator('#launch').click();
    await view.waitFor(posted('launch', (m) => m.form.port === '5001'), { since });
  });

  it('follows the server: healthy switches to Request, Send posts the body, answers and 400s are shown as text', async () => {
    await openLoaded();
    await post({ type: 'server', server: { phase: 'starting', url: 'http://127.0.0.1:5001', port: 5001, text: 'Starting…' } });
    await view.waitFor(rendered((s) => s.phase === 'starting' && !s.launchEnabled));
    await post({ type: 'server', server: { phase: 'healthy', url: 'http://127.0.0.1:5001', port: 5001, text: 'Healthy at http://127.0.0.1:5001' } });
    await post({ type: 'showTab', tab: 'request' });
    await view.waitFor(rendered((s) => s.tab === 'request' && s.request.sendEnabled && s.status === 'Healthy at http://127.0.0.1:5001'));

    let since = view.mark();
    await view.page.locator('#send').click();
    const send = await view.waitFor(posted('send'), { since });
    assert.strictEqual(send.body, BODY);
    await view.waitFor(rendered((s) => s.request.sending && !s.request.sendEnabled), { since });
    await post({ type: 'response', response: { kind: 'predictions', status: 200, latencyMs: 7, text: '[\n  2\n]' } });
    await view.waitFor(rendered((s) => s.response?.kind === 'predictions' && s.request.sendEnabled));
    assert.strictEqual(await view.page.locator('#response-status').textContent(), 'HTTP 200 · 7 ms · predictions');
    assert.strictEqual(await view.page.locator('#response').textContent(), '[\n  2\n]');

    const message = `Failed to enforce schema. Error: Model is missing inputs ['${XSS_NAME}'].`;
    await post({ type: 'response', response: { kind: 'error', status: 400, latencyMs: 3, text: message, errorCode: 'INVALID_PARAMETER_VALUE', missingInputs: [XSS_NAME] } });
    await view.waitFor(rendered((s) => s.response?.status === 400));
    assert.strictEqual(await view.page.locator('#response-status').textContent(), 'HTTP 400 · 3 ms · INVALID_PARAMETER_VALUE');
    assert.strictEqual(await view.page.locator('#response').textContent(), `${message}\n\nMissing inputs: ${XSS_NAME}`);
    assert.strictEqual(await view.page.locator('img').count(), 0);

    since = view.mark();
    await view.page.locator('#stop').click();
    await view.waitFor(posted('stop'), { since });
    await post({ type: 'server', server: { phase: 'stopped', url: 'http://127.0.0.1:5001', port: 5001, text: 'Stopped (exit code 0)', exitCode: 0 } });
    const stopped = await view.waitFor(rendered((s) => s.phase === 'stopped'));
    assert.deepStrictEqual([stopped.summary.launchEnabled, stopped.summary.request.sendEnabled], [true, false]);
    assert.strictEqual(await view.page.locator('#stop').getAttribute('disabled'), '');
  });

  it('asks the host to convert the body when the format changes, and puts the selector back when it cannot', async () => {
    await openLoaded();
    await view.page.getByRole('tab', { name: 'Request' }).click();
    await view.waitFor(rendered((s) => s.tab === 'request'));
    let since = view.mark();
    await view.page.locator('#format').click();
    await view.page.locator('#format').getByRole('option', { name: 'dataframe_records', exact: true }).click();
    const convert = await view.waitFor(posted('convert'), { since });
    assert.deepStrictEqual(convert, { type: 'convert', format: 'dataframe_records', body: BODY });

    since = view.mark();
    await post({ type: 'payload', payload: { format: 'dataframe_split', body: BODY, source: 'serving_input_example.json' } });
    await post({ type: 'notice', message: 'This body is not a table of rows, so it cannot be converted to dataframe_records.' });
    const notice = await view.waitFor(rendered((s) => s.request.notice !== ''), { since });
    assert.strictEqual(notice.summary.request.format, 'dataframe_split');
    assert.strictEqual(await view.page.locator('#format').evaluate((el) => (el as HTMLElement & { value: string }).value), 'dataframe_split');
  });
  it('follows a body edited by hand: the Format box shows the format the body is in, and nothing is converted', async () => {
    await openLoaded();
    await view.page.getByRole('tab', { name: 'Request' }).click();
    await view.waitFor(rendered((s) => s.tab === 'request'));
    const formatBox = (): Promise<string> => view.page.locator('#format').evaluate((el) => (el as HTMLElement & { value: string }).value);
    const body = view.page.locator('#body textarea');

    for (const [text, format] of [
      ['{"instances": [[1.8, 0.5]]}', 'instances'],
      ['{"dataframe_records": [{"petal_width": 1.8}]}', 'dataframe_records'],
      ['{"inputs": {"petal_width": [1.8]}, "params": {"k": 1}}', 'inputs'],
    ] as const) {
      const since = view.mark();
      await body.fill(text);
      const summary = await view.waitFor(rendered((s) => s.request.body === text), { since, what: `the ${format} body` });
      assert.strictEqual(summary.summary.request.format, format, text);
      assert.strictEqual(await formatBox(), format, 'the box the user sees');
    }

    // Mid-edit text that is not JSON yet leaves the box where it was.
    let since = view.mark();
    await body.fill('{"dataframe_split": {"columns": ["petal_width"], "data": [[1.');
    const partial = await view.waitFor(rendered((s) => s.request.body.endsWith('[[1.')), { since, what: 'the half-typed body' });
    assert.strictEqual(partial.summary.request.format, 'inputs');
    assert.strictEqual(await formatBox(), 'inputs');
    since = view.mark();
    await body.fill(BODY);
    await view.waitFor(rendered((s) => s.request.body === BODY && s.request.format === 'dataframe_split'), { since, what: 'back to dataframe_split' });
    assert.ok(!view.received.some(posted('convert')), 'typing converts nothing: the body is the user\'s');
  });

  it('gives every control an accessible name (as Chromium computes it for screen readers)', async () => {
    await openLoaded();
    assert.deepStrictEqual(await unnamedControls(view.page), []);
  });
});
