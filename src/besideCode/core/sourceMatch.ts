/**
 * Which runs were logged by a given file. MLflow records `tags.mlflow.source.name` as the script's
 * `sys.argv[0]`: relative to wherever the process started ("train.py", "src/train.py"), absolute on
 * the machine that ran it ("/home/ana/proj/src/train.py"), with backslashes on Windows
 * ("C:\\Users\\ana\\proj\\src\\train.py"). None of these need exist here.
 */
export interface LocalFile {
  /** The file's absolute path on this machine. */
  absolutePath: string;
  /**
   * Folders the project is rooted at here (the git repository root, the workspace folder), outermost
   * first: a source from another machine matches by the file's path relative to one of them.
   */
  roots: readonly string[];
}

interface NormalPath {
  absolute: boolean;
  /** Windows-style paths compare without regard to case, as Windows does. */
  windows: boolean;
  segments: string[];
}

/** Splits any path form into segments: `\` and `/` alike, `.` dropped, `..` applied where it can be. */
export function normalizePath(path: string): NormalPath {
  let text = path.trim();
  if (/^file:\/\//i.test(text)) text = decodeURIComponentSafe(text.replace(/^file:\/\/(localhost)?/i, ''));
  const windows = /^[A-Za-z]:[\\/]/.test(text) || /^\/[A-Za-z]:\//.test(text) || text.startsWith('\\\\') || (text.includes('\\') && !text.includes('/'));
  const unified = text.replace(/\\/g, '/');
  const absolute = unified.startsWith('/') || /^[A-Za-z]:\//.test(unified);
  const segments: string[] = [];
  for (const segment of unified.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..' && segments.length && segments[segments.length - 1] !== '..') segments.pop();
    else segments.push(segment);
  }
  if (segments[0] && /^[A-Za-z]:$/.test(segments[0])) segments[0] = segments[0].toLowerCase();
  return { absolute, windows, segments };
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function sameSegment(a: string, b: string, ignoreCase: boolean): boolean {
  return ignoreCase ? a.toLowerCase() === b.toLowerCase() : a === b;
}

function endsWith(whole: readonly string[], tail: readonly string[], ignoreCase: boolean): boolean {
  if (tail.length === 0 || tail.length > whole.length) return false;
  const offset = whole.length - tail.length;
  return tail.every((segment, i) => sameSegment(whole[offset + i]!, segment, ignoreCase));
}

function startsWith(whole: readonly string[], head: readonly string[], ignoreCase: boolean): boolean {
  return head.length <= whole.length && head.every((segment, i) => sameSegment(whole[i]!, segment, ignoreCase));
}

/** The file's segments below `root`, or undefined when it is not inside it. */
function relativeTo(file: NormalPath, root: NormalPath): string[] | undefined {
  const ignoreCase = file.windows || root.windows;
  return root.segments.length < file.segments.length && startsWith(file.segments, root.segments, ignoreCase)
    ? file.segments.slice(root.segments.length)
    : undefined;
}

/**
 * Whether a run whose `mlflow.source.name` is `source` was logged by `file`:
 * - an absolute source names this file exactly, or, when it lies outside every local root (another
 *   machine's or another folder's checkout), ends with the file's path relative to a root: a run of
 *   `/home/ana/proj/src/train.py` belongs to `<root>/src/train.py` here, not to `<root>/train.py`;
 *   an absolute source inside a local root names a different file when it is not this one;
 * - a relative source (`train.py`, `./src/train.py`, `..\\src\\train.py`) is relative to a working
 *   directory nobody recorded: it matches when the file's path ends with it.
 */
export function sourceMatches(source: string, file: LocalFile): boolean {
  const src = normalizePath(source);
  const target = normalizePath(file.absolutePath);
  if (!src.segments.length || !target.segments.length) return false;
  const ignoreCase = src.windows || target.windows;
  if (!src.absolute) {
    const tail = src.segments.filter((segment) => segment !== '..');
    return endsWith(target.segments, tail, ignoreCase);
  }
  if (src.segments.length === target.segments.length && endsWith(src.segments, target.segments, ignoreCase)) return true;
  const roots = file.roots.map(normalizePath);
  if (roots.some((root) => startsWith(src.segments, root.segments, ignoreCase || root.windows))) return false;
  return roots.some((root) => {
    const relative = relativeTo(target, root);
    return relative !== undefined && endsWith(src.segments, relative, ignoreCase);
  });
}

/** The file name a candidate search can look for: the last segment of the path. */
export function baseName(path: string): string {
  const segments = normalizePath(path).segments;
  return segments[segments.length - 1] ?? '';
}

/**
 * The search that finds every candidate run of a file on any backend (REST, SQLite, file store all
 * accept ILIKE on tags): a suffix match on the base name, which `sourceMatches` then narrows exactly.
 * A name MLflow's filter language cannot quote falls back to every `.py` source.
 */
export function candidateFilter(fileName: string): string {
  const safe = /^[^'"`\\%]+$/.test(fileName) ? fileName : '.py';
  return `tags.\`mlflow.source.name\` ILIKE '%${safe}'`;
}
