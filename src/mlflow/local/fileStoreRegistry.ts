import * as path from 'node:path';
import type { ModelVersion, ModelVersionStatus, RegisteredModel, Stage } from '../types';
import { modelIdFromSource } from '../values';
import { listDirs, num, readKeyValues, readMetaOrSkip, str } from './fileStoreFiles';
import { type RegistryEntries, latestVersionsPerStage } from './registryQuery';

/**
 * The FileStore model registry: `<root>/models/<name>/meta.yaml` with `tags/` and `aliases/<alias>`
 * (a file holding the version), and `version-<n>/meta.yaml` with its own `tags/`. Deleted versions
 * keep their folder with stage `Deleted_Internal` and are not shown.
 */

const STAGES: readonly Stage[] = ['None', 'Staging', 'Production', 'Archived'];
const STATUSES: readonly ModelVersionStatus[] = ['PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY'];

export interface FileRegistry extends RegistryEntries {
  downloadUris: Map<string, string>;
}

function optional(value: unknown): string | undefined {
  const s = str(value);
  return s === '' ? undefined : s;
}

export async function readFileRegistry(root: string): Promise<FileRegistry> {
  const modelsDir = path.join(root, 'models');
  const models: RegisteredModel[] = [];
  const versions: ModelVersion[] = [];
  const downloadUris = new Map<string, string>();
  for (const dirName of (await listDirs(modelsDir)).sort()) {
    const modelDir = path.join(modelsDir, dirName);
    const meta = await readMetaOrSkip(path.join(modelDir, 'meta.yaml'));
    if (!meta) continue;
    const name = str(meta.name) || dirName;
    const aliasFiles = await readKeyValues(path.join(modelDir, 'aliases'));
    const inlineAliases = meta.aliases && typeof meta.aliases === 'object' ? (meta.aliases as Record<string, unknown>) : {};
    const aliasMap = new Map<string, string>(Object.entries(inlineAliases).map(([a, v]) => [a, str(v)]));
    for (const [alias, version] of Object.entries(aliasFiles)) aliasMap.set(alias, version.trim());
    const aliases = [...aliasMap].sort(([a], [b]) => (a < b ? -1 : 1)).map(([alias, version]) => ({ alias, version }));

    const modelVersions: ModelVersion[] = [];
    const versionDirs = (await listDirs(modelDir)).filter((d) => /^version-\d+$/.test(d));
    for (const versionDir of versionDirs.sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)))) {
      const vMeta = await readMetaOrSkip(path.join(modelDir, versionDir, 'meta.yaml'));
      if (!vMeta || str(vMeta.current_stage) === 'Deleted_Internal') continue;
      const version = str(vMeta.version) || versionDir.slice(8);
      const source = str(vMeta.source);
      const status = str(vMeta.status) as ModelVersionStatus;
      const mv: ModelVersion = {
        name,
        version,
        creationTimestamp: num(vMeta.creation_timestamp) ?? 0,
        lastUpdatedTimestamp: num(vMeta.last_updated_timestamp),
        currentStage: STAGES.find((s) => s.toLowerCase() === str(vMeta.current_stage).toLowerCase()) ?? 'None',
        description: str(vMeta.description),
        source,
        status: STATUSES.includes(status) ? status : 'READY',
        tags: await readKeyValues(path.join(modelDir, versionDir, 'tags')),
        aliases: aliases.filter((a) => a.version === version).map((a) => a.alias),
      };
      const runId = optional(vMeta.run_id);
      const runLink = optional(vMeta.run_link);
      const statusMessage = optional(vMeta.status_message);
      const modelId = modelIdFromSource(source);
      if (runId) mv.runId = runId;
      if (runLink) mv.runLink = runLink;
      if (statusMessage) mv.statusMessage = statusMessage;
      if (modelId) mv.modelId = modelId;
      modelVersions.push(mv);
      downloadUris.set(`${name}\u0000${version}`, optional(vMeta.storage_location) ?? source);
    }
    versions.push(...modelVersions);
    models.push({
      name,
      creationTimestamp: num(meta.creation_timestamp) ?? 0,
      lastUpdatedTimestamp: num(meta.last_updated_timestamp),
      description: str(meta.description),
      latestVersions: latestVersionsPerStage(modelVersions),
      tags: await readKeyValues(path.join(modelDir, 'tags')),
      aliases,
    });
  }
  return { models, versions, downloadUris };
}
