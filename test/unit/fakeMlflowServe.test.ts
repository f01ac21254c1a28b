import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpPing, waitForHealthy } from '../../src/serving/health';
import { parseInvocationResponse } from '../../src/serving/invocationResponse';
import { buildServeArgv, buildServeStartArgv, sqliteStoreUri } from '../../src/serving/serveArgv';
import { parseServerLogLine } from '../../src/serving/serverLog';
import { freePort, readRecords, startFakeMlflow, type FakeMlflowProcess, type FakeVersion } from '../support/fake-mlflow/fakeMlflow';
import { readVersionLine } from '../support/fake-mlflow/helpText';
import { MODEL_DIRS, readCapture } from '../support/fake-mlflow/modelFixtures';

const SERVE_CAPTURES = [
  'serve_invocations_dataframe_split',
  'serve_invocations_dataframe_records',
  'serve_invocations_inputs',
  'serve_invocations_schema_error_400',
  'serve_invocations_bad_format_400',
];

interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/** node:http rather than fetch, because the security tests need to set the Host header. */
function send(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (response) => {
      let body = '';
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, contentType: String(response.headers['content-type']), body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

const postJson = (url: string, body: unknown): Promise<Answer> =>
  send(`${url}/invocations`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

/** Waits for the "listening" log line, then for the health endpoint: conditions, not sleeps. */
async function listening(server: FakeMlflowProcess, healthPath: string): Promise<string> {
  const line = await server.waitForLine((l) => parseServerLogLine(l)?.kind === 'listening');
  const event = parseServerLogLine(line);
  assert.ok(event?.kind === 'listening');
  await waitForHealthy(httpPing(event.url, healthPath), { intervalMs: 20, timeoutMs: 10_000 });
  return event.url;
}

for (const version of ['2.17.2', '3.x'] as FakeVersion[]) {
  const cliVersion = readVersionLine(version);

  describe(`stand-in mlflow models serve (${version})`, function () {
    this.timeout(20_000);
    let dir: string;
    let server: FakeMlflowProcess;
    let url: string;
    let argv: string[];

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'fake-serve-'));
      argv = buildServeArgv({ modelUri: 'models:/iris-classifier@champion', host: '127.0.0.1', port: await freePort(), envManager: 'local', version: cliVersion });
      server = startFakeMlflow(argv, { version, env: { FAKE_MLFLOW_RECORD: join(dir, 'record.jsonl') } });
      url = await listening(server, '/ping');
    });

    after(async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('was started with the argv the extension builds, and logs like the real server', () => {
      assert.deepEqual(readRecords(join(dir, 'record.jsonl'))[0].argv, argv);
      const expected = version === '2.17.2' ? /\[INFO\] Listening at: http:\/\/127\.0\.0\.1:\d+ \(\d+\)$/ : /^INFO: {5}Uvicorn running on http:\/\/127\.0\.0\.1:\d+ \(Press CTRL\+C to quit\)$/;
      assert.ok(server.lines.some((line) => expected.test(line)), server.stderr);
      assert.ok(server.lines.some((line) => parseServerLogLine(line)?.kind === 'backendCommand'));
    });

    it('answers /ping, /health and /version as captured', async () => {
      const ping = readCapture(version, 'serve_ping');
      assert.deepEqual(await send(`${url}/ping`), { status: 200, contentType: 'application/json', body: ping.response });
      assert.equal((await send(`${url}/health`)).status, 200);
      assert.equal((await send(`${url}/version`)).body, readCapture(version, 'serve_version').response);
    });

    for (const name of SERVE_CAPTURES) {
      it(`replays ${name}: same status and body as the real server`, async () => {
        const capture = readCapture(version, name);
        const answer = await postJson(url, capture.request.body);
        assert.equal(answer.status, capture.status);
        assert.deepEqual(JSON.parse(answer.body), capture.response);
        assert.equal(parseInvocationResponse(answer.status, answer.body).kind, capture.status === 200 ? 'predictions' : 'error');
      });
    }

    it('refuses other content types and non-JSON bodies', async () => {
      const text = await send(`${url}/invocations`, { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: 'x' });
      assert.deepEqual(text, {
        status: 415,
        contentType: 'text/plain',
        body: "This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got 'text/plain'.",
      });
      const broken = await send(`${url}/invocations`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{' });
      assert.equal(broken.status, 400);
      assert.match(JSON.parse(broken.body).message, /^Invalid input\. Ensure that input is a valid JSON formatted string\./);
      const csv = await send(`${url}/invocations`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/csv' },
        body: 'sepal_length,sepal_width,petal_length,petal_width\n5.1,3.5,1.4,0.2\n',
      });
      assert.deepEqual(JSON.parse(csv.body), { predictions: [0] });
    });
  });
}

describe('stand-in mlflow models serve: lifecycle', function () {
  this.timeout(20_000);
  const started: FakeMlflowProcess[] = [];
  const start = async (version: FakeVersion, modelUri: string, port: number): Promise<FakeMlflowProcess> => {
    const server = startFakeMlflow(buildServeArgv({ modelUri, host: '127.0.0.1', port, envManager: 'local', version: readVersionLine(version) }), { version });
    started.push(server);
    return server;
  };
  after(async () => {
    await Promise.all(started.map((server) => server.stop('SIGKILL')));
  });

  for (const version of ['2.17.2', '3.x'] as FakeVersion[]) {
    it(`${version}: stops cleanly on SIGTERM and SIGINT, printing the server's shutdown lines`, async () => {
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        const server = await start(version, 'models:/iris-classifier/1', await freePort());
        await listening(server, '/ping');
        assert.deepEqual(await server.stop(signal), { code: 0, signal: null });
        assert.ok(server.lines.some((line) => parseServerLogLine(line)?.kind === 'stopped'), server.stderr);
      }
    });

    it(`${version}: exits 1 with the bind error when the port is taken`, async () => {
      const port = await freePort();
      await listening(await start(version, 'models:/iris-classifier/1', port), '/ping');
      const second = await start(version, 'models:/iris-classifier/1', port);
      assert.deepEqual(await second.exited, { code: 1, signal: null });
      assert.ok(second.lines.some((line) => parseServerLogLine(line)?.kind === 'portInUse'), second.stderr);
    });
  }

  it('is waited for through environment creation, and given up on when the process dies', async () => {
    const port = await freePort();
    const argv = buildServeArgv({ modelUri: 'models:/iris-classifier/1', host: '127.0.0.1', port, envManager: 'virtualenv', version: readVersionLine('3.x') });
    const slow = startFakeMlflow(argv, { version: '3.x', env: { FAKE_MLFLOW_SERVE_DELAY_MS: '300' } });
    started.push(slow);
    const healthy = await waitForHealthy(httpPing(`http://127.0.0.1:${port}`), { intervalMs: 20, timeoutMs: 10_000 });
    assert.ok(healthy.attempts > 1);

    const failing = startFakeMlflow(argv, { version: '3.x', env: { FAKE_MLFLOW_SERVE_FAIL: '1' } });
    started.push(failing);
    const processGone = new AbortController();
    void failing.exited.then(() => processGone.abort());
    await assert.rejects(
      waitForHealthy(httpPing(`http://127.0.0.1:${await freePort()}`), { signal: processGone.signal, intervalMs: 20, timeoutMs: 10_000 }),
      (error: unknown) => error instanceof Error && /Stopped waiting/.test(error.message),
    );
    assert.deepEqual(await failing.exited, { code: 1, signal: null });
  });

  it('runs `mlflow ui` as the same tracking server', async () => {
    const argv = buildServeStartArgv({ command: 'ui', backendStoreUri: 'sqlite:///mlflow.db', port: await freePort(), version: readVersionLine('3.x') });
    const ui = startFakeMlflow(argv, { version: '3.x' });
    started.push(ui);
    const url = await listening(ui, '/health');
    assert.equal((await send(`${url}/health`)).body, 'OK');
    assert.deepEqual(await ui.stop(), { code: 0, signal: null });
  });

  it('enforces the signature of a local model directory (columns with spaces)', async () => {
    const server = await start('2.17.2', MODEL_DIRS.fileStore2x, await freePort());
    const url = await listening(server, '/ping');
    const example = JSON.parse(readFileSync(join(MODEL_DIRS.fileStore2x, 'serving_input_example.json'), 'utf8')) as unknown;
    assert.deepEqual(JSON.parse((await postJson(url, example)).body), { predictions: [0, 0] });
    const wrong = await postJson(url, readCapture('2.17.2', 'serve_invocations_dataframe_records').request.body);
    const result = parseInvocationResponse(wrong.status, wrong.body);
    assert.ok(result.kind === 'error');
    assert.deepEqual(result.missingInputs, ['sepal length (cm)', 'sepal width (cm)', 'petal length (cm)', 'petal width (cm)']);
    assert.deepEqual(result.extraInputs, ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
  });
});

for (const version of ['2.17.2', '3.x'] as FakeVersion[]) {
  describe(`stand-in mlflow server (${version})`, function () {
    this.timeout(20_000);
    let dir: string;
    let server: FakeMlflowProcess;
    let url: string;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'fake-server-'));
      const argv = buildServeStartArgv({ backendStoreUri: sqliteStoreUri(join(dir, 'mlflow.db')), port: await freePort(), version: readVersionLine(version) });
      server = startFakeMlflow(argv, { version });
      url = await listening(server, '/health');
    });

    after(async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    it('answers /health and /version as captured', async () => {
      const health = readCapture(version, 'health');
      assert.deepEqual(await send(`${url}/health`), { status: 200, contentType: health.response_content_type, body: health.response });
      assert.equal((await send(`${url}/version`)).body, readCapture(version, 'version').response);
      assert.ok(server.lines.some((line) => line.endsWith('INFO mlflow.store.db.utils: Creating initial MLflow database tables...')));
    });

    it(version === '3.x' ? 'blocks foreign Hosts and cross-origin POSTs like the 3.x security middleware' : 'has no security middleware', async () => {
      const path = `${url}/api/2.0/mlflow/experiments/search`;
      const badHost = await send(path, { headers: { Host: 'evil.example.com' } });
      const crossOrigin = await send(path, { method: 'POST', headers: { Origin: 'vscode-webview://abc123' }, body: '{}' });
      const localOrigin = await send(path, { method: 'POST', headers: { Origin: 'http://localhost:3000' }, body: '{}' });
      if (version === '3.x') {
        const capture = readCapture('3.x', 'security_bad_host_header_403');
        assert.deepEqual(badHost, { status: 403, contentType: capture.response_content_type, body: capture.response });
        assert.deepEqual([crossOrigin.status, crossOrigin.body], [403, readCapture('3.x', 'security_cross_origin_post_403').response]);
      } else {
        assert.equal(badHost.status, 404);
        assert.equal(crossOrigin.status, 404);
      }
      // The REST API itself is not emulated: past the middleware every route is Flask's 404 page.
      assert.equal(localOrigin.status, 404);
      assert.equal(localOrigin.body, readCapture('2.17.2', 'unknown_endpoint_404').response);
    });
  });
}
