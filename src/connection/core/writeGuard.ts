import { ReadOnlyStoreError } from '../../mlflow/errors';
import type { TrackingStore } from '../../mlflow/store';

/**
 * The one read-only check of the commands that write to the tracking store. A local store (SQLite,
 * `mlruns/`) is read straight from disk and takes no writes; asking the user for a name, a tag or a
 * confirmation first would throw their answer away. So a write command is registered through
 * `guardWrite`, which refuses before its body runs, with the ReadOnlyStoreError that names the way
 * out ("MLflow: Start Tracking Server"), the same error the store itself would answer.
 */

/** What a write is called in the refusal: fixed, or worked out from the command's arguments ("Deleting runs"). */
export type WriteOperation<A extends unknown[]> = string | ((...args: A) => string);

/** The store, if it takes writes; otherwise the error that says how to get one that does. */
export async function writableStore(store: TrackingStore | undefined, operation: string): Promise<TrackingStore> {
  if (!store) throw new Error('Not connected to an MLflow tracking store.');
  if ((await store.capabilities()).readOnly) throw new ReadOnlyStoreError(operation, store.description);
  return store;
}

/**
 * A write command's handler: checks the store the command would write to (the active one at the time
 * of the call) and runs `body` with it only when it takes writes; otherwise rejects before `body` runs.
 */
export function guardWrite<A extends unknown[]>(
  currentStore: () => TrackingStore | undefined,
  operation: WriteOperation<A>,
  body: (store: TrackingStore, ...args: A) => unknown,
): (...args: A) => Promise<unknown> {
  return async (...args: A) => {
    const store = await writableStore(currentStore(), typeof operation === 'string' ? operation : operation(...args));
    return body(store, ...args);
  };
}
