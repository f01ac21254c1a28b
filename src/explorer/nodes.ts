import type { Experiment, FileInfo, Run } from '../mlflow/types';

/**
 * The nodes of the Runs view. A discriminated union: every command handler and the tree adapter switch
 * on `kind`, and `contextValue` (see contextValueOf) is derived from it, so package.json `when` clauses
 * and the code can't drift apart.
 */
export type ExplorerNode =
  | ExperimentNode
  | RunNode
  | LoadMoreNode
  | RunSectionNode
  | RunValueNode
  | ArtifactNode
  | LoggedModelNode
  | MessageNode;

export interface ExperimentNode {
  readonly kind: 'experiment';
  readonly experiment: Experiment;
  readonly pinned: boolean;
}

export interface RunNode {
  readonly kind: 'run';
  readonly run: Run;
  /** Child runs (tag `mlflow.parentRunId`) among the runs loaded so far. */
  readonly children: readonly RunNode[];
  /** Artifact path of the model folder this run logged (MLflow 2: `mlflow.log-model.history`), if any. */
  readonly modelPath?: string;
}

export interface LoadMoreNode {
  readonly kind: 'loadMore';
  readonly experimentId: string;
  readonly loaded: number;
}

export type RunSection = 'params' | 'metrics' | 'tags' | 'artifacts' | 'models' | 'childRuns';

export interface RunSectionNode {
  readonly kind: 'section';
  readonly section: RunSection;
  readonly run: Run;
  readonly children?: readonly RunNode[];
}

export interface RunValueNode {
  readonly kind: 'value';
  readonly section: 'params' | 'metrics' | 'tags';
  readonly run: Run;
  readonly key: string;
  readonly value: string;
}

export interface ArtifactNode {
  readonly kind: 'artifact';
  readonly run: Run;
  readonly file: FileInfo;
  /** True when this folder holds an `MLmodel` file (a servable, registrable model). */
  readonly isModel: boolean;
  /** Set when the artifact belongs to an MLflow 3 logged model rather than to the run itself. */
  readonly loggedModelId?: string;
}

export interface LoggedModelNode {
  readonly kind: 'loggedModel';
  readonly run: Run;
  readonly modelId: string;
  readonly direction: 'input' | 'output';
  readonly name?: string;
}

export interface MessageNode {
  readonly kind: 'message';
  readonly id: string;
  readonly text: string;
  readonly severity: 'info' | 'warning' | 'error';
  /** A codicon in place of the severity's (a message that is an action, like "Evaluation Results"). */
  readonly icon?: string;
  readonly detail?: string;
  /** Runs when the item is clicked or activated with Enter. */
  readonly command?: { readonly command: string; readonly title: string; readonly arguments?: readonly unknown[] };
}

/** Values of `contextValue`, matched by package.json menus (`viewItem =~ /^run/`). */
export const enum NodeContext {
  Experiment = 'experiment',
  /** A pinned experiment: offers Unpin (and the inline "pinned" icon) instead of Pin. */
  ExperimentPinned = 'experimentPinned',
  ExperimentDeleted = 'experimentDeleted',
  Run = 'run',
  RunRunning = 'runRunning',
  RunDeleted = 'runDeleted',
  RunWithModel = 'runWithModel',
  Tag = 'tag',
  Param = 'param',
  Metric = 'metric',
  ArtifactFile = 'artifactFile',
  ArtifactFolder = 'artifactFolder',
  ArtifactModel = 'artifactModel',
  LoggedModel = 'loggedModel',
  Message = 'message',
}

export function runModelPath(run: Run): string | undefined {
  const history = run.data.tags['mlflow.log-model.history'];
  if (!history) return undefined;
  try {
    const entries = JSON.parse(history) as { artifact_path?: unknown }[];
    const withPath = entries.find((entry) => typeof entry.artifact_path === 'string');
    return withPath?.artifact_path as string | undefined;
  } catch {
    return undefined;
  }
}
