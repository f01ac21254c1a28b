import * as path from 'node:path';
import type { DatasetInput, Experiment, Run, RunInfo, RunStatus } from '../types';
import { setEntry } from '../values';
import type { FileStoreCache } from './fileStoreCache';
import { type Yaml, listDirs, listKeys, num, str } from './fileStoreFiles';

/**
 * Experiments and runs of MLflow's legacy FileStore: `<root>/<exp>/meta.yaml` (+ `tags/`), deleted
 * experiments under `<root>/.trash/<exp>`, and `<exp>/<run>/{meta.yaml, metrics/, params/, tags/,
 * inputs/}` with datasets in `<exp>/datasets/<id>/meta.yaml`.
 */

const TRASH = '.trash';
/** Folders inside an experiment that are not runs. */
const NOT_RUNS = new Set(['tags', 'datasets', 'models', 'traces']);
/** The FileStore writes RunStatus as the protobuf enum number. */
const STATUS_BY_NUMBER: Record<string, RunStatus> = { 1: 'RUNNING', 2: 'SCHEDULED', 3: 'FINISHED', 4: 'FAILED', 5: 'KILLED' };
const RUN_NAME_TAG = 'mlflow.runName';

export interface ExperimentDir {
  id: string;
  dir: string;
}

/** Every experiment folder: active ones in the root, deleted ones in `.trash`. */
export async function experimentDirs(root: string): Promise<ExperimentDir[]> {
  const dirs: ExperimentDir[] = [];
  for (const base of [root, path.join(root, TRASH)]) {
    for (const name of await listDirs(base)) {
      if (name === TRASH || name === 'models' || name.startsWith('.')) continue;
      dirs.push({ id: name, dir: path.join(base, name) });
    }
  }
  return dirs;
}

/** `{key: value}` for every file under `dir`, or only for `keys`, each read only when it changed. */
export async function readKeyValues(cache: FileStoreCache, dir: string, keys?: ReadonlySet<string>): Promise<Record<string, string>> {
  const names = keys ? [...keys] : await listKeys(dir);
  const values = await Promise.all(names.map((name) => cache.value(dir, name)));
  const out: Record<string, string> = {};
  names.forEach((name, i) => {
    const value = values[i];
    if (value !== undefined) setEntry(out, name, value);
  });
  return out;
}

const asRecord = (meta: Yaml): Yaml => meta;

export async function readExperiment(cache: FileStoreCache, { id, dir }: ExperimentDir): Promise<Experiment | undefined> {
  const meta = await cache.meta(path.join(dir, 'meta.yaml'), 'yaml', false, asRecord);
  if (!meta) return undefined;
  const inlineTags = meta.tags && typeof meta.tags === 'object' ? (meta.tags as Record<string, unknown>) : {};
  const tags: Record<string, string> = {};
  for (const [k, v] of Object.entries(inlineTags)) setEntry(tags, k, str(v));
  for (const [k, v] of Object.entries(await readKeyValues(cache, path.join(dir, 'tags')))) setEntry(tags, k, v);
  return {
    // The folder name, not meta's experiment_id: 18-digit ids lose precision if YAML left them unquoted.
    experimentId: id,
    name: str(meta.name),
    artifactLocation: str(meta.artifact_location),
    lifecycleStage: meta.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
    creationTime: num(meta.creation_time),
    lastUpdateTime: num(meta.last_update_time),
    tags,
  };
}

export async function runIdsIn(experimentDir: string): Promise<string[]> {
  return (await listDirs(experimentDir)).filter((name) => !NOT_RUNS.has(name) && !name.startsWith('.'));
}

function runStatus(value: unknown): RunStatus {
  const s = str(value);
  return STATUS_BY_NUMBER[s] ?? (Object.values(STATUS_BY_NUMBER).includes(s as RunStatus) ? (s as RunStatus) : 'RUNNING');
}

