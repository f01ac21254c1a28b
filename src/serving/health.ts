/**
 * Waiting for a freshly started server. `mlflow models serve` may spend minutes building an environment
 * before it binds, so readiness is a condition polled until it holds, the deadline passes or the caller
 * gives up (e.g. because the process exited); never a fixed sleep.
 */
import { MlflowError } from '../mlflow/errors';

export interface WaitForHealthyOptions {
  /** Abort to stop waiting (the user cancelled, or the server process exited). */
  signal?: AbortSignal;
  intervalMs?: number;
  timeoutMs?: number;
}

export interface Healthy {
  attempts: number;
  elapsedMs: number;
}

/**
 * Calls `ping` until it resolves true. A ping that rejects counts as "not yet" (connection refused is the
 * normal answer while the server starts). Each ping gets a signal that aborts when waiting ends, so a
 * hanging request is not left behind. Rejects with MlflowError `TIMEOUT` or `CANCELLED`.
 */
export function waitForHealthy(ping: (signal: AbortSignal) => Promise<boolean>, options: WaitForHealthyOptions = {}): Promise<Healthy> {
  const { signal, intervalMs = 250, timeoutMs = 120_000 } = options;
  const started = Date.now();
  const attemptsDone = new AbortController();
  let attempts = 0;
  let lastFailure: string | undefined;

  return new Promise<Healthy>((resolve, reject) => {
    let retry: ReturnType<typeof setTimeout> | undefined;
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(retry);
      clearTimeout(deadline);
      signal?.removeEventListener('abort', onAbort);
      attemptsDone.abort();
      outcome();
    };
    const onAbort = (): void => finish(() => reject(new MlflowError('Stopped waiting for the server to answer.', 'CANCELLED')));
    const deadline = setTimeout(() => {
      const detail = lastFailure ? ` (last attempt: ${lastFailure})` : '';
      finish(() => reject(new MlflowError(`The server did not become healthy within ${Math.round(timeoutMs / 1000)} s${detail}.`, 'TIMEOUT')));
    }, timeoutMs);

    const attempt = async (): Promise<void> => {
      attempts += 1;
      let healthy = false;
      try {
        healthy = await ping(attemptsDone.signal);
        if (!healthy) lastFailure = 'not ready';
      } catch (error) {
        lastFailure = error instanceof Error ? error.message : String(error);
      }
      if (settled) return;
      if (healthy) finish(() => resolve({ attempts, elapsedMs: Date.now() - started }));
      else retry = setTimeout(() => void attempt(), intervalMs);
    };

    if (signal?.aborted) {
      onAbort();
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    void attempt();
  });
}

/**
 * A `ping` for waitForHealthy: GET `<baseUrl><path>` answers 2xx. `/ping` for `models serve`, `/health` for
 * `mlflow server`. `fetchImpl` is injectable for tests and proxies.
 */
export function httpPing(baseUrl: string, path = '/ping', fetchImpl: typeof fetch = fetch): (signal: AbortSignal) => Promise<boolean> {
  const url = new URL(path, baseUrl).toString();
  return async (signal) => {
    const response = await fetchImpl(url, { signal });
    await response.arrayBuffer();
    return response.ok;
  };
}
