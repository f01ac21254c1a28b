import type { Database } from './sqliteRows';
import type { ModelVersion, ModelVersionStatus, RegisteredModel, Stage } from '../types';
import { modelIdFromSource } from '../values';
import { type RegistryEntries, latestVersionsPerStage } from './registryQuery';
import { type Row, hasTable, numberOr, optionalNumber, optionalText, queryRows, text } from './sqliteRows';

/**
 * The model registry tables of MLflow's SQL store (`registered_models`, `model_versions`, their tag
 * tables and `registered_model_aliases`), 2.x and 3.x schemas. Versions deleted through the API stay
 * in the table with stage `Deleted_Internal` and are never shown.
 */

const STAGES: readonly Stage[] = ['None', 'Staging', 'Production', 'Archived'];
const STATUSES: readonly ModelVersionStatus[] = ['PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY'];
const DELETED_STAGE = 'Deleted_Internal';

export interface Registry extends RegistryEntries {
  /** The download location MLflow hands out per `name\0version` (storage_location, else source). */
  downloadUris: Map<string, string>;
}

export function hasRegistry(db: Database): boolean {
  return hasTable(db, 'registered_models') && hasTable(db, 'model_versions');
}

/** The canonical stage name (MLflow stores what transition-stage was given, canonicalised). */
function stage(value: string): Stage {
  return STAGES.find((s) => s.toLowerCase() === value.toLowerCase()) ?? 'None';
}

function groupTags(rows: Row[], id: (row: Row) => string): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  for (const row of rows) {
    const record = out.get(id(row)) ?? {};
    record[text(row.key)] = text(row.value);
    out.set(id(row), record);
  }
  return out;
}

export function readRegistry(db: Database): Registry {
  if (!hasRegistry(db)) return { models: [], versions: [], downloadUris: new Map() };
  const versionKey = (row: Row) => `${text(row.name)}\u0000${text(row.version)}`;
  const modelTags = groupTags(queryRows(db, 'SELECT name, key, value FROM registered_model_tags ORDER BY rowid'), (r) => text(r.name));
  const versionTags = groupTags(
    queryRows(db, 'SELECT name, version, key, value FROM model_version_tags ORDER BY rowid'),
    versionKey,
  );
  const aliasRows = hasTable(db, 'registered_model_aliases')
    ? queryRows(db, 'SELECT name, alias, version FROM registered_model_aliases ORDER BY alias')
    : [];

  const downloadUris = new Map<string, string>();
  const versions: ModelVersion[] = [];
  const rows = queryRows(db, 'SELECT * FROM model_versions WHERE current_stage IS NULL OR current_stage != ? ORDER BY name, version', [
    DELETED_STAGE,
  ]);
  for (const row of rows) {
    const status = text(row.status) as ModelVersionStatus;
    const source = text(row.source);
    const mv: ModelVersion = {
      name: text(row.name),
      version: text(row.version),
      creationTimestamp: numberOr(row.creation_time, 0),
      lastUpdatedTimestamp: optionalNumber(row.last_updated_time),
      currentStage: stage(text(row.current_stage)),
      description: text(row.description),
      source,
      status: STATUSES.includes(status) ? status : 'READY',
      tags: versionTags.get(versionKey(row)) ?? {},
      aliases: aliasRows
        .filter((a) => text(a.name) === text(row.name) && text(a.version) === text(row.version))
        .map((a) => text(a.alias)),
    };
    const runId = optionalText(row.run_id);
    const runLink = optionalText(row.run_link);
    const statusMessage = optionalText(row.status_message);
    const modelId = modelIdFromSource(source);
    if (runId) mv.runId = runId;
    if (runLink) mv.runLink = runLink;
    if (statusMessage) mv.statusMessage = statusMessage;
    if (modelId) mv.modelId = modelId;
    versions.push(mv);
    downloadUris.set(versionKey(row), optionalText(row.storage_location) ?? source);
  }

  const models = queryRows(db, 'SELECT name, creation_time, last_updated_time, description FROM registered_models ORDER BY name').map(
    (row): RegisteredModel => {
      const name = text(row.name);
      return {
        name,
        creationTimestamp: numberOr(row.creation_time, 0),
        lastUpdatedTimestamp: optionalNumber(row.last_updated_time),
        description: text(row.description),
        latestVersions: latestVersionsPerStage(versions.filter((v) => v.name === name)),
        tags: modelTags.get(name) ?? {},
        aliases: aliasRows.filter((a) => text(a.name) === name).map((a) => ({ alias: text(a.alias), version: text(a.version) })),
      };
    },
  );
  return { models, versions, downloadUris };
}