export function runInfoFrom(meta: Yaml, runId: string, experimentId: string): RunInfo {
  return {
    runId,
    experimentId,
    runName: str(meta.run_name),
    userId: str(meta.user_id),
    status: runStatus(meta.status),
    startTime: num(meta.start_time),
    endTime: num(meta.end_time),
    artifactUri: str(meta.artifact_uri),
    lifecycleStage: meta.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
  };
}

/**
 * Strings many runs share (user ids, the artifact location around the run id), kept once. Bounded,
 * so a store of unusual names cannot grow it without end: past the bound strings are kept as they are.
 */
const shared = new Map<string, string>();
const SHARED_MAX = 10_000;

function share(value: string): string {
  const known = shared.get(value);
  if (known !== undefined) return known;
  if (shared.size < SHARED_MAX) shared.set(value, value);
  return value;
}

/**
 * What the cache keeps of a run's meta.yaml: RunInfo's fields without the ids (the caller has
 * them), shared strings shared, and the artifact URI as the parts around the run id
 * (`file:///…/mlruns/1/` + id + `/artifacts`), which every run of an experiment has in common.
 * About 200 bytes a run instead of the ~700 of a RunInfo with its own strings.
 */
class RunRecord {
  constructor(
    readonly runName: string,
    readonly userId: string,
    readonly status: RunStatus,
    readonly startTime: number | undefined,
    readonly endTime: number | undefined,
    readonly artifactHead: string,
    /** Undefined when the URI does not contain the run id: artifactHead is then the whole URI. */
    readonly artifactTail: string | undefined,
    readonly deleted: boolean,
  ) {}

  static of(info: RunInfo): RunRecord {
    const at = info.artifactUri.indexOf(info.runId);
    const head = at < 0 ? info.artifactUri : share(info.artifactUri.slice(0, at));
    const tail = at < 0 ? undefined : share(info.artifactUri.slice(at + info.runId.length));
    // A copy of the name, so it does not keep the line it was cut from (V8 shares substrings' storage).
    const runName = info.runName.length >= 13 ? Buffer.from(info.runName, 'utf8').toString('utf8') : info.runName;
    return new RunRecord(runName, share(info.userId), info.status, info.startTime, info.endTime, head, tail, info.lifecycleStage === 'deleted');
  }

  /** Estimated bytes: the record and its own strings (shared ones are counted once, nowhere). */
  get weight(): number {
    return 72 + 2 * this.runName.length;
  }

  info(runId: string, experimentId: string): RunInfo {
    return {
      runId,
      experimentId,
      runName: this.runName,
      userId: this.userId,
      status: this.status,
      startTime: this.startTime,
      endTime: this.endTime,
      artifactUri: this.artifactTail === undefined ? this.artifactHead : this.artifactHead + runId + this.artifactTail,
      lifecycleStage: this.deleted ? 'deleted' : 'active',
    };
  }
}

/** The run's info, or undefined when the folder holds no (readable) run. */
export async function readRunInfo(cache: FileStoreCache, experiment: ExperimentDir, runId: string, strict = false): Promise<RunInfo | undefined> {
  const file = path.join(experiment.dir, runId, 'meta.yaml');
  const record = await cache.meta(file, 'run', strict, (meta) => RunRecord.of(runInfoFrom(meta, runId, experiment.id)), {
    // Keyed by experiment too: the same folder name under another experiment id is another run.
    key: `run\0${experiment.dir}\0${runId}`,
    weight: (r) => r.weight,
  });
  return record?.info(runId, experiment.id);
}

/** Which data to read for a run: all of it, or the keys a filter and ordering need. */
export interface RunDataSelection {
  metrics?: ReadonlySet<string>;
  params?: ReadonlySet<string>;
  tags?: ReadonlySet<string>;
  datasets?: boolean;
  /** MLflow 3: the logged models the run consumed and produced. */
  models?: boolean;
}

export function emptyRun(info: RunInfo): Run {
  return {
    info,
    data: { metrics: [], params: {}, tags: {} },
    inputs: { datasets: [], modelInputs: [] },
    outputs: { modelOutputs: [] },
  };
}

