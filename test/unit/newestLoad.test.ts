import assert from 'node:assert/strict';
import { NewestLoad } from '../../src/vscode/newestLoad';

/** A promise settled by the test, so that loads finish in the order a test needs, without timers. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('NewestLoad (the panel sessions\' overlapping loads: trace, Compare Traces, evaluation)', () => {
  it('gives what the read returned, or the error it threw', async () => {
    const loads = new NewestLoad();
    assert.deepEqual(await loads.run(async () => 'trace'), { ok: true, value: 'trace' });
    const error = new Error('unreachable');
    assert.deepEqual(await loads.run(() => Promise.reject(error)), { ok: false, error });
  });

  it('drops a load that a newer one overtook, whether it finishes before or after the newer one', async () => {
    const loads = new NewestLoad();
    const first = deferred<string>();
    const second = deferred<string>();
    const third = deferred<string>();
    const a = loads.run(() => first.promise);
    const b = loads.run(() => second.promise);
    first.resolve('old');
    assert.equal(await a, undefined, 'finished first, but a refresh had started');
    const c = loads.run(() => third.promise);
    third.resolve('newest');
    second.reject(new Error('stale failure'));
    assert.equal(await b, undefined, 'an overtaken failure is not reported either');
    assert.deepEqual(await c, { ok: true, value: 'newest' });
  });

  it('drops every load still reading when the session is disposed', async () => {
    const loads = new NewestLoad();
    const reading = deferred<string>();
    const load = loads.run(() => reading.promise);
    loads.dispose();
    reading.resolve('too late');
    assert.equal(await load, undefined);
    assert.equal(await loads.run(async () => 'after'), undefined);
  });
});
