import { createHash } from 'node:crypto';
import type { Experiment, Metric, ModelVersion, RegisteredModel, Run, RunStatus, Stage } from '../../../src/mlflow/types';

/**
 * What the test server serves: plain data in the extension's own domain types, so a test can build
 * exactly the store it needs (DatasetBuilder) or load a real one (datasetFromStore). The server writes
 * it out in MLflow's JSON; nothing here knows about HTTP.
 */

/** A registered model as the server keeps it: `latest_versions` are derived from the versions. */
export type DatasetModel = Omit<RegisteredModel, 'latestVersions'>;

/** A model version as the server keeps it: its aliases are read from its registered model. */
export type DatasetVersion = Omit<ModelVersion, 'aliases'>;

export interface ArtifactFile {
  /** Relative to the run's artifact root, `/`-separated (`model/MLmodel`). Folders are implied. */
  path: string;
  bytes: Uint8Array;
}

export interface Dataset {
  experiments: Experiment[];
  /** Runs with their params, tags and latest metrics (`data.metrics`). */
  runs: Run[];
  /** Full metric histories: run id → metric key → points (any order; served in step order). */
  histories: Record<string, Record<string, Metric[]>>;
  /** Artifact files per run id. */
  artifacts: Record<string, ArtifactFile[]>;
  registeredModels: DatasetModel[];
  modelVersions: DatasetVersion[];
}

export function emptyDataset(): Dataset {
  return { experiments: [], runs: [], histories: {}, artifacts: {}, registeredModels: [], modelVersions: [] };
}

/**
 * MLflow's `latest_metrics` rule: the point with the highest step, then the latest timestamp, then
 * the largest value.
 */
export function latestOf(points: readonly Metric[]): Metric | undefined {
  let latest: Metric | undefined;
  for (const p of points) {
    if (!latest || p.step > latest.step || (p.step === latest.step && (p.timestamp > latest.timestamp || (p.timestamp === latest.timestamp && p.value > latest.value)))) {
      latest = p;
    }
  }
  return latest;
}

export interface RunInit {
  runName?: string;
  status?: RunStatus;
  userId?: string;
  startTime?: number;
  endTime?: number;
  lifecycleStage?: 'active' | 'deleted';
  params?: Record<string, string>;
  tags?: Record<string, string>;
  /** The parent run (written as the `mlflow.parentRunId` tag). */
  parentRunId?: string;
}

export interface VersionInit {
  runId?: string;
  /** Default: the run's `model` folder. */
  source?: string;
  stage?: Stage;
  description?: string;
  tags?: Record<string, string>;
}

/**
 * Builds a small dataset with MLflow-like ids and timestamps. Ids are deterministic, so a test can be
 * written against them; every method returns the id of what it made.
 *
 * ```ts
 * const b = new DatasetBuilder();
 * const exp = b.experiment('iris');
 * const run = b.run(exp, { runName: 'lbfgs', params: { C: '1.0' } });
 * b.history(run, 'loss', [0.9, 0.4, Number.NaN]);
 * b.artifact(run, 'model/MLmodel', 'flavors: {}\n');
 * b.registeredModel('iris-model');
 * b.modelVersion('iris-model', { runId: run, stage: 'Production' });
 * b.alias('iris-model', 'champion', '1');
 * const dataset = b.build();
 * ```
 */
export class DatasetBuilder {
  private readonly data = emptyDataset();
  private runCount = 0;

  constructor(
    /** Base for timestamps; each made object gets a later one. */
    private clock = 1_790_000_000_000,
    readonly artifactRoot = '/srv/mlflow/artifacts',
  ) {}

  private tick(): number {
    this.clock += 1000;
    return this.clock;
  }

  experiment(name: string, init: Partial<Omit<Experiment, 'name'>> = {}): string {
    const experimentId = init.experimentId ?? String(this.data.experiments.length);
    const time = this.tick();
    this.data.experiments.push({
      experimentId,
      name,
      artifactLocation: init.artifactLocation ?? `${this.artifactRoot}/${experimentId}`,
      lifecycleStage: init.lifecycleStage ?? 'active',
      creationTime: init.creationTime ?? time,
      lastUpdateTime: init.lastUpdateTime ?? time,
      tags: { ...init.tags },
    });
    return experimentId;
  }

