/**
 * What the palette's registry pickers show when a Models view command runs with nothing selected
 * ("MLflow: Set Alias…" from the palette): registered models, then a model's versions or aliases. Names,
 * descriptions and tags come from the server: shown as text on one line, a `$(icon)` kept literal.
 */
import { pickText } from '../../explorer/core/pickItems';
import type { ModelVersion, RegisteredModel } from '../../mlflow/types';
import { aliasesOf, modelBadges, oneLine, sortVersionsNewestFirst, versionBadges, versionLabel } from '../registryLabels';

export interface ModelPick {
  readonly label: string;
  readonly description: string;
  readonly detail?: string;
  readonly name: string;
}

/** A version, or (first, where a command also acts on the model itself) the registered model. */
export interface VersionPick {
  readonly label: string;
  readonly description: string;
  readonly detail?: string;
  /** Undefined for the "the model itself" item. */
  readonly version: string | undefined;
}

export interface AliasPick {
  readonly label: string;
  readonly description: string;
  readonly alias: string;
  readonly version: string;
}

function detailOf(description: string): string | undefined {
  return description.trim() ? pickText(oneLine(description)) : undefined;
}

export function modelPicks(models: readonly RegisteredModel[]): ModelPick[] {
  return models.map((model) => ({ label: pickText(model.name), description: modelBadges(model), detail: detailOf(model.description), name: model.name }));
}

/**
 * A model's versions newest first, with their aliases (and stage where the registry has stages).
 * `withModel` puts "the registered model itself" first, for commands that act on either.
 */
export function versionPicks(
  versions: readonly ModelVersion[],
  model: RegisteredModel,
  options: { showStages: boolean; withModel?: boolean },
): VersionPick[] {
  const picks: VersionPick[] = sortVersionsNewestFirst(versions).map((v) => ({
    label: versionLabel(v),
    description: pickText(versionBadges(v, aliasesOf(v, model), options.showStages)),
    detail: detailOf(v.description),
    version: v.version,
  }));
  if (options.withModel) picks.unshift({ label: pickText(model.name), description: 'the registered model itself', version: undefined });
  return picks;
}

/** "@champion", "→ version 3": a model's aliases by name. */
export function aliasPicks(model: RegisteredModel): AliasPick[] {
  return [...model.aliases]
    .sort((a, b) => a.alias.localeCompare(b.alias))
    .map(({ alias, version }) => ({ label: pickText(`@${alias}`), description: `→ version ${version}`, alias, version }));
}
