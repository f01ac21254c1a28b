import type { TraceState } from '../../mlflow/traceTypes';

/**
 * Messages between the extension host and the evaluation panel (one run's results table, or two runs
 * compared). Both sides `import type` this file. Every string inside came from a tracking server and
 * is untrusted: the page sets it as text only.
 */

/** What an evaluation panel shows: one run's results table, or two runs compared (the first the baseline). */
export type EvaluationTarget = { mode: 'table'; runId: string } | { mode: 'compare'; runIds: readonly [string, string] };

/** One scorer's verdict on one row. `numeric` is 1/0 for pass/fail, the value for numbers. */
export interface ScoreCell {
  kind: 'pass' | 'fail' | 'number' | 'text' | 'error';
  text: string;
  numeric?: number;
  rationale?: string;
  /** The scorer's error (code: message) when it failed on this row. */
  error?: string;
  assessmentId: string;
}

export interface EvaluationRow {
  traceId: string;
  /** What matches this row with a row of another evaluation run (see `inputsKey`). */
  key: string;
  inputs: string;
  outputs: string;
  expectations: { name: string; text: string }[];
  /** By scorer name. */
  scores: Record<string, ScoreCell>;
  state: TraceState;
  durationMs?: number;
}

export interface ScorerColumn {
  name: string;
  /** The run's aggregate metrics of this scorer (`<name>/mean`, …). */
  metrics: { key: string; value: number }[];
  /** Mean of the rows' numeric values (pass = 1), when any. */
  rowMean?: number;
  /** Rows with a value (errors included). */
  scored: number;
  errors: number;
  kind: 'passFail' | 'number' | 'text';
}

export interface EvaluationTable {
  runId: string;
  runName: string;
  experimentId: string;
  datasetName?: string;
  scorers: ScorerColumn[];
  rows: EvaluationRow[];
  /** More traces exist than were read. */
  truncated: boolean;
}

export type Direction = 'regressed' | 'improved' | 'same' | 'changed' | 'added' | 'removed';

export interface ComparedScorer {
  name: string;
  a?: number;
  b?: number;
  /** b − a, when both exist. */
  delta?: number;
  direction: Direction;
}

export interface ComparedCell {
  scorer: string;
  a?: ScoreCell;
  b?: ScoreCell;
  direction: Direction;
}

export interface ComparedRow {
  key: string;
  inputs: string;
  a?: { traceId: string; outputs: string };
  b?: { traceId: string; outputs: string };
  cells: ComparedCell[];
  regressed: boolean;
  improved: boolean;
}

export interface EvaluationComparison {
  a: { runId: string; runName: string; rows: number };
  b: { runId: string; runName: string; rows: number };
  scorers: ComparedScorer[];
  rows: ComparedRow[];
  matched: number;
  regressions: number;
  improvements: number;
}

export type EvaluationView =
  | { mode: 'table'; table: EvaluationTable }
  | { mode: 'compare'; comparison: EvaluationComparison };

export type EvaluationHostMessage =
  /** What the page saves (`setState`) so the panel comes back after a window reload. */
  | { type: 'persist'; state: EvaluationTarget }
  | { type: 'loading'; title: string }
  | { type: 'view'; view: EvaluationView }
  | { type: 'error'; message: string };

export interface EvaluationRenderSummary {
  mode: 'table' | 'compare' | 'error' | 'loading';
  rows: number;
  scorers: string[];
  regressions?: number;
  error?: string;
}

export type EvaluationWebviewMessage =
  | { type: 'ready' }
  | { type: 'rendered'; summary: EvaluationRenderSummary }
  | { type: 'openTrace'; traceId: string }
  | { type: 'refresh' };
