import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { checkArtifactPath, foldedName, resolveInside, TargetClaims, type PathPlatform } from '../../src/mlflow/safePath';

const DEST_POSIX = '/home/ana/downloads';
const DEST_WIN = 'C:\\Users\\ana\\Downloads';

function refused(artifactPath: string, platform: PathPlatform = 'posix'): string {
  const result = resolveInside(platform === 'posix' ? DEST_POSIX : DEST_WIN, artifactPath, platform);
  assert.equal(result.ok, false, `${JSON.stringify(artifactPath)} must be refused on ${platform}`);
  return result.ok ? '' : result.reason;
}

describe('safePath: where a server-provided artifact name may be written', () => {
  describe('accepts ordinary artifact names', () => {
    const cases: [string, string][] = [
      ['MLmodel', 'MLmodel'],
      ['model/MLmodel', 'model/MLmodel'],
      ['plots/loss curve.png', 'plots/loss curve.png'],
      ['tables/coefficients.json', 'tables/coefficients.json'],
      ['..hidden/x', '..hidden/x'],
      ['a..b', 'a..b'],
      ['.config', '.config'],
      ['data/ünïcødé.csv', 'data/ünïcødé.csv'],
      ['name with :colon', 'name with :colon'],
    ];
    for (const [artifactPath, expected] of cases) {
      it(`posix: ${artifactPath}`, () => {
        const result = resolveInside(DEST_POSIX, artifactPath, 'posix');
        assert.deepEqual(result, { ok: true, target: path.posix.join(DEST_POSIX, expected), segments: expected.split('/') });
      });
    }

    it('win32: nested names use backslashes under the destination', () => {
      const result = resolveInside(DEST_WIN, 'model/MLmodel', 'win32');
      assert.deepEqual(result, { ok: true, target: 'C:\\Users\\ana\\Downloads\\model\\MLmodel', segments: ['model', 'MLmodel'] });
    });
  });

  describe('refuses traversal', () => {
    for (const hostile of ['..', '../x', '../../etc/passwd', 'a/../../b', 'a/..', 'model/../../../.bashrc', './x', 'a/./b']) {
      it(`posix: ${hostile}`, () => assert.match(refused(hostile), /`\.\.` segment|`\.` segment/));
      it(`win32: ${hostile}`, () => assert.match(refused(hostile, 'win32'), /`\.\.` segment|`\.` segment/));
    }

    for (const hostile of ['..\\x', '..\\..\\Windows\\System32\\x.dll', 'a\\..\\..\\b', 'model\\MLmodel', '\\x']) {
      it(`backslash traversal ${hostile} (posix and win32)`, () => {
        assert.match(refused(hostile), /backslash|absolute/);
        assert.match(refused(hostile, 'win32'), /backslash|absolute/);
      });
    }
  });

  describe('refuses absolute paths', () => {
    const cases: [string, RegExp][] = [
      ['/etc/passwd', /absolute/],
      ['//server/share/x', /absolute/],
      ['\\\\server\\share\\x', /absolute/],
      ['\\\\?\\C:\\x', /absolute/],
      ['C:\\Windows\\x', /drive letter/],
      ['C:/Windows/x', /drive letter/],
      ['c:x', /drive letter/],
      ['Z:', /drive letter/],
    ];
    for (const [hostile, reason] of cases) {
      it(`${hostile}`, () => {
        assert.match(refused(hostile), reason);
        assert.match(refused(hostile, 'win32'), reason);
      });
    }
  });

  describe('refuses NUL, control and invisible characters', () => {
    const cases = ['a\u0000b', 'file.txt\u0000.png', 'line\nbreak', 'tab\there', 'bell\u0007', 'esc\u001b[31mred', 'del\u007f', 'c1\u0085', 'gpj.\u202eexe', 'x\u2066y'];
    for (const hostile of cases) {
      it(JSON.stringify(hostile), () => assert.match(refused(hostile), /control characters|text-direction/));
    }
  });

  describe('refuses empty names and empty segments', () => {
    for (const hostile of ['', 'a//b', 'a/', 'a/b/', '/']) {
      it(JSON.stringify(hostile), () => assert.match(refused(hostile), /empty|absolute/));
    }
  });

  it('refuses a name longer than 255 bytes (multi-byte characters counted as bytes)', () => {
    assert.match(refused('é'.repeat(128)), /255 bytes/);
    assert.equal(resolveInside(DEST_POSIX, 'a'.repeat(255), 'posix').ok, true);
  });

  describe('Windows-only names are refused when downloading on Windows', () => {
    const cases: [string, RegExp][] = [
      ['CON', /reserved device/],
      ['nul.txt', /reserved device/],
      ['logs/COM1.log', /reserved device/],
      ['LPT9', /reserved device/],
      ['com¹', /reserved device/],
      ['file.txt:Zone.Identifier', /does not allow/],
      ['what?.txt', /does not allow/],
      ['a<b', /does not allow/],
      ['pipe|name', /does not allow/],
      ['"quoted"', /does not allow/],
      ['star*', /does not allow/],
      ['trailing.', /dot or a space/],
      ['trailing ', /dot or a space/],
      ['folder./x', /dot or a space/],
    ];
    for (const [name, reason] of cases) {
      it(`${name}: refused on win32, allowed on posix`, () => {
        assert.match(refused(name, 'win32'), reason);
        assert.equal(resolveInside(DEST_POSIX, name, 'posix').ok, true);
      });
    }
  });

  it('never resolves outside the destination, for any accepted name', () => {
    const names = ['a', 'a/b/c', '...', '.../x', 'a.../b', ' leading space', '~', '~/x', '$HOME', '%USERPROFILE%'];
    for (const platform of ['posix', 'win32'] as const) {
      const paths = platform === 'posix' ? path.posix : path.win32;
      const destination = platform === 'posix' ? DEST_POSIX : DEST_WIN;
      for (const name of names) {
        const result = resolveInside(destination, name, platform);
        if (!result.ok) continue;
        const relative = paths.relative(destination, result.target);
        assert.ok(relative && relative !== '..' && !relative.startsWith(`..${paths.sep}`) && !paths.isAbsolute(relative), `${name} on ${platform} → ${result.target}`);
      }
    }
  });

  it('checkArtifactPath splits on / only', () => {
    assert.deepEqual(checkArtifactPath('a/b.c/d', 'posix'), { ok: true, segments: ['a', 'b.c', 'd'] });
  });

  describe('TargetClaims: names that collide on case-insensitive disks within one download', () => {
    it('refuses A.txt after a.txt, and keeps the first', () => {
      const claims = new TargetClaims();
      assert.equal(claims.claimFile(['a.txt']), undefined);
      assert.match(claims.claimFile(['A.txt'])!, /only in letter case/);
      assert.match(claims.claimFile(['a.txt'])!, /appears twice/);
    });

    it('refuses a file inside a folder whose name differs only in case', () => {
      const claims = new TargetClaims();
      assert.equal(claims.claimFile(['Model', 'MLmodel']), undefined);
      assert.equal(claims.claimFile(['Model', 'conda.yaml']), undefined);
      assert.match(claims.claimFile(['model', 'python_env.yaml'])!, /"model" differs from "Model"/);
    });

    it('refuses a file where a folder goes, and a folder where a file is', () => {
      const claims = new TargetClaims();
      assert.equal(claims.claimFile(['x']), undefined);
      assert.match(claims.claimFile(['x', 'y'])!, /both a file and a folder/);
      assert.match(claims.claimFile(['X', 'y'])!, /both a file and a folder/);
      const other = new TargetClaims();
      assert.equal(other.claimFile(['d', 'f']), undefined);
      assert.match(other.claimFile(['D'])!, /both a file and a folder/);
    });

    it('treats Unicode composed and decomposed spellings as the same name', () => {
      const claims = new TargetClaims();
      assert.equal(claims.claimFile(['caf\u00e9.txt']), undefined);
      assert.match(claims.claimFile(['cafe\u0301.txt'])!, /only in letter case|appears twice/);
      assert.equal(foldedName('CAFE\u0301'), foldedName('caf\u00e9'));
    });

    it('a refused claim leaves no trace, and one folder may hold many files', () => {
      const claims = new TargetClaims();
      assert.equal(claims.claimFile(['f']), undefined);
      assert.ok(claims.claimFile(['f', 'new', 'deep']));
      // `new` was not recorded by the refused claim above.
      assert.equal(claims.claimFile(['new']), undefined);
      assert.equal(claims.claimFolder(['dir']), undefined);
      assert.equal(claims.claimFolder(['dir']), undefined);
      assert.equal(claims.claimFile(['dir', 'a']), undefined);
      assert.equal(claims.claimFile(['dir', 'b']), undefined);
    });
  });
});
