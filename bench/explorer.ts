/**
 * Bench "run explorer": an experiment of 10,000 runs in the Runs view, through the real RunsModel and
 * RunsTreeProvider (src/explorer), loaded with a minimal `vscode` stub (bench/support/vscodeStub.ts)
 * injected through the module loader, against the generated SQLite store and the loopback MLflow
 * server. Baseline: the raw store call(s) alone (`searchRuns` with the view's query).
 *
 *   node --expose-gc --import tsx bench/explorer.ts        (bench/run.mjs runs it so)
 *
 * Drives the provider the way VS Code does: expanding a node calls getChildren, then getTreeItem for
 * every child; "Load more" fires a change on the experiment, and VS Code asks for all its children
 * (and their items) again. Not measured: VS Code serialising the items to the renderer.
 */
// First: from here on `require('vscode')` returns the stub (imports run in order).
import { stub } from './support/installVscodeStub';
import { readFile } from 'node:fs/promises';
import type { ActiveConnection, ActiveStore } from '../src/connection/activeStore';
import type { ExplorerNode, ExperimentNode, RunNode } from '../src/explorer/nodes';
import { RunsModel, nestRuns, type RunsViewOptions } from '../src/explorer/runsModel';
import { RunsTreeProvider } from '../src/explorer/runsTreeProvider';
import { HttpClient } from '../src/mlflow/http';
import { SqliteStore } from '../src/mlflow/local/sqliteStore';
import { RestStore } from '../src/mlflow/rest/restStore';
import type { TrackingStore } from '../src/mlflow/store';
import type { Run, RunQuery } from '../src/mlflow/types';
import { SQLITE_ENGINE, ensureDataset, loadSqlJs } from './support/dataset';
import { againstBaselineCells, collectGarbage, compare, loadNote, ms, repeat, reportFigure, summarise, table, timeOnce, type Samples } from './support/measure';
import { BenchMlflowServer } from './support/mlflowServer';

/** What ExplorerFeature passes by default (settings defaults; DEFAULT_ORDER in explorerFeature.ts). */
const VIEW_OPTIONS: RunsViewOptions = {
  pageSize: 100,
  orderBy: ['attributes.start_time DESC'],
  showDeletedExperiments: false,
  showDeletedRuns: false,
  pinned: new Set(),
};

interface View {
  model: RunsModel;
  provider: RunsTreeProvider;
  dispose(): void;
}

function openView(store: TrackingStore): View {
  const connection: ActiveConnection = {
    name: 'bench',
    trackingUri: 'bench',
    kind: store instanceof SqliteStore ? 'sqlite' : 'rest',
    store,
    processEnv: async () => ({}),
  };
  const activeStore: ActiveStore = { current: connection, onDidChange: () => ({ dispose: () => undefined }) };
  const model = new RunsModel(activeStore, VIEW_OPTIONS);
  const provider = new RunsTreeProvider(model, activeStore, () => undefined);
  return { model, provider, dispose: () => model.dispose() };
}

async function experimentNode(provider: RunsTreeProvider, experimentId: string): Promise<ExperimentNode> {
  const roots = await provider.getChildren();
  const node = roots.find((n): n is ExperimentNode => n.kind === 'experiment' && n.experiment.experimentId === experimentId);
  if (!node) throw new Error(`experiment ${experimentId} not listed: ${JSON.stringify(roots.map((r) => r.kind))}`);
  return node;
}

function rawQuery(experimentId: string, pageToken?: string): RunQuery {
  return { experimentIds: [experimentId], orderBy: VIEW_OPTIONS.orderBy, runViewType: 'ACTIVE_ONLY', maxResults: VIEW_OPTIONS.pageSize, pageToken };
}

