import { ReadOnlyStoreError } from '../errors';
import type { ModelVersion, NewPromptVersion, RegisteredModel, RunStatus, Stage } from '../types';

/**
 * The write half of TrackingStore for stores read straight from disk. A training script (or an
 * `mlflow server`) may be writing the same files; writing from here too could corrupt them or race
 * MLflow's own bookkeeping, so every write rejects with the way out: serve the store and write
 * through the server.
 */
export abstract class ReadOnlyWrites {
  abstract readonly description: string;

  private reject(operation: string): Promise<never> {
    return Promise.reject(new ReadOnlyStoreError(operation, this.description));
  }

  createExperiment(_name: string, _tags?: Record<string, string>): Promise<string> {
    return this.reject('Creating an experiment');
  }
  renameExperiment(_experimentId: string, _newName: string): Promise<void> {
    return this.reject('Renaming an experiment');
  }
  deleteExperiment(_experimentId: string): Promise<void> {
    return this.reject('Deleting an experiment');
  }
  restoreExperiment(_experimentId: string): Promise<void> {
    return this.reject('Restoring an experiment');
  }
  setExperimentTag(_experimentId: string, _key: string, _value: string): Promise<void> {
    return this.reject('Tagging an experiment');
  }
  updateRun(_runId: string, _update: { runName?: string; status?: RunStatus; endTime?: number }): Promise<void> {
    return this.reject('Updating a run');
  }
  deleteRun(_runId: string): Promise<void> {
    return this.reject('Deleting a run');
  }
  restoreRun(_runId: string): Promise<void> {
    return this.reject('Restoring a run');
  }
  setRunTag(_runId: string, _key: string, _value: string): Promise<void> {
    return this.reject('Tagging a run');
  }
  deleteRunTag(_runId: string, _key: string): Promise<void> {
    return this.reject('Removing a run tag');
  }
  createRegisteredModel(_name: string, _description?: string): Promise<RegisteredModel> {
    return this.reject('Registering a model');
  }
  renameRegisteredModel(_name: string, _newName: string): Promise<void> {
    return this.reject('Renaming a registered model');
  }
  updateRegisteredModelDescription(_name: string, _description: string): Promise<void> {
    return this.reject('Editing a model description');
  }
  deleteRegisteredModel(_name: string): Promise<void> {
    return this.reject('Deleting a registered model');
  }
  setRegisteredModelTag(_name: string, _key: string, _value: string): Promise<void> {
    return this.reject('Tagging a registered model');
  }
  deleteRegisteredModelTag(_name: string, _key: string): Promise<void> {
    return this.reject('Removing a registered model tag');
  }
  createModelVersion(_name: string, _source: string, _runId?: string): Promise<ModelVersion> {
    return this.reject('Creating a model version');
  }
  createPromptVersion(_version: NewPromptVersion): Promise<ModelVersion> {
    return this.reject('Registering a prompt version');
  }
  updateModelVersionDescription(_name: string, _version: string, _description: string): Promise<void> {
    return this.reject('Editing a model version description');
  }
  deleteModelVersion(_name: string, _version: string): Promise<void> {
    return this.reject('Deleting a model version');
  }
  setModelVersionTag(_name: string, _version: string, _key: string, _value: string): Promise<void> {
    return this.reject('Tagging a model version');
  }
  deleteModelVersionTag(_name: string, _version: string, _key: string): Promise<void> {
    return this.reject('Removing a model version tag');
  }
  transitionModelVersionStage(_name: string, _version: string, _stage: Stage, _archiveExisting: boolean): Promise<ModelVersion> {
    return this.reject('Changing a model version stage');
  }
  setAlias(_name: string, _alias: string, _version: string): Promise<void> {
    return this.reject('Setting a model alias');
  }
  deleteAlias(_name: string, _alias: string): Promise<void> {
    return this.reject('Removing a model alias');
  }
}
