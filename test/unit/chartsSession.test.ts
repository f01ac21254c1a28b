import * as assert from 'node:assert';
import { FakeTrackingStore } from '../../bench/chartsFakeStore';
import { ChartsSession, type ChartsSessionOptions, type Schedule } from '../../src/charts/chartsSession';
import { CompareSession } from '../../src/charts/compareSession';
import type { ChartsHostMessage, ChartsViewState, CompareHostMessage } from '../../src/charts/protocol';

/** Timers the test fires by hand, so polling is driven without waiting. */
class ManualTimers {
  readonly pending: { callback: () => void; ms: number }[] = [];
  readonly schedule: Schedule = (callback, ms) => {
    const entry = { callback, ms };
    this.pending.push(entry);
    return {
      cancel: () => {
        const index = this.pending.indexOf(entry);
        if (index >= 0) this.pending.splice(index, 1);
      },
    };
  };
  fire(): void {
    const entry = this.pending.shift();
    if (!entry) throw new Error('no timer pending');
    entry.callback();
  }
}

class RecordingHost<M> {
  readonly posted: M[] = [];
  readonly errors: string[] = [];
  readonly saved: { name: string; kind: string; bytes: Uint8Array }[] = [];
  title = '';
  private readonly listeners = new Set<() => void>();
  readonly log = { info: () => undefined, error: (m: string) => this.errors.push(m) };
  post = (m: M): void => {
    this.posted.push(m);
    for (const l of [...this.listeners]) l();
  };
  save = async (file: { name: string; kind: 'png' | 'csv'; bytes: Uint8Array }): Promise<void> => {
    this.saved.push(file);
    this.post(undefined as M); // wakes waiters; filtered out by their predicates
  };
  setTitle = (title: string): void => {
    this.title = title;
  };
  /** The first posted message from `since` matching `accept`, waiting for it if needed. */
  next<T extends M>(accept: (m: M) => m is T, since = 0): Promise<T> {
    const find = () => this.posted.slice(since).find((m): m is T => m !== undefined && accept(m));
    const found = find();
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching message; posted ${JSON.stringify(this.posted).slice(0, 500)}`)), 5_000);
      const check = (): void => {
        const match = find();
        if (!match) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(match);
      };
      this.listeners.add(check);
    });
  }
}

const ofType =
  <T extends ChartsHostMessage['type']>(type: T, test: (m: Extract<ChartsHostMessage, { type: T }>) => boolean = () => true) =>
  (m: ChartsHostMessage): m is Extract<ChartsHostMessage, { type: T }> =>
    m?.type === type && test(m as Extract<ChartsHostMessage, { type: T }>);

/** Lets already-resolved store promises run their continuations (the fake store answers at once). */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function viewState(patch: Partial<ChartsViewState> = {}): ChartsViewState {
  return { target: { runIds: ['r1', 'r2'] }, metricKeys: ['loss'], xAxis: 'step', yScale: 'linear', smoothing: 0, hiddenRunIds: [], ...patch };
}

function fixture(): { store: FakeTrackingStore; timers: ManualTimers } {
  const store = new FakeTrackingStore();
  store.addRun('r1', { name: 'first' });
  store.addRun('r2', { name: 'live', status: 'RUNNING' });
  const steps = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ step: from + i, value: 1 / (from + i + 1) }));
  store.log('r1', 'loss', steps(50));
  store.log('r2', 'loss', steps(10));
  store.log('r2', 'accuracy', steps(10));
  return { store, timers: new ManualTimers() };
}

function start(store: FakeTrackingStore, timers: ManualTimers, state = viewState(), options: Partial<ChartsSessionOptions> = {}) {
  const host = new RecordingHost<ChartsHostMessage>();
  const session = new ChartsSession(host, state, { store: () => store.store, schedule: timers.schedule, pollIntervalMs: 1000, ...options });
  return { host, session };
}

describe('charts session (host side of the charts panel)', () => {
  it('posts nothing before ready, then init and the sampled series', async () => {
    const { store, timers } = fixture();
    const { host, session } = start(store, timers);
    await settle();
    assert.strictEqual(store.count('getSampledHistories'), 1);
    assert.deepStrictEqual(host.posted, [], 'nothing posted before ready');
    session.receive({ type: 'ready' });
    const init = await host.next(ofType('init'));
    assert.deepStrictEqual(init.runs.map((r) => [r.runId, r.colorSlot, r.status]), [['r1', 0, 'FINISHED'], ['r2', 1, 'RUNNING']]);
    assert.deepStrictEqual(init.metricKeys, ['accuracy', 'loss']);
    const series = await host.next(ofType('series'));
    assert.deepStrictEqual(series.series.map((s) => s.steps.length), [50, 10]);
    assert.strictEqual(store.calls.find((c) => c.method === 'getSampledHistories')?.maxResults, 1000);
    assert.strictEqual(host.title, 'Charts: 2 runs');
    session.dispose();
  });

  it('rejects webview messages of unknown shape without acting on them', async () => {
    const { store, timers } = fixture();
    const { host, session } = start(store, timers);
    await settle();
    const calls = store.calls.length;
    for (const bad of [null, 'ready', { type: 'nope' }, { type: 'requestWindow', metricKey: 'loss', window: { startStep: 5, endStep: 1 } }]) session.receive(bad);
    assert.strictEqual(host.errors.length, 4);
    assert.strictEqual(store.calls.length, calls);
    session.dispose();
  });

  it('fetches a newly chosen metric and a zoom window at full resolution', async () => {
    const { store, timers } = fixture();
    const { host, session } = start(store, timers);
    session.receive({ type: 'ready' });
    await host.next(ofType('series', (m) => m.metricKey === 'loss'));
    session.receive({ type: 'viewState', state: viewState({ metricKeys: ['loss', 'accuracy'] }) });
    await host.next(ofType('series', (m) => m.metricKey === 'accuracy'));
    session.receive({ type: 'requestWindow', metricKey: 'loss', window: { startStep: 10, endStep: 20 } });
    const detail = await host.next(ofType('series', (m) => m.window !== undefined));
    assert.deepStrictEqual(detail.window, { startStep: 10, endStep: 20 });
    assert.deepStrictEqual(detail.series[0].steps, Array.from({ length: 11 }, (_, i) => 10 + i));
    const call = store.calls.at(-1);
    assert.deepStrictEqual([call?.startStep, call?.endStep, call?.maxResults], [10, 20, 2500]);
    session.dispose();
  });

  it('asks for at most 100 runs per sampled request', async () => {
    const store = new FakeTrackingStore();
    const ids = Array.from({ length: 120 }, (_, i) => `run-${String(i).padStart(3, '0')}`);
    for (const id of ids) {
      store.addRun(id);
      store.log(id, 'loss', [{ step: 0, value: 1 }]);
    }
    const { host, session } = start(store, new ManualTimers(), viewState({ target: { runIds: ids } }), { maxRuns: 120 });
    session.receive({ type: 'ready' });
    const series = await host.next(ofType('series'));
    assert.strictEqual(series.series.length, 120);
    assert.deepStrictEqual(store.calls.filter((c) => c.method === 'getSampledHistories').map((c) => c.runIds.length), [100, 20]);
    session.dispose();
  });

  it('charts an experiment from its latest runs and remembers which runs those were', async () => {
    const { store, timers } = fixture();
    const { host, session } = start(store, timers, viewState({ target: { runIds: [], experimentId: '1' } }));
    session.receive({ type: 'ready' });
    await host.next(ofType('init'));
    assert.strictEqual(store.count('searchRuns'), 1);
    assert.deepStrictEqual([...session.state.target.runIds].sort(), ['r1', 'r2']);
    session.dispose();
  });

  it('polls running runs and appends only the steps after the last one seen', async () => {
    const { store, timers } = fixture();
    const { host, session } = start(store, timers);
    session.receive({ type: 'ready' });
    await host.next(ofType('series'));
    assert.strictEqual(timers.pending.length, 1, 'a poll is scheduled while a run is live');
    store.log('r2', 'loss', [10, 11, 12].map((step) => ({ step, value: 0.01 })));
    let since = host.posted.length;
    timers.fire();
    const append = await host.next(ofType('append'), since);
    assert.deepStrictEqual(append.series.map((s) => [s.runId, s.steps]), [['r2', [10, 11, 12]]]);
    const windowCall = store.calls.filter((c) => c.method === 'getSampledHistories').at(-1);
    assert.deepStrictEqual([windowCall?.runIds, windowCall?.startStep], [['r2'], 10]);

    await until(() => timers.pending.length === 1);
    store.log('r2', 'loss', [{ step: 13, value: 0.005 }]);
    store.setStatus('r2', 'FINISHED');
    since = host.posted.length;
    timers.fire();
    const last = await host.next(ofType('append'), since);
    assert.deepStrictEqual(last.series[0].steps, [13], 'the finishing run\'s last points still arrive');
    const runs = await host.next(ofType('runs'), since);
    assert.strictEqual(runs.runs.find((r) => r.runId === 'r2')?.status, 'FINISHED');
    await settle();
    assert.strictEqual(session.isPolling, false, 'no run is live: polling stops');

    // A webview reload gets the merged series again, live points included.
    since = host.posted.length;
    session.receive({ type: 'ready' });
    const again = await host.next(ofType('series'), since);
    assert.strictEqual(again.series.find((s) => s.runId === 'r2')?.steps.length, 14);
    session.dispose();
  });

  it('charts the metrics a run logs after its panel opened with none, follows it to its end, then stops', async () => {
    const store = new FakeTrackingStore();
    store.addRun('fresh', { name: 'just-started', status: 'RUNNING' });
    const timers = new ManualTimers();
    const { host, session } = start(store, timers, viewState({ target: { runIds: ['fresh'] }, metricKeys: [] }));
    session.receive({ type: 'ready' });
    const init = await host.next(ofType('init'));
    assert.deepStrictEqual([init.metricKeys, init.state.metricKeys], [[], []], 'nothing to chart yet');
    assert.strictEqual(timers.pending.length, 1, 'a run with no metrics is polled all the same');

    // The script logs its first points of two metrics; the next poll finds the keys in the run's latest metrics.
    store.log('fresh', 'loss', [0, 1, 2].map((step) => ({ step, value: 1 / (step + 1) })));
    store.log('fresh', 'acc', [0, 1, 2].map((step) => ({ step, value: step / 10 })));
    let since = host.posted.length;
    timers.fire();
    const runs = await host.next(ofType('runs'), since);
    assert.deepStrictEqual([runs.metricKeys, runs.added], [['acc', 'loss'], ['acc', 'loss']]);
    const loss = await host.next(ofType('series', (m) => m.metricKey === 'loss'), since);
    assert.deepStrictEqual(loss.series.map((s) => [s.runId, s.steps]), [['fresh', [0, 1, 2]]]);
    await host.next(ofType('series', (m) => m.metricKey === 'acc'), since);
    assert.deepStrictEqual(session.state.metricKeys, ['acc', 'loss'], 'the panel state charts them (a reload keeps them)');

    // Later points of the new charts arrive like any live points.
    await until(() => timers.pending.length === 1);
    store.log('fresh', 'loss', [{ step: 3, value: 0.2 }]);
    since = host.posted.length;
    timers.fire();
    const append = await host.next(ofType('append', (m) => m.metricKey === 'loss'), since);
    assert.deepStrictEqual(append.series.map((s) => s.steps), [[3]]);
    assert.ok(!host.posted.slice(since).some((m) => m?.type === 'runs'), 'no runs message when nothing about the runs changed');

    // The run ends: its status goes to the page, and polling stops for good.
    await until(() => timers.pending.length === 1);
    store.setStatus('fresh', 'FINISHED');
    since = host.posted.length;
    timers.fire();
    const ended = await host.next(ofType('runs'), since);
    assert.deepStrictEqual([ended.runs.map((r) => r.status), ended.added], [['FINISHED'], []]);
    await until(() => !session.isPolling);
    assert.strictEqual(timers.pending.length, 0);
    const reads = store.count('getRun');
    session.setVisible(false);
    session.setVisible(true);
    await settle();
    assert.strictEqual(timers.pending.length, 0, 'showing the panel again does not poll a finished run');
    assert.strictEqual(store.count('getRun'), reads);

    // A reloaded page gets the final status and the added charts.
    since = host.posted.length;
    session.receive({ type: 'ready' });
    const again = await host.next(ofType('init'), since);
    assert.deepStrictEqual([again.runs[0].status, again.state.metricKeys], ['FINISHED', ['acc', 'loss']]);
    session.dispose();
  });

  it('keeps polling when the connection changes while a poll is under way', async () => {
    const { store, timers } = fixture();
    const { host, session } = start(store, timers);
    session.receive({ type: 'ready' });
    await host.next(ofType('series'));
    // The poll's status read hangs until released; the reload's reads answer at once.
    let release: () => void = () => undefined;
    const getRun = store.getRun.bind(store);
    let held = false;
    store.getRun = async (runId, options) => {
      if (!held) {
        held = true;
        await new Promise<void>((resolve) => (release = resolve));
      }
      return getRun(runId, options);
    };
    timers.fire();
    await until(() => held);
    const since = host.posted.length;
    session.reload();
    await host.next(ofType('series'), since);
    assert.strictEqual(timers.pending.length, 0, 'the reload did not schedule a poll beside the running one');
    release();
    await until(() => timers.pending.length === 1);
    assert.ok(session.isPolling, 'the live run is still polled');
    session.dispose();
  });

  it('pauses polling while hidden, catches up when shown, and stops on dispose', async () => {
    const { store, timers } = fixture();
    const { host, session } = start(store, timers);
    session.receive({ type: 'ready' });
    await host.next(ofType('series'));
    session.setVisible(false);
    assert.strictEqual(timers.pending.length, 0);
    assert.strictEqual(session.isPolling, false);
    session.setVisible(true);
    assert.deepStrictEqual(timers.pending.map((t) => t.ms), [0], 'polls at once when shown again');
    session.dispose();
    assert.strictEqual(timers.pending.length, 0);
  });

  it('queues messages while hidden and delivers them in order when shown', async () => {
    const { store, timers } = fixture();
    const { host, session } = start(store, timers);
    session.receive({ type: 'ready' });
    await host.next(ofType('series'));
    session.setVisible(false);
    const since = host.posted.length;
    session.receive({ type: 'requestWindow', metricKey: 'loss', window: { startStep: 0, endStep: 5 } });
    await until(() => store.calls.at(-1)?.endStep === 5);
    await settle();
    assert.strictEqual(host.posted.length, since, 'nothing posted to a hidden webview');
    session.setVisible(true);
    await host.next(ofType('series', (m) => m.window?.endStep === 5), since);
    session.dispose();
  });

  it('says so when not connected', async () => {
    const host = new RecordingHost<ChartsHostMessage>();
    const session = new ChartsSession(host, viewState(), { store: () => undefined });
    session.receive({ type: 'ready' });
    const init = await host.next(ofType('init'));
    assert.match(init.notice ?? '', /Not connected/);
    session.dispose();
  });

  it('exports full histories as CSV and the chart as PNG bytes', async () => {
    const { store, timers } = fixture();
    store.log('r1', 'loss', [{ step: 50, value: Number.NaN }]);
    const { host, session } = start(store, timers);
    session.receive({ type: 'ready' });
    await host.next(ofType('init'));
    session.receive({ type: 'exportCsv', metricKeys: ['loss'] });
    await until(() => host.saved.length === 1);
    const csv = new TextDecoder().decode(host.saved[0].bytes);
    assert.strictEqual(host.saved[0].name, 'loss.csv');
    assert.strictEqual(csv.split('\r\n').filter(Boolean).length, 1 + 51 + 10);
    assert.ok(csv.includes('r1,first,loss,50,'), csv.slice(0, 200));
    assert.ok(csv.includes(',NaN\r\n'));
    assert.strictEqual(store.count('getMetricHistory'), 2, 'full histories, not the sampled overview');

    session.receive({ type: 'exportPng', metricKey: 'val/loss', dataUrl: `data:image/png;base64,${Buffer.from('PNGDATA').toString('base64')}` });
    await until(() => host.saved.length === 2);
    assert.deepStrictEqual([host.saved[1].name, Buffer.from(host.saved[1].bytes).toString()], ['val_loss.png', 'PNGDATA']);
    session.dispose();
  });
});

describe('compare session (host side of the compare panel)', () => {
  it('loads runs and histories, posts the model after ready and delegates diff and charts', async () => {
    const { store } = fixture();
    store.runs.get('r1')!.data.params = { lr: '0.1', seed: '1' };
    store.runs.get('r2')!.data.params = { lr: '0.2', seed: '1' };
    const host = new RecordingHost<CompareHostMessage>();
    const diffs: string[][] = [];
    const charts: string[][] = [];
    const session = new CompareSession(
      { ...host, post: host.post, log: host.log, setTitle: host.setTitle, diffParams: async (a, b) => void diffs.push([a, b]), openCharts: (ids) => void charts.push(ids) },
      { runIds: ['r1', 'r2'], onlyDifferences: true },
      () => store.store,
    );
    await until(() => store.count('getMetricHistory') === 3);
    await settle();
    assert.deepStrictEqual(host.posted, []);
    session.receive({ type: 'ready' });
    const init = await host.next((m): m is Extract<CompareHostMessage, { type: 'init' }> => m.type === 'init');
    assert.deepStrictEqual(init.model.params.map((p) => [p.key, p.differs]), [['lr', true], ['seed', false]]);
    assert.deepStrictEqual(init.model.metrics.map((m) => m.key), ['accuracy', 'loss']);
    assert.strictEqual(host.title, 'Compare: first ↔ live');
    session.receive({ type: 'diffParams', runIdA: 'r1', runIdB: 'r2' });
    session.receive({ type: 'openCharts', runIds: ['r1', 'r2'], metricKeys: [] });
    await until(() => diffs.length === 1);
    assert.deepStrictEqual([diffs, charts], [[['r1', 'r2']], [['r1', 'r2']]]);
    session.dispose();
  });
});

/** Resolves once `condition` holds, checking after each turn of the event loop. */
async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (condition()) return;
    await settle();
  }
  throw new Error('condition never held');
}
