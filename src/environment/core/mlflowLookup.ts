import * as path from 'node:path';

/**
 * Where `mlflow` is looked for, decided per platform so the Windows rules are tested on Linux too. Pure:
 * the callers check which candidate exists.
 */

export type LookupPlatform = NodeJS.Platform;

function pathsOf(platform: LookupPlatform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

/**
 * Where pip puts the `mlflow` console script for an interpreter: beside it in a venv's `bin/`, or in
 * `<prefix>\Scripts\mlflow.exe` on Windows (where a conda base interpreter sits in the prefix itself).
 * `interpreter` may also name the environment folder (a conda env without python).
 */
export function mlflowCandidates(interpreter: string, sysPrefix: string | undefined, platform: LookupPlatform): string[] {
  const p = pathsOf(platform);
  const folders = [p.dirname(interpreter), interpreter, ...(sysPrefix ? [sysPrefix] : [])];
  const candidates = platform === 'win32'
    ? folders.flatMap((folder) => [p.join(folder, 'Scripts', 'mlflow.exe'), p.join(folder, 'mlflow.exe')])
    : folders.flatMap((folder) => [p.join(folder, 'mlflow'), p.join(folder, 'bin', 'mlflow')]);
  return [...new Set(candidates)];
}

/**
 * The files that would be `name` on PATH, in order. On Windows only `.exe` counts (Node refuses to spawn
 * `.cmd`/`.bat` without a shell, and a shell is never used); an empty or relative PATH entry means the
 * current directory, where a workspace could plant an `mlflow`, so it is skipped.
 */
export function pathCandidates(name: string, pathValue: string, platform: LookupPlatform): string[] {
  const p = pathsOf(platform);
  const fileName = platform === 'win32' ? `${name}.exe` : name;
  return pathValue
    .split(p.delimiter)
    .filter((folder) => folder !== '' && p.isAbsolute(folder))
    .map((folder) => p.join(folder, fileName));
}
