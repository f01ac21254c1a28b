import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import type { TrackingStore } from '../mlflow/store';
import type { Experiment, Run } from '../mlflow/types';
import {
  experimentPicks, pickCountProblem, runPicks, tagPicks, type ExperimentChoice, type ExperimentPick, type PickCount, type RunPick, type TagPick,
} from './core/pickItems';
import { runModelPath, type ExperimentNode, type RunNode } from './nodes';

/** Enough to find a run by typing; past this the Runs view's filter is the tool. */
const PICK_LIMIT = 1000;

/**
 * Asks for experiments and runs when a command comes from the palette with nothing selected in the Runs
 * view: a searchable quick pick of the store's experiments, then of that experiment's runs (several at
 * once where the command takes several). Undefined when the user cancels.
 */
export class RunPicker {
  constructor(private readonly deps: { activeStore: ActiveStore; keyMetric: () => string | undefined }) {}

  async pickExperiment(title: string, choice: ExperimentChoice = {}): Promise<Experiment | undefined> {
    const store = this.store();
    const experiments: Experiment[] = [];
    const deleted = choice.stage === 'deleted';
    const empty = deleted ? 'No deleted experiments in this store.' : choice.wantPinned === true ? 'No pinned experiments.' : undefined;
    const picked = await this.pick<ExperimentPick>({ title, placeholder: 'Experiment (type to search)', many: false, empty }, async () => {
      const page = await store.searchExperiments({ viewType: deleted ? 'DELETED_ONLY' : 'ACTIVE_ONLY', orderBy: ['last_update_time DESC'], maxResults: PICK_LIMIT });
      experiments.push(...page.items);
      return experimentPicks(page.items, choice);
    });
    const id = picked?.[0]?.experimentId;
    return experiments.find((e) => e.experimentId === id);
  }

  /** Run ids, after asking for the experiment they are in. */
  async pickRuns(title: string, need: PickCount): Promise<string[] | undefined> {
    return (await this.pickRunList(title, need))?.map((run) => run.info.runId);
  }

  /**
   * Runs, after asking for the experiment they are in; `deleted` lists the experiment's deleted runs
   * (Restore Run) instead of its active ones.
   */
  async pickRunList(title: string, need: PickCount, options: { deleted?: boolean } = {}): Promise<Run[] | undefined> {
    const experiment = await this.pickExperiment(title);
    if (!experiment) return undefined;
    const store = this.store();
    const runs: Run[] = [];
    const picked = await this.pick<RunPick>(
      {
        title: `${title}: ${experiment.name}`,
        placeholder: placeholderFor(need),
        many: need.max !== 1,
        need,
        empty: options.deleted ? `No deleted runs in ${experiment.name}.` : undefined,
      },
      async () => {
        const page = await store.searchRuns({
          experimentIds: [experiment.experimentId],
          runViewType: options.deleted ? 'DELETED_ONLY' : 'ACTIVE_ONLY',
          orderBy: ['attributes.start_time DESC'],
          maxResults: PICK_LIMIT,
        });
        runs.push(...page.items);
        return runPicks(page.items, { keyMetric: this.deps.keyMetric(), now: Date.now() });
      },
    );
    const ids = new Set(picked?.map((p) => p.runId));
    return picked ? runs.filter((run) => ids.has(run.info.runId)) : undefined;
  }

  /** One run, as the Runs view's node for it, for commands that act on a run row. */
  async pickRunNode(title: string): Promise<RunNode | undefined> {
    const [run] = (await this.pickRunList(title, { min: 1, max: 1 })) ?? [];
    return run ? runNodeOf(run) : undefined;
  }

  /** One experiment, as the Runs view's node for it. */
  async pickExperimentNode(title: string, choice: ExperimentChoice = {}): Promise<ExperimentNode | undefined> {
    const experiment = await this.pickExperiment(title, choice);
    return experiment ? { kind: 'experiment', experiment, pinned: choice.pinned?.has(experiment.experimentId) ?? false } : undefined;
  }

  /** One of a run's tags, by key. */
  async pickTag(title: string, run: Run): Promise<string | undefined> {
    const picked = await this.pick<TagPick>(
      { title: `${title}: ${run.info.runName || run.info.runId}`, placeholder: 'Tag (type to search by key or value)', many: false, empty: 'This run has no tags.' },
      async () => tagPicks(run.data.tags),
    );
    return picked?.[0]?.key;
  }

  private store(): TrackingStore {
    const store = this.deps.activeStore.current?.store;
    if (!store) throw new Error('Not connected to an MLflow tracking store. Connect first ("MLflow: Connect to Tracking Server…").');
    return store;
  }

  /**
   * One quick pick, shown at once (busy while `load` runs) so the palette never looks unresponsive. With
   * `many`, Enter is refused until the picked count fits `need`, saying why in the placeholder.
   */
  private pick<T extends vscode.QuickPickItem>(
    options: { title: string; placeholder: string; many: boolean; need?: PickCount; empty?: string },
    load: () => Promise<T[]>,
  ): Promise<readonly T[] | undefined> {
    const quickPick = vscode.window.createQuickPick<T>();
    quickPick.title = options.title;
    quickPick.placeholder = options.placeholder;
    quickPick.canSelectMany = options.many;
    quickPick.matchOnDescription = true;
    quickPick.matchOnDetail = true;
    quickPick.ignoreFocusOut = options.many;
    quickPick.busy = true;
    return new Promise<readonly T[] | undefined>((resolve, reject) => {
      let settled = false;
      const finish = (value: readonly T[] | undefined, error?: unknown) => {
        if (settled) return;
        settled = true;
        quickPick.dispose();
        if (error !== undefined) reject(error);
        else resolve(value);
      };
      quickPick.onDidHide(() => finish(undefined));
      quickPick.onDidAccept(() => {
        const chosen = options.many ? quickPick.selectedItems : quickPick.activeItems.slice(0, 1);
        const problem = options.need ? pickCountProblem(chosen.length, options.need) : chosen.length ? undefined : 'Nothing to pick.';
        if (problem && options.many) {
          quickPick.placeholder = `${problem} ${options.placeholder}`;
          return;
        }
        if (chosen.length) finish(chosen);
      });
      quickPick.show();
      load().then(
        (items) => {
          quickPick.items = items;
          quickPick.busy = false;
          if (!items.length) quickPick.placeholder = options.empty ?? 'Nothing here yet: no active experiments or runs in this store.';
        },
        (error: unknown) => finish(undefined, error),
      );
    });
  }
}

function placeholderFor(need: PickCount): string {
  if (need.max === 1) return 'Run (type to search by name, id, status or metric)';
  const count = need.max === need.min ? `exactly ${need.min}` : need.min > 1 ? `${need.min} or more` : 'one or more';
  return `Check ${count} runs (type to search by name, id, status or metric), then press Enter`;
}

/** The Runs view's node for a run picked from the palette (children are not needed by any command). */
export function runNodeOf(run: Run): RunNode {
  return { kind: 'run', run, children: [], modelPath: runModelPath(run) };
}
