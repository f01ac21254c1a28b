import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { currentPathPlatform, type PathPlatform } from './safePath';

/**
 * Local paths and `file:` URIs for the platform a store lives on, so that the Windows forms
 * (`C:\work\mlflow.db`, `file:///C:/work/mlruns`) are decided by the same code that runs on Linux and
 * can be tested there. Everything takes the platform explicitly and defaults to this machine's.
 */

export function pathsFor(platform: PathPlatform = currentPathPlatform()): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

/** `file:///C:/x/mlruns` → `C:\x\mlruns` on win32, `file:///x/mlruns` → `/x/mlruns` on POSIX; throws if not a local file URI. */
export function fileUriToPath(uri: string, platform: PathPlatform = currentPathPlatform()): string {
  return fileURLToPath(uri, { windows: platform === 'win32' });
}

/** An absolute local path as a `file:` URI, percent-encoded, with `/` separators and the drive letter kept. */
export function pathToFileUri(absolutePath: string, platform: PathPlatform = currentPathPlatform()): string {
  return pathToFileURL(absolutePath, { windows: platform === 'win32' }).href;
}

/** Absolute on `platform`; a drive path (`C:\` or `C:/`) counts on both, as MLflow stores may record either. */
export function isAbsoluteOn(p: string, platform: PathPlatform = currentPathPlatform()): boolean {
  return pathsFor(platform).isAbsolute(p) || /^[a-z]:[\\/]/i.test(p);
}
