import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fromAnotherCommit, runsViewFilter, searchFileRuns } from '../../src/besideCode/core/fileRuns';
import { findGitCheckout } from '../../src/besideCode/core/gitHead';
import { baseName, candidateFilter, sourceMatches, type LocalFile } from '../../src/besideCode/core/sourceMatch';
import { HttpClient } from '../../src/mlflow/http';
import { FileStore } from '../../src/mlflow/local/fileStore';
import { RestStore } from '../../src/mlflow/rest/restStore';
import type { TrackingStore } from '../../src/mlflow/store';
import type { Run } from '../../src/mlflow/types';
import { fixtureDataset, openSqliteStore } from '../support/mlflowServer/fixtureStore';
import { startMlflowServer, type MlflowServer } from '../support/mlflowServer/server';
import { FIXTURES_DIR } from '../support/repoRoot';

/** Which runs a file logged (src/besideCode/core/sourceMatch.ts, fileRuns.ts, gitHead.ts). */
describe('beside code: matching runs to the file that logged them', () => {
  const posixFile: LocalFile = { absolutePath: '/home/me/work/proj/src/train.py', roots: ['/home/me/work/proj'] };

  it('matches an absolute source naming this very file', () => {
    assert.equal(sourceMatches('/home/me/work/proj/src/train.py', posixFile), true);
    assert.equal(sourceMatches('/home/me/work/proj/src/./lib/../train.py', posixFile), true);
    assert.equal(sourceMatches('file:///home/me/work/proj/src/train.py', posixFile), true);
  });

  it('rejects another file of the same name in this checkout', () => {
    assert.equal(sourceMatches('/home/me/work/proj/train.py', posixFile), false);
    assert.equal(sourceMatches('/home/me/work/proj/tools/src/train.py', posixFile), false);
  });

  it("matches another machine's checkout by the path below the project root", () => {
    assert.equal(sourceMatches('/srv/ci/build-42/src/train.py', posixFile), true);
    assert.equal(sourceMatches('/Users/ana/code/proj-copy/src/train.py', posixFile), true);
    assert.equal(sourceMatches('/srv/ci/build-42/train.py', posixFile), false, 'the root-level train.py is another file');
    assert.equal(sourceMatches('/srv/ci/build-42/other/train.py', posixFile), false);
  });

  it('matches Windows paths, backslashes and drive letters, without regard to case', () => {
    assert.equal(sourceMatches('C:\\Users\\ana\\proj\\src\\train.py', posixFile), true);
    assert.equal(sourceMatches('c:\\Users\\ana\\proj\\SRC\\Train.py', posixFile), true);
    assert.equal(sourceMatches('C:\\Users\\ana\\proj\\train.py', posixFile), false);
    assert.equal(sourceMatches('src\\train.py', posixFile), true);
    const windowsFile: LocalFile = { absolutePath: 'C:\\Work\\Proj\\src\\train.py', roots: ['C:\\Work\\Proj'] };
    assert.equal(sourceMatches('c:/work/proj/SRC/train.py', windowsFile), true);
    assert.equal(sourceMatches('C:\\Work\\Proj\\train.py', windowsFile), false);
    assert.equal(sourceMatches('/home/ana/proj/src/train.py', windowsFile), true);
    assert.equal(sourceMatches('train.py', windowsFile), true);
  });

  it('matches relative sources by suffix, whatever directory the script was started in', () => {
    assert.equal(sourceMatches('train.py', posixFile), true);
    assert.equal(sourceMatches('./train.py', posixFile), true);
    assert.equal(sourceMatches('src/train.py', posixFile), true);
    assert.equal(sourceMatches('../proj/src/train.py', posixFile), true);
    assert.equal(sourceMatches('other/train.py', posixFile), false);
    assert.equal(sourceMatches('rain.py', posixFile), false, 'whole names only');
    assert.equal(sourceMatches('train.py.bak', posixFile), false);
    assert.equal(sourceMatches('', posixFile), false);
  });

  it('compares POSIX paths case-sensitively', () => {
    assert.equal(sourceMatches('/srv/ci/SRC/train.py', posixFile), false);
    assert.equal(sourceMatches('Train.py', posixFile), false);
  });

  it('uses every root: a source from a checkout of the workspace folder inside a larger repository', () => {
    const nested: LocalFile = { absolutePath: '/repo/ml/train.py', roots: ['/repo', '/repo/ml'] };
    assert.equal(sourceMatches('/elsewhere/ml/train.py', nested), true, 'relative to the git root');
    assert.equal(sourceMatches('/elsewhere/train.py', nested), true, 'relative to the workspace folder');
  });

  it('searches candidates by base name with a filter every backend accepts', () => {
    assert.equal(baseName('C:\\a\\b\\train.py'), 'train.py');
    assert.equal(candidateFilter('train.py'), "tags.`mlflow.source.name` ILIKE '%train.py'");
    assert.equal(candidateFilter("it's.py"), "tags.`mlflow.source.name` ILIKE '%.py'", 'an unquotable name widens the search');
  });

  describe('on every backend, the same runs as real MLflow', () => {
    // Real MLflow 2.17.2 answered `tags.mlflow.source.name ILIKE '%.PY'` on this store (search-semantics);
    // the runs of train.py are those among them whose source is train.py.
    const semantics = readFileSync(path.join(FIXTURES_DIR, 'mlflow-2.17.2/search-semantics/server-store.jsonl'), 'utf8')
      .split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id: string; result: string[] });
    const pyRuns = semantics.find((entry) => entry.id === 'runs.tag.ilike_suffix')!.result;
    const file: LocalFile = { absolutePath: '/somewhere/else/checkout/train.py', roots: ['/somewhere/else/checkout'] };
    let server: MlflowServer;
    let expected: string[];
    const sqlite = openSqliteStore();

    before(async () => {
      server = await startMlflowServer({ dataset: await fixtureDataset() });
      const runs = await Promise.all(pyRuns.map((id) => sqlite.getRun(id)));
      expected = runs.filter((run) => run.data.tags['mlflow.source.name'] === 'train.py').sort(byStart).map((run) => run.info.runId);
      assert.ok(expected.length > 10, 'the fixture has runs of train.py');
      assert.ok(expected.length < pyRuns.length, 'and runs of other .py files');
    });
    after(async () => {
      sqlite.dispose();
      await server.close();
    });
    const byStart = (a: Run, b: Run) => (b.info.startTime ?? 0) - (a.info.startTime ?? 0) || a.info.runId.localeCompare(b.info.runId);

    it('the SQLite store', async () => {
      const runs = await searchFileRuns(sqlite, { file, maxRuns: 1000 });
      assert.deepEqual(runs.map((run) => run.info.runId), expected);
    });

    it('a tracking server (REST)', async () => {
      const rest: TrackingStore = new RestStore(new HttpClient({ baseUrl: server.baseUrl }));
      const before = server.count('runs/search');
      const runs = await searchFileRuns(rest, { file, maxRuns: 1000 });
      assert.deepEqual(runs.map((run) => run.info.runId), expected);
      assert.equal(server.count('runs/search') - before, 1, 'one search for all experiments');
      rest.dispose();
    });

    it('the file store (mlruns/)', async () => {
      const store = new FileStore(path.join(FIXTURES_DIR, 'mlflow-2.17.2/file-store/mlruns'));
      const runs = await searchFileRuns(store, { file: { absolutePath: '/x/filestore.py', roots: ['/x'] }, maxRuns: 1000 });
      const fileStoreRuns = semantics.length ? readFileSync(path.join(FIXTURES_DIR, 'mlflow-2.17.2/search-semantics/file-store.jsonl'), 'utf8')
        .split('\n').filter(Boolean).map((line) => JSON.parse(line) as { id: string; result: string[] })
        .find((entry) => entry.id === 'runs.tag.source_name_like')!.result : [];
      assert.deepEqual(runs.map((run) => run.info.runId).sort(), [...fileStoreRuns].sort());
      store.dispose();
    });

    it('keeps only the newest maxRuns', async () => {
      const runs = await searchFileRuns(sqlite, { file, maxRuns: 3 });
      assert.deepEqual(runs.map((run) => run.info.runId), expected.slice(0, 3));
    });
  });
});

