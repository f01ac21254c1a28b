import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FileStore } from '../../src/mlflow/local/fileStore';

/**
 * The FileStore keeps what it parsed while the files are unchanged: a second page reads no meta.yaml
 * again, a changed file is read again, a recently changed file is not trusted, a growing metric file
 * is followed, and memory stays within its budget, with answers equal to a store that kept nothing.
 */

const SOURCE = path.resolve(__dirname, '../fixtures/mlflow-2.17.2/file-store/mlruns');
const EXP = '182273013215512486';
const HOUR_AGO = new Date(Date.now() - 3600_000);

function backdate(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) backdate(full);
    utimesSync(full, HOUR_AGO, HOUR_AGO);
  }
}

const runDirs = (root: string) => readdirSync(path.join(root, EXP)).filter((d) => /^[0-9a-f]{32}$/.test(d));

describe('FileStore cache: parsed files kept while unchanged', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'mlflow-filestore-cache-'));
    cpSync(SOURCE, root, { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('answers the next page without reading any file again, as a store that kept nothing answers', async () => {
    backdate(root);
    const store = new FileStore(root);
    const queries = [
      { experimentIds: [EXP], maxResults: 3 },
      { experimentIds: [EXP], filter: 'metrics.loss < 1', orderBy: ['metrics.loss DESC'] },
      { experimentIds: [EXP], filter: "params.lr != 'x'", orderBy: ['params.lr'] },
      { experimentIds: [EXP], runViewType: 'ALL' as const, orderBy: ['tags.`mlflow.runName`'] },
    ];
    for (const query of queries) {
      const first = await store.searchRuns(query);
      const readsAfterFirst = store.cacheStats().reads;
      const again = await store.searchRuns(query);
      assert.equal(store.cacheStats().reads, readsAfterFirst, `no file read again for ${JSON.stringify(query)}`);
      assert.deepEqual(again, first);
      const fresh = new FileStore(root, { cache: { budgetBytes: 0 } });
      assert.deepEqual(await fresh.searchRuns(query), first, 'same answer as a store that keeps nothing');
    }
    assert.ok(store.cacheStats().hits > 0);
  });

  it('reads a rewritten meta.yaml again, even at the same size and with its mtime put back', async () => {
    backdate(root);
    const store = new FileStore(root);
    const id = runDirs(root).find((d) => readFileSync(path.join(root, EXP, d, 'meta.yaml'), 'utf8').includes('status: 1')) ?? '';
    assert.ok(id, 'the fixture has a RUNNING run');
    assert.equal((await store.getRun(id)).info.status, 'RUNNING');
    const file = path.join(root, EXP, id, 'meta.yaml');
    const { mtime } = statSync(file);
    writeFileSync(file, readFileSync(file, 'utf8').replace('status: 1', 'status: 3'));
    utimesSync(file, mtime, mtime);
    assert.equal((await store.getRun(id)).info.status, 'FINISHED');
    assert.equal((await store.searchRuns({ experimentIds: [EXP], filter: "attributes.status = 'RUNNING'" })).items.some((r) => r.info.runId === id), false);
  });

  it('does not trust a file changed within the racy window: it is read again until it is old enough', async () => {
    let now = Date.now();
    const store = new FileStore(root, { cache: { racyMs: 2000, now: () => now } });
    await store.searchRuns({ experimentIds: [EXP] });
    const reads = store.cacheStats().reads;
    await store.searchRuns({ experimentIds: [EXP] });
    assert.ok(store.cacheStats().reads >= reads + runDirs(root).length, 'just-written meta.yaml files are read again');
    now += 60_000;
    await store.searchRuns({ experimentIds: [EXP] });
    const settled = store.cacheStats().reads;
    await store.searchRuns({ experimentIds: [EXP] });
    assert.equal(store.cacheStats().reads, settled, 'once old enough they are kept');
  });

  it('follows a growing metric file, and reads a shortened or replaced one again in full', async () => {
    backdate(root);
    const store = new FileStore(root);
    const id = runDirs(root)[0];
    const file = path.join(root, EXP, id, 'metrics', 'cache_probe');
    writeFileSync(file, '1000 1.5 0\n1001 2.5 1\n');
    assert.deepEqual((await store.getMetricHistory(id, 'cache_probe')).map((m) => m.value), [1.5, 2.5]);
    appendFileSync(file, '1002 3.5 2\n1003 4');
    assert.deepEqual((await store.getMetricHistory(id, 'cache_probe')).map((m) => m.value), [1.5, 2.5, 3.5], 'the unfinished line is left out');
    appendFileSync(file, '.5 3\n');
    assert.deepEqual((await store.getMetricHistory(id, 'cache_probe')).map((m) => m.value), [1.5, 2.5, 3.5, 4.5]);
    assert.equal((await store.getRun(id)).data.metrics.find((m) => m.key === 'cache_probe')?.value, 4.5);
    truncateSync(file, 0);
    appendFileSync(file, '2000 9 0\n');
    assert.deepEqual((await store.getMetricHistory(id, 'cache_probe')).map((m) => m.value), [9]);
    assert.equal((await store.getRun(id)).data.metrics.find((m) => m.key === 'cache_probe')?.value, 9);
    rmSync(file);
    writeFileSync(file, '3000 7 0\n');
    assert.deepEqual((await store.getMetricHistory(id, 'cache_probe')).map((m) => m.value), [7]);
  });

  it('forgets a run whose folder is gone', async () => {
    backdate(root);
    const store = new FileStore(root);
    const before = (await store.searchRuns({ experimentIds: [EXP], runViewType: 'ALL' })).items.length;
    rmSync(path.join(root, EXP, runDirs(root)[0]), { recursive: true });
    assert.equal((await store.searchRuns({ experimentIds: [EXP], runViewType: 'ALL' })).items.length, before - 1);
  });

  it('stays within its memory budget and still answers correctly', async () => {
    backdate(root);
    const budget = 4096;
    const small = new FileStore(root, { cache: { budgetBytes: budget } });
    const roomy = new FileStore(root);
    const query = { experimentIds: [EXP], filter: 'metrics.loss < 1', orderBy: ['metrics.loss DESC'] };
    for (let i = 0; i < 2; i++) assert.deepEqual(await small.searchRuns(query), await roomy.searchRuns(query));
    assert.ok(small.cacheStats().bytes <= budget, `${small.cacheStats().bytes} ≤ ${budget}`);
    assert.ok(roomy.cacheStats().bytes > budget, 'the query needs more than the small budget');
    roomy.dispose();
    assert.equal(roomy.cacheStats().bytes, 0, 'dispose lets everything go');
  });

  it('keeps what fits when a search needs more than the budget, instead of each file pushing out the next one needed', async () => {
    backdate(root);
    const query = { experimentIds: [EXP], runViewType: 'ALL' as const, filter: 'metrics.loss < 100', orderBy: ['metrics.loss DESC'] };
    const roomy = new FileStore(root);
    await roomy.searchRuns(query);
    const needed = roomy.cacheStats().bytes;
    const half = new FileStore(root, { cache: { budgetBytes: Math.floor(needed / 2) } });
    const first = await half.searchRuns(query);
    const { hits: hitsBefore, reads: readsBefore } = half.cacheStats();
    assert.deepEqual(await half.searchRuns(query), first);
    const { hits, reads, bytes } = half.cacheStats();
    assert.ok(bytes <= Math.floor(needed / 2));
    // Under plain LRU a repeated scan larger than the cache hits nothing: every entry is evicted just before its turn.
    assert.ok(hits - hitsBefore > 0, 'the second pass reuses what the first one kept');
    assert.ok(reads - readsBefore < readsBefore, 'and reads less than the first pass');
  });

  it('budgets full histories apart: a history over its budget is answered in full but not kept, and runs stay kept', async () => {
    backdate(root);
    const id = runDirs(root)[0];
    const file = path.join(root, EXP, id, 'metrics', 'long_probe');
    writeFileSync(file, Array.from({ length: 5000 }, (_, i) => `${1000 + i} ${i / 10} ${i}\n`).join(''));
    const store = new FileStore(root, { cache: { historyBudgetBytes: 1024 } });
    await store.searchRuns({ experimentIds: [EXP] });
    const kept = store.cacheStats().bytes;
    for (let i = 0; i < 2; i++) {
      const history = await store.getMetricHistory(id, 'long_probe');
      assert.equal(history.length, 5000);
      assert.deepEqual(history.at(-1), { key: 'long_probe', value: 499.9, timestamp: 5999, step: 4999 });
    }
    assert.ok(store.cacheStats().bytes < kept + 1024, 'the 5,000 points were not kept');
    const reads = store.cacheStats().reads;
    await store.searchRuns({ experimentIds: [EXP] });
    assert.equal(store.cacheStats().reads, reads, 'the runs are still kept');
  });
});
