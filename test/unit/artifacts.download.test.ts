import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { executeDownload, existingTargets, listTree, prepareDownload, type ArtifactReader } from '../../src/artifacts/download';
import { formatBytes, isStrictlyBelow, planDownload, type ArtifactOwner } from '../../src/artifacts/downloadPlan';
import type { FileInfo } from '../../src/mlflow/types';

const RUN: ArtifactOwner = { kind: 'run', runId: '459191d6afe44e408cc618beff3a1e37' };
const DEST = '/dl';
const file = (p: string, fileSize?: number): FileInfo => ({ path: p, isDir: false, fileSize });
const dir = (p: string): FileInfo => ({ path: p, isDir: true });

describe('artifacts: download planning (pure)', () => {
  it('a picked folder lands as DEST/<folder>/…, like `mlflow artifacts download -d DEST`', () => {
    const plan = planDownload(
      DEST,
      [{ root: dir('model'), files: [file('model/MLmodel', 10), file('model/sub/weights.bin', 20)], folders: [dir('model/sub')], owner: RUN }],
      'posix',
    );
    assert.deepEqual(
      plan.writes.map((w) => [w.artifactPath, w.target, w.folders, w.size]),
      [
        ['model/MLmodel', '/dl/model/MLmodel', ['model'], 10],
        ['model/sub/weights.bin', '/dl/model/sub/weights.bin', ['model', 'sub'], 20],
      ],
    );
    assert.deepEqual(plan.skips, []);
    assert.deepEqual(plan.emptyFolders, [], 'folders with files are created by their files');
  });

  it('a picked nested folder keeps only its own name: plots of a/b/plots land as DEST/plots', () => {
    const plan = planDownload(DEST, [{ root: dir('a/b/plots'), files: [file('a/b/plots/x.png')], owner: RUN }], 'posix');
    assert.deepEqual(plan.writes.map((w) => w.target), ['/dl/plots/x.png']);
  });

  it('a picked file lands as DEST/<basename>', () => {
    const plan = planDownload(DEST, [{ root: file('model/MLmodel', 5), files: [], owner: RUN }], 'posix');
    assert.deepEqual(plan.writes.map((w) => [w.target, w.folders]), [['/dl/MLmodel', []]]);
  });

  it('the whole run (root "") lands directly in DEST', () => {
    const plan = planDownload(DEST, [{ root: dir(''), files: [file('params.txt'), file('model/MLmodel')], owner: RUN }], 'posix');
    assert.deepEqual(plan.writes.map((w) => w.target), ['/dl/params.txt', '/dl/model/MLmodel']);
    assert.deepEqual(plan.skips, []);
  });

  it('recreates empty folders, once', () => {
    const plan = planDownload(DEST, [{ root: dir('out'), files: [], folders: [dir('out/empty'), dir('out/empty/deeper')], owner: RUN }], 'posix');
    assert.deepEqual(plan.emptyFolders, [['out', 'empty', 'deeper']]);
  });

  it('skips every hostile name with its reason and keeps the rest', () => {
    const hostile = [
      file('model/../../../etc/passwd'),
      file('model/..\\..\\evil.dll'),
      file('/etc/shadow'),
      file('model//double'),
      file('model/nul\u0000byte'),
      file('model/a.txt'),
      file('model/A.txt'),
      file('model/C:\\x'),
      file('other/outside.txt'),
      file('model'),
      file('modelx/prefix-trick'),
      file('model/ok.txt'),
    ];
    const plan = planDownload(DEST, [{ root: dir('model'), files: hostile, owner: RUN }], 'posix');
    assert.deepEqual(plan.writes.map((w) => w.artifactPath), ['model/a.txt', 'model/ok.txt']);
    const reasons = Object.fromEntries(plan.skips.map((s) => [s.artifactPath, s.reason]));
    assert.match(reasons['model/../../../etc/passwd'], /`\.\.` segment/);
    assert.match(reasons['model/..\\..\\evil.dll'], /backslash/);
    assert.match(reasons['/etc/shadow'], /outside the requested folder/);
    assert.match(reasons['model//double'], /empty path segment/);
    assert.match(reasons['model/nul\u0000byte'], /control characters/);
    assert.match(reasons['model/A.txt'], /only in letter case/);
    assert.match(reasons['model/C:\\x'], /backslash/);
    assert.match(reasons['other/outside.txt'], /outside the requested folder/);
    assert.match(reasons['model'], /outside the requested folder/);
    assert.match(reasons['modelx/prefix-trick'], /outside the requested folder/);
    for (const write of plan.writes) assert.ok(write.target.startsWith('/dl/model/'));
  });

  it('applies Windows rules when downloading on Windows', () => {
    const plan = planDownload('C:\\dl', [{ root: dir('logs'), files: [file('logs/CON'), file('logs/a:b'), file('logs/ok.log')], owner: RUN }], 'win32');
    assert.deepEqual(plan.writes.map((w) => w.target), ['C:\\dl\\logs\\ok.log']);
    assert.equal(plan.skips.length, 2);
  });

  it('two picked folders with the same name collide instead of merging silently', () => {
    const other: ArtifactOwner = { kind: 'run', runId: 'b6018b06ee1d4ca0b0b9c15450bf3092' };
    const plan = planDownload(
      DEST,
      [
        { root: dir('model'), files: [file('model/MLmodel')], owner: RUN },
        { root: dir('model'), files: [file('model/MLmodel')], owner: other },
      ],
      'posix',
    );
    assert.equal(plan.writes.length, 1);
    assert.match(plan.skips[0].reason, /appears twice/);
  });

  it('isStrictlyBelow', () => {
    assert.equal(isStrictlyBelow('a/b', 'a'), true);
    assert.equal(isStrictlyBelow('ab', 'a'), false);
    assert.equal(isStrictlyBelow('a', 'a'), false);
    assert.equal(isStrictlyBelow('a/', 'a'), false);
    assert.equal(isStrictlyBelow('x', ''), true);
  });

  it('formatBytes', () => {
    assert.equal(formatBytes(0), '0 B');
    assert.equal(formatBytes(1536), '1.5 KB');
    assert.equal(formatBytes(50 * 1024 * 1024), '50 MB');
  });
});

