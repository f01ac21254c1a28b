import type { ArtifactOwner } from './downloadPlan';

/**
 * Pure: the path part of `mlflow-artifact:` URIs.
 *
 *   mlflow-artifact:/run/<runId>/<artifact path>       an artifact of a run
 *   mlflow-artifact:/model/<modelId>/<artifact path>   an artifact of an MLflow 3 logged model (`m-…`)
 *
 * There is deliberately no connection in the URI: run ids and logged-model ids are UUIDs, unique across
 * stores, and the same store is often seen two ways (read from `mlflow.db` directly, then through a
 * tracking server started for it). An editor opened before such a switch keeps working after it.
 */
export const ARTIFACT_SCHEME = 'mlflow-artifact';

export interface ArtifactRef {
  readonly owner: ArtifactOwner;
  /** Relative to the owner's artifact root, `/`-separated; `''` is the root itself. */
  readonly path: string;
}

/** `/run/<id>/<path>` for a ref; each part is kept verbatim (the URI class does the percent-encoding). */
export function refToUriPath(ref: ArtifactRef): string {
  const head = ref.owner.kind === 'run' ? `/run/${ref.owner.runId}` : `/model/${ref.owner.modelId}`;
  return ref.path === '' ? head : `${head}/${ref.path}`;
}

/**
 * Parses a URI path back into a ref; `undefined` for anything malformed. `.`/`..`/empty segments are
 * refused here so that no URI, typed or crafted, can make a store read outside an artifact root.
 */
export function refFromUriPath(uriPath: string): ArtifactRef | undefined {
  const [empty, kind, id, ...rest] = uriPath.replace(/\/+$/, '').split('/');
  if (empty !== '' || !id || !/^[A-Za-z0-9_-]+$/.test(id)) return undefined;
  if (rest.some((segment) => segment === '' || segment === '.' || segment === '..')) return undefined;
  const artifactPath = rest.join('/');
  if (kind === 'run') return { owner: { kind: 'run', runId: id }, path: artifactPath };
  if (kind === 'model') return { owner: { kind: 'model', modelId: id }, path: artifactPath };
  return undefined;
}

export function ownerLabel(owner: ArtifactOwner): string {
  return owner.kind === 'run' ? `run ${owner.runId.slice(0, 8)}` : `model ${owner.modelId}`;
}

export function baseName(artifactPath: string): string {
  return artifactPath.slice(artifactPath.lastIndexOf('/') + 1);
}

export function parentPath(artifactPath: string): string {
  const slash = artifactPath.lastIndexOf('/');
  return slash < 0 ? '' : artifactPath.slice(0, slash);
}
