import { scorerAggregate } from './evaluationTable';
import type { ComparedCell, ComparedRow, ComparedScorer, Direction, EvaluationComparison, EvaluationRow, EvaluationTable, ScoreCell } from './protocol';

/**
 * Two evaluation runs side by side: each scorer's aggregate (the run's `<scorer>/mean`, else the mean of
 * its rows), and the rows matched by their evaluated inputs (`EvaluationRow.key`), each scorer's
 * verdict in A and B. A pass that became a fail (or an error), or a number that went down, is a
 * regression: MLflow's built-in and code scorers score "higher is better", which is what the web UI's
 * comparison assumes too. Rows only in one run are listed as added/removed.
 */
export function compareEvaluations(a: EvaluationTable, b: EvaluationTable): EvaluationComparison {
  const scorerNames = [...a.scorers.map((s) => s.name), ...b.scorers.map((s) => s.name).filter((n) => !a.scorers.some((s) => s.name === n))];
  const scorers: ComparedScorer[] = scorerNames.map((name) => {
    const left = a.scorers.find((s) => s.name === name);
    const right = b.scorers.find((s) => s.name === name);
    const scorer: ComparedScorer = { name, direction: 'same' };
    const av = left ? scorerAggregate(left) : undefined;
    const bv = right ? scorerAggregate(right) : undefined;
    if (av !== undefined) scorer.a = av;
    if (bv !== undefined) scorer.b = bv;
    if (av !== undefined && bv !== undefined) {
      scorer.delta = bv - av;
      scorer.direction = numericDirection(av, bv);
    } else {
      scorer.direction = av === undefined ? 'added' : 'removed';
    }
    return scorer;
  });

  // Several rows may share inputs (the same question asked twice): they pair up in order.
  const queues = new Map<string, EvaluationRow[]>();
  for (const row of b.rows) queues.set(row.key, [...(queues.get(row.key) ?? []), row]);
  const rows: ComparedRow[] = [];
  for (const left of a.rows) {
    const right = queues.get(left.key)?.shift();
    rows.push(compareRow(left, right, scorerNames));
  }
  for (const rest of queues.values()) for (const right of rest) rows.push(compareRow(undefined, right, scorerNames));

  return {
    a: { runId: a.runId, runName: a.runName, rows: a.rows.length },
    b: { runId: b.runId, runName: b.runName, rows: b.rows.length },
    scorers,
    rows,
    matched: rows.filter((r) => r.a && r.b).length,
    regressions: rows.filter((r) => r.regressed).length,
    improvements: rows.filter((r) => r.improved).length,
  };
}

function compareRow(a: EvaluationRow | undefined, b: EvaluationRow | undefined, scorers: readonly string[]): ComparedRow {
  const row: ComparedRow = { key: (a ?? b)!.key, inputs: (a ?? b)!.inputs, cells: [], regressed: false, improved: false };
  if (a) row.a = { traceId: a.traceId, outputs: a.outputs };
  if (b) row.b = { traceId: b.traceId, outputs: b.outputs };
  for (const scorer of scorers) {
    const left = a?.scores[scorer];
    const right = b?.scores[scorer];
    if (!left && !right) continue;
    const cell: ComparedCell = { scorer, direction: a && b ? cellDirection(left, right) : a ? 'removed' : 'added' };
    if (left) cell.a = left;
    if (right) cell.b = right;
    row.cells.push(cell);
  }
  row.regressed = row.cells.some((c) => c.direction === 'regressed');
  row.improved = row.cells.some((c) => c.direction === 'improved');
  return row;
}

/** How one scorer's verdict moved from A to B on the same row. */
export function cellDirection(a: ScoreCell | undefined, b: ScoreCell | undefined): Direction {
  if (!a && !b) return 'same';
  if (!a) return 'added';
  if (!b) return 'removed';
  if (a.kind === 'error' || b.kind === 'error') {
    if (a.kind === b.kind) return 'same';
    return b.kind === 'error' ? 'regressed' : 'improved';
  }
  if (a.numeric !== undefined && b.numeric !== undefined) return numericDirection(a.numeric, b.numeric);
  return a.text === b.text ? 'same' : 'changed';
}

function numericDirection(a: number, b: number): Direction {
  // Aggregates are means of floats: a difference below this is rounding, not a change.
  const epsilon = 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
  if (Math.abs(b - a) <= epsilon) return 'same';
  return b > a ? 'improved' : 'regressed';
}
