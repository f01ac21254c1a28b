import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { isMlflowError, MlflowError, ReadOnlyStoreError } from '../../src/mlflow/errors';
import { REPO_ROOT } from '../support/repoRoot';

/** scripts/vsixReadme.mjs run as a process (it is plain Node, used by scripts/package.mjs). */
function embed(markdown: string, baseDir: string): { ok: true; markdown: string; images: string[] } | { ok: false; error: string } {
  const script = `import { embedReadmeImages } from ${JSON.stringify(path.join(REPO_ROOT, 'scripts/vsixReadme.mjs'))};
    try { process.stdout.write(JSON.stringify({ ok: true, ...embedReadmeImages(process.argv[1], process.argv[2]) })); }
    catch (e) { process.stdout.write(JSON.stringify({ ok: false, error: e.message })); }`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script, markdown, baseDir], { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as ReturnType<typeof embed>;
}

describe('what the .vsix ships', () => {
  it('embeds every README image as data: (the Details page loads only https: and data: images)', () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const referenced = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    assert.ok(referenced.length >= 5, 'the README shows the extension in pictures');
    const result = embed(readme, REPO_ROOT);
    assert.ok(result.ok, !result.ok ? result.error : '');
    assert.deepEqual(result.images, referenced.filter((r) => !/^https:/.test(r)));
    const sources = [...result.markdown.matchAll(/!\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
    assert.equal(sources.length, referenced.length);
    for (const [i, source] of sources.entries()) {
      assert.match(source, /^(https:|data:image\/png;base64,)/, `image ${referenced[i]} is loadable on the Details page`);
      if (source.startsWith('data:')) {
        const bytes = Buffer.from(source.slice(source.indexOf(',') + 1), 'base64');
        assert.deepEqual(bytes, fs.readFileSync(path.join(REPO_ROOT, referenced[i]!)), `${referenced[i]} embedded byte for byte`);
      }
    }
  });

  it('refuses README images the Details page cannot show', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vsix-readme-'));
    try {
      fs.writeFileSync(path.join(dir, 'logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
      assert.match((embed('![x](http://example.com/a.png)', dir) as { error: string }).error, /only https:, data: or files/);
      assert.match((embed('![x](logo.svg)', dir) as { error: string }).error, /SVG/);
      assert.match((embed('![x](missing.png)', dir) as { error: string }).error, /does not exist/);
      assert.match((embed('<img src="a.png">', dir) as { error: string }).error, /!\[alt\]\(path\)/);
      assert.equal((embed('![x](https://example.com/a.png)', dir) as { markdown: string }).markdown, '![x](https://example.com/a.png)');
      // Relative links lead nowhere once installed: their text stays, other links stay links.
      assert.equal((embed('see [CONTRIBUTING.md](CONTRIBUTING.md), [docs](https://x.org/d) and [top](#top)', dir) as { markdown: string }).markdown,
        'see CONTRIBUTING.md, [docs](https://x.org/d) and [top](#top)');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps the README about using the extension; contributor material lives in CONTRIBUTING.md', () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const firstSection = /^## (.+)$/m.exec(readme)?.[1];
    assert.equal(firstSection, 'Get started');
    assert.doesNotMatch(readme, /^## (Tests|How the code is laid out)/m);
    assert.match(readme, /\[CONTRIBUTING\.md\]\(CONTRIBUTING\.md\)/);
    assert.match(readme, /npm run demo/);
    assert.match(readme, /npm test/);
    const contributing = fs.readFileSync(path.join(REPO_ROOT, 'CONTRIBUTING.md'), 'utf8');
    for (const section of ['Prerequisites', 'Tests', 'How the code is laid out']) assert.match(contributing, new RegExp(`^## ${section}`, 'm'));
  });

  it('packages no source maps and every lazily loaded bundle (.vscodeignore)', () => {
    const rules = fs.readFileSync(path.join(REPO_ROOT, '.vscodeignore'), 'utf8').split('\n').filter((l) => l.startsWith('!'));
    assert.ok(!rules.some((r) => /\.map\b|\*\*$/.test(r)), `no rule lets maps in: ${rules.join(' ')}`);
    assert.ok(rules.includes('!dist/*.js'), 'dist/localStores.js and dist/yaml.js ship beside dist/extension.js');
  });

  it('recognises an MlflowError made by another bundle (dist/localStores.js has its own copy of the class)', () => {
    // A second, separately bundled copy of errors.ts, as the local-stores bundle has.
    const bundled = esbuild.buildSync({ entryPoints: [path.join(REPO_ROOT, 'src/mlflow/errors.ts')], bundle: true, format: 'cjs', platform: 'node', write: false });
    const copy: { exports: Record<string, unknown> } = { exports: {} };
    new Function('module', 'exports', bundled.outputFiles[0]!.text)(copy, copy.exports);
    const OtherMlflowError = copy.exports['MlflowError'] as typeof MlflowError;
    const OtherReadOnly = copy.exports['ReadOnlyStoreError'] as typeof ReadOnlyStoreError;
    assert.notEqual(OtherMlflowError, MlflowError, 'really a second class');

    const readOnly = new OtherReadOnly('Set tag', 'mlflow.db');
    assert.ok(readOnly instanceof MlflowError);
    assert.ok(isMlflowError(readOnly, 'READ_ONLY_STORE'));
    assert.ok(new MlflowError('x', 'STORE_BUSY') instanceof OtherMlflowError);
    // Subclasses and everything else keep the ordinary check.
    assert.ok(!(new Error('plain') instanceof MlflowError));
    assert.ok(!({ errorCode: 'READ_ONLY_STORE' } instanceof MlflowError));
    assert.ok(!(new MlflowError('x', 'READ_ONLY_STORE') instanceof ReadOnlyStoreError));
    assert.ok(new ReadOnlyStoreError('Set tag', 'mlflow.db') instanceof ReadOnlyStoreError);
  });
});
