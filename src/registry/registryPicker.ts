import * as vscode from 'vscode';
import { pickText } from '../explorer/core/pickItems';
import type { RegisteredModel } from '../mlflow/types';
import { aliasPicks, modelPicks, versionPicks, type AliasPick, type ModelPick, type VersionPick } from './core/registryPicks';
import { aliasesOf } from './registryLabels';
import type { RegistryModel } from './registryModel';
import type { AliasNode, ModelVersionNode, RegisteredModelNode, RegistryNode, TagNode } from './registryNodes';

/** What a Models view command acts on, and so what the palette asks for. */
export type RegistryTarget = 'version' | 'alias' | 'modelOrVersion' | 'tag';

/**
 * Asks for the registered model, then its version, alias or tag, when a Models view command comes from
 * the palette with nothing fitting selected. Returns the node the Models view would have passed, or
 * undefined when the user cancels (or there is nothing to pick, said in a message).
 */
export class RegistryPicker {
  constructor(private readonly model: RegistryModel) {}

  /** Whether a selected node is what a command of this target acts on. */
  static fits(target: RegistryTarget, node: RegistryNode): boolean {
    switch (target) {
      case 'version':
        return node.kind === 'version';
      case 'alias':
        return node.kind === 'alias';
      case 'modelOrVersion':
        return node.kind === 'model' || node.kind === 'version';
      case 'tag':
        return node.kind === 'tag';
    }
  }

  async pick(target: RegistryTarget, title: string): Promise<RegistryNode | undefined> {
    const model = await this.pickModel(title, target === 'alias' ? (m) => m.aliases.length > 0 : undefined);
    if (!model) return undefined;
    switch (target) {
      case 'alias':
        return this.pickAlias(title, model);
      case 'version':
        return this.pickVersion(title, model, false);
      case 'modelOrVersion':
        return this.pickVersion(title, model, true);
      case 'tag':
        return this.pickTag(title, model);
    }
  }

  private async pickModel(title: string, usable?: (model: RegisteredModel) => boolean): Promise<RegisteredModel | undefined> {
    const { models } = await this.model.getModels();
    const candidates = usable ? models.filter(usable) : models;
    if (!candidates.length) {
      void vscode.window.showInformationMessage(usable ? 'No registered model has an alias.' : 'No registered models in this store.');
      return undefined;
    }
    const picked = await vscode.window.showQuickPick<ModelPick>(modelPicks(candidates), {
      title,
      placeHolder: 'Registered model (type to search)',
      matchOnDescription: true,
      matchOnDetail: true,
    });
    return picked ? candidates.find((m) => m.name === picked.name) : undefined;
  }

  private async pickVersion(title: string, model: RegisteredModel, withModel: boolean): Promise<ModelVersionNode | RegisteredModelNode | undefined> {
    const versions = await this.model.getVersions(model.name);
    const showStages = this.model.state.stages;
    if (!versions.length && !withModel) {
      void vscode.window.showInformationMessage(`${model.name} has no versions.`);
      return undefined;
    }
    const picked = await vscode.window.showQuickPick<VersionPick>(versionPicks(versions, model, { showStages, withModel }), {
      title: `${title}: ${pickText(model.name)}`,
      placeHolder: withModel ? 'The model, or one of its versions' : 'Version',
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (!picked) return undefined;
    if (picked.version === undefined) return { kind: 'model', model };
    const version = versions.find((v) => v.version === picked.version);
    return version ? { kind: 'version', version, aliases: aliasesOf(version, model), showStages } : undefined;
  }

  private async pickAlias(title: string, model: RegisteredModel): Promise<AliasNode | undefined> {
    const picked = await vscode.window.showQuickPick<AliasPick>(aliasPicks(model), {
      title: `${title}: ${pickText(model.name)}`,
      placeHolder: 'Alias',
      matchOnDescription: true,
    });
    return picked ? { kind: 'alias', model, alias: picked.alias, version: picked.version } : undefined;
  }

  /** A tag of the model or of one of its versions (the owner asked first). */
  private async pickTag(title: string, model: RegisteredModel): Promise<TagNode | undefined> {
    const owner = await this.pickVersion(title, model, true);
    if (!owner) return undefined;
    const tags = owner.kind === 'model' ? owner.model.tags : owner.version.tags;
    const keys = Object.keys(tags).sort();
    const ownerText = owner.kind === 'model' ? model.name : `${model.name} version ${owner.version.version}`;
    if (!keys.length) {
      void vscode.window.showInformationMessage(`${ownerText} has no tags.`);
      return undefined;
    }
    const picked = await vscode.window.showQuickPick(
      keys.map((key) => ({ label: pickText(key), description: pickText(tags[key] ?? ''), key })),
      { title: `${title}: ${pickText(ownerText)}`, placeHolder: 'Tag', matchOnDescription: true },
    );
    if (!picked) return undefined;
    return { kind: 'tag', modelName: model.name, version: owner.kind === 'version' ? owner.version.version : undefined, key: picked.key, value: tags[picked.key] ?? '' };
  }
}
