import { fileUriToPath, pathToFileUri, pathsFor } from '../mlflow/platformPaths';
import type { PathPlatform } from '../mlflow/safePath';
import { sqliteStoreUri } from '../serving/serveArgv';

/**
 * Pure: which store on this machine's disk a tracking server should serve, and the URIs `mlflow server`
 * takes for it. The argv itself comes from src/serving/serveArgv.ts (buildServeStartArgv).
 */

/** A SQLite database file or a legacy `mlruns/` file-store folder. */
export interface LocalStore {
  readonly kind: 'sqlite' | 'file';
  /** Absolute path of `mlflow.db` (sqlite) or of the `mlruns` folder (file). */
  readonly location: string;
}

/**
 * The local store behind a tracking URI (`sqlite:///…`, `file:///…`, or a plain path as MLflow 3
 * writes it), or `undefined` for servers. Relative paths are resolved against `baseFolder`.
 */
export function localStoreFromTrackingUri(trackingUri: string, baseFolder: string, platform?: PathPlatform): LocalStore | undefined {
  const path = pathsFor(platform);
  const uri = trackingUri.trim();
  if (uri === '') return undefined;
  const sqlite = /^sqlite:\/\/\/(.+)$/i.exec(uri);
  if (sqlite) {
    // sqlite:////abs/mlflow.db (POSIX), sqlite:///C:/x/mlflow.db (Windows), sqlite:///mlflow.db (relative).
    return { kind: 'sqlite', location: path.resolve(baseFolder, sqlite[1].replace(/\?.*$/, '')) };
  }
  if (/^file:/i.test(uri)) {
    try {
      return { kind: 'file', location: fileUriToPath(uri, platform) };
    } catch {
      return undefined;
    }
  }
  // Any other scheme is a server (http, databricks, …); a drive letter is not a scheme.
  if (/^[a-z][a-z0-9+.-]+:/i.test(uri) && !/^[a-z]:[\\/]/i.test(uri)) return undefined;
  const location = path.resolve(baseFolder, uri);
  return location.toLowerCase().endsWith('.db') ? { kind: 'sqlite', location } : { kind: 'file', location };
}

/** `--backend-store-uri`: `sqlite:////abs/mlflow.db`, or the `file:` URI of an `mlruns` folder. */
export function backendStoreUri(store: LocalStore, platform?: PathPlatform): string {
  return store.kind === 'sqlite' ? sqliteStoreUri(store.location) : pathToFileUri(store.location, platform);
}

/**
 * `--default-artifact-root`, where runs created through the server put their artifacts: for a SQLite
 * store the `mlruns` folder beside `mlflow.db` (where the MLflow client itself puts them when it logs
 * to that database without a server), for a file store the `mlruns` folder itself (its own layout).
 */
export function defaultArtifactRoot(store: LocalStore, platform?: PathPlatform): string {
  const path = pathsFor(platform);
  return store.kind === 'sqlite' ? path.join(path.dirname(store.location), 'mlruns') : store.location;
}
