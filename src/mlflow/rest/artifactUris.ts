import { MlflowError } from '../errors';

/**
 * `mlflow-artifacts:` URIs name files behind the tracking server's artifact proxy (the 3.x default
 * artifact root, `--serve-artifacts`): `mlflow-artifacts:/1/<run>/artifacts` is served at
 * `/api/2.0/mlflow-artifacts/artifacts/1/<run>/artifacts/...`.
 */

const PROXY_ROUTE = '/api/2.0/mlflow-artifacts/artifacts';

/**
 * The proxy-relative path of an `mlflow-artifacts:` URI. An authority (`mlflow-artifacts://host:port/…`)
 * is dropped: the server this store talks to is the one asked, as when the UI follows such a URI.
 */
export function mlflowArtifactsPath(uri: string): string {
  const match = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/i.exec(uri.trim());
  if (!match) {
    throw new MlflowError(
      `${uri} is not an mlflow-artifacts: URI; only artifacts served by the tracking server's artifact proxy can be read by URI`,
      'NOT_SUPPORTED',
    );
  }
  return (match[1] ?? '').replace(/\/+$/, '');
}

/** The proxy route of one file under `uri`, each path segment percent-encoded. */
export function proxyFilePath(uri: string, path: string): string {
  const segments = [...mlflowArtifactsPath(uri).split('/'), ...path.split('/')].filter((s) => s !== '');
  return `${PROXY_ROUTE}/${segments.map((s) => encodeURIComponent(safeDecode(s))).join('/')}`;
}

/** The `path` query parameter of the proxy's listing route for `path` under `uri`. */
export function proxyListPath(uri: string, path: string): string {
  return [mlflowArtifactsPath(uri), path.replace(/^\/+|\/+$/g, '')].filter((p) => p !== '').join('/');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
