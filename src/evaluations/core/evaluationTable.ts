import type { Assessment, TraceInfo } from '../../mlflow/traceTypes';
import type { Run } from '../../mlflow/types';
import type { MessageNode } from '../../explorer/nodes';
import type { EvaluationRow, EvaluationTable, ScoreCell, ScorerColumn } from './protocol';

/**
 * Runs made by `mlflow.genai.evaluate`, read the way MLflow marks them: the run carries the tag
 * `mlflow.runType=genai_evaluate`, each evaluated row is a trace whose metadata `mlflow.sourceRun` names
 * the run (found with `attributes.run_id = '<run>'`, what MLflow's evaluation page sends), each scorer
 * wrote one feedback per trace (metadata `mlflow.assessment.sourceRunId` = the run), and the run's
 * metrics hold the aggregates as `<scorer>/<aggregation>` (`exact_match/mean`).
 */

export const RUN_TYPE_TAG = 'mlflow.runType';
export const EVALUATION_RUN_TYPE = 'genai_evaluate';
/** The runs/search filter that selects evaluation runs. */
export const EVALUATION_RUNS_FILTER = "tags.`mlflow.runType` = 'genai_evaluate'";
/** Assessment metadata naming the evaluation run that wrote it. */
export const SOURCE_RUN_ID = 'mlflow.assessment.sourceRunId';

/** Characters of an input/output preview sent to the table (the full text is one click away in the trace). */
const PREVIEW_CHARS = 300;

export function isEvaluationRun(run: Pick<Run, 'data'>): boolean {
  return run.data.tags[RUN_TYPE_TAG] === EVALUATION_RUN_TYPE;
}

/** The "Evaluation Results" row an evaluation run shows first in the Runs view; clicking it opens the table. */
export function evaluationResultsNode(run: Run): MessageNode | undefined {
  if (!isEvaluationRun(run)) return undefined;
  const scorers = run.data.metrics.filter((m) => m.key.endsWith('/mean')).length;
  return {
    kind: 'message',
    id: `evaluation:${run.info.runId}`,
    text: 'Evaluation Results',
    severity: 'info',
    icon: 'checklist',
    detail: `The rows and scorer results of this mlflow.genai.evaluate run${scorers ? ` (${scorers} scorer aggregate${scorers === 1 ? '' : 's'})` : ''}`,
    command: { command: 'mlflow.evaluations.open', title: 'Evaluation Results', arguments: [run.info.runId] },
  };
}

/** The trace filter for one run's traces; run ids are hex, anything else is refused rather than quoted. */
export function evaluationTracesFilter(runId: string): string {
  if (!/^[0-9a-zA-Z_-]+$/.test(runId)) throw new Error(`Not a run id: ${runId.slice(0, 60)}`);
  return `attributes.run_id = '${runId}'`;
}

/** A run's display name: its name, else the first 8 characters of its id. */
export function runLabel(run: Run): string {
  return run.info.runName || run.info.runId.slice(0, 8);
}

/** How a feedback value reads in a cell: pass/fail for booleans and MLflow's yes/no ratings, numbers, else text. */
export function scoreCell(assessment: Assessment): ScoreCell {
  const cell: ScoreCell = { kind: 'text', text: '', assessmentId: assessment.assessmentId };
  if (assessment.rationale) cell.rationale = assessment.rationale;
  const value = assessment.value;
  if (assessment.error && (value === null || value === undefined)) {
    cell.kind = 'error';
    cell.text = 'error';
    cell.error = [assessment.error.code, assessment.error.message].filter(Boolean).join(': ') || 'The scorer failed.';
    return cell;
  }
  if (typeof value === 'boolean' || value === 'yes' || value === 'no') {
    const pass = value === true || value === 'yes';
    cell.kind = pass ? 'pass' : 'fail';
    cell.text = typeof value === 'boolean' ? (pass ? 'pass' : 'fail') : value;
    cell.numeric = pass ? 1 : 0;
    return cell;
  }
  if (typeof value === 'number' && Number.isFinite(value)) {
    cell.kind = 'number';
    cell.numeric = value;
    cell.text = formatNumber(value);
    return cell;
  }
  cell.text = preview(typeof value === 'string' ? value : JSON.stringify(value) ?? String(value));
  return cell;
}

export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}

