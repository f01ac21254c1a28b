/**
 * The life of one `mlflow models serve` process as a pure state machine, so the order of what can
 * happen (a log line, /ping answering, the user pressing Stop, the process exiting, in any order) is
 * decided in one place and unit-tested. `stopped` is final: a relaunch is a new server.
 */
import type { ServerPhase, StopReason } from './protocol';

export interface ServerState {
  readonly phase: ServerPhase;
  /** The address the server logged it listens on, once it did. */
  readonly listening?: string;
  /** Time from spawn to the first /ping that answered. */
  readonly healthyAfterMs?: number;
  /** The first cause of stopping; later causes (the exit that follows a Stop) do not replace it. */
  readonly reason?: StopReason;
  readonly exitCode?: number | null;
  readonly signal?: string | null;
  /** What went wrong, in words, when the reason is not the user's Stop. */
  readonly message?: string;
}

export type ServerEvent =
  | { kind: 'listening'; url: string }
  | { kind: 'portInUse'; host: string; port: number }
  | { kind: 'healthy'; elapsedMs: number }
  | { kind: 'healthTimeout'; message: string }
  | { kind: 'stopRequested' }
  | { kind: 'exited'; code: number | null; signal: string | null; error?: string };

export const INITIAL_STATE: ServerState = { phase: 'starting' };

export function nextState(state: ServerState, event: ServerEvent): ServerState {
  if (state.phase === 'stopped') return state;
  switch (event.kind) {
    case 'listening':
      return { ...state, listening: event.url };
    case 'portInUse':
      // gunicorn retries the bind for a while before giving up; nothing will come of waiting.
      return stopping(state, 'portInUse', `Port ${event.port} on ${event.host} is already in use by another process.`);
    case 'healthy':
      return state.phase === 'starting' ? { ...state, phase: 'healthy', healthyAfterMs: event.elapsedMs } : state;
    case 'healthTimeout':
      return state.phase === 'starting' ? stopping(state, 'timeout', event.message) : state;
    case 'stopRequested':
      return stopping(state, 'user');
    case 'exited': {
      const reason: StopReason = state.reason ?? (event.error ? 'failedToStart' : 'exited');
      const message = state.message ?? (event.error ? `Could not start mlflow: ${event.error}` : undefined);
      return {
        ...state,
        phase: 'stopped',
        reason,
        exitCode: event.code,
        signal: event.signal,
        ...(message ? { message } : {}),
      };
    }
    default:
      return assertNever(event);
  }
}

function stopping(state: ServerState, reason: StopReason, message?: string): ServerState {
  if (state.phase === 'stopping') return state;
  return { ...state, phase: 'stopping', reason, ...(message ? { message } : {}) };
}

/** The status line the panel and the tree show. */
export function describeState(state: ServerState, url: string): string {
  switch (state.phase) {
    case 'starting':
      return state.listening ? `Starting: listening at ${state.listening}, waiting for /ping…` : 'Starting…';
    case 'healthy':
      return `Healthy at ${url}`;
    case 'stopping':
      return state.message ? `Stopping: ${state.message}` : 'Stopping…';
    case 'stopped': {
      const exit = state.signal ? `signal ${state.signal}` : state.exitCode === null || state.exitCode === undefined ? 'no exit code' : `exit code ${state.exitCode}`;
      const why = state.message ?? (state.reason === 'exited' ? 'the server exited by itself' : undefined);
      return why ? `Stopped (${exit}): ${why}` : `Stopped (${exit})`;
    }
    default:
      return assertNever(state.phase);
  }
}

/** A stop the user did not ask for, worth a notification. */
export function isUnexpectedStop(state: ServerState): boolean {
  return state.phase === 'stopped' && state.reason !== 'user';
}

function assertNever(value: never): never {
  throw new Error(`unexpected ${JSON.stringify(value)}`);
}