describe('artifacts: listing walk', () => {
  const never = new AbortController().signal;

  it('walks folders breadth-first and returns files and folders', async () => {
    const tree: Record<string, FileInfo[]> = {
      model: [file('model/MLmodel'), dir('model/sub')],
      'model/sub': [file('model/sub/w.bin')],
    };
    const listing = await listTree(async (folder) => tree[folder] ?? [], 'model', never);
    assert.deepEqual(listing.files.map((f) => f.path), ['model/MLmodel', 'model/sub/w.bin']);
    assert.deepEqual(listing.folders.map((f) => f.path), ['model/sub']);
    assert.deepEqual(listing.skips, []);
  });

  it('does not follow a folder that lists itself, its parent or `..`', async () => {
    const asked: string[] = [];
    const listing = await listTree(
      async (folder) => {
        asked.push(folder);
        return [dir('loop'), dir('loop/..'), dir('elsewhere'), file('loop/f')];
      },
      'loop',
      never,
    );
    assert.deepEqual(asked, ['loop'], 'only the picked folder is listed');
    assert.deepEqual(listing.files.map((f) => f.path), ['loop/f']);
    assert.equal(listing.skips.length, 3);
  });

  it('stops at the depth limit and the entry limit', async () => {
    const deep = await listTree(async (folder) => [dir(`${folder}/d`)], 'r', never, undefined, { maxDepth: 3, maxEntries: 1000 });
    assert.equal(deep.folders.length, 3);
    assert.match(deep.skips[0].reason, /deeper than 3/);
    const wide = await listTree(async (folder) => Array.from({ length: 10 }, (_, i) => file(`${folder}/${i}`)), 'r', never, undefined, { maxDepth: 3, maxEntries: 5 });
    assert.equal(wide.files.length, 5);
    assert.match(wide.skips[0].reason, /more than 5 entries/);
  });

  it('is cancellable', async () => {
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(listTree(async () => [], 'x', controller.signal), { name: 'AbortError' });
  });
});

