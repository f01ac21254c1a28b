/**
 * Typed errors from every backend. `errorCode` is MLflow's own (`RESOURCE_DOES_NOT_EXIST`,
 * `INVALID_PARAMETER_VALUE`, …) when the server sent one; the extension's own failure kinds use the
 * codes below so that views can choose a message and a next step without parsing text.
 */
export type ClientErrorCode =
  | 'UNREACHABLE' // connection refused, DNS, TLS handshake
  | 'TIMEOUT'
  | 'CANCELLED'
  | 'UNAUTHENTICATED' // 401
  | 'PERMISSION_DENIED' // 403
  | 'NOT_SUPPORTED' // the server or store lacks the endpoint / feature
  | 'READ_ONLY_STORE'
  | 'BAD_RESPONSE' // HTML where JSON was expected, truncated JSON, …
  | 'SERVER_ERROR' // 5xx without an MLflow error body
  | 'STORE_BUSY'; // a local store kept changing while being read

/** Marks every MlflowError, whichever bundle made it (see MlflowError[Symbol.hasInstance]). */
const MLFLOW_ERROR: unique symbol = Symbol.for('mlflow-workbench.MlflowError');

export class MlflowError extends Error {
  readonly [MLFLOW_ERROR] = true;

  /**
   * `x instanceof MlflowError` by brand, not by prototype: the local stores are a bundle of their own,
   * loaded on demand (dist/localStores.js, see scripts/build.mjs) with their own copy of this class, and
   * their errors must still read as MlflowErrors (READ_ONLY_STORE, STORE_BUSY…) in the extension's bundle.
   * Subclasses keep the ordinary prototype check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== MlflowError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as { [MLFLOW_ERROR]?: unknown })[MLFLOW_ERROR] === true;
  }

  constructor(
    message: string,
    /** MLflow's `error_code`, or one of ClientErrorCode. */
    readonly errorCode: string,
    /** HTTP status when the error came from a server. */
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MlflowError';
  }
}

export class ReadOnlyStoreError extends MlflowError {
  constructor(operation: string, storeDescription: string) {
    super(
      `${operation} needs a tracking server: ${storeDescription} is read directly from disk and is read-only here. ` +
        'Run "MLflow: Start Tracking Server" to serve this store, then try again.',
      'READ_ONLY_STORE',
    );
    this.name = 'ReadOnlyStoreError';
  }
}

export function isMlflowError(error: unknown, code?: string): error is MlflowError {
  return error instanceof MlflowError && (code === undefined || error.errorCode === code);
}