function preview(text: string): string {
  return text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS)}…` : text;
}

function valueText(value: unknown): string {
  return preview(typeof value === 'string' ? value : JSON.stringify(value) ?? String(value));
}

/**
 * What identifies "the same row" across two evaluation runs: the evaluated inputs (MLflow keeps them in
 * the trace metadata `mlflow.traceInputs`), parsed and re-serialised with sorted keys so key order and
 * spacing do not matter; the request preview when the inputs are missing; the trace id as a last resort
 * (such a row then matches nothing).
 */
export function inputsKey(info: TraceInfo): string {
  const raw = info.metadata['mlflow.traceInputs'];
  if (raw !== undefined) {
    try {
      return `inputs:${stableJson(JSON.parse(raw))}`;
    } catch {
      return `inputs:${raw}`;
    }
  }
  if (info.requestPreview !== undefined) return `request:${info.requestPreview}`;
  return `trace:${info.traceId}`;
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The assessment that stands for `name` on a trace: valid ones only (an overridden original has
 * `valid: false`), those written by this run first, then the trace-level/root one, then the newest.
 */
function pick(candidates: Assessment[], runId: string): Assessment | undefined {
  return [...candidates].sort((a, b) =>
    Number(b.metadata?.[SOURCE_RUN_ID] === runId) - Number(a.metadata?.[SOURCE_RUN_ID] === runId)
    || b.lastUpdateTime - a.lastUpdateTime)[0];
}

function byName(assessments: Assessment[], kind: Assessment['kind']): Map<string, Assessment[]> {
  const map = new Map<string, Assessment[]>();
  for (const a of assessments) {
    if (a.kind !== kind || !a.valid) continue;
    const list = map.get(a.name) ?? [];
    list.push(a);
    map.set(a.name, list);
  }
  return map;
}

/**
 * One evaluation run as a table: a row per evaluated trace (oldest first: the order `evaluate` ran the
 * data in), a column per scorer (every feedback name found on the rows; scorers that wrote for this run
 * first), and per scorer the run's own aggregate metrics plus what the rows add up to.
 */
export function buildEvaluationTable(run: Run, traces: readonly TraceInfo[], truncated = false): EvaluationTable {
  const runId = run.info.runId;
  const rows: EvaluationRow[] = [];
  const fromRun = new Set<string>();
  const allNames = new Set<string>();
  for (const info of [...traces].sort((a, b) => a.requestTime - b.requestTime || a.traceId.localeCompare(b.traceId))) {
    const scores: Record<string, ScoreCell> = {};
    for (const [name, candidates] of byName(info.assessments, 'feedback')) {
      const chosen = pick(candidates, runId);
      if (!chosen) continue;
      scores[name] = scoreCell(chosen);
      allNames.add(name);
      if (chosen.metadata?.[SOURCE_RUN_ID] === runId) fromRun.add(name);
    }
    const expectations = [...byName(info.assessments, 'expectation')]
      .map(([name, candidates]) => ({ name, text: valueText(pick(candidates, runId)?.value) }))
      .sort((a, b) => a.name.localeCompare(b.name));
    const row: EvaluationRow = {
      traceId: info.traceId,
      key: inputsKey(info),
      inputs: preview(info.requestPreview ?? info.metadata['mlflow.traceInputs'] ?? ''),
      outputs: preview(info.responsePreview ?? info.metadata['mlflow.traceOutputs'] ?? ''),
      expectations,
      scores,
      state: info.state,
    };
    if (info.executionDurationMs !== undefined) row.durationMs = info.executionDurationMs;
    rows.push(row);
  }
  const metricNames = run.data.metrics.map((m) => m.key);
  const scorerOrder = (name: string): number => {
    const index = metricNames.findIndex((key) => key.startsWith(`${name}/`));
    return index === -1 ? Number.MAX_SAFE_INTEGER : index;
  };
  const names = [...allNames].sort((a, b) =>
    Number(fromRun.has(b)) - Number(fromRun.has(a)) || scorerOrder(a) - scorerOrder(b) || a.localeCompare(b));
  const scorers: ScorerColumn[] = names.map((name) => scorerColumn(name, run, rows));
  // Scorers with an aggregate metric but no per-row value left (e.g. rows deleted) still show their aggregate.
  for (const metric of run.data.metrics) {
    const scorer = metric.key.split('/')[0]!;
    if (metric.key.includes('/') && !names.includes(scorer) && !scorers.some((s) => s.name === scorer)) {
      scorers.push(scorerColumn(scorer, run, rows));
    }
  }
  const table: EvaluationTable = {
    runId,
    runName: runLabel(run),
    experimentId: run.info.experimentId,
    scorers,
    rows,
    truncated,
  };
  const dataset = run.inputs.datasets[0]?.name;
  if (dataset) table.datasetName = dataset;
  return table;
}

function scorerColumn(name: string, run: Run, rows: readonly EvaluationRow[]): ScorerColumn {
  const metrics = run.data.metrics
    .filter((m) => m.key.startsWith(`${name}/`))
    .map((m) => ({ key: m.key, value: m.value }));
  const cells = rows.map((r) => r.scores[name]).filter((c): c is ScoreCell => c !== undefined);
  const numeric = cells.map((c) => c.numeric).filter((v): v is number => v !== undefined);
  const column: ScorerColumn = {
    name,
    metrics,
    scored: cells.length,
    errors: cells.filter((c) => c.kind === 'error').length,
    kind: cells.some((c) => c.kind === 'pass' || c.kind === 'fail') ? 'passFail' : cells.some((c) => c.kind === 'number') ? 'number' : 'text',
  };
  if (numeric.length > 0) column.rowMean = numeric.reduce((s, v) => s + v, 0) / numeric.length;
  return column;
}

/** The number a scorer is compared on: the run's `<scorer>/mean`, else the mean over its rows. */
export function scorerAggregate(column: ScorerColumn): number | undefined {
  return column.metrics.find((m) => m.key === `${column.name}/mean`)?.value ?? column.rowMean;
}
