/**
 * The text of the Models view, kept free of `vscode` so plain unit tests cover it. Everything here is
 * plain text: names, aliases and tags come from other people's servers and are never rendered as
 * Markdown (the tree provider appends them with `appendText`).
 */
import type { ModelVersion, ModelVersionStatus, RegisteredModel } from '../mlflow/types';

/** Aliases per version number, each list sorted. */
export function aliasesByVersion(model: Pick<RegisteredModel, 'aliases'>): Map<string, string[]> {
  const byVersion = new Map<string, string[]>();
  for (const { alias, version } of model.aliases) {
    const list = byVersion.get(version) ?? [];
    list.push(alias);
    byVersion.set(version, list);
  }
  for (const list of byVersion.values()) list.sort();
  return byVersion;
}

/**
 * A version's aliases. MLflow 2.x leaves `aliases` out of search-model-versions results, so the
 * registered model's alias list (always sent) is the source; the version's own list is merged in.
 */
export function aliasesOf(version: Pick<ModelVersion, 'version' | 'aliases'>, model: Pick<RegisteredModel, 'aliases'> | undefined): string[] {
  const fromModel = model ? model.aliases.filter((a) => a.version === version.version).map((a) => a.alias) : [];
  return [...new Set([...fromModel, ...version.aliases])].sort();
}

/** "@champion → v3", the alias items under a model. */
export function aliasLabel(alias: string, version: string): string {
  return `@${alias} → v${version}`;
}

export function versionLabel(version: Pick<ModelVersion, 'version'>): string {
  return `Version ${version.version}`;
}

/**
 * The badges beside a version: its aliases, then its legacy stage when the server has stages and the
 * version is in one ("@champion · Production").
 */
export function versionBadges(version: Pick<ModelVersion, 'currentStage'>, aliases: readonly string[], showStages: boolean): string {
  const parts: string[] = [];
  if (aliases.length) parts.push(aliases.map((a) => `@${a}`).join(' '));
  if (showStages && version.currentStage !== 'None') parts.push(version.currentStage);
  return parts.join(' · ');
}

/**
 * The newest version number among `latest_versions` (the newest version per stage on 2.x, only the
 * newest on 3.x), which is the model's newest version either way.
 */
export function latestVersionNumber(model: Pick<RegisteredModel, 'latestVersions'>): string | undefined {
  let latest: number | undefined;
  for (const v of model.latestVersions) {
    const n = Number(v.version);
    if (Number.isFinite(n) && (latest === undefined || n > latest)) latest = n;
  }
  return latest === undefined ? undefined : String(latest);
}

/** The description beside a registered model: "latest v3 · 2 aliases". */
export function modelBadges(model: Pick<RegisteredModel, 'latestVersions' | 'aliases'>): string {
  const parts: string[] = [];
  const latest = latestVersionNumber(model);
  parts.push(latest ? `latest v${latest}` : 'no versions');
  if (model.aliases.length) parts.push(`${model.aliases.length} alias${model.aliases.length === 1 ? '' : 'es'}`);
  return parts.join(' · ');
}

/** Newest first, by number (string order would put 10 before 9). */
export function sortVersionsNewestFirst<T extends Pick<ModelVersion, 'version'>>(versions: readonly T[]): T[] {
  return [...versions].sort((a, b) => Number(b.version) - Number(a.version));
}

export function statusText(status: ModelVersionStatus): string {
  switch (status) {
    case 'READY':
      return 'Ready';
    case 'PENDING_REGISTRATION':
      return 'Pending registration';
    case 'FAILED_REGISTRATION':
      return 'Registration failed';
  }
}

/** One line for a tree label or description; full text stays in the tooltip. */
export function oneLine(text: string, max = 120): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
