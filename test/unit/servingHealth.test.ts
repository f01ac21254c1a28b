import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { isMlflowError } from '../../src/mlflow/errors';
import { httpPing, waitForHealthy } from '../../src/serving/health';

describe('waitForHealthy', () => {
  it('polls until the ping holds, treating rejections as "not yet"', async () => {
    const answers: Array<() => Promise<boolean>> = [
      () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5056')),
      () => Promise.resolve(false),
      () => Promise.resolve(true),
    ];
    let calls = 0;
    const result = await waitForHealthy(() => answers[calls++](), { intervalMs: 1, timeoutMs: 5_000 });
    assert.equal(result.attempts, 3);
    assert.equal(calls, 3);
  });

  it('gives up at the deadline with the last failure, and aborts the hanging ping', async () => {
    let pingSignal: AbortSignal | undefined;
    const hanging = (signal: AbortSignal) => {
      pingSignal = signal;
      return new Promise<boolean>(() => undefined);
    };
    await assert.rejects(waitForHealthy(hanging, { intervalMs: 1, timeoutMs: 30 }), (error: unknown) => isMlflowError(error, 'TIMEOUT'));
    assert.equal(pingSignal?.aborted, true);

    await assert.rejects(
      waitForHealthy(() => Promise.reject(new Error('connect ECONNREFUSED')), { intervalMs: 1, timeoutMs: 30 }),
      (error: unknown) => isMlflowError(error, 'TIMEOUT') && /last attempt: connect ECONNREFUSED/.test(error.message),
    );
  });

  it('stops when the caller aborts, e.g. because the server process exited', async () => {
    const controller = new AbortController();
    let calls = 0;
    const waiting = waitForHealthy(
      () => {
        calls += 1;
        if (calls === 2) controller.abort();
        return Promise.resolve(false);
      },
      { signal: controller.signal, intervalMs: 1, timeoutMs: 5_000 },
    );
    await assert.rejects(waiting, (error: unknown) => isMlflowError(error, 'CANCELLED'));
    assert.equal(calls, 2);

    const aborted = AbortSignal.abort();
    let pinged = false;
    await assert.rejects(
      waitForHealthy(() => ((pinged = true), Promise.resolve(true)), { signal: aborted }),
      (error: unknown) => isMlflowError(error, 'CANCELLED'),
    );
    assert.equal(pinged, false);
  });
});

describe('httpPing', () => {
  let server: Server;
  let baseUrl: string;
  let ready = false;

  before(async () => {
    server = createServer((request, response) => {
      const ok = request.url === '/ping' && ready;
      response.writeHead(ok ? 200 : 503, { 'Content-Type': 'application/json' }).end('\n');
      ready = true;
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    assert.ok(address && typeof address === 'object');
    baseUrl = `http://127.0.0.1:${address.port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('waits through a 503 until GET /ping answers 200', async () => {
    const result = await waitForHealthy(httpPing(baseUrl), { intervalMs: 5, timeoutMs: 5_000 });
    assert.equal(result.attempts, 2);
    assert.equal(await httpPing(baseUrl, '/health')(new AbortController().signal), false);
  });
});
