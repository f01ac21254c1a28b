import { checkArtifactPath } from '../../../src/mlflow/local/artifactFiles';
import type { FileInfo } from '../../../src/mlflow/types';
import type { ArtifactFile } from './dataset';
import { fileInfoJson, type Json } from './json';
import { HtmlError, RawReply, type ApiRequest, type Route } from './protocol';
import type { ServerState } from './state';

/**
 * Run artifacts as a 2.17.2 server with a local artifact root serves them: `artifacts/list` (one
 * folder level, paths relative to the run's root), `/get-artifact` (the UI's file route, as an
 * attachment) and `/model-versions/get-artifact` (a registered version's files, through its source).
 */

export function artifactRoutes(): Route[] {
  return [
    { method: 'GET', path: '/artifacts/list', handle: listArtifacts },
    { method: 'GET', path: '/get-artifact', ui: true, handle: ({ params, state }) => sendArtifact(state, params.required('run_uuid', 'run_id'), params.string('path') ?? '') },
    { method: 'GET', path: '/model-versions/get-artifact', ui: true, handle: modelVersionArtifact },
  ];
}

function filesOf(state: ServerState, runId: string): ArtifactFile[] {
  return state.data.artifacts[runId] ?? [];
}

/** The entries directly inside `directory`: files with their size, folders implied by deeper paths. */
export function listDirectory(files: readonly ArtifactFile[], directory: string): FileInfo[] {
  const prefix = directory ? `${directory}/` : '';
  const entries = new Map<string, FileInfo>();
  for (const file of files) {
    if (!file.path.startsWith(prefix)) continue;
    const [name, ...rest] = file.path.slice(prefix.length).split('/');
    if (!name) continue;
    const path = `${prefix}${name}`;
    entries.set(path, rest.length ? { path, isDir: true } : { path, isDir: false, fileSize: file.bytes.length });
  }
  return [...entries.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function listArtifacts({ params, state }: ApiRequest): Json {
  const run = state.run(params.required('run_id', 'run_uuid'));
  const directory = checkArtifactPath(params.string('path') ?? '');
  const files = listDirectory(filesOf(state, run.info.runId), directory);
  const json: Json = { root_uri: run.info.artifactUri };
  if (files.length) json.files = files.map(fileInfoJson);
  return json;
}

/** MLflow sends these as text/plain whatever their extension says (mlflow.server.handlers TEXT_EXTENSIONS). */
const TEXT_EXTENSIONS = new Set([
  'txt', 'log', 'err', 'cfg', 'conf', 'cnf', 'cf', 'ini', 'properties', 'prop', 'hocon', 'toml', 'yaml', 'yml', 'xml', 'json', 'js', 'py',
  'py3', 'csv', 'tsv', 'md', 'rst', 'mlmodel', 'mlproject',
]);
const MEDIA_TYPES: Record<string, string> = {
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', svg: 'image/svg+xml', html: 'text/html', pdf: 'application/pdf',
};

export function contentTypeOf(path: string): string {
  const name = path.split('/').pop() ?? path;
  const extension = (name.includes('.') ? name.split('.').pop() : name)?.toLowerCase() ?? '';
  if (TEXT_EXTENSIONS.has(extension)) return 'text/plain';
  return MEDIA_TYPES[extension] ?? 'application/octet-stream';
}

function sendArtifact(state: ServerState, runId: string, path: string): RawReply {
  state.run(runId);
  const clean = checkArtifactPath(path);
  const file = filesOf(state, runId).find((f) => f.path === clean);
  // The artifact repository raises outside MLflow's error handling: Flask's 500 page.
  if (!file) throw new HtmlError(500);
  const name = clean.split('/').pop() ?? clean;
  return new RawReply(file.bytes, contentTypeOf(clean), 200, {
    'Content-Disposition': `attachment; filename=${name}`,
    'X-Content-Type-Options': 'nosniff',
  });
}

/** A version's source inside its run's artifacts (`<artifact uri>/model` or `runs:/<id>/model`). */
function modelVersionArtifact({ params, state }: ApiRequest): RawReply {
  const version = state.version(params.required('name'), params.required('version'));
  const path = checkArtifactPath(params.string('path') ?? '');
  const runsUri = /^runs:\/([^/]+)\/?(.*)$/.exec(version.source);
  const run = state.data.runs.find((r) => r.info.runId === (runsUri?.[1] ?? version.runId));
  const root = run && !runsUri && version.source.startsWith(`${run.info.artifactUri}/`) ? version.source.slice(run.info.artifactUri.length + 1) : runsUri?.[2];
  if (!run || root === undefined) throw new HtmlError(500);
  return sendArtifact(state, run.info.runId, [root, path].filter(Boolean).join('/'));
}
