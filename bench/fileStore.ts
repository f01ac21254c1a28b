/**
 * Bench "file store": MLflow's legacy `mlruns/` FileStore at 100,000 runs and at 10 runs × 200,000
 * steps (generated into $TMPDIR at the first run, see support/fileStoreDataset.ts), each figure
 * beside the same files read with plain Node fs: readdir + readFile with 32 reads in flight (what a
 * reader that does not block its event loop pays), and for the pages also a plain readFileSync loop
 * (the cheapest way Node reads them at all; the store reads in short synchronous slices). Metric
 * files' baseline is reading them and splitting their lines.
 *
 *   node --expose-gc --import tsx bench/fileStore.ts        (bench/run.mjs runs it so)
 *
 * Prints medians and the store's cache size, and asserts nothing.
 */
import { readFile, readdir } from 'node:fs/promises';
import { appendFileSync, readFileSync, readdirSync, truncateSync } from 'node:fs';
import * as path from 'node:path';
import { FileStore } from '../src/mlflow/local/fileStore';
import { mapLimit } from '../src/mlflow/local/fileStoreFiles';
import type { Page, Run } from '../src/mlflow/types';
import { type FileStoreDataset, ensureFileStoreDataset } from './support/fileStoreDataset';
import { againstBaselineCells, bytes, collectGarbage, compare, loadNote, ms, overhead, reportFigure, table, type Samples } from './support/measure';

const PARALLEL = 32;
const PAGE = 100;
const SAMPLED_POINTS = 1000;

interface Row {
  scenario: string;
  client: Samples;
  baseline: Samples;
  baselineName: string;
  /** A second baseline where measured: the readFileSync loop (pages), or the lines' numbers parsed too (histories). */
  sync?: Samples;
  note: string;
}


