import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PATCHED_ENGINE_VERSION, VFS_PATCHES, loadSqliteEngine, patchEngineSource } from '../../src/mlflow/local/sqliteEngine';
import { REPO_ROOT } from '../support/repoRoot';
import { SQLITE_ENGINE } from '../support/sqliteEngine';

/**
 * The SQLite engine is node-sqlite3-wasm with exact text edits to its VFS (no lock directory, no
 * writes). A new package version must fail loudly, naming the edit that no longer applies, and the
 * pinned version must be the one the edits were written for.
 */
describe('node-sqlite3-wasm VFS patches', () => {
  const source = readFileSync(SQLITE_ENGINE, 'utf8');

  it(`the pinned and installed node-sqlite3-wasm is ${PATCHED_ENGINE_VERSION}, the version the patches were written for`, () => {
    const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { dependencies?: Record<string, string>; devDependencies?: Record<string, string> };
    const pinned = manifest.dependencies?.['node-sqlite3-wasm'] ?? manifest.devDependencies?.['node-sqlite3-wasm'];
    const installed = (JSON.parse(readFileSync(path.join(path.dirname(SQLITE_ENGINE), '..', 'package.json'), 'utf8')) as { version: string }).version;
    assert.equal(pinned, PATCHED_ENGINE_VERSION, 'a bump of node-sqlite3-wasm must come with a review of VFS_PATCHES (src/mlflow/local/sqliteEngine.ts)');
    assert.equal(installed, PATCHED_ENGINE_VERSION);
  });

  it('applies every patch exactly once to the installed engine', () => {
    const patched = patchEngineSource(source);
    for (const { name, to } of VFS_PATCHES) assert.equal(patched.split(to).length - 1, 1, name);
  });

  for (const patch of VFS_PATCHES) {
    it(`a build whose VFS changed fails naming the patch: "${patch.name}"`, () => {
      // What a new release could look like: the function renamed or its parameters changed.
      const changed = source.replace(patch.from, patch.from.replace('(', 'V2('));
      assert.throws(() => patchEngineSource(changed), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(error.message, new RegExp(`the VFS patch "${patch.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" no longer applies`));
        assert.match(error.message, new RegExp(`written for node-sqlite3-wasm ${PATCHED_ENGINE_VERSION.replace(/\./g, '\\.')}`));
        return true;
      });
    });
  }

  it('refuses to load an engine file whose VFS no longer matches', async () => {
    const folder = await mkdtemp(path.join(tmpdir(), 'sqlite-engine-'));
    try {
      const file = path.join(folder, 'node-sqlite3-wasm.js');
      await writeFile(file, source.replace(VFS_PATCHES[0]!.from, 'function _nodejsLockV2(fi,level){'));
      await assert.rejects(loadSqliteEngine(file), new RegExp(`"${VFS_PATCHES[0]!.name}" no longer applies`));
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
