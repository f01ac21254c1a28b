import * as http from 'node:http';
import * as net from 'node:net';

/** A port on 127.0.0.1 that nothing listens on right now (the OS picks it). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

/** One `GET <baseUrl>/health`; true when MLflow answers 200. Never throws. */
export function checkHealth(baseUrl: string, timeoutMs = 2_000, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    const request = http.get(`${baseUrl}/health`, { timeout: timeoutMs, signal }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode === 200));
      response.on('error', () => resolve(false));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

export type HealthOutcome = 'healthy' | 'timeout' | 'aborted';

/**
 * Polls `/health` until it answers, the deadline passes, or `signal` aborts (cancel, or the process
 * exiting). MLflow takes seconds to start (database migrations, gunicorn/uvicorn workers), so there
 * is nothing to wait on but the endpoint itself.
 */
export async function waitForHealth(baseUrl: string, options: { signal: AbortSignal; timeoutMs: number; intervalMs?: number }): Promise<HealthOutcome> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 250;
  while (!options.signal.aborted) {
    if (await checkHealth(baseUrl, 2_000, options.signal)) return 'healthy';
    if (Date.now() >= deadline) return 'timeout';
    await delay(interval, options.signal);
  }
  return 'aborted';
}

function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
