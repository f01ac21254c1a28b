import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { ROOT } from './dataset';

/**
 * A production build (`scripts/build.mjs --production`, unchanged) made in .tmp/bench/production/
 * instead of the shared dist/: a release build empties dist/ first, which would pull files from under
 * anyone using the checkout meanwhile. The folder holds a copy of the build script and links to src/,
 * webview/ and node_modules/, so the script (which builds relative to its own location) produces
 * exactly what `npm run package` would, in its own dist/.
 *
 * bench/run.mjs builds once and passes the folder in BENCH_PRODUCTION_DIR; a bench run on its own
 * builds here itself.
 */

const BUILD_DIR = path.join(ROOT, '.tmp', 'bench', 'production');

export interface ProductionBuild {
  /** The folder holding dist/ (what VS Code calls the extension path). */
  root: string;
  dist: string;
  buildMs?: number;
}

export function productionBuild(): ProductionBuild {
  const given = process.env.BENCH_PRODUCTION_DIR;
  if (given && existsSync(path.join(given, 'dist', 'extension.js'))) return { root: given, dist: path.join(given, 'dist') };
  const t0 = performance.now();
  rmSync(BUILD_DIR, { recursive: true, force: true });
  mkdirSync(path.join(BUILD_DIR, 'scripts'), { recursive: true });
  copyFileSync(path.join(ROOT, 'scripts', 'build.mjs'), path.join(BUILD_DIR, 'scripts', 'build.mjs'));
  for (const linked of ['src', 'webview', 'node_modules']) symlinkSync(path.join(ROOT, linked), path.join(BUILD_DIR, linked), 'dir');
  copyFileSync(path.join(ROOT, 'package.json'), path.join(BUILD_DIR, 'package.json'));
  copyFileSync(path.join(ROOT, 'tsconfig.json'), path.join(BUILD_DIR, 'tsconfig.json'));
  const result = spawnSync(process.execPath, [path.join(BUILD_DIR, 'scripts', 'build.mjs'), '--production'], { cwd: BUILD_DIR, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`production build failed:\n${result.stdout}\n${result.stderr}`);
  return { root: BUILD_DIR, dist: path.join(BUILD_DIR, 'dist'), buildMs: performance.now() - t0 };
}

/** Run directly: builds and prints the folder (bench/run.mjs uses this). */
if (require.main === module) {
  const build = productionBuild();
  process.stdout.write(`${build.root}\n`);
}
