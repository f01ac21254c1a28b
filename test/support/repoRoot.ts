import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The repository root, found by walking up from this file: tests run both from source (tsx) and
 * bundled into out/test/integration, so paths relative to `__dirname` differ between the two.
 */
export const REPO_ROOT = findRoot(__dirname);

function findRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'mlflow-workbench') return dir;
    if (path.dirname(dir) === dir) throw new Error(`no mlflow-workbench package.json above ${start}`);
  }
}

export const FIXTURES_DIR = path.join(REPO_ROOT, 'test', 'fixtures');