export async function readRun(cache: FileStoreCache, experiment: ExperimentDir, info: RunInfo, selection?: RunDataSelection): Promise<Run> {
  const runDir = path.join(experiment.dir, info.runId);
  const run = emptyRun({ ...info });
  // Runs from MLflow ≤ 1.29 only have their name in the run-name tag: read it when meta.yaml has none.
  const tagKeys = selection ? new Set([...(selection.tags ?? []), ...(info.runName ? [] : [RUN_NAME_TAG])]) : undefined;
  const [tags, params] = await Promise.all([
    readKeyValues(cache, path.join(runDir, 'tags'), tagKeys),
    selection && !selection.params ? {} : readKeyValues(cache, path.join(runDir, 'params'), selection?.params),
  ]);
  run.data.tags = tags;
  run.data.params = params;
  const metricDir = path.join(runDir, 'metrics');
  const metricKeys = selection ? [...(selection.metrics ?? [])] : await listKeys(metricDir);
  const latest = await Promise.all(metricKeys.map((key) => cache.latestMetric(metricDir, key)));
  for (const metric of latest) if (metric) run.data.metrics.push(metric);
  if (!selection || selection.datasets || selection.models) {
    const io = await readRunIo(cache, experiment.dir, runDir);
    if (!selection || selection.datasets) run.inputs.datasets = io.datasets;
    if (!selection || selection.models) {
      run.inputs.modelInputs = io.modelInputs;
      run.outputs.modelOutputs = io.modelOutputs;
    }
  }
  if (!run.info.runName) run.info.runName = tags[RUN_NAME_TAG] ?? '';
  if (selection && !selection.tags?.has(RUN_NAME_TAG)) delete run.data.tags[RUN_NAME_TAG];
  return run;
}

interface RunIo {
  datasets: DatasetInput[];
  modelInputs: string[];
  modelOutputs: { modelId: string; step: number }[];
}

/**
 * A run's inputs and outputs: `inputs/<id>/meta.yaml` links datasets (`source_type: DATASET`, the
 * dataset in `<exp>/datasets/<source_id>/`) and, in MLflow 3, logged models the run consumed
 * (`RUN_INPUT`); `outputs/<id>/meta.yaml` (`RUN_OUTPUT`) the logged models it produced, at a step.
 */
async function readRunIo(cache: FileStoreCache, experimentDir: string, runDir: string): Promise<RunIo> {
  const io: RunIo = { datasets: [], modelInputs: [], modelOutputs: [] };
  for (const inputId of await listDirs(path.join(runDir, 'inputs'))) {
    const input = await cache.meta(path.join(runDir, 'inputs', inputId, 'meta.yaml'), 'yaml', false, asRecord);
    if (!input) continue;
    if (str(input.source_type) === 'RUN_INPUT' || str(input.destination_type) === 'MODEL_INPUT') {
      const modelId = str(input.destination_id);
      if (modelId) io.modelInputs.push(modelId);
      continue;
    }
    if (str(input.source_type) !== 'DATASET') continue;
    const dataset = await cache.meta(path.join(experimentDir, 'datasets', str(input.source_id), 'meta.yaml'), 'yaml', false, asRecord);
    if (!dataset) continue;
    const entry: DatasetInput = { name: str(dataset.name), digest: str(dataset.digest) };
    if (dataset.source_type !== undefined) entry.sourceType = str(dataset.source_type);
    if (dataset.source !== undefined) entry.source = str(dataset.source);
    const tags = input.tags && typeof input.tags === 'object' ? (input.tags as Record<string, unknown>) : {};
    if (tags['mlflow.data.context'] !== undefined) entry.context = str(tags['mlflow.data.context']);
    io.datasets.push(entry);
  }
  for (const outputId of (await listDirs(path.join(runDir, 'outputs'))).sort()) {
    const output = await cache.meta(path.join(runDir, 'outputs', outputId, 'meta.yaml'), 'yaml', false, asRecord);
    if (!output || str(output.source_type) !== 'RUN_OUTPUT') continue;
    const modelId = str(output.destination_id);
    if (modelId) io.modelOutputs.push({ modelId, step: num(output.step) ?? 0 });
  }
  return io;
}
