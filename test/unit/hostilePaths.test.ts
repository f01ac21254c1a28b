import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { executeDownload, fetchPlannedFile, prepareDownload, type DownloadOutcome } from '../../src/artifacts/download';
import { HttpClient } from '../../src/mlflow/http';
import { RestStore } from '../../src/mlflow/rest/restStore';
import type { FileInfo } from '../../src/mlflow/types';
import { ESCAPING_ARTIFACT_NAMES, listingReply } from '../support/hostile';
import { DatasetBuilder } from '../support/mlflowServer/dataset';
import { startMlflowServer, type MlflowServer } from '../support/mlflowServer/server';

/**
 * "Download…" (the same prepare/execute/fetch the command runs) against a tracking server whose artifact
 * listings are hostile: names with `..`, absolute and Windows paths, invisible characters, entries that
 * claim to be in another folder, and names that collide on case-insensitive disks. Everything goes over
 * HTTP through RestStore; the server answers every file request, so a name the download failed to refuse
 * would really be written. The planning rules themselves are unit-tested in artifacts.download.test.ts.
 */

const file = (p: string): FileInfo => ({ path: p, isDir: false, fileSize: p.length });
const dir = (p: string): FileInfo => ({ path: p, isDir: true });

/** Every file under `folder`, relative and `/`-separated. */
function filesUnder(folder: string): string[] {
  return (fs.readdirSync(folder, { recursive: true, withFileTypes: true }) as fs.Dirent[])
    .filter((entry) => !entry.isDirectory())
    .map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
    .sort();
}

