import * as assert from 'assert';
import * as v8 from 'v8';
import * as vm from 'vm';
import type { ExperimentNode, ExplorerNode, RunNode, RunSectionNode } from '../../src/explorer/nodes';
import type { Workbench } from '../../src/workbench';
import { longHistories, manyArtifacts, manyExperiments, manyRuns } from '../support/hostile';
import type { Dataset } from '../support/mlflowServer/dataset';
import { startMlflowServer, type FaultHook, type MlflowServer } from '../support/mlflowServer/server';
import { activateExtension } from './support';

/**
 * The real extension against stores far larger than any view may fetch whole: 10,000 experiments, an
 * experiment with 100,000 runs, 100 runs × 100,000 steps, 5,000 artifacts in one folder. What keeps the
 * views responsive is asserted on the server's request log (pages of the configured size, sampled
 * histories, one listing). The time and the extension host's heap growth of each case are printed
 * (`load: …` lines); time is not asserted (a shared CI machine is not stable), the heap against a
 * generous bound after a real full GC. Without a full GC the bound means nothing, so the case fails.
 */

const MB = 1024 * 1024;

/**
 * V8's full collection. The extension host is not started with --expose-gc; setting the flag now makes
 * `gc` available in a new context (the process is otherwise unaffected). Undefined if V8 refuses.
 */
function fullGc(): (() => void) | undefined {
  const global = (globalThis as { gc?: () => void }).gc;
  if (global) return global;
  try {
    v8.setFlagsFromString('--expose-gc');
    return vm.runInNewContext('gc') as () => void;
  } catch {
    return undefined;
  }
}

