import assert from 'node:assert/strict';
import * as path from 'node:path';
import { guardWrite, writableStore } from '../../src/connection/core/writeGuard';
import { ReadOnlyStoreError } from '../../src/mlflow/errors';
import { FileStore } from '../../src/mlflow/local/fileStore';
import { SqliteStore } from '../../src/mlflow/local/sqliteStore';
import type { TrackingStore } from '../../src/mlflow/store';
import type { Capabilities } from '../../src/mlflow/types';
import { SQLITE_ENGINE } from '../support/sqliteEngine';

/**
 * The one read-only check of write commands: a command registered through guardWrite is refused on a
 * local store before its body runs (so it never asks anything), with the error the store itself gives.
 */

const DB = path.resolve(__dirname, '../fixtures/mlflow-2.17.2/server-store/mlflow.db');
const MLRUNS = path.resolve(__dirname, '../fixtures/mlflow-2.17.2/file-store/mlruns');

/** A store that takes writes, as far as the guard looks (capabilities and description). */
function writable(): TrackingStore {
  const capabilities: Capabilities = { readOnly: false, registry: true, loggedModels: true, sampledHistory: true, stages: true };
  return { description: 'a tracking server', capabilities: () => Promise.resolve(capabilities) } as unknown as TrackingStore;
}

describe('write commands: the read-only check at registration (guardWrite)', () => {
  for (const [kind, create] of [
    ['SqliteStore', () => new SqliteStore(DB, { engine: SQLITE_ENGINE })],
    ['FileStore', () => new FileStore(MLRUNS)],
  ] as const) {
    it(`refuses a newly registered write command on a ${kind} before its body runs, with the store's own message`, async () => {
      const store = create();
      try {
        const asked: string[] = [];
        // A new command that asks the user something first, with no read-only check of its own.
        const command = guardWrite(() => store, 'Labelling a run', (_store, runId: string) => {
          asked.push(runId);
        });
        await assert.rejects(command('r-1'), (e: unknown) => {
          assert.ok(e instanceof ReadOnlyStoreError);
          assert.equal(e.errorCode, 'READ_ONLY_STORE');
          assert.equal(e.message, new ReadOnlyStoreError('Labelling a run', store.description).message);
          assert.match(e.message, /^Labelling a run needs a tracking server: .*"MLflow: Start Tracking Server"/);
          return true;
        });
        assert.deepEqual(asked, [], 'the body never ran');
        // The store's own refusal reads the same way: one message whichever refuses first.
        await assert.rejects(store.setRunTag('r-1', 'k', 'v'), (e: unknown) => e instanceof ReadOnlyStoreError && e.message.includes(store.description));
      } finally {
        store.dispose();
      }
    });
  }

  it('names the operation from the arguments when it depends on them', async () => {
    const store = new SqliteStore(DB, { engine: SQLITE_ENGINE });
    try {
      const command = guardWrite(() => store, (ids: readonly string[]) => (ids.length === 1 ? 'Deleting a run' : 'Deleting runs'), () => undefined);
      await assert.rejects(command(['a', 'b']), /^ReadOnlyStoreError: Deleting runs needs a tracking server/);
      await assert.rejects(command(['a']), /^ReadOnlyStoreError: Deleting a run needs a tracking server/);
    } finally {
      store.dispose();
    }
  });

  it('runs the body with the store and the arguments when the store takes writes', async () => {
    const store = writable();
    const calls: [TrackingStore, string, number][] = [];
    const command = guardWrite(() => store, 'Renaming a run', (s, name: string, n: number) => {
      calls.push([s, name, n]);
      return 'done';
    });
    assert.equal(await command('new name', 2), 'done');
    assert.deepEqual(calls, [[store, 'new name', 2]]);
  });

  it('checks the store active at the time of the call, and says so when there is none', async () => {
    let current: TrackingStore | undefined;
    const command = guardWrite(() => current, 'Setting a tag', () => 'ran');
    await assert.rejects(command(), /Not connected to an MLflow tracking store/);
    current = writable();
    assert.equal(await command(), 'ran');
    const local = new FileStore(MLRUNS);
    try {
      current = local;
      await assert.rejects(command(), ReadOnlyStoreError);
      await assert.rejects(writableStore(local, 'Registering a model'), /^ReadOnlyStoreError: Registering a model needs a tracking server/);
    } finally {
      local.dispose();
    }
  });
});
