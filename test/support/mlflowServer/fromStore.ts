import type { TrackingStore } from '../../../src/mlflow/store';
import type { Metric, Page } from '../../../src/mlflow/types';
import type { ArtifactFile, Dataset } from './dataset';

export interface FromStoreOptions {
  /** Read every metric's full history (the demo store has 174,499 points: about a second). Default true. */
  histories?: boolean;
  /** Read every artifact file's bytes. Default true. */
  artifacts?: boolean;
}

/**
 * Everything a TrackingStore holds, as a Dataset: all experiments and runs (deleted ones too), their
 * metric histories and artifact files, and the model registry. Meant for a SqliteStore over a real
 * MLflow store (`demo/mlflow.db`), so tests browse real MLflow data over HTTP; any store works.
 *
 * Not carried over (the domain types do not have them): dataset schemas and profiles, model version
 * `storage_location` (the source is served as the download URI), MLflow 3 logged models.
 */
export async function datasetFromStore(store: TrackingStore, options: FromStoreOptions = {}): Promise<Dataset> {
  const experiments = await allPages((pageToken) => store.searchExperiments({ viewType: 'ALL', maxResults: 1000, pageToken }));
  const runs = experiments.length
    ? await allPages((pageToken) =>
        store.searchRuns({ experimentIds: experiments.map((e) => e.experimentId), runViewType: 'ALL', maxResults: 1000, pageToken }),
      )
    : [];

  const histories: Record<string, Record<string, Metric[]>> = {};
  if (options.histories !== false) {
    for (const run of runs) {
      const byKey: Record<string, Metric[]> = {};
      for (const { key } of run.data.metrics) byKey[key] = await store.getMetricHistory(run.info.runId, key);
      if (run.data.metrics.length) histories[run.info.runId] = byKey;
    }
  }

  const artifacts: Record<string, ArtifactFile[]> = {};
  if (options.artifacts !== false) {
    for (const run of runs) {
      const files = await artifactFiles(store, run.info.runId);
      if (files.length) artifacts[run.info.runId] = files;
    }
  }

  const { registry } = await store.capabilities();
  const registeredModels = registry ? await allPages((pageToken) => store.searchRegisteredModels({ maxResults: 1000, pageToken })) : [];
  const modelVersions = registry ? await allPages((pageToken) => store.searchModelVersions({ maxResults: 1000, pageToken })) : [];

  return {
    experiments,
    runs,
    histories,
    artifacts,
    registeredModels: registeredModels.map(({ latestVersions: _derived, ...model }) => model),
    modelVersions: modelVersions.map(({ aliases: _derived, ...version }) => version),
  };
}

async function allPages<T>(fetch: (pageToken: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const items: T[] = [];
  let pageToken: string | undefined;
  do {
    const page = await fetch(pageToken);
    items.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken);
  return items;
}

async function artifactFiles(store: TrackingStore, runId: string, directory?: string): Promise<ArtifactFile[]> {
  const files: ArtifactFile[] = [];
  for (const entry of await store.listArtifacts(runId, directory)) {
    if (entry.isDir) files.push(...(await artifactFiles(store, runId, entry.path)));
    else files.push({ path: entry.path, bytes: await store.readArtifact(runId, entry.path) });
  }
  return files;
}