describe('artifacts: writing a plan to disk', () => {
  let root: string;
  let destination: string;
  beforeEach(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-dl-'));
    destination = path.join(root, 'dest');
    fs.mkdirSync(destination);
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  /** A store whose listing is hostile and whose files contain their own path. */
  function hostileStore(listing: Record<string, FileInfo[]>): ArtifactReader & { downloads: string[] } {
    const downloads: string[] = [];
    return {
      downloads,
      listArtifacts: async (_runId, folder) => listing[folder ?? ''] ?? [],
      readArtifact: async (_runId, p) => new TextEncoder().encode(p),
      downloadArtifact: async (_runId, p, target) => {
        downloads.push(target);
        fs.writeFileSync(target, p);
      },
      listLoggedModelArtifacts: async () => [],
      readLoggedModelArtifact: async (_id, p) => new TextEncoder().encode(`model:${p}`),
    };
  }

  function allFiles(folder: string): string[] {
    return fs.readdirSync(folder, { recursive: true, withFileTypes: true })
      .filter((entry) => !entry.isDirectory())
      .map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)))
      .sort();
  }

  it('writes only inside the destination, whatever the server names', async () => {
    const store = hostileStore({
      model: [file('model/MLmodel'), file('model/../escaped.txt'), file('model/../../escaped2.txt'), dir('model/..'), dir('model/sub'), file('/abs.txt'), file('model/Case.txt'), file('model/case.txt')],
      'model/sub': [file('model/sub/w.bin'), file('model/sub/../../x')],
    });
    const signal = new AbortController().signal;
    const plan = await prepareDownload(store, [{ owner: RUN, file: dir('model') }], destination, signal);
    const outcome = await executeDownload(plan, (write, s) => store.downloadArtifact(RUN.kind === 'run' ? RUN.runId : '', write.artifactPath, write.target, { signal: s }), {
      signal,
      overwrite: false,
    });
    assert.deepEqual(allFiles(root), ['dest/model/Case.txt', 'dest/model/MLmodel', 'dest/model/sub/w.bin'].map((p) => p.split('/').join(path.sep)));
    assert.deepEqual(outcome.written.map((w) => w.artifactPath), ['model/MLmodel', 'model/Case.txt', 'model/sub/w.bin']);
    assert.equal(outcome.skipped.length, 6);
    assert.equal(outcome.cancelled, false);
  });

  it('never follows a symbolic link planted in the destination', async () => {
    const outside = path.join(root, 'outside');
    fs.mkdirSync(outside);
    fs.symlinkSync(outside, path.join(destination, 'model'));
    fs.symlinkSync(path.join(outside, 'target.txt'), path.join(destination, 'linked.txt'));
    const store = hostileStore({ model: [file('model/MLmodel')] });
    const signal = new AbortController().signal;
    const plan = await prepareDownload(store, [{ owner: RUN, file: dir('model') }, { owner: RUN, file: file('linked.txt') }], destination, signal);
    const outcome = await executeDownload(plan, (write) => store.downloadArtifact('r', write.artifactPath, write.target), { signal, overwrite: true });
    assert.deepEqual(fs.readdirSync(outside), []);
    assert.deepEqual(outcome.written, []);
    assert.match(outcome.skipped[0].reason, /symbolic link/);
    assert.match(outcome.skipped[1].reason, /symbolic link/);
  });

  it('keeps existing files unless asked to replace them', async () => {
    fs.writeFileSync(path.join(destination, 'params.txt'), 'mine');
    const store = hostileStore({});
    const signal = new AbortController().signal;
    const plan = await prepareDownload(store, [{ owner: RUN, file: file('params.txt') }], destination, signal);
    assert.deepEqual((await existingTargets(plan)).map((w) => w.artifactPath), ['params.txt']);
    const kept = await executeDownload(plan, (write) => store.downloadArtifact('r', write.artifactPath, write.target), { signal, overwrite: false });
    assert.equal(fs.readFileSync(path.join(destination, 'params.txt'), 'utf8'), 'mine');
    assert.match(kept.skipped[0].reason, /already exists/);
    const replaced = await executeDownload(plan, (write) => store.downloadArtifact('r', write.artifactPath, write.target), { signal, overwrite: true });
    assert.equal(fs.readFileSync(path.join(destination, 'params.txt'), 'utf8'), 'params.txt');
    assert.equal(replaced.written.length, 1);
  });

  it('stops at cancellation and says so; a failing file does not stop the others', async () => {
    const controller = new AbortController();
    const store = hostileStore({ f: [file('f/1'), file('f/2'), file('f/3')] });
    const plan = await prepareDownload(store, [{ owner: RUN, file: dir('f') }], destination, controller.signal);
    const outcome = await executeDownload(
      plan,
      async (write) => {
        if (write.artifactPath === 'f/1') throw new Error('boom');
        await store.downloadArtifact('r', write.artifactPath, write.target);
        controller.abort();
      },
      { signal: controller.signal, overwrite: false },
    );
    assert.deepEqual(outcome.failed, [{ artifactPath: 'f/1', reason: 'boom' }]);
    assert.deepEqual(outcome.written.map((w) => w.artifactPath), ['f/2']);
    assert.equal(outcome.cancelled, true);
  });
});