/** Every run folder's meta.yaml: what any page of an experiment must look at. */
async function readAllMeta(experimentDir: string, also?: (runId: string) => string[]): Promise<void> {
  const ids = (await readdir(experimentDir, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  await mapLimit(ids, PARALLEL, async (id) => {
    await readFile(path.join(experimentDir, id, 'meta.yaml'), 'utf8').catch(() => undefined);
    for (const file of also?.(id) ?? []) await readFile(path.join(experimentDir, id, file), 'utf8').catch(() => undefined);
  });
}

/** readAllMeta with readFileSync, one file after the other. */
function readAllMetaSync(experimentDir: string, also?: (runId: string) => string[]): void {
  for (const entry of readdirSync(experimentDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    for (const file of ['meta.yaml', ...(also?.(entry.name) ?? [])]) {
      try {
        readFileSync(path.join(experimentDir, entry.name, file), 'utf8');
      } catch {
        // Not a run folder.
      }
    }
  }
}

/** A metric file read and split into its lines: the least any reader of its points does. */
async function readLines(file: string): Promise<number> {
  return (await readFile(file, 'utf8')).split('\n').length;
}

/** A metric file read, split into lines and its numbers parsed with Number(): what reading the points takes. */
async function readPoints(file: string): Promise<number> {
  let sum = 0;
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    const [timestamp, value, step] = line.split(' ');
    if (step !== undefined) sum += Number(timestamp) + Number(value) + Number(step);
  }
  return sum;
}

/** The files of the runs on a page, read in full (params, tags, metrics folders). */
async function readRunFiles(experimentDir: string, runIds: readonly string[]): Promise<void> {
  await mapLimit(runIds, PARALLEL, async (id) => {
    for (const folder of ['params', 'tags', 'metrics']) {
      const dir = path.join(experimentDir, id, folder);
      const names = await readdir(dir).catch(() => [] as string[]);
      await Promise.all(names.map((name) => readFile(path.join(dir, name), 'utf8')));
    }
  });
}

const idsOf = (page: Page<Run>): string[] => page.items.map((r) => r.info.runId);

async function main(): Promise<void> {
  const dataset: FileStoreDataset = await ensureFileStoreDataset((line) => console.log(line));
  const manyDir = path.join(dataset.root, dataset.manyRunsExperimentId);
  const historyDir = path.join(dataset.root, dataset.historyExperimentId);
  console.log(
    `file-store bench: ${dataset.runCount.toLocaleString('en-US')} runs in one experiment (${dataset.files.toLocaleString('en-US')} files), ` +
      `${dataset.historyRunIds.length} × ${dataset.historySteps.toLocaleString('en-US')}-step histories; medians, interleaved, GC before each timing; ${loadNote()}`,
  );
  const rows: Row[] = [];
  const experimentIds = [dataset.manyRunsExperimentId];

  // First page, cold: a new store (nothing parsed yet) against reading every meta.yaml and the page's files.
  let firstPage: Page<Run> = { items: [] };
  const cold = await compare({
    warmup: 0,
    reps: 3,
    variants: {
      client: async () => {
        const store = new FileStore(dataset.root);
        firstPage = await store.searchRuns({ experimentIds, maxResults: PAGE });
        store.dispose();
      },
      plainFs: async () => {
        await readAllMeta(manyDir);
        await readRunFiles(manyDir, idsOf(firstPage));
      },
      plainFsSync: async () => {
        readAllMetaSync(manyDir);
        await readRunFiles(manyDir, idsOf(firstPage));
      },
    },
  });
  rows.push({ scenario: `first page of ${PAGE} (${dataset.runCount.toLocaleString('en-US')} runs), new store`, client: cold.client, baseline: cold.plainFs, sync: cold.plainFsSync, baselineName: 'every meta.yaml + the page\'s files', note: 'reads and parses every meta.yaml' });
  progress(rows.at(-1));

  // Next pages: one store, as the Runs view keeps it.
  const store = new FileStore(dataset.root);
  collectGarbage();
  const heapBefore = process.memoryUsage().heapUsed;
  const page1 = await store.searchRuns({ experimentIds, maxResults: PAGE });
  collectGarbage();
  const heapAfterFirst = process.memoryUsage().heapUsed;
  let token = page1.nextPageToken;
  let pageIds = idsOf(page1);
  const next = await compare({
    warmup: 1,
    reps: 5,
    variants: {
      client: async () => {
        const page = await store.searchRuns({ experimentIds, maxResults: PAGE, pageToken: token });
        pageIds = idsOf(page);
        token = page.nextPageToken ?? page1.nextPageToken;
      },
      plainFs: async () => {
        await readAllMeta(manyDir);
        await readRunFiles(manyDir, pageIds);
      },
      plainFsSync: async () => {
        readAllMetaSync(manyDir);
        await readRunFiles(manyDir, pageIds);
      },
    },
  });
  collectGarbage();
  const heapAfter = process.memoryUsage().heapUsed;
  rows.push({ scenario: `next page of ${PAGE} (${dataset.runCount.toLocaleString('en-US')} runs)`, client: next.client, baseline: next.plainFs, sync: next.plainFsSync, baselineName: 'every meta.yaml + the page\'s files', note: `1 stat per run${store.cacheStats().asynchronous ? ' (went async)' : ''}; cache ${bytes(store.cacheStats().bytes)}, heap +${bytes(heapAfterFirst - heapBefore)} after the first page, +${bytes(heapAfter - heapBefore)} after 6 more` });
  progress(rows.at(-1));

  // A filter and an order on a metric: the metric file of every run is needed.
  const metricQuery = { experimentIds, maxResults: PAGE, filter: 'metrics.accuracy > 0.9', orderBy: ['metrics.accuracy DESC'] };
  let metricPageIds: string[] = [];
  await store.searchRuns(metricQuery);
  const metric = await compare({
    warmup: 1,
    reps: 3,
    variants: {
      client: async () => {
        metricPageIds = idsOf(await store.searchRuns(metricQuery));
      },
      plainFs: async () => {
        await readAllMeta(manyDir, () => ['metrics/accuracy']);
        await readRunFiles(manyDir, metricPageIds);
      },
      plainFsSync: async () => {
        readAllMetaSync(manyDir, () => ['metrics/accuracy']);
        await readRunFiles(manyDir, metricPageIds);
      },
    },
  });
  rows.push({ scenario: `filter + order by a metric, page of ${PAGE}`, client: metric.client, baseline: metric.plainFs, sync: metric.plainFsSync, baselineName: 'every meta.yaml + metric file + page', note: `2 stats per run; cache ${bytes(store.cacheStats().bytes)}` });
  progress(rows.at(-1));

  // Long histories.
  const [longRun] = dataset.historyRunIds;
  const metricFile = (runId: string) => path.join(historyDir, runId, 'metrics', dataset.historyKey);
  const historyCold = await compare({
    warmup: 1,
    reps: 5,
    variants: {
      client: async () => {
        const fresh = new FileStore(dataset.root);
        await fresh.getMetricHistory(longRun, dataset.historyKey);
        fresh.dispose();
      },
      plainFs: () => readLines(metricFile(longRun)),
      parsed: () => readPoints(metricFile(longRun)),
    },
  });
  rows.push({ scenario: `one ${dataset.historySteps.toLocaleString('en-US')}-step history, new store`, client: historyCold.client, baseline: historyCold.plainFs, sync: historyCold.parsed, baselineName: 'readFile + split of the metric file', note: `${bytes(readFileSync(metricFile(longRun)).length)} parsed` });
  progress(rows.at(-1));

  await store.getMetricHistory(longRun, dataset.historyKey);
  const historyWarm = await compare({
    warmup: 1,
    reps: 9,
    variants: {
      client: () => store.getMetricHistory(longRun, dataset.historyKey),
      plainFs: () => readLines(metricFile(longRun)),
    },
  });
  rows.push({ scenario: `the same history again`, client: historyWarm.client, baseline: historyWarm.plainFs, baselineName: 'readFile + split of the metric file', note: '1 stat; points rebuilt from the kept columns' });
  progress(rows.at(-1));

  const sampledQuery = { runIds: dataset.historyRunIds, metricKey: dataset.historyKey, maxResults: SAMPLED_POINTS };
  const readAllLines = () => mapLimit(dataset.historyRunIds, PARALLEL, (id) => readLines(metricFile(id)));
  const sampledCold = await compare({
    warmup: 1,
    reps: 3,
    variants: {
      client: async () => {
        const fresh = new FileStore(dataset.root);
        await fresh.getSampledHistories(sampledQuery);
        fresh.dispose();
      },
      plainFs: readAllLines,
      parsed: () => mapLimit(dataset.historyRunIds, PARALLEL, (id) => readPoints(metricFile(id))),
    },
  });
  rows.push({ scenario: `sampled histories, ${dataset.historyRunIds.length} runs × ${SAMPLED_POINTS.toLocaleString('en-US')} points, new store`, client: sampledCold.client, baseline: sampledCold.plainFs, sync: sampledCold.parsed, baselineName: 'readFile + split of the 10 metric files', note: 'scans 2,000,000 lines into columns' });
  progress(rows.at(-1));
  await store.getSampledHistories(sampledQuery);
  const sampled = await compare({
    warmup: 1,
    reps: 5,
    variants: {
      client: () => store.getSampledHistories(sampledQuery),
      plainFs: readAllLines,
    },
  });
  rows.push({ scenario: `the same sampled histories again`, client: sampled.client, baseline: sampled.plainFs, baselineName: 'readFile + split of the 10 metric files', note: `10 stats, sampled from the kept columns; cache ${bytes(store.cacheStats().bytes)}` });
  progress(rows.at(-1));

  // A live run: 100 new lines since the last look.
  const liveFile = metricFile(dataset.historyRunIds[1]);
  const originalSize = readFileSync(liveFile).length;
  let step = dataset.historySteps;
  try {
    await store.getMetricHistory(dataset.historyRunIds[1], dataset.historyKey);
    const live = await compare({
      warmup: 1,
      reps: 9,
      variants: {
        client: {
          setup: () => {
            const lines: string[] = [];
            for (let i = 0; i < 100; i++, step++) lines.push(`${1_800_000_000_000 + step} 0.5 ${step}`);
            appendFileSync(liveFile, `${lines.join('\n')}\n`);
          },
          run: () => store.getMetricHistory(dataset.historyRunIds[1], dataset.historyKey),
        },
        plainFs: () => readLines(liveFile),
      },
    });
    rows.push({ scenario: 'a live history, 100 lines appended since the last read', client: live.client, baseline: live.plainFs, baselineName: 'readFile + split of the metric file', note: 'reads the appended bytes only' });
    progress(rows.at(-1));
  } finally {
    truncateSync(liveFile, originalSize);
  }
  store.dispose();

  console.log('');
  console.log(
    table(
      ['operation', 'client', '(min)', 'plain fs', '(min)', 'baseline is', 'vs plain fs', 'sync loop / + Number()', 'vs it', 'note'],
      rows.map((r) => [
        r.scenario,
        ...againstBaselineCells(r.client, r.baseline, r.baselineName),
        r.sync ? ms(r.sync.median) : '',
        r.sync ? overhead(r.client.median, r.sync.median) : '',
        r.note,
      ]),
    ),
  );
  console.log(`(${loadNote()} at the end)`);
  for (const r of rows) {
    reportFigure({ bench: 'filestore', name: `FileStore: ${r.scenario}`, value: r.client.median, unit: 'ms', baselineName: `plain fs: ${r.baselineName}`, baseline: r.baseline.median, note: r.note });
  }
}

function progress(row: Row | undefined): void {
  if (row) process.stdout.write(`  ${row.scenario}: ${ms(row.client.median)} vs plain fs ${ms(row.baseline.median)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