describe('beside code: commits and the Runs view filter', () => {
  const run = (id: string, tags: Record<string, string>): Run => ({
    info: { runId: id, experimentId: '0', runName: id, userId: '', status: 'FINISHED', artifactUri: '', lifecycleStage: 'active' },
    data: { metrics: [], params: {}, tags },
    inputs: { datasets: [], modelInputs: [] },
    outputs: { modelOutputs: [] },
  });
  const head = 'a'.repeat(40);

  it('marks runs from another commit than HEAD, and only when both are known', () => {
    assert.equal(fromAnotherCommit(run('r', { 'mlflow.source.git.commit': 'b'.repeat(40) }), head), true);
    assert.equal(fromAnotherCommit(run('r', { 'mlflow.source.git.commit': head.toUpperCase() }), head), false);
    assert.equal(fromAnotherCommit(run('r', {}), head), false);
    assert.equal(fromAnotherCommit(run('r', { 'mlflow.source.git.commit': 'b'.repeat(40) }), undefined), false);
  });

  it('filters the Runs view by the shared source name, or by run ids when path forms differ', () => {
    assert.equal(runsViewFilter([run('a', { 'mlflow.source.name': 'train.py' }), run('b', { 'mlflow.source.name': 'train.py' })]), "tags.`mlflow.source.name` = 'train.py'");
    assert.equal(runsViewFilter([run('a', { 'mlflow.source.name': 'train.py' }), run('b', { 'mlflow.source.name': '/x/train.py' })]), "attributes.run_id IN ('a', 'b')");
    assert.equal(runsViewFilter([run('a', { 'mlflow.source.name': "C:\\it's\\train.py" })]), "attributes.run_id IN ('a')");
    assert.equal(runsViewFilter([]), undefined);
  });

  describe('reading HEAD without git', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(path.join(tmpdir(), 'beside-code-git-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));
    const write = (file: string, text: string) => {
      mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
      writeFileSync(path.join(dir, file), text);
    };

    it('follows HEAD to a loose ref, from a file in a subfolder', async () => {
      write('repo/.git/HEAD', 'ref: refs/heads/main\n');
      write('repo/.git/refs/heads/main', `${head}\n`);
      write('repo/src/train.py', '');
      assert.deepEqual(await findGitCheckout(path.join(dir, 'repo/src/train.py')), { root: path.join(dir, 'repo'), head });
    });

    it('reads packed-refs, a detached HEAD, and a worktree through its .git file and commondir', async () => {
      write('repo/.git/HEAD', 'ref: refs/heads/dev\n');
      write('repo/.git/packed-refs', `# pack-refs with: peeled fully-peeled sorted\n${'c'.repeat(40)} refs/heads/dev\n`);
      assert.equal((await findGitCheckout(path.join(dir, 'repo/train.py')))?.head, 'c'.repeat(40));
      write('detached/.git/HEAD', `${'d'.repeat(40)}\n`);
      assert.equal((await findGitCheckout(path.join(dir, 'detached/train.py')))?.head, 'd'.repeat(40));
      write('repo/.git/worktrees/wt/HEAD', 'ref: refs/heads/feature\n');
      write('repo/.git/worktrees/wt/commondir', '../..\n');
      write('repo/.git/refs/heads/feature', `${'e'.repeat(40)}\n`);
      write('wt/.git', `gitdir: ${path.join(dir, 'repo/.git/worktrees/wt')}\n`);
      assert.deepEqual(await findGitCheckout(path.join(dir, 'wt/train.py')), { root: path.join(dir, 'wt'), head: 'e'.repeat(40) });
    });

    it('gives no HEAD on an unborn branch, and no checkout outside any', async () => {
      write('fresh/.git/HEAD', 'ref: refs/heads/main\n');
      assert.deepEqual(await findGitCheckout(path.join(dir, 'fresh/train.py')), { root: path.join(dir, 'fresh'), head: undefined });
      assert.equal(await findGitCheckout(path.join(dir, 'no-git/train.py')), undefined);
    });
  });
});
