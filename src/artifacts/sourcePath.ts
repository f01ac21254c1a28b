import * as path from 'node:path';

/**
 * Pure: where the file a run executed lives in *this* workspace.
 *
 * MLflow records `mlflow.source.name` as the script path on the machine that ran it: absolute
 * (`/home/ana/proj/train.py`, `C:\Users\ana\proj\train.py`), relative to the working directory it
 * ran in (`train.py`), or, for `mlflow run`, the project's URI (`file:///…/proj`, a git URL). The
 * workspace is usually a clone of the same repository somewhere else, so after the exact path the best
 * evidence is the longest tail of the recorded path that exists under a workspace folder or repo root.
 */

export interface LocalSource {
  kind: 'local';
  absolute: boolean;
  /** The path's names, without empty, `.` and anything up to a `..`. */
  segments: readonly string[];
  /** The path as recorded (a `file:` URI decoded to a path). */
  original: string;
}

export type RecordedSource = LocalSource | { kind: 'remote'; uri: string };

/** Parses `mlflow.source.name`. Both separators are accepted whatever the local OS: the run may come from another one. */
export function parseRecordedSource(recorded: string): RecordedSource | undefined {
  const trimmed = recorded.trim();
  if (trimmed === '') return undefined;
  let local = trimmed;
  if (/^file:/i.test(trimmed)) {
    local = decodeFilePath(trimmed);
  } else if (/^[a-z][a-z0-9+.-]+:\/\//i.test(trimmed) || /^[\w.-]+@[\w.-]+:/.test(trimmed)) {
    // https://github.com/org/repo#subdir, git@github.com:org/repo.git, dbfs:/…: not on this disk.
    return { kind: 'remote', uri: trimmed };
  }
  const absolute = local.startsWith('/') || local.startsWith('\\') || /^[a-z]:[\\/]/i.test(local);
  const parts = local.replace(/^[a-z]:/i, '').split(/[\\/]+/).filter((part) => part !== '' && part !== '.');
  // Only what follows the last `..` can be matched by name; what it climbed out of is unknowable.
  const lastUp = parts.lastIndexOf('..');
  const segments = parts.slice(lastUp + 1);
  if (segments.length === 0) return undefined;
  return { kind: 'local', absolute, segments, original: local };
}

function decodeFilePath(uri: string): string {
  // file:///C:/x, file:///home/x, file://host/share/x (UNC): the path part, percent-decoded.
  const withoutScheme = uri.replace(/^file:/i, '');
  const pathPart = withoutScheme.startsWith('//') ? withoutScheme.replace(/^\/\/[^/]*/, '') : withoutScheme;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathPart);
  } catch {
    decoded = pathPart;
  }
  return /^\/[a-z]:/i.test(decoded) ? decoded.slice(1) : decoded;
}

export interface MappedSource {
  /** Absolute path on this machine. */
  path: string;
  /** `exact`: the recorded absolute path exists here; `relative`: recorded relative path under a root; `suffix`: a tail of it. */
  via: 'exact' | 'relative' | 'suffix';
  /** How many trailing segments of the recorded path matched. */
  matched: number;
}

/**
 * The workspace file for a recorded local source: the exact path if it exists here, else the longest
 * trailing part of it that exists under one of `roots` (earlier roots win ties). `exists` is injected
 * so this stays pure and works over VS Code's file system (remote workspaces included).
 */
export async function mapSourcePath(
  source: LocalSource,
  roots: readonly string[],
  exists: (candidate: string) => Promise<boolean>,
  pathApi: typeof path.posix = path,
): Promise<MappedSource | undefined> {
  if (source.absolute && pathApi.isAbsolute(source.original) && (await exists(pathApi.normalize(source.original)))) {
    return { path: pathApi.normalize(source.original), via: 'exact', matched: source.segments.length };
  }
  const uniqueRoots = [...new Set(roots.map((root) => pathApi.resolve(root)))];
  for (let matched = source.segments.length; matched >= 1; matched--) {
    const tail = source.segments.slice(source.segments.length - matched);
    for (const root of uniqueRoots) {
      const candidate = pathApi.join(root, ...tail);
      if (await exists(candidate)) {
        const via = !source.absolute && matched === source.segments.length ? 'relative' : 'suffix';
        return { path: candidate, via, matched };
      }
    }
  }
  return undefined;
}
