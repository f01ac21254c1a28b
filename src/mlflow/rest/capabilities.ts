import { isMlflowError } from '../errors';
import type { HttpClient } from '../http';
import type { CallOptions, Capabilities } from '../types';
import { isRecord } from '../values';

/**
 * What an MLflow server can do, from two cheap reads every server answers quickly: `/version` (all
 * versions; plain text) and `/api/3.0/mlflow/server-info` (newer 3.x; 404 elsewhere). Endpoints are not
 * probed one by one: the version decides, and the one endpoint that older-but-common servers lack
 * (get-history-bulk-interval) also falls back at call time.
 */

/** Failures that mean "this probe has no answer", not "the server is unusable". */
const ABSENT = ['NOT_SUPPORTED', 'BAD_RESPONSE', 'SERVER_ERROR', 'BAD_REQUEST'];

export interface ServerFacts {
  version?: string;
  /** `store_type` from server-info (`SqlStore`, `FileStore`, …), 3.x only. */
  storeType?: string;
}

export async function probeServer(http: HttpClient, options?: CallOptions): Promise<ServerFacts> {
  const [versionText, serverInfo] = await Promise.all([
    absentAsUndefined(http.text({ method: 'GET', path: '/version', signal: options?.signal })),
    absentAsUndefined(http.json({ method: 'GET', path: '/api/3.0/mlflow/server-info', signal: options?.signal })),
  ]);
  // A proxy may answer unknown paths with a 200 HTML page: only a version-looking answer counts.
  const version = versionText?.trim().match(/^\d+\.\d+[\w.+-]*$/)?.[0];
  const storeType = isRecord(serverInfo) && typeof serverInfo.store_type === 'string' ? serverInfo.store_type : undefined;
  return { version, storeType };
}

export function capabilitiesFrom(facts: ServerFacts): Capabilities {
  const parsed = facts.version ? /^(\d+)\.(\d+)/.exec(facts.version) : null;
  const major = parsed ? Number(parsed[1]) : facts.storeType !== undefined ? 3 : undefined;
  const minor = parsed ? Number(parsed[2]) : 0;
  // Unknown version (a gateway hides /version, a hosted MLflow): assume a current server; a missing
  // endpoint still surfaces as NOT_SUPPORTED where it is used.
  const atLeast = (wantMajor: number, wantMinor: number): boolean =>
    major === undefined || major > wantMajor || (major === wantMajor && minor >= wantMinor);
  return {
    readOnly: false,
    // Every tracking server since 2.0 serves a registry, for SQL and file backends alike.
    registry: true,
    loggedModels: atLeast(3, 0),
    // The public /api route of get-history-bulk-interval arrived in 2.11 (mlflow/mlflow#11182).
    sampledHistory: atLeast(2, 11),
    // Deprecated in 3.x but still served (transition-stage works on 3.x servers).
    stages: true,
    serverVersion: facts.version,
  };
}

async function absentAsUndefined<T>(call: Promise<T>): Promise<T | undefined> {
  try {
    return await call;
  } catch (error) {
    if (ABSENT.some((code) => isMlflowError(error, code))) return undefined;
    throw error;
  }
}
