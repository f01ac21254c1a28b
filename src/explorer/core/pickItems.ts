/**
 * What the palette's pickers show when a command needs experiments or runs and the Runs view has no
 * selection ("MLflow: Chart Metrics" typed with nothing selected). Names come from the server: they are
 * shown as text, on one line, and a `$(icon)` in a name stays literal instead of becoming an icon.
 */
import type { Experiment, Run } from '../../mlflow/types';
import { formatMetricValue, formatRelativeTime, keyMetricOf } from '../format';

export interface ExperimentPick {
  readonly label: string;
  readonly description: string;
  readonly experimentId: string;
}

export interface RunPick {
  readonly label: string;
  readonly description: string;
  readonly detail: string;
  readonly runId: string;
}

/** How many runs a command needs: Chart Metrics one or more, Compare two or more, Diff Params exactly two. */
export interface PickCount {
  readonly min: number;
  readonly max?: number;
}

/** Quick pick labels render `$(name)` as an icon; a zero-width space keeps a server's `$(` literal. */
export function pickText(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ').replace(/\$\(/g, '$\u200b(');
}

/** Which experiments a palette command can act on: Restore takes deleted ones, Pin unpinned ones… */
export interface ExperimentChoice {
  /** `deleted` lists only deleted experiments; active ones otherwise. */
  readonly stage?: 'active' | 'deleted';
  /** With `pinned`, only experiments whose pinned state is `wantPinned`. */
  readonly pinned?: ReadonlySet<string>;
  readonly wantPinned?: boolean;
}

export function experimentPicks(experiments: readonly Experiment[], choice: ExperimentChoice = {}): ExperimentPick[] {
  const stage = choice.stage ?? 'active';
  return experiments
    .filter((e) => (stage === 'deleted' ? e.lifecycleStage === 'deleted' : e.lifecycleStage !== 'deleted'))
    .filter((e) => !choice.pinned || choice.wantPinned === undefined || choice.pinned.has(e.experimentId) === choice.wantPinned)
    .map((e) => ({
      label: pickText(e.name || `(experiment ${e.experimentId})`),
      description: [`#${e.experimentId}`, choice.pinned?.has(e.experimentId) ? 'pinned' : undefined, stage === 'deleted' ? 'deleted' : undefined].filter(Boolean).join(' · '),
      experimentId: e.experimentId,
    }));
}

export interface TagPick {
  readonly label: string;
  readonly description: string;
  readonly key: string;
}

/**
 * A run's tags for "Delete Tag" from the palette: the user's own tags by key, then MLflow's `mlflow.*`
 * ones (deletable too, as in the tree), each with its value on one line.
 */
export function tagPicks(tags: Readonly<Record<string, string>>): TagPick[] {
  const system = (key: string) => key.startsWith('mlflow.');
  return Object.keys(tags)
    .sort((a, b) => Number(system(a)) - Number(system(b)) || a.localeCompare(b))
    .map((key) => ({ label: pickText(key), description: oneLine(pickText(tags[key] ?? '')), key }));
}

function oneLine(text: string, max = 80): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Newest first, each with its status, when it started and its key metric, searchable by any of them. */
export function runPicks(runs: readonly Run[], options: { keyMetric?: string; now: number }): RunPick[] {
  return [...runs]
    .sort((a, b) => (b.info.startTime ?? 0) - (a.info.startTime ?? 0))
    .map((run) => {
      const metric = keyMetricOf(run, options.keyMetric);
      const started = run.info.startTime !== undefined ? `started ${formatRelativeTime(run.info.startTime, options.now)}` : undefined;
      return {
        label: pickText(run.info.runName || run.info.runId),
        description: [run.info.status, started].filter(Boolean).join(' · '),
        detail: pickText([run.info.runId, metric ? `${metric.key} ${formatMetricValue(metric.value)}` : undefined].filter(Boolean).join(' · ')),
        runId: run.info.runId,
      };
    });
}

/** Why `count` picked runs are not enough (or too many) for a command, or undefined when they fit. */
export function pickCountProblem(count: number, need: PickCount): string | undefined {
  const { min, max } = need;
  if (max !== undefined && min === max && count !== min) return `Pick exactly ${min} runs (${count} picked).`;
  if (count < min) return min === 1 ? 'Pick at least one run.' : `Pick at least ${min} runs (${count} picked).`;
  if (max !== undefined && count > max) return `Pick at most ${max} runs (${count} picked).`;
  return undefined;
}
