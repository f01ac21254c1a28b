import assert from 'node:assert/strict';
import { AutoRefresh } from '../../src/explorer/autoRefresh';
import { experimentsToPoll, FOLLOW_AFTER_LAST_ACTIVE_MS, shouldPoll, type ExperimentLiveState } from '../../src/explorer/core/liveRefresh';

/**
 * The Runs view's polling rule (src/explorer/core/liveRefresh.ts) and the timer that applies it
 * (AutoRefresh): the view follows expanded experiments with running runs, and every expanded
 * experiment while a launch from the extension is in flight; a busy view must still poll.
 */

const NOW = 1_800_000_000_000;
const experiment = (experimentId: string, state: Partial<ExperimentLiveState> = {}): ExperimentLiveState => ({
  experimentId, expanded: true, loaded: true, loading: false, hasActiveRuns: false, ...state,
});

describe('Runs view polling rule', () => {
  it('polls expanded experiments that show a running run, and only those', () => {
    const experiments = [
      experiment('running', { hasActiveRuns: true }),
      experiment('finished'),
      experiment('collapsed-running', { expanded: false, hasActiveRuns: true }),
    ];
    assert.deepEqual(experimentsToPoll({ viewVisible: true, launchInFlight: false, now: NOW, experiments }), ['running']);
    assert.equal(shouldPoll({ viewVisible: true, launchInFlight: false, now: NOW, experiments }), true);
  });

  it('polls nothing while the view is hidden', () => {
    const experiments = [experiment('running', { hasActiveRuns: true })];
    assert.deepEqual(experimentsToPoll({ viewVisible: false, launchInFlight: true, now: NOW, experiments }), []);
    assert.equal(shouldPoll({ viewVisible: false, launchInFlight: true, now: NOW, experiments }), false);
  });

  it('stops once nothing shown is running', () => {
    const experiments = [experiment('a'), experiment('b', { expanded: false })];
    assert.equal(shouldPoll({ viewVisible: true, launchInFlight: false, now: NOW, experiments }), false);
  });

  it('keeps following an experiment for a while after its last running run ended (the next run may start)', () => {
    const justEnded = [experiment('a', { activeSeenAt: NOW - FOLLOW_AFTER_LAST_ACTIVE_MS + 1 })];
    assert.deepEqual(experimentsToPoll({ viewVisible: true, launchInFlight: false, now: NOW, experiments: justEnded }), ['a']);
    const longAgo = [experiment('a', { activeSeenAt: NOW - FOLLOW_AFTER_LAST_ACTIVE_MS })];
    assert.deepEqual(experimentsToPoll({ viewVisible: true, launchInFlight: false, now: NOW, experiments: longAgo }), []);
    const collapsed = [experiment('a', { expanded: false, activeSeenAt: NOW })];
    assert.deepEqual(experimentsToPoll({ viewVisible: true, launchInFlight: false, now: NOW, experiments: collapsed }), []);
  });

  it('follows every expanded experiment while a launch is in flight (its run may not be listed yet)', () => {
    const experiments = [experiment('a'), experiment('b', { expanded: false }), experiment('c')];
    assert.deepEqual(experimentsToPoll({ viewVisible: true, launchInFlight: true, now: NOW, experiments }), ['a', 'c']);
  });

  it('leaves an experiment whose page is loading or failed to the load', () => {
    const experiments = [
      experiment('loading', { loaded: false, loading: true, hasActiveRuns: true }),
      experiment('failed', { loaded: false, hasActiveRuns: true }),
    ];
    assert.deepEqual(experimentsToPoll({ viewVisible: true, launchInFlight: true, now: NOW, experiments }), []);
  });
});

describe('AutoRefresh: when the polls happen', () => {
  let refresh: AutoRefresh | undefined;
  afterEach(() => refresh?.dispose());

  it('keeps a scheduled poll at its time when kicked again (a busy view still converges)', async () => {
    let polls = 0;
    refresh = new AutoRefresh(async () => void polls++, () => true, 200);
    refresh.kick();
    const scheduledAt = Date.now();
    // Kicks faster than the interval, as loads and expands do in a busy view: none may postpone the poll.
    const kicker = setInterval(() => refresh?.kick(), 20);
    try {
      await until(() => polls >= 1, 'the first poll');
    } finally {
      clearInterval(kicker);
    }
    const waited = Date.now() - scheduledAt;
    // The poll came after its interval, not after the kicks stopped (they never did before it).
    assert.ok(waited >= 195, `polled after ${waited} ms`);
  });

  it('starts polling when something becomes live during a poll (the kick made then is not lost)', async () => {
    let live = false;
    let polls = 0;
    let release: (() => void) | undefined;
    refresh = new AutoRefresh(
      () => {
        polls++;
        // The first poll is held until the test has made the view live and kicked.
        return polls === 1 ? new Promise<void>((resolve) => (release = resolve)) : Promise.resolve();
      },
      () => polls === 0 || live,
      10,
    );
    refresh.kick();
    await until(() => release !== undefined, 'the first poll to start');
    live = true;
    refresh.kick(); // ignored while the poll is in flight
    release?.();
    await until(() => polls >= 2, 'a second poll');
  });

  it('does not schedule while nothing is live, and cancels a scheduled poll when that changes', () => {
    let live = true;
    refresh = new AutoRefresh(async () => undefined, () => live, 10_000);
    refresh.kick();
    assert.equal(refresh.scheduled, true);
    live = false;
    refresh.kick();
    assert.equal(refresh.scheduled, false);
  });
});

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
