import type { ModelVersion, RegisteredModel } from '../mlflow/types';
import { type PromptTreeNode, promptNodeId } from '../prompts/promptsTree';

/**
 * The nodes of the Models view. A discriminated union: the tree adapter and every command switch on
 * `kind`, and `contextValue` comes from RegistryContext, so package.json `when` clauses and the code
 * share one vocabulary.
 */
export type RegistryNode =
  | RegisteredModelNode
  | AliasNode
  | ModelTagsNode
  | ModelVersionNode
  | VersionSourceNode
  | VersionRunNode
  | TagNode
  | LoadMoreModelsNode
  | RegistryMessageNode
  | PromptTreeNode;

export interface RegisteredModelNode {
  readonly kind: 'model';
  readonly model: RegisteredModel;
}

/** "@champion → v3" under its model. */
export interface AliasNode {
  readonly kind: 'alias';
  readonly model: RegisteredModel;
  readonly alias: string;
  readonly version: string;
}

export interface ModelTagsNode {
  readonly kind: 'modelTags';
  readonly model: RegisteredModel;
}

export interface ModelVersionNode {
  readonly kind: 'version';
  readonly version: ModelVersion;
  /** From the registered model's alias list: 2.x search results leave them out of the version. */
  readonly aliases: readonly string[];
  /** Whether the server has (legacy) stages, so a stage is worth showing. */
  readonly showStages: boolean;
}

export interface VersionSourceNode {
  readonly kind: 'source';
  readonly version: ModelVersion;
}

/** The run that produced a version, which "Open Source Run" reveals in the Runs view. */
export interface VersionRunNode {
  readonly kind: 'run';
  readonly version: ModelVersion;
  readonly runId: string;
}

/** A tag of a registered model (`version` absent) or of one of its versions. */
export interface TagNode {
  readonly kind: 'tag';
  readonly modelName: string;
  readonly version?: string;
  readonly key: string;
  readonly value: string;
}

export interface LoadMoreModelsNode {
  readonly kind: 'loadMore';
  readonly loaded: number;
}

export interface RegistryMessageNode {
  readonly kind: 'message';
  readonly id: string;
  readonly text: string;
  readonly severity: 'info' | 'warning' | 'error';
  readonly detail?: string;
  readonly command?: { readonly command: string; readonly title: string; readonly arguments?: readonly unknown[] };
}

/** Values of `contextValue` in the Models view, matched by package.json menus (`viewItem =~ /^modelVersion/`). */
export const enum RegistryContext {
  Model = 'registeredModel',
  Alias = 'modelAlias',
  ModelTags = 'modelTags',
  Version = 'modelVersion',
  /** A version whose source run is known ("Open Source Run"). */
  VersionWithRun = 'modelVersionWithRun',
  Source = 'modelVersionSource',
  SourceRun = 'modelVersionRun',
  ModelTag = 'registeredModelTag',
  VersionTag = 'modelVersionTag',
  Message = 'message',
}

/**
 * Tree item ids must be unique and stable across refreshes (VS Code keeps expansion by id). Names may
 * contain any character, so the parts are JSON-encoded rather than joined with a separator.
 */
export function nodeId(node: RegistryNode): string {
  switch (node.kind) {
    case 'model':
      return JSON.stringify(['model', node.model.name]);
    case 'alias':
      return JSON.stringify(['alias', node.model.name, node.alias]);
    case 'modelTags':
      return JSON.stringify(['modelTags', node.model.name]);
    case 'version':
      return JSON.stringify(['version', node.version.name, node.version.version]);
    case 'source':
      return JSON.stringify(['source', node.version.name, node.version.version]);
    case 'run':
      return JSON.stringify(['run', node.version.name, node.version.version]);
    case 'tag':
      return JSON.stringify(['tag', node.modelName, node.version ?? null, node.key]);
    case 'loadMore':
      return JSON.stringify(['loadMore', node.loaded]);
    case 'message':
      return JSON.stringify(['message', node.id]);
    case 'prompts':
    case 'prompt':
    case 'promptVersion':
      return promptNodeId(node);
  }
}
