import * as path from 'node:path';

/**
 * Where a server-provided artifact path may be written on this machine.
 *
 * Artifact names come from whoever runs the tracking server (or wrote the local store), so a download
 * treats them like any untrusted archive entry: a name may only ever select a file *inside* the folder
 * the user chose. Rather than normalising a suspicious name into something harmless (which hides what
 * the server sent), anything unusual is refused with a reason the user can read.
 */

export type PathPlatform = 'posix' | 'win32';

export type SegmentsCheck = { ok: true; segments: readonly string[] } | { ok: false; reason: string };
export type TargetCheck = { ok: true; target: string; segments: readonly string[] } | { ok: false; reason: string };

export function currentPathPlatform(): PathPlatform {
  return process.platform === 'win32' ? 'win32' : 'posix';
}

// C0 and C1 control characters, NUL included: they corrupt terminals and logs, and NUL truncates paths
// in native code.
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
/** Bidirectional overrides make `gpj.exe` display as `exe.jpg`; no honest artifact name needs them. */
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069\u200e\u200f]/;
const WINDOWS_FORBIDDEN_CHARS = /[<>:"|?*]/;
/** Device names Windows resolves in every folder, with or without an extension (`NUL.txt` is NUL). */
const WINDOWS_DEVICE_NAMES = /^(con|prn|aux|nul|conin\$|conout\$|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
/** Most file systems cap one name at 255 bytes; a longer name fails mid-download, so refuse it up front. */
const MAX_SEGMENT_BYTES = 255;

/**
 * Splits an artifact path (relative, `/`-separated, as MLflow reports it) into safe name segments, or
 * says why it must not be written. Platform rules (Windows device names, `:`) apply for `platform`.
 */
export function checkArtifactPath(artifactPath: string, platform: PathPlatform = currentPathPlatform()): SegmentsCheck {
  if (typeof artifactPath !== 'string' || artifactPath.length === 0) return { ok: false, reason: 'the name is empty' };
  if (CONTROL_CHARS.test(artifactPath)) return { ok: false, reason: 'the name contains NUL or control characters' };
  if (BIDI_CONTROLS.test(artifactPath)) return { ok: false, reason: 'the name contains invisible text-direction characters' };
  if (artifactPath.startsWith('/') || artifactPath.startsWith('\\')) {
    return { ok: false, reason: 'the name is an absolute path' };
  }
  if (/^[a-z]:/i.test(artifactPath)) return { ok: false, reason: 'the name starts with a drive letter' };
  // MLflow always reports `/`; a backslash is either an attempt at `..\` traversal on Windows or a
  // name that would silently become nested folders there, so it is refused everywhere.
  if (artifactPath.includes('\\')) return { ok: false, reason: 'the name contains a backslash' };

  const segments = artifactPath.split('/');
  for (const segment of segments) {
    const problem = segmentProblem(segment, platform);
    if (problem) return { ok: false, reason: problem };
  }
  return { ok: true, segments };
}

function segmentProblem(segment: string, platform: PathPlatform): string | undefined {
  if (segment === '') return 'the name has an empty path segment (`//` or a trailing `/`)';
  if (segment === '..') return 'the name contains a `..` segment';
  if (segment === '.') return 'the name contains a `.` segment';
  if (Buffer.byteLength(segment, 'utf8') > MAX_SEGMENT_BYTES) return 'a part of the name is longer than 255 bytes';
  if (platform === 'win32') {
    if (WINDOWS_FORBIDDEN_CHARS.test(segment)) return `"${segment}" contains a character Windows does not allow (< > : " | ? *)`;
    if (/[. ]$/.test(segment)) return `"${segment}" ends with a dot or a space, which Windows drops`;
    if (WINDOWS_DEVICE_NAMES.test(segment)) return `"${segment}" is a reserved device name on Windows`;
  }
  return undefined;
}

/**
 * The absolute file `artifactPath` maps to inside `destination`, or why it must be skipped. The result
 * is re-checked after resolution so that no combination of rules above can ever step outside.
 */
export function resolveInside(destination: string, artifactPath: string, platform: PathPlatform = currentPathPlatform()): TargetCheck {
  const checked = checkArtifactPath(artifactPath, platform);
  if (!checked.ok) return checked;
  const paths = platform === 'win32' ? path.win32 : path.posix;
  const root = paths.resolve(destination);
  const target = paths.resolve(root, ...checked.segments);
  const relative = paths.relative(root, target);
  if (relative === '' || relative === '..' || relative.startsWith(`..${paths.sep}`) || paths.isAbsolute(relative)) {
    return { ok: false, reason: 'the name resolves outside the download folder' };
  }
  return { ok: true, target, segments: checked.segments };
}

/**
 * The key two names share when a case-insensitive, normalising disk (Windows, macOS by default) would
 * store them as the same file: `A.txt`/`a.txt`, or `é` composed and decomposed.
 */
export function foldedName(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

/**
 * Remembers every file and folder one download writes, so that a later name that would land on an
 * earlier one (same name, a case variant, or a file where a folder goes) is refused instead of
 * silently overwriting it. Case is folded on every platform: the download folder may be a
 * case-insensitive volume even on Linux, and the user may copy the result to one.
 */
export class TargetClaims {
  private readonly claimed = new Map<string, { spelling: string; kind: 'file' | 'folder' }>();

  /** Claims a file at `segments` (and its parent folders); returns why it can't be written, if it can't. */
  claimFile(segments: readonly string[]): string | undefined {
    return this.claim(segments, 'file');
  }

  /** Claims a folder (an empty one the download should still create). */
  claimFolder(segments: readonly string[]): string | undefined {
    return this.claim(segments, 'folder');
  }

  private claim(segments: readonly string[], kind: 'file' | 'folder'): string | undefined {
    const entries = segments.map((_, i) => {
      const spelling = segments.slice(0, i + 1).join('/');
      return { key: foldedName(spelling), spelling, kind: i === segments.length - 1 ? kind : ('folder' as const) };
    });
    // Check every prefix before recording any, so a refused name leaves no trace.
    for (const entry of entries) {
      const earlier = this.claimed.get(entry.key);
      if (!earlier) continue;
      if (earlier.kind !== entry.kind) {
        return `"${entry.spelling}" would be both a file and a folder`;
      }
      if (earlier.spelling !== entry.spelling) {
        return `"${entry.spelling}" differs from "${earlier.spelling}" only in letter case, so they collide on case-insensitive disks`;
      }
      if (entry.kind === 'file') return `"${entry.spelling}" appears twice in this download`;
    }
    for (const entry of entries) {
      if (!this.claimed.has(entry.key)) this.claimed.set(entry.key, { spelling: entry.spelling, kind: entry.kind });
    }
    return undefined;
  }
}
