import type { Metric, Run } from '../mlflow/types';
import type { CompareMetricRow, CompareModel, CompareRow } from './protocol';
import { assignColorSlots, encodeValue } from './series';

/**
 * The compare table as data: rows per param, metric and tag across the runs, with "differs" and
 * "best" worked out here so the webview only draws. Pure.
 */

/** Tags already shown elsewhere (the run name heads its column) or too large for a table cell. */
const HIDDEN_TAGS = new Set(['mlflow.runName', 'mlflow.log-model.history']);

/** Error-like metrics improve downwards; everything else (accuracy, f1, auc, …) upwards. */
export function lowerIsBetter(metricKey: string): boolean {
  return /loss|error|rmse|mae/i.test(metricKey);
}

/** Metric histories of each run: runId → metric key → points. */
export type RunHistories = ReadonlyMap<string, ReadonlyMap<string, readonly Metric[]>>;

export function buildCompareModel(runs: readonly Run[], histories: RunHistories, now: number): CompareModel {
  const slots = assignColorSlots(runs.map((r) => r.info.runId));
  return {
    runs: runs.map((r) => {
      const { runId, runName, experimentId, status, startTime, endTime } = r.info;
      const end = endTime ?? (status === 'RUNNING' ? now : undefined);
      return {
        runId,
        runName,
        experimentId,
        status,
        startTime,
        durationMs: startTime !== undefined && end !== undefined ? Math.max(0, end - startTime) : undefined,
        colorSlot: slots.get(runId) ?? 0,
      };
    }),
    params: compareRows(runs.map((r) => r.data.params)),
    metrics: metricRows(runs, histories),
    tags: compareRows(runs.map((r) => withoutKeys(r.data.tags, HIDDEN_TAGS))),
  };
}

/** One row per key any run has, sorted by key. */
export function compareRows(records: readonly Readonly<Record<string, string>>[]): CompareRow[] {
  const keys = [...new Set(records.flatMap((r) => Object.keys(r)))].sort();
  return keys.map((key) => {
    const values = records.map((r) => (Object.hasOwn(r, key) ? r[key] : null));
    return { key, values, differs: values.some((v) => v !== values[0]) };
  });
}

function metricRows(runs: readonly Run[], histories: RunHistories): CompareMetricRow[] {
  const keys = [...new Set(runs.flatMap((r) => r.data.metrics.map((m) => m.key)))].sort();
  return keys.map((key) => {
    const raw = runs.map((r) => {
      const latest = r.data.metrics.find((m) => m.key === key);
      return latest ? rawStats(latest, histories.get(r.info.runId)?.get(key) ?? []) : null;
    });
    const lower = lowerIsBetter(key);
    return {
      key,
      lowerIsBetter: lower,
      stats: raw.map((s) => (s ? { last: encodeValue(s.last), min: encodeValue(s.min), max: encodeValue(s.max) } : null)),
      best: {
        last: bestIndexes(raw.map((s) => s?.last), lower),
        // The best value ever reached: the minimum of a loss, the maximum of an accuracy.
        min: lower ? bestIndexes(raw.map((s) => s?.min), true) : [],
        max: lower ? [] : bestIndexes(raw.map((s) => s?.max), false),
      },
    };
  });
}

interface RawStats {
  last: number;
  min: number;
  max: number;
}

/**
 * Last is the run's latest value (what MLflow shows); min and max span the history, ignoring NaN
 * (a NaN step says nothing about the range); a history of only NaN has NaN for both.
 */
export function rawStats(latest: Metric, history: readonly Metric[]): RawStats {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  let seen = false;
  for (const m of history.length > 0 ? history : [latest]) {
    if (Number.isNaN(m.value)) continue;
    seen = true;
    if (m.value < min) min = m.value;
    if (m.value > max) max = m.value;
  }
  return seen ? { last: latest.value, min, max } : { last: latest.value, min: Number.NaN, max: Number.NaN };
}

/** Indexes holding the best finite value; empty when fewer than two runs have one (nothing to compare). */
export function bestIndexes(values: readonly (number | undefined)[], lower: boolean): number[] {
  const finite = values.flatMap((v, i) => (v !== undefined && Number.isFinite(v) ? [{ v, i }] : []));
  if (finite.length < 2) return [];
  const target = lower ? Math.min(...finite.map((f) => f.v)) : Math.max(...finite.map((f) => f.v));
  return finite.filter((f) => f.v === target).map((f) => f.i);
}

/** A value as logged; line breaks start continuation lines indented by four spaces. */
function asLogged(value: string): string {
  return value.split(/\r\n|\r|\n/).join('\n    ');
}

function withoutKeys(record: Readonly<Record<string, string>>, hidden: ReadonlySet<string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).filter(([k]) => !hidden.has(k)));
}

/**
 * A run's params and tags as text for VS Code's diff editor: one `key = value` per line in key order,
 * so equal keys line up and the diff shows only what changed. Values read as logged (a JSON value keeps
 * its quotes unescaped); a multi-line value continues on lines indented under its key.
 */
export function runDiffText(run: Run): string {
  const section = (title: string, record: Readonly<Record<string, string>>): string[] => [
    `[${title}]`,
    ...Object.keys(record).sort().map((k) => `${k} = ${asLogged(record[k] ?? '')}`),
    '',
  ];
  return [
    `# ${run.info.runName} (${run.info.runId})`,
    '',
    ...section('params', run.data.params),
    ...section('tags', withoutKeys(run.data.tags, HIDDEN_TAGS)),
  ].join('\n');
}