  run(experimentId: string, init: RunInit = {}): string {
    const experiment = this.data.experiments.find((e) => e.experimentId === experimentId);
    if (!experiment) throw new Error(`DatasetBuilder: no experiment ${experimentId}`);
    const runId = createHash('md5').update(`run-${++this.runCount}`).digest('hex');
    const runName = init.runName ?? `run-${this.runCount}`;
    const startTime = init.startTime ?? this.tick();
    const status = init.status ?? 'FINISHED';
    const tags: Record<string, string> = { 'mlflow.user': init.userId ?? 'tester', 'mlflow.runName': runName, ...init.tags };
    if (init.parentRunId) tags['mlflow.parentRunId'] = init.parentRunId;
    this.data.runs.push({
      info: {
        runId,
        experimentId,
        runName,
        userId: init.userId ?? 'tester',
        status,
        startTime,
        endTime: init.endTime ?? (status === 'RUNNING' || status === 'SCHEDULED' ? undefined : startTime + 60_000),
        artifactUri: `${experiment.artifactLocation}/${runId}/artifacts`,
        lifecycleStage: init.lifecycleStage ?? 'active',
      },
      data: { metrics: [], params: { ...init.params }, tags },
      inputs: { datasets: [], modelInputs: [] },
      outputs: { modelOutputs: [] },
    });
    return runId;
  }

  /** A metric history, one value per step from 0 (or full points); the run's latest value follows. */
  history(runId: string, key: string, values: readonly number[] | readonly Metric[]): this {
    const run = this.runOf(runId);
    const base = run.info.startTime ?? this.clock;
    const points = values.map((v, step): Metric => (typeof v === 'number' ? { key, value: v, timestamp: base + step * 1000, step } : { ...v, key }));
    const histories = (this.data.histories[runId] ??= {});
    histories[key] = [...(histories[key] ?? []), ...points];
    const latest = latestOf(histories[key]);
    run.data.metrics = run.data.metrics.filter((m) => m.key !== key);
    if (latest) run.data.metrics.push({ ...latest });
    return this;
  }

  artifact(runId: string, path: string, content: string | Uint8Array): this {
    this.runOf(runId);
    const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
    const files = (this.data.artifacts[runId] ??= []);
    const existing = files.findIndex((f) => f.path === path);
    if (existing >= 0) files.splice(existing, 1);
    files.push({ path, bytes });
    return this;
  }

  registeredModel(name: string, init: { description?: string; tags?: Record<string, string> } = {}): string {
    const time = this.tick();
    this.data.registeredModels.push({ name, creationTimestamp: time, lastUpdatedTimestamp: time, description: init.description ?? '', tags: { ...init.tags }, aliases: [] });
    return name;
  }

  modelVersion(name: string, init: VersionInit = {}): string {
    const model = this.data.registeredModels.find((m) => m.name === name);
    if (!model) throw new Error(`DatasetBuilder: no registered model ${name}`);
    const version = String(this.data.modelVersions.filter((v) => v.name === name).length + 1);
    const run = init.runId ? this.runOf(init.runId) : undefined;
    const time = this.tick();
    this.data.modelVersions.push({
      name,
      version,
      creationTimestamp: time,
      lastUpdatedTimestamp: time,
      currentStage: init.stage ?? 'None',
      description: init.description ?? '',
      source: init.source ?? (run ? `${run.info.artifactUri}/model` : `${this.artifactRoot}/models/${name}/${version}`),
      runId: init.runId,
      status: 'READY',
      tags: { ...init.tags },
    });
    model.lastUpdatedTimestamp = time;
    return version;
  }

  alias(name: string, alias: string, version: string): this {
    const model = this.data.registeredModels.find((m) => m.name === name);
    if (!model) throw new Error(`DatasetBuilder: no registered model ${name}`);
    model.aliases = [...model.aliases.filter((a) => a.alias !== alias), { alias, version }];
    return this;
  }

  build(): Dataset {
    return structuredClone(this.data);
  }

  private runOf(runId: string): Run {
    const run = this.data.runs.find((r) => r.info.runId === runId);
    if (!run) throw new Error(`DatasetBuilder: no run ${runId}`);
    return run;
  }
}
