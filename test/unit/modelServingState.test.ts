import assert from 'node:assert/strict';
import { describeState, INITIAL_STATE, isUnexpectedStop, nextState, type ServerEvent, type ServerState } from '../../src/modelServing/serverState';

const URL = 'http://127.0.0.1:5001';

function run(...events: ServerEvent[]): ServerState {
  return events.reduce(nextState, INITIAL_STATE);
}

describe('Model server state machine', () => {
  it('starting → healthy → stopping → stopped on a user Stop', () => {
    const phases = [INITIAL_STATE.phase];
    let state = INITIAL_STATE;
    for (const event of [
      { kind: 'listening', url: URL },
      { kind: 'healthy', elapsedMs: 800 },
      { kind: 'stopRequested' },
      { kind: 'exited', code: 0, signal: null },
    ] as ServerEvent[]) {
      state = nextState(state, event);
      phases.push(state.phase);
    }
    assert.deepEqual(phases, ['starting', 'starting', 'healthy', 'stopping', 'stopped']);
    assert.deepEqual(state, { phase: 'stopped', listening: URL, healthyAfterMs: 800, reason: 'user', exitCode: 0, signal: null });
    assert.equal(describeState(state, URL), 'Stopped (exit code 0)');
    assert.equal(isUnexpectedStop(state), false);
  });

  it('a listening line alone is not healthy: /ping decides', () => {
    const state = run({ kind: 'listening', url: URL });
    assert.equal(state.phase, 'starting');
    assert.equal(describeState(state, URL), `Starting: listening at ${URL}, waiting for /ping…`);
  });

  it('a taken port stops the start and keeps that reason through the exit', () => {
    const state = run({ kind: 'portInUse', host: '127.0.0.1', port: 5001 }, { kind: 'exited', code: 1, signal: null });
    assert.equal(state.phase, 'stopped');
    assert.equal(state.reason, 'portInUse');
    assert.equal(describeState(state, URL), 'Stopped (exit code 1): Port 5001 on 127.0.0.1 is already in use by another process.');
    assert.ok(isUnexpectedStop(state));
  });

  it('a server that exits by itself is "exited"; one that could not spawn is "failedToStart"', () => {
    const crashed = run({ kind: 'healthy', elapsedMs: 10 }, { kind: 'exited', code: 1, signal: null });
    assert.equal(crashed.reason, 'exited');
    assert.equal(describeState(crashed, URL), 'Stopped (exit code 1): the server exited by itself');
    const missing = run({ kind: 'exited', code: null, signal: null, error: 'spawn /x ENOENT' });
    assert.equal(missing.reason, 'failedToStart');
    assert.equal(describeState(missing, URL), 'Stopped (no exit code): Could not start mlflow: spawn /x ENOENT');
  });

  it('a health timeout only matters while starting', () => {
    const timedOut = run({ kind: 'healthTimeout', message: 'no answer in 180 s' });
    assert.deepEqual([timedOut.phase, timedOut.reason], ['stopping', 'timeout']);
    assert.equal(describeState(timedOut, URL), 'Stopping: no answer in 180 s');
    const late = run({ kind: 'healthy', elapsedMs: 5 }, { kind: 'healthTimeout', message: 'late' });
    assert.equal(late.phase, 'healthy');
  });

  it('health after a Stop does not revive the server, and stopped is final', () => {
    const stopping = run({ kind: 'stopRequested' }, { kind: 'healthy', elapsedMs: 5 });
    assert.equal(stopping.phase, 'stopping');
    const stopped = nextState(stopping, { kind: 'exited', code: null, signal: 'SIGTERM' });
    assert.equal(describeState(stopped, URL), 'Stopped (signal SIGTERM)');
    for (const event of [{ kind: 'healthy', elapsedMs: 1 }, { kind: 'stopRequested' }, { kind: 'exited', code: 3, signal: null }] as ServerEvent[]) {
      assert.equal(nextState(stopped, event), stopped, `${event.kind} after stopped`);
    }
  });

  it('a second Stop while stopping changes nothing (same object, so no change event)', () => {
    const stopping = run({ kind: 'stopRequested' });
    assert.equal(nextState(stopping, { kind: 'stopRequested' }), stopping);
    assert.equal(nextState(stopping, { kind: 'portInUse', host: 'h', port: 1 }), stopping);
  });
});
