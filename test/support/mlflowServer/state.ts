import { latestVersionsPerStage } from '../../../src/mlflow/local/registryQuery';
import type { Experiment, ModelVersion, RegisteredModel, Run, ViewType } from '../../../src/mlflow/types';
import type { Dataset, DatasetModel, DatasetVersion } from './dataset';
import { invalid, notFound } from './protocol';

/**
 * The server's live data: a copy of the dataset it was started with (writes through the API change the
 * copy, never the caller's object), with lookups that fail the way MLflow's SQL store fails.
 */
export class ServerState {
  readonly data: Dataset;
  /** Highest version number ever given per model: MLflow never reuses a deleted version's number. */
  private readonly lastVersion = new Map<string, number>();

  constructor(
    dataset: Dataset,
    /** Where new experiments' artifacts go (`<root>/<experiment id>`). */
    readonly artifactRoot: string,
    readonly now: () => number = Date.now,
  ) {
    // Histories and artifact bytes are only ever read: shared, not copied (the demo store has 174k points).
    const { histories, artifacts, ...mutable } = dataset;
    // The map itself is copied, so histories logged through the API (copy-on-write per run and key,
    // see trackingRoutes' logging) never reach the caller's dataset.
    this.data = { ...structuredClone(mutable), histories: { ...histories }, artifacts };
    for (const v of this.data.modelVersions) this.lastVersion.set(v.name, Math.max(this.lastVersion.get(v.name) ?? 0, Number(v.version) || 0));
  }

  experiment(experimentId: string): Experiment {
    const experiment = this.data.experiments.find((e) => e.experimentId === experimentId);
    if (!experiment) throw notFound(`No Experiment with id=${experimentId} exists`);
    return experiment;
  }

  activeExperiment(experimentId: string): Experiment {
    const experiment = this.experiment(experimentId);
    if (experiment.lifecycleStage !== 'active') {
      throw invalid(`The experiment ${experimentId} must be in the 'active' state. Current state is ${experiment.lifecycleStage}.`);
    }
    return experiment;
  }

  run(runId: string): Run {
    const run = this.data.runs.find((r) => r.info.runId === runId);
    if (!run) throw notFound(`Run with id=${runId} not found`);
    return run;
  }

  activeRun(runId: string): Run {
    const run = this.run(runId);
    if (run.info.lifecycleStage !== 'active') {
      throw invalid(`The run ${runId} must be in the 'active' state. Current state is ${run.info.lifecycleStage}.`);
    }
    return run;
  }

  model(name: string): DatasetModel {
    const model = this.data.registeredModels.find((m) => m.name === name);
    if (!model) throw notFound(`Registered Model with name=${name} not found`);
    return model;
  }

  version(name: string, version: string): DatasetVersion {
    const found = this.data.modelVersions.find((v) => v.name === name && v.version === version);
    if (!found) throw notFound(`Model Version (name=${name}, version=${version}) not found`);
    return found;
  }

  versionsOf(name: string): DatasetVersion[] {
    return this.data.modelVersions.filter((v) => v.name === name);
  }

  nextVersion(name: string): string {
    const next = (this.lastVersion.get(name) ?? 0) + 1;
    this.lastVersion.set(name, next);
    return String(next);
  }

  /** A renamed model keeps its versions and its version counter. */
  renameModel(model: DatasetModel, newName: string): void {
    for (const v of this.versionsOf(model.name)) v.name = newName;
    this.lastVersion.set(newName, this.lastVersion.get(model.name) ?? 0);
    this.lastVersion.delete(model.name);
    model.name = newName;
  }

  aliasesOf(v: DatasetVersion): string[] {
    const model = this.data.registeredModels.find((m) => m.name === v.name);
    return (model?.aliases ?? []).filter((a) => a.version === v.version).map((a) => a.alias);
  }

  /** The domain form the shared search code (registryQuery.ts) filters and orders. */
  fullVersion(v: DatasetVersion): ModelVersion {
    return { ...v, aliases: this.aliasesOf(v) };
  }

  latestVersions(name: string): DatasetVersion[] {
    return latestVersionsPerStage(this.versionsOf(name).map((v) => this.fullVersion(v)));
  }

  fullModel(m: DatasetModel): RegisteredModel {
    return { ...m, latestVersions: this.latestVersions(m.name).map((v) => this.fullVersion(v)) };
  }
}

const VIEW_TYPES: Record<string, ViewType> = { '1': 'ACTIVE_ONLY', '2': 'DELETED_ONLY', '3': 'ALL', ACTIVE_ONLY: 'ACTIVE_ONLY', DELETED_ONLY: 'DELETED_ONLY', ALL: 'ALL' };

/** A view type as a request carries it (enum name or number); MLflow's default is ACTIVE_ONLY. */
export function viewTypeOf(value: string | undefined): ViewType {
  if (value === undefined || value === '') return 'ACTIVE_ONLY';
  const viewType = VIEW_TYPES[value];
  if (!viewType) throw invalid(`Invalid value ${value} for parameter 'view_type' supplied.`);
  return viewType;
}

export function inView(stage: 'active' | 'deleted', viewType: ViewType): boolean {
  return viewType === 'ALL' || (viewType === 'DELETED_ONLY' ? stage === 'deleted' : stage === 'active');
}
