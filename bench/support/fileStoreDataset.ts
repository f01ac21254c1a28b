import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { mapLimit } from '../../src/mlflow/local/fileStoreFiles';
import { hexFrom, seededRandom } from './random';

/**
 * The file-store benches' data: an MLflow FileStore (`mlruns/`) laid out exactly as MLflow 2.17 and 3.x
 * write it (see test/fixtures/mlflow-2.17.2/file-store), generated deterministically into $TMPDIR/mlflow-workbench-bench/
 * at bench time (about a million small files, so it is never committed) and reused while
 * GENERATOR_VERSION is unchanged:
 *
 * - experiment 1: 100,000 runs, each with meta.yaml, 4 params, 4 tags and 3 metrics of one line;
 * - experiment 2: 10 runs, each with a `loss` history of 200,000 steps (about 5 MB a file).
 */

/**
 * Outside the repository: a million files inside it would make every tool that walks the tree (vsce
 * package, file watchers) crawl. MLFLOW_BENCH_DATA overrides it.
 */
const CACHE_DIR = process.env.MLFLOW_BENCH_DATA ?? path.join(tmpdir(), 'mlflow-workbench-bench');
const GENERATOR_VERSION = 1;

export const FS_RUN_COUNT = 100_000;
export const FS_HISTORY_RUNS = 10;
export const FS_HISTORY_STEPS = 200_000;
export const FS_HISTORY_KEY = 'loss';

export interface FileStoreDataset {
  root: string;
  /** The experiment with FS_RUN_COUNT runs. */
  manyRunsExperimentId: string;
  runCount: number;
  /** The experiment with the long histories. */
  historyExperimentId: string;
  historyRunIds: string[];
  historyKey: string;
  historySteps: number;
  files: number;
}

const START_TIME = 1_700_000_000_000;

function experimentMeta(root: string, id: string, name: string): string {
  return [
    `artifact_location: file://${root}/${id}`,
    `creation_time: ${START_TIME}`,
    `experiment_id: '${id}'`,
    `last_update_time: ${START_TIME}`,
    'lifecycle_stage: active',
    `name: ${name}`,
    '',
  ].join('\n');
}

/** A run's meta.yaml as MLflow's FileStore writes it (status as the protobuf number, 3 = FINISHED). */
function runMeta(root: string, experimentId: string, runId: string, name: string, start: number, status: number): string {
  return [
    `artifact_uri: file://${root}/${experimentId}/${runId}/artifacts`,
    status === 1 ? 'end_time: null' : `end_time: ${start + 45_000}`,
    "entry_point_name: ''",
    `experiment_id: '${experimentId}'`,
    'lifecycle_stage: active',
    `run_id: ${runId}`,
    `run_name: ${name}`,
    "source_name: ''",
    'source_type: 4',
    "source_version: ''",
    `start_time: ${start}`,
    `status: ${status}`,
    'tags: []',
    'user_id: bench',
    '',
  ].join('\n');
}

interface RunFiles {
  dir: string;
  files: [string, string][];
}

async function writeRun({ dir, files }: RunFiles): Promise<void> {
  await mkdir(path.join(dir, 'artifacts'), { recursive: true });
  await Promise.all(['params', 'tags', 'metrics'].map((d) => mkdir(path.join(dir, d), { recursive: true })));
  await Promise.all(files.map(([name, content]) => writeFile(path.join(dir, name), content)));
}