describe('hostile artifact names: downloads from a tracking server write only inside the chosen folder', () => {
  let server: MlflowServer;
  let store: RestStore;
  let sandbox: string;
  let destination: string;
  const b = new DatasetBuilder();
  const runId = b.run(b.experiment('hostile'), { runName: 'hostile-artifacts' });
  const rootUri = `/srv/mlflow/artifacts/0/${runId}/artifacts`;

  /** Listings the server answers per folder; every `/get-artifact` answers with the requested path. */
  const listings: Record<string, FileInfo[]> = {
    '': [dir('model'), dir('Model'), file('Case.txt'), file('case.txt'), dir('..'), ...ESCAPING_ARTIFACT_NAMES.map(file)],
        // `other/outside.txt` is read relative to `model`, as MLflow's artifact proxy lists bare names: it lands inside too.
    model: [file('model/MLmodel'), file('model/../../../escape.txt'), file('other/outside.txt'), dir('model/..'), dir('model/sub')],
    'model/sub': [file('model/sub/weights.bin'), file('model/sub/WEIGHTS.bin'), dir('model/sub/../../..')],
    Model: [file('Model/MLmodel')],
  };

  before(async () => {
    server = await startMlflowServer({ dataset: b.build() });
    server.faults = (r) => {
      if (r.path.endsWith('/artifacts/list')) return listingReply(rootUri, listings[r.query.path?.[0] ?? ''] ?? []);
      if (r.path === '/get-artifact') return { status: 200, body: `bytes of ${r.query.path?.[0]}`, contentType: 'application/octet-stream' };
      return undefined;
    };
    store = new RestStore(new HttpClient({ baseUrl: server.baseUrl, retry: { maxAttempts: 1 } }));
  });
  beforeEach(() => {
    sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-hostile-dl-'));
    destination = path.join(sandbox, 'chosen');
    fs.mkdirSync(destination);
    server.clearRequests();
  });
  afterEach(() => fs.rmSync(sandbox, { recursive: true, force: true }));
  after(async () => {
    store.dispose();
    await server.close();
  });

  async function download(picked: FileInfo): Promise<DownloadOutcome> {
    const signal = new AbortController().signal;
    const plan = await prepareDownload(store, [{ owner: { kind: 'run', runId }, file: picked }], destination, signal);
    return executeDownload(plan, (write, fileSignal) => fetchPlannedFile(store, write, fileSignal), { signal, overwrite: false });
  }

  const fetched = (): string[] => server.requests.filter((r) => r.path === '/get-artifact').map((r) => r.query.path?.[0] ?? '').sort();

  it('downloading the whole run writes the honest files, skips each hostile name with a reason, and fetches nothing it skipped', async () => {
    const outcome = await download(dir(''));
    const honest = ['Case.txt', 'model/MLmodel', 'model/other/outside.txt', 'model/sub/weights.bin'];
    assert.deepEqual(filesUnder(sandbox), honest.map((p) => `chosen/${p}`), 'nothing outside the chosen folder');
    assert.deepEqual(outcome.written.map((w) => w.artifactPath).sort(), honest);
    assert.equal(fs.readFileSync(path.join(destination, 'model', 'MLmodel'), 'utf8'), 'bytes of model/MLmodel');
    assert.deepEqual(fetched(), honest, 'refused names are never requested');

    const reasons = new Map(outcome.skipped.map((s) => [s.artifactPath, s.reason]));
    for (const name of ESCAPING_ARTIFACT_NAMES) assert.ok(reasons.has(name), `skipped ${JSON.stringify(name)} with a reason`);
    assert.match(reasons.get('../escape.txt') ?? '', /`\.\.` segment/);
    assert.match(reasons.get('/etc/passwd') ?? '', /absolute path/);
    assert.match(reasons.get('..\\escape.txt') ?? '', /backslash/);
    assert.match(reasons.get('C:\\Windows\\evil.txt') ?? '', /drive letter/);
    assert.match(reasons.get('\u202Egnp.exe') ?? '', /text-direction/);
    assert.match(reasons.get('case.txt') ?? '', /only in letter case/);
    assert.match(reasons.get('Model/MLmodel') ?? '', /only in letter case/, 'a folder differing in case collides too');
    assert.match(reasons.get('model/sub/WEIGHTS.bin') ?? '', /only in letter case/);
    assert.match(reasons.get('model/../../../escape.txt') ?? '', /`\.\.` segment/);
    assert.equal(outcome.failed.length, 0);
    assert.equal(outcome.cancelled, false);
  });

  it('a picked folder whose listing climbs out of it lands as DEST/<folder> and nothing else', async () => {
    const outcome = await download(dir('model'));
    const honest = ['model/MLmodel', 'model/other/outside.txt', 'model/sub/weights.bin'];
    assert.deepEqual(filesUnder(sandbox), honest.map((p) => `chosen/${p}`));
    assert.deepEqual(outcome.written.map((w) => w.artifactPath).sort(), honest);
    const skipped = outcome.skipped.map((s) => s.artifactPath);
    for (const name of ['model/../../../escape.txt', 'model/..', 'model/sub/../../..', 'model/sub/WEIGHTS.bin']) {
      assert.ok(skipped.includes(name), `skipped ${name}: ${JSON.stringify(outcome.skipped)}`);
    }
    assert.ok(
      !server.requests.some((r) => r.path.endsWith('/artifacts/list') && /(^|\/)\.\.(\/|$)/.test(r.query.path?.[0] ?? '')),
      'never asked the server to list a `..` folder',
    );
  });

  it("a run's real listing with traversal names (served by the server's own route) is refused the same way", async () => {
    const real = new DatasetBuilder();
    const id = real.run(real.experiment('x'), { runName: 'traversal' });
    real.artifact(id, '../../escape.txt', 'pwned').artifact(id, 'ok/fine.txt', 'fine');
    const honest = await startMlflowServer({ dataset: real.build() });
    const realStore = new RestStore(new HttpClient({ baseUrl: honest.baseUrl, retry: { maxAttempts: 1 } }));
    try {
      const signal = new AbortController().signal;
      const plan = await prepareDownload(realStore, [{ owner: { kind: 'run', runId: id }, file: dir('') }], destination, signal);
      const outcome = await executeDownload(plan, (write, s) => fetchPlannedFile(realStore, write, s), { signal, overwrite: false });
      assert.deepEqual(filesUnder(sandbox), ['chosen/ok/fine.txt']);
      assert.deepEqual(outcome.skipped.map((s) => s.artifactPath), ['..']);
    } finally {
      realStore.dispose();
      await honest.close();
    }
  });
});