async function rawAllPages(store: TrackingStore, experimentId: string): Promise<Run[]> {
  const runs: Run[] = [];
  let pageToken: string | undefined;
  do {
    const page = await store.searchRuns(rawQuery(experimentId, pageToken));
    runs.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return runs;
}

function allRunNodes(nodes: readonly RunNode[]): RunNode[] {
  return nodes.flatMap((node) => [node, ...allRunNodes(node.children)]);
}

interface Row {
  backend: string;
  operation: string;
  subject: Samples;
  baseline: Samples;
  baselineName: string;
  detail: string;
}

async function benchBackend(
  backend: string,
  store: TrackingStore,
  experimentId: string,
  runCount: number,
  { vsCodeLoop, loadingReps }: { vsCodeLoop: boolean; loadingReps: number },
): Promise<Row[]> {
  const rows: Row[] = [];
  const raw = 'raw searchRuns';

  // 1. First page: with the view open (experiments listed, untimed), expand the experiment:
  //    getChildren (store call + nesting) then a tree item for each child.
  let firstPage: ExplorerNode[] = [];
  const childrenMs: number[] = [];
  const first = await compare({
    warmup: 3,
    reps: 15,
    variants: {
      view: {
        setup: async () => {
          const view = openView(store);
          return { view, node: await experimentNode(view.provider, experimentId) };
        },
        run: async ({ view, node }: { view: View; node: ExperimentNode }) => {
          const t0 = performance.now();
          const children = await view.provider.getChildren(node);
          childrenMs.push(performance.now() - t0);
          for (const child of children) view.provider.getTreeItem(child);
          firstPage = children;
          view.dispose();
        },
      },
      raw: () => store.searchRuns(rawQuery(experimentId)),
    },
  });
  const topLevel = firstPage.filter((c) => c.kind === 'run').length;
  rows.push({
    backend,
    operation: 'first page: expand experiment → 100 runs → items',
    subject: first.view,
    baseline: first.raw,
    baselineName: `${raw} (1 page)`,
    detail: `${topLevel} top-level runs (+${100 - topLevel} nested) + Load more; getChildren alone ${ms(summarise(childrenMs.slice(-15)).median)}`,
  });
  process.stdout.write(`  ${backend}  first page: ${ms(first.view.median)} vs ${ms(first.raw.median)}\n`);

  // 2. "Load more" until all runs are loaded (the model's paging alone).
  let loadMores = 0;
  let loadedView: View | undefined;
  const loading = await compare({
    warmup: 0,
    reps: loadingReps,
    variants: {
      view: {
        setup: async () => {
          loadedView?.dispose();
          const view = openView(store);
          await experimentNode(view.provider, experimentId);
          return view;
        },
        run: async (view: View) => {
          // The first page, then Load more until it adds nothing (getRuns would nest all loaded
          // runs on every turn; that cost belongs to the VS Code-driven pass below).
          await view.model.getRuns(experimentId);
          loadMores = 0;
          for (let loaded = view.model.loadedRuns().length; ; loadMores++) {
            await view.model.loadMore(experimentId);
            const now = view.model.loadedRuns().length;
            if (now === loaded) break;
            loaded = now;
          }
          loadedView = view;
        },
      },
      raw: () => rawAllPages(store, experimentId),
    },
  });
  rows.push({
    backend,
    operation: `first page + Load more ×${loadMores} → all ${runCount.toLocaleString('en-US')} runs (model only)`,
    subject: loading.view,
    baseline: loading.raw,
    baselineName: `${raw} (${loadMores + 1} pages)`,
    detail: `pages of ${VIEW_OPTIONS.pageSize}; ${loadingReps === 1 ? '1 pass' : `median of ${loadingReps}`}`,
  });
  process.stdout.write(`  ${backend}  load more: ${ms(loading.view.median)} vs ${ms(loading.raw.median)}\n`);

  // 3. With all runs loaded: the experiment's children (nesting every loaded run) and an item for
  //    every run, nested ones included (as if every sweep were expanded).
  const view = loadedView ?? openView(store);
  const node = await experimentNode(view.provider, experimentId);
  const runNodes = allRunNodes((await view.provider.getChildren(node)).filter((c): c is RunNode => c.kind === 'run'));
  const items = await compare({
    warmup: 1,
    reps: 5,
    variants: {
      items: async () => {
        const children = await view.provider.getChildren(node);
        for (const run of allRunNodes(children.filter((c): c is RunNode => c.kind === 'run'))) view.provider.getTreeItem(run);
      },
    },
  });
  const nestOnly = await repeat(5, () => nestRuns(view.model.loadedRuns()));
  rows.push({
    backend,
    operation: `items for all ${runNodes.length.toLocaleString('en-US')} loaded runs, once`,
    subject: items.items,
    baseline: loading.raw,
    baselineName: `${raw} (${loadMores + 1} pages)`,
    detail: `nested included; nestRuns alone ${ms(nestOnly.median)}; ${ms((items.items.median / runNodes.length) * 1000)} per 1,000 items`,
  });
  process.stdout.write(`  ${backend}  all items: ${ms(items.items.median)}\n`);
  view.dispose();

  // 4. The same loading as VS Code drives it: every "Load more" fires a change on the experiment, and
  //    VS Code fetches all its children again and asks an item for each. One pass: it grows with the
  //    square of the pages (~414,000 items for 10,000 runs) and takes seconds; the store part is
  //    the same for both backends, so it runs on one.
  if (vsCodeLoop) {
    const loop = openView(store);
    const loopNode = await experimentNode(loop.provider, experimentId);
    let itemsBuilt = 0;
    let itemMs = 0;
    const total = await timeOnce(async () => {
      let children = await loop.provider.getChildren(loopNode);
      for (;;) {
        const t0 = performance.now();
        for (const child of children) loop.provider.getTreeItem(child);
        itemMs += performance.now() - t0;
        itemsBuilt += children.length;
        const more = children.find((c) => c.kind === 'loadMore');
        if (!more || more.kind !== 'loadMore') break;
        await loop.model.loadMore(more.experimentId);
        children = await loop.provider.getChildren(loopNode);
      }
    });
    loop.dispose();
    rows.push({
      backend,
      operation: `all ${runCount.toLocaleString('en-US')} runs as VS Code loads them (1 pass)`,
      subject: summarise([total]),
      baseline: loading.raw,
      baselineName: `${raw} (${loadMores + 1} pages)`,
      detail: `items rebuilt after each Load more: ${itemsBuilt.toLocaleString('en-US')} getTreeItem calls, ${ms(itemMs)}`,
    });
    process.stdout.write(`  ${backend}  load all, VS Code's way: ${ms(total)}\n`);
  }
  return rows;
}

async function main(): Promise<void> {
  const dataset = await ensureDataset((line) => console.log(line));
  console.log(
    `explorer bench: experiment of ${dataset.runCount.toLocaleString('en-US')} runs (every 50th a sweep parent of 9 children), page size ${VIEW_OPTIONS.pageSize}; ` +
      `RunsModel + RunsTreeProvider loaded with a minimal vscode stub; medians; ${loadNote()}`,
  );
  const SQL = await loadSqlJs();
  const serverDb = new SQL.Database(await readFile(dataset.dbFile));
  const server = await BenchMlflowServer.start(serverDb);
  const sqlite = new SqliteStore(dataset.dbFile, { engine: SQLITE_ENGINE });
  const rest = new RestStore(new HttpClient({ baseUrl: server.baseUrl }));
  const rows: Row[] = [];
  try {
    await sqlite.capabilities();
    // SQLite pages cost ~40 ms each here (every page sorts all 10,000 runs), so its full load runs once.
    rows.push(...(await benchBackend('SQLite', sqlite, dataset.experimentId, dataset.runCount, { vsCodeLoop: false, loadingReps: 1 })));
    rows.push(...(await benchBackend('REST', rest, dataset.experimentId, dataset.runCount, { vsCodeLoop: true, loadingReps: 3 })));
  } finally {
    rest.dispose();
    sqlite.dispose();
    await server.close();
    serverDb.close();
    collectGarbage();
  }
  console.log('');
  console.log(
    table(
      ['backend', 'operation', 'explorer', '(min)', 'baseline', '(min)', 'baseline is', 'over baseline', 'detail'],
      rows.map((r) => [
        r.backend,
        r.operation,
        ...againstBaselineCells(r.subject, r.baseline, r.baselineName),
        r.detail,
      ]),
    ),
  );
  console.log('');
  const fallbacks = [...stub.unimplemented];
  console.log(`vscode stub: TreeItem, ThemeIcon, MarkdownString (with VS Code's escaping) and EventEmitter implemented${fallbacks.length ? `; generic fallback used for ${fallbacks.join(', ')}` : ''}.`);
  console.log(`(${loadNote()} at the end)`);
  for (const r of rows) {
    reportFigure({ bench: 'explorer', name: `${r.backend}: ${r.operation}`, value: r.subject.median, unit: 'ms', baselineName: r.baselineName, baseline: r.baseline.median, note: r.detail });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