/** heapUsed after full collections; fails when V8 offers no full GC (a heap figure without one is noise). */
async function heapUsed(): Promise<number> {
  const gc = fullGc();
  assert.ok(gc, 'a full GC is available (--expose-gc): without it the heap bound cannot be checked');
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

/** A generous bound on what browsing one case may leave on the heap; asserted only after a real GC. */
const MAX_GROWTH = 300 * MB;

describe('Load: paged and sampled views over enormous stores', function () {
  this.timeout(120_000);
  let workbench: Workbench;
  let original: string | undefined;
  let server: MlflowServer | undefined;

  const provider = () => workbench.explorer.provider;
  const maxResultsOf = (body: unknown): unknown => (body as { max_results?: unknown } | null)?.max_results;

  before(async () => {
    workbench = await activateExtension();
    await workbench.ready;
    original = workbench.connections.current?.name;
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  after(async () => {
    if (original) await workbench?.connections.select(original);
  });

  /**
   * Serves `dataset`, connects the extension to it, runs `browse`, and prints how long it took and how
   * much the extension host's heap grew (the server's own data is in the baseline).
   */
  async function browse<T>(what: string, dataset: Dataset, browse: (server: MlflowServer) => Promise<T>, faults?: FaultHook): Promise<T> {
    server = await startMlflowServer({ dataset, faults });
    const baseline = await heapUsed();
    const started = Date.now();
    await workbench.connections.connectTo(`load: ${what}`, server.baseUrl);
    const result = await browse(server);
    const elapsed = Date.now() - started;
    const after = await heapUsed();
    const growth = after - baseline;
    console.log(`load: ${what}: ${elapsed} ms, ${server.count()} requests, heap ${growth >= 0 ? '+' : ''}${(growth / MB).toFixed(1)} MB (${(after / MB).toFixed(0)} MB in use)`);
    assert.ok(growth < MAX_GROWTH, `the heap grew by ${(growth / MB).toFixed(0)} MB browsing ${what}`);
    return result;
  }

  it('10,000 experiments: all listed, in 10 requests of 1,000, each tree item built at once', async () => {
    await browse('10,000 experiments', manyExperiments(10_000), async (s) => {
      const nodes = await provider().getChildren();
      assert.strictEqual(nodes.filter((n) => n.kind === 'experiment').length, 10_000);
      const searches = s.requests.filter((r) => r.path.endsWith('/experiments/search'));
      assert.strictEqual(searches.length, 10);
      assert.ok(searches.every((r) => maxResultsOf(r.body) === 1000), 'pages of 1,000');
      const started = Date.now();
      const labels = nodes.map((n) => provider().getTreeItem(n).label);
      console.log(`load: 10,000 experiment tree items built in ${Date.now() - started} ms`);
      assert.strictEqual(new Set(labels).size, 10_000);
    });
  });

  it('a server with more experiments than the view loads: 50 pages, then a message saying so', async () => {
    // Every experiments/search page is full and has a next page, as on a server with millions of them.
    const endless: FaultHook = (r) => {
      if (!r.path.endsWith('/experiments/search')) return undefined;
      const experiments = Array.from({ length: 2 }, (_, i) => ({ experiment_id: String(r.index * 10 + i), name: `exp-${r.index}-${i}`, lifecycle_stage: 'active' }));
      return { status: 200, body: { experiments, next_page_token: `page-${r.index + 1}` } };
    };
    await browse('endless experiments', manyExperiments(1), async (s) => {
      const nodes = await provider().getChildren();
      assert.strictEqual(s.requests.filter((r) => r.path.endsWith('/experiments/search')).length, 50);
      assert.strictEqual(nodes.filter((n) => n.kind === 'experiment').length, 100);
      const last = nodes.at(-1);
      assert.ok(last?.kind === 'message', 'the last item is the message');
      // 50 pages of 2: the message counts what was loaded, not the cap of 50 full pages.
      assert.strictEqual(last.text, 'The server has more experiments than the view loads: the 100 most recently updated are loaded.');
    }, endless);
  });

  it('an experiment with 100,000 runs: expanding it is one request of the page size, "Load more" one more', async () => {
    await browse('100,000 runs', manyRuns(100_000), async (s) => {
      const [experiment] = (await provider().getChildren()) as ExperimentNode[];
      assert.strictEqual(experiment?.kind, 'experiment');
      // The visible tree may expand the experiment itself (restored expansion state); the model shares
      // one request between it and this call, so count runs/search requests, whoever asked first.
      const first = await provider().getChildren(experiment);
      const pageSize = workbench.explorer.model.viewOptions.pageSize;
      assert.strictEqual(first.filter((n) => n.kind === 'run').length, pageSize);
      const loadMore = first.at(-1);
      assert.strictEqual(loadMore?.kind, 'loadMore');
      const runSearches = () => s.requests.filter((r) => r.path.endsWith('/runs/search'));
      assert.deepStrictEqual(runSearches().map((r) => maxResultsOf(r.body)), [pageSize]);
      await workbench.explorer.model.loadMore(experiment.experiment.experimentId);
      const second = await provider().getChildren(experiment);
      assert.strictEqual(second.filter((n) => n.kind === 'run').length, 2 * pageSize);
      assert.strictEqual(runSearches().length, 2);
      assert.ok((runSearches()[1]!.body as { page_token?: unknown }).page_token, 'the second page continues from the token');
    });
  });

  it('100 runs × 100,000 steps: the charts panel draws every run from one sampled request, never the full histories', async () => {
    const long = longHistories(100, 100_000);
    await browse(
      '100 runs × 100,000 steps (charts)',
      long.dataset,
      async (s) => {
        const panel = workbench.charts.openCharts({ runIds: [], experimentId: '1' });
        try {
          const summary = await panel.whenRendered((r) => r.charts.length === 1 && !r.charts[0].loading && Object.keys(r.charts[0].points).length === 100, 90_000);
          const points = Object.values(summary.charts[0].points);
          assert.ok(points.every((n) => n > 900 && n <= 1001), `about 1,000 points per run, not 100,000: ${Math.min(...points)}–${Math.max(...points)}`);
          assert.strictEqual(s.count('metrics/get-history-bulk-interval'), 1, 'one sampled request for all 100 runs');
          assert.deepStrictEqual(s.requests.find((r) => r.path.endsWith('/get-history-bulk-interval'))?.query.max_results, ['1000']);
          assert.strictEqual(s.count('metrics/get-history'), 0, 'no full history fetched');
          // The full histories in the same JSON would be about 1.5 GB.
          assert.ok(long.sentBytes < 32 * MB, `${(long.sentBytes / MB).toFixed(1)} MB of history sent`);
          console.log(`load: charts of 100 runs × 100,000 steps from ${(long.sentBytes / MB).toFixed(1)} MB of sampled history`);
        } finally {
          panel.dispose();
        }
      },
      long.faults,
    );
  });

  it("5,000 artifacts in one folder: one listing request, every item at once", async () => {
    const { dataset, runId } = manyArtifacts(5_000);
    await browse('5,000 artifacts', dataset, async (s) => {
      const [experiment] = (await provider().getChildren()) as ExperimentNode[];
      const run = (await provider().getChildren(experiment)).find((n): n is RunNode => n.kind === 'run' && n.run.info.runId === runId);
      assert.ok(run);
      const section = (await provider().getChildren(run)).find((n): n is RunSectionNode => n.kind === 'section' && n.section === 'artifacts');
      assert.ok(section);
      const [folder] = await provider().getChildren(section);
      s.clearRequests();
      const files: ExplorerNode[] = await provider().getChildren(folder);
      assert.strictEqual(files.filter((n) => n.kind === 'artifact').length, 5_000);
      assert.strictEqual(s.count('artifacts/list'), 1);
      const started = Date.now();
      files.forEach((n) => provider().getTreeItem(n));
      console.log(`load: 5,000 artifact tree items built in ${Date.now() - started} ms`);
    });
  });
});
