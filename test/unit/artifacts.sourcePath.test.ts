import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { mapSourcePath, parseRecordedSource, type LocalSource } from '../../src/artifacts/sourcePath';

/** A fake disk: the set of paths that exist. */
function disk(...paths: string[]): (candidate: string) => Promise<boolean> {
  const existing = new Set(paths);
  return async (candidate) => existing.has(candidate);
}

function local(recorded: string): LocalSource {
  const parsed = parseRecordedSource(recorded);
  assert.ok(parsed && parsed.kind === 'local', `${recorded} parses as a local path`);
  return parsed;
}

describe('artifacts: run source path mapping (pure)', () => {
  describe('parseRecordedSource', () => {
    it('POSIX absolute path', () => {
      assert.deepEqual(parseRecordedSource('/srv/mlflow-ref/proj/train.py'), {
        kind: 'local', absolute: true, segments: ['srv', 'mlflow-ref', 'proj', 'train.py'], original: '/srv/mlflow-ref/proj/train.py',
      });
    });

    it('Windows absolute path, recorded on another OS', () => {
      const parsed = local('C:\\Users\\ana\\proj\\src\\train.py');
      assert.equal(parsed.absolute, true);
      assert.deepEqual(parsed.segments, ['Users', 'ana', 'proj', 'src', 'train.py']);
    });

    it('relative path as MLflow records sys.argv[0] (`python train.py`, `python ./src/train.py`)', () => {
      assert.deepEqual(local('train.py'), { kind: 'local', absolute: false, segments: ['train.py'], original: 'train.py' });
      assert.deepEqual(local('./src/train.py').segments, ['src', 'train.py']);
      assert.deepEqual(local('../other/../proj/train.py').segments, ['proj', 'train.py']);
    });

    it('file: URIs of `mlflow run` projects, percent-decoded', () => {
      assert.deepEqual(local('file:///home/ana/my%20proj').segments, ['home', 'ana', 'my proj']);
      assert.deepEqual(local('file:///C:/work/proj').segments, ['work', 'proj']);
      assert.equal(local('file:///C:/work/proj').original, 'C:/work/proj');
    });

    it('remote projects are not local files', () => {
      assert.deepEqual(parseRecordedSource('https://github.com/mlflow/mlflow-example#subdir'), { kind: 'remote', uri: 'https://github.com/mlflow/mlflow-example#subdir' });
      assert.equal(parseRecordedSource('git@github.com:org/repo.git')?.kind, 'remote');
      assert.equal(parseRecordedSource('dbfs:/x')?.kind, 'local', 'dbfs:/ has no //, treated as a path and simply not found');
    });

    it('nothing usable', () => {
      assert.equal(parseRecordedSource(''), undefined);
      assert.equal(parseRecordedSource('   '), undefined);
      assert.equal(parseRecordedSource('/'), undefined);
      assert.equal(parseRecordedSource('..'), undefined);
    });
  });

  describe('mapSourcePath (POSIX workspace)', () => {
    const p = path.posix;

    it('the exact recorded path when it exists here', async () => {
      const mapped = await mapSourcePath(local('/home/ana/proj/train.py'), ['/work/proj'], disk('/home/ana/proj/train.py', '/work/proj/train.py'), p);
      assert.deepEqual(mapped, { path: '/home/ana/proj/train.py', via: 'exact', matched: 4 });
    });

    it('the longest suffix under a workspace folder when the project moved', async () => {
      const mapped = await mapSourcePath(
        local('/srv/mlflow-ref/proj/src/train.py'),
        ['/work/proj'],
        disk('/work/proj/src/train.py', '/work/proj/train.py'),
        p,
      );
      assert.deepEqual(mapped, { path: '/work/proj/src/train.py', via: 'suffix', matched: 2 });
    });

    it('prefers a longer suffix under any root over a shorter one under the first root', async () => {
      const mapped = await mapSourcePath(
        local('/old/clone/pkg/src/train.py'),
        ['/ws/a', '/ws/b'],
        disk('/ws/a/train.py', '/ws/b/pkg/src/train.py'),
        p,
      );
      assert.equal(mapped?.path, '/ws/b/pkg/src/train.py');
      assert.equal(mapped?.matched, 3);
    });

    it('earlier roots win ties', async () => {
      const mapped = await mapSourcePath(local('/x/train.py'), ['/ws/a', '/ws/b'], disk('/ws/a/train.py', '/ws/b/train.py'), p);
      assert.equal(mapped?.path, '/ws/a/train.py');
    });

    it('a Windows path recorded on another machine maps into a POSIX workspace', async () => {
      const mapped = await mapSourcePath(local('C:\\Users\\ana\\proj\\src\\train.py'), ['/work/proj'], disk('/work/proj/src/train.py'), p);
      assert.deepEqual(mapped, { path: '/work/proj/src/train.py', via: 'suffix', matched: 2 });
    });

    it('a relative recorded path resolves under a root', async () => {
      const mapped = await mapSourcePath(local('src/train.py'), ['/ws', '/ws/repo'], disk('/ws/repo/src/train.py'), p);
      assert.deepEqual(mapped, { path: '/ws/repo/src/train.py', via: 'relative', matched: 2 });
    });

    it('the project folder of `mlflow run` (file: URI)', async () => {
      const mapped = await mapSourcePath(local('file:///srv/mlflow-ref/mlproject-tiny'), ['/ws/demo'], disk('/ws/demo/mlproject-tiny'), p);
      assert.deepEqual(mapped, { path: '/ws/demo/mlproject-tiny', via: 'suffix', matched: 1 });
    });

    it('duplicate roots are checked once; nothing found is undefined', async () => {
      const checked: string[] = [];
      const mapped = await mapSourcePath(local('/a/b.py'), ['/ws', '/ws/', '/ws'], async (c) => (checked.push(c), false), p);
      assert.equal(mapped, undefined);
      assert.deepEqual(checked, ['/a/b.py', '/ws/a/b.py', '/ws/b.py']);
    });
  });

  describe('mapSourcePath (Windows workspace)', () => {
    const w = path.win32;

    it('a POSIX path recorded on Linux maps into a Windows workspace', async () => {
      const mapped = await mapSourcePath(local('/home/ana/proj/src/train.py'), ['D:\\code\\proj'], disk('D:\\code\\proj\\src\\train.py'), w);
      assert.deepEqual(mapped, { path: 'D:\\code\\proj\\src\\train.py', via: 'suffix', matched: 2 });
    });

    it('the exact Windows path when it exists', async () => {
      const mapped = await mapSourcePath(local('C:\\proj\\train.py'), ['D:\\x'], disk('C:\\proj\\train.py'), w);
      assert.deepEqual(mapped, { path: 'C:\\proj\\train.py', via: 'exact', matched: 2 });
    });
  });
});
