import { formatMetricValue, formatRelativeTime } from '../../explorer/format';
import type { Run } from '../../mlflow/types';
import { fromAnotherCommit } from './fileRuns';

/** One run's value of one key, for a hover row and the sparkline. */
export interface KeyValue {
  runId: string;
  runName: string;
  startTime: number | undefined;
  value: number | string;
  otherCommit: boolean;
}

/**
 * The metric the first-line lens reports: the `mlflow.runs.keyMetric` setting when the latest run has it,
 * else the metric most of the file's runs logged (ties: the order the file logs them, then by name).
 */
export function primaryMetric(runs: readonly Run[], options: { keyMetric?: string; fileOrder: readonly string[] }): string | undefined {
  const latest = runs[0];
  if (!latest) return undefined;
  if (options.keyMetric && latest.data.metrics.some((m) => m.key === options.keyMetric)) return options.keyMetric;
  const counts = new Map<string, number>();
  for (const run of runs) for (const metric of run.data.metrics) counts.set(metric.key, (counts.get(metric.key) ?? 0) + 1);
  const latestKeys = latest.data.metrics.map((m) => m.key);
  const rank = (key: string) => {
    const index = options.fileOrder.indexOf(key);
    return index < 0 ? Number.MAX_SAFE_INTEGER : index;
  };
  return latestKeys.sort((a, b) => (counts.get(b) ?? 0) - (counts.get(a) ?? 0) || rank(a) - rank(b) || a.localeCompare(b))[0];
}

export function metricOf(run: Run, key: string): number | undefined {
  return run.data.metrics.find((m) => m.key === key)?.value;
}

/** `▲ 0.004`, `▼ 0.02`, `= 0` between the latest value and the one before. */
export function formatDelta(latest: number, previous: number): string {
  const change = latest - previous;
  if (!Number.isFinite(change)) return '';
  if (change === 0) return '= 0';
  return `${change > 0 ? '▲' : '▼'} ${formatMetricValue(Number(Math.abs(change).toPrecision(6)))}`;
}

/**
 * The first-line lens: `MLflow: 12 runs · last 2h ago · accuracy 0.931 (▲ 0.004)`, plus
 * `· latest from another commit` when the newest run was logged from a commit other than HEAD.
 */
export function lensTitle(runs: readonly Run[], options: { now: number; head?: string; keyMetric?: string; fileOrder: readonly string[]; more?: boolean }): string {
  const latest = runs[0];
  if (!latest) return 'MLflow: no runs of this file yet';
  const parts = [`MLflow: ${runs.length}${options.more ? '+' : ''} run${runs.length === 1 ? '' : 's'}`];
  if (latest.info.startTime !== undefined) parts.push(`last ${formatRelativeTime(latest.info.startTime, options.now)}`);
  const key = primaryMetric(runs, options);
  const value = key !== undefined ? metricOf(latest, key) : undefined;
  if (key !== undefined && value !== undefined) {
    const previousRun = runs.slice(1).find((run) => metricOf(run, key) !== undefined);
    const previous = previousRun ? metricOf(previousRun, key) : undefined;
    const delta = previous !== undefined ? formatDelta(value, previous) : '';
    parts.push(`${key} ${formatMetricValue(value)}${delta ? ` (${delta})` : ''}`);
  }
  if (fromAnotherCommit(latest, options.head)) parts.push('latest from another commit');
  return parts.join(' · ');
}

/** The values of one metric or param in the last `limit` runs that logged it, newest first. */
export function valuesOf(runs: readonly Run[], kind: 'metric' | 'param', key: string, limit: number, head?: string): KeyValue[] {
  const values: KeyValue[] = [];
  for (const run of runs) {
    const value = kind === 'metric' ? metricOf(run, key) : run.data.params[key];
    if (value === undefined) continue;
    values.push({ runId: run.info.runId, runName: run.info.runName, startTime: run.info.startTime, value, otherCommit: fromAnotherCommit(run, head) });
    if (values.length >= limit) break;
  }
  return values;
}

/** The inlay hint beside a logged key: the latest value, marked when it came from another commit. */
export function hintLabel(values: readonly KeyValue[]): string | undefined {
  const latest = values[0];
  if (!latest) return undefined;
  const shown = typeof latest.value === 'number' ? formatMetricValue(latest.value) : quoteParam(latest.value);
  return `= ${shown}${latest.otherCommit ? ' (other commit)' : ''}`;
}

/** Param values are whatever str() gave: shown quoted and cut, since they sit inside a line of code. */
function quoteParam(value: string): string {
  const oneLine = value.replace(/\s+/g, ' ');
  return JSON.stringify(oneLine.length > 40 ? `${oneLine.slice(0, 39)}…` : oneLine);
}

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** Oldest → newest as unicode blocks; non-finite values are gaps (a space). */
export function sparkline(values: readonly number[]): string {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return '';
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  return values.map((v) => {
    if (!Number.isFinite(v)) return ' ';
    if (max === min) return BLOCKS[3];
    return BLOCKS[Math.round(((v - min) / (max - min)) * (BLOCKS.length - 1))];
  }).join('');
}
