import { stat } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MlflowError } from '../errors';

/**
 * Where a stored artifact URI lives on this machine. Stores record absolute locations from the
 * machine (or container) that wrote them; once a project folder is moved, cloned or mounted elsewhere
 * those paths no longer exist, so a location that is missing is looked up again relative to the
 * store's own folder, the way MLflow lays it out:
 *
 * - `mlflow server --default-artifact-root ./artifacts` and `--artifacts-destination`:
 *   `<store dir>/artifacts/<exp>/<run>/artifacts`, `mlflow-artifacts:/<exp>/…` under
 *   `<store dir>/mlartifacts` (the server's default destination) or `<store dir>/artifacts`;
 * - MLflow 3's zero-setup store: `<dir of mlflow.db>/mlruns/<exp>/<run>/artifacts`;
 * - a legacy `mlruns/` file store: the artifacts sit inside the store itself.
 *
 * The part of a stored path below its root is data from the store: it is normalised and must stay
 * inside the root it was remapped to.
 */
export interface ArtifactLocationContext {
  /** The folder holding `mlflow.db`, or the `mlruns` folder of a file store. */
  storeDir: string;
  /**
   * Absolute roots the writer used (the parents of the experiments' artifact locations), tried
   * longest first when a stored path has to be remapped.
   */
  originRoots: readonly string[];
}

/** Folder names MLflow uses for artifact roots next to a store, tried in this order. */
const LOCAL_ROOT_NAMES = ['mlartifacts', 'artifacts', 'mlruns'];

/** A stored URI as a local path (possibly not existing), or undefined for remote schemes. */
export function uriToLocalPath(uri: string): string | undefined {
  if (/^file:/i.test(uri)) {
    try {
      return fileURLToPath(uri);
    } catch {
      return uri.replace(/^file:(\/\/)?/i, '');
    }
  }
  if (path.isAbsolute(uri) || /^[A-Za-z]:[\\/]/.test(uri)) return uri;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri)) return undefined;
  return uri;
}

/** The experiment roots' parents: where the writer kept its artifacts. */
export function originRootsOf(artifactLocations: readonly string[]): string[] {
  const roots = new Set<string>();
  for (const location of artifactLocations) {
    const local = uriToLocalPath(location);
    if (local && path.isAbsolute(local)) roots.add(path.dirname(path.normalize(local)));
  }
  return [...roots].sort((a, b) => b.length - a.length);
}

/** Resolves a stored artifact URI to a local directory (which may not exist: no artifacts yet). */
export async function resolveArtifactUri(uri: string, context: ArtifactLocationContext): Promise<string> {
  const proxied = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/i.exec(uri);
  if (proxied) return resolveBelowLocalRoots(proxied[1], context.storeDir, uri);

  const local = uriToLocalPath(uri);
  if (local === undefined) {
    throw new MlflowError(
      `Artifacts at ${uri} are not on this machine; connect to a tracking server that can read them.`,
      'NOT_SUPPORTED',
    );
  }
  // MLflow never records `..` in a location; one that does is not followed anywhere.
  if (local.split(/[\\/]/).includes('..')) throw invalidLocation(uri);
  if (!path.isAbsolute(local)) return insideOrThrow(context.storeDir, local, uri);
  if (await exists(local)) return path.normalize(local);

  for (const origin of context.originRoots) {
    const rel = path.relative(origin, local);
    if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
    const root = await localRootFor(path.basename(origin), context.storeDir);
    if (root) return insideOrThrow(root, rel, uri);
  }
  // Not under a known experiment root: anchor on an `mlruns`/`mlartifacts` folder in the path.
  const segments = path.normalize(local).split(path.sep);
  const anchor = segments.findIndex((s) => s === 'mlruns' || s === 'mlartifacts');
  if (anchor >= 0) {
    const root = await localRootFor(segments[anchor], context.storeDir);
    if (root) return insideOrThrow(root, segments.slice(anchor + 1).join(path.sep), uri);
  }
  return path.normalize(local);
}

async function resolveBelowLocalRoots(rel: string, storeDir: string, uri: string): Promise<string> {
  for (const name of LOCAL_ROOT_NAMES) {
    const root = path.join(storeDir, name);
    if (await exists(root)) return insideOrThrow(root, rel, uri);
  }
  return insideOrThrow(path.join(storeDir, 'mlartifacts'), rel, uri);
}

/** The local folder standing for a writer's root named `name`: `<store>/<name>`, or the store itself. */
async function localRootFor(name: string, storeDir: string): Promise<string | undefined> {
  const candidates = [path.join(storeDir, name)];
  if (path.basename(storeDir) === name) candidates.unshift(storeDir);
  for (const candidate of candidates) {
    if (await exists(candidate)) return candidate;
  }
  return undefined;
}

/** `root/rel`, refusing anything that would leave `root` (`..`, absolute parts). */
export function insideOrThrow(root: string, rel: string, what: string): string {
  const resolvedRoot = path.resolve(root);
  const target = path.resolve(resolvedRoot, rel);
  if (target !== resolvedRoot && !target.startsWith(resolvedRoot + path.sep)) throw invalidLocation(what);
  return target;
}

function invalidLocation(what: string): MlflowError {
  return new MlflowError(`Invalid path: ${what} points outside its artifact root`, 'INVALID_PARAMETER_VALUE', 400);
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
