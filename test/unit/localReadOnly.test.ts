import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { ReadOnlyStoreError } from '../../src/mlflow/errors';
import { FileStore } from '../../src/mlflow/local/fileStore';
import { SqliteStore } from '../../src/mlflow/local/sqliteStore';
import type { TrackingStore } from '../../src/mlflow/store';
import { SQLITE_ENGINE } from '../support/sqliteEngine';

/** Local stores never write: every write of the TrackingStore contract rejects with the way out. */

const DB = path.resolve(__dirname, '../fixtures/mlflow-2.17.2/server-store/mlflow.db');
const MLRUNS = path.resolve(__dirname, '../fixtures/mlflow-2.17.2/file-store/mlruns');

const WRITES: [string, (s: TrackingStore) => Promise<unknown>][] = [
  ['createExperiment', (s) => s.createExperiment('x')],
  ['renameExperiment', (s) => s.renameExperiment('1', 'y')],
  ['deleteExperiment', (s) => s.deleteExperiment('1')],
  ['restoreExperiment', (s) => s.restoreExperiment('1')],
  ['setExperimentTag', (s) => s.setExperimentTag('1', 'k', 'v')],
  ['updateRun', (s) => s.updateRun('r', { status: 'FINISHED' })],
  ['deleteRun', (s) => s.deleteRun('r')],
  ['restoreRun', (s) => s.restoreRun('r')],
  ['setRunTag', (s) => s.setRunTag('r', 'k', 'v')],
  ['deleteRunTag', (s) => s.deleteRunTag('r', 'k')],
  ['createRegisteredModel', (s) => s.createRegisteredModel('m')],
  ['renameRegisteredModel', (s) => s.renameRegisteredModel('m', 'n')],
  ['updateRegisteredModelDescription', (s) => s.updateRegisteredModelDescription('m', 'd')],
  ['deleteRegisteredModel', (s) => s.deleteRegisteredModel('m')],
  ['setRegisteredModelTag', (s) => s.setRegisteredModelTag('m', 'k', 'v')],
  ['deleteRegisteredModelTag', (s) => s.deleteRegisteredModelTag('m', 'k')],
  ['createModelVersion', (s) => s.createModelVersion('m', 'src')],
  ['createPromptVersion', (s) => s.createPromptVersion({ name: 'p', template: 't', type: 'text' })],
  ['updateModelVersionDescription', (s) => s.updateModelVersionDescription('m', '1', 'd')],
  ['deleteModelVersion', (s) => s.deleteModelVersion('m', '1')],
  ['setModelVersionTag', (s) => s.setModelVersionTag('m', '1', 'k', 'v')],
  ['deleteModelVersionTag', (s) => s.deleteModelVersionTag('m', '1', 'k')],
  ['transitionModelVersionStage', (s) => s.transitionModelVersionStage('m', '1', 'Production', false)],
  ['setAlias', (s) => s.setAlias('m', 'a', '1')],
  ['deleteAlias', (s) => s.deleteAlias('m', 'a')],
];

const stores: [string, () => TrackingStore][] = [
  ['SqliteStore', () => new SqliteStore(DB, { engine: SQLITE_ENGINE })],
  ['FileStore', () => new FileStore(MLRUNS)],
];

for (const [kind, create] of stores) {
  describe(`${kind} is read-only`, () => {
    for (const [name, write] of WRITES) {
      it(`${name} rejects with ReadOnlyStoreError naming "MLflow: Start Tracking Server"`, async () => {
        const store = create();
        try {
          await assert.rejects(write(store), (e: unknown) => {
            assert.ok(e instanceof ReadOnlyStoreError);
            assert.equal(e.errorCode, 'READ_ONLY_STORE');
            assert.match(e.message, /"MLflow: Start Tracking Server"/);
            assert.ok(e.message.includes(store.description));
            return true;
          });
        } finally {
          store.dispose();
        }
      });
    }
  });
}

describe('SqliteStore leaves the database file untouched', () => {
  it('reads the whole store without changing a byte, its size or its mtime', async () => {
    const before = statSync(DB);
    const bytes = readFileSync(DB);
    const store = await SqliteStore.open(DB, { engine: SQLITE_ENGINE });
    try {
      await store.searchRuns({ experimentIds: ['1', '2', '3'] });
      await store.searchRegisteredModels({});
      await assert.rejects(store.deleteRun('459191d6afe44e408cc618beff3a1e37'));
    } finally {
      store.dispose();
    }
    const after = statSync(DB);
    assert.deepEqual([after.size, after.mtimeMs], [before.size, before.mtimeMs]);
    assert.ok(readFileSync(DB).equals(bytes));
  });
});