/** The cached store, generated first when missing or stale. */
export async function ensureFileStoreDataset(log: (line: string) => void = () => undefined): Promise<FileStoreDataset> {
  const base = path.join(CACHE_DIR, `mlruns-bench-v${GENERATOR_VERSION}`);
  const metaFile = `${base}.json`;
  // The root is where the data is now (the folder may have been moved), not where it was generated.
  if (existsSync(base) && existsSync(metaFile)) return { ...(JSON.parse(readFileSync(metaFile, 'utf8')) as FileStoreDataset), root: path.join(base, 'mlruns') };
  mkdirSync(CACHE_DIR, { recursive: true });
  const work = `${base}.part`;
  rmSync(work, { recursive: true, force: true });
  const root = path.join(base, 'mlruns');
  const workRoot = path.join(work, 'mlruns');
  log(`generating the file-store bench data (${FS_RUN_COUNT.toLocaleString('en-US')} runs; ${FS_HISTORY_RUNS} × ${FS_HISTORY_STEPS.toLocaleString('en-US')} steps) into ${base} …`);
  const t0 = performance.now();
  const random = seededRandom(15_000);
  const hex = hexFrom(random);
  let files = 0;
  mkdirSync(path.join(workRoot, '0'), { recursive: true });
  writeFileSync(path.join(workRoot, '0', 'meta.yaml'), experimentMeta(root, '0', 'Default'));
  for (const [id, name] of [['1', 'bench-100k-runs'], ['2', 'bench-long-histories']]) {
    mkdirSync(path.join(workRoot, id), { recursive: true });
    writeFileSync(path.join(workRoot, id, 'meta.yaml'), experimentMeta(root, id, name));
  }

  const runs: RunFiles[] = [];
  for (let i = 0; i < FS_RUN_COUNT; i++) {
    const runId = hex(32);
    const name = `run-${i}`;
    const start = START_TIME + i * 60_000;
    const status = i >= FS_RUN_COUNT - 2 ? 1 : i % 97 === 0 ? 4 : 3;
    const quality = 0.5 + 0.45 * random();
    const lastTimestamp = start + 25_000;
    runs.push({
      dir: path.join(workRoot, '1', runId),
      files: [
        ['meta.yaml', runMeta(root, '1', runId, name, start, status)],
        ['params/learning_rate', String([0.1, 0.03, 0.01, 0.003, 0.001][i % 5])],
        ['params/batch_size', String([32, 64, 128, 256][i % 4])],
        ['params/optimizer', ['adam', 'sgd', 'adamw'][i % 3]],
        ['params/seed', String(i)],
        ['tags/mlflow.runName', name],
        ['tags/mlflow.user', 'bench'],
        ['tags/mlflow.source.name', 'train.py'],
        ['tags/team', ['vision', 'nlp', 'tabular'][i % 3]],
        ['metrics/loss', `${lastTimestamp} ${1 - quality} 99\n`],
        ['metrics/accuracy', `${lastTimestamp} ${quality} 99\n`],
        ['metrics/val_accuracy', `${lastTimestamp} ${quality - 0.03 * random()} 99\n`],
      ],
    });
    if (runs.length === 2000 || i === FS_RUN_COUNT - 1) {
      await mapLimit(runs, 64, writeRun);
      files += runs.reduce((n, r) => n + r.files.length, 0);
      runs.length = 0;
      if ((i + 1) % 20_000 === 0) log(`  ${(i + 1).toLocaleString('en-US')} runs`);
    }
  }

  const historyRunIds: string[] = [];
  for (let r = 0; r < FS_HISTORY_RUNS; r++) {
    const runId = hex(32);
    historyRunIds.push(runId);
    const start = START_TIME + r * 3_600_000;
    const lines: string[] = [];
    for (let step = 0; step < FS_HISTORY_STEPS; step++) {
      const value = (1 + r / 10) * Math.exp(-step / (FS_HISTORY_STEPS / 4)) + 0.02 * Math.sin(step / 7 + r) + 0.01 * random();
      lines.push(`${start + step * 10} ${value} ${step}`);
    }
    await writeRun({
      dir: path.join(workRoot, '2', runId),
      files: [
        ['meta.yaml', runMeta(root, '2', runId, `long-${r}`, start, 3)],
        ['params/learning_rate', '0.01'],
        ['tags/mlflow.runName', `long-${r}`],
        ['metrics/loss', `${lines.join('\n')}\n`],
      ],
    });
    files += 4;
  }
  renameSync(work, base);
  const dataset: FileStoreDataset = {
    root,
    manyRunsExperimentId: '1',
    runCount: FS_RUN_COUNT,
    historyExperimentId: '2',
    // Newest first, the default order.
    historyRunIds: historyRunIds.reverse(),
    historyKey: FS_HISTORY_KEY,
    historySteps: FS_HISTORY_STEPS,
    files,
  };
  writeFileSync(metaFile, JSON.stringify(dataset, null, 2));
  log(`generated in ${((performance.now() - t0) / 1000).toFixed(1)} s (${files.toLocaleString('en-US')} files)`);
  return dataset;
}
