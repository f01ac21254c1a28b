import assert from 'node:assert/strict';
import * as path from 'node:path';
import { compareEvaluations, cellDirection } from '../../src/evaluations/core/compareEvaluations';
import { loadEvaluationTable, parseEvaluationMessage } from '../../src/evaluations/core/evaluationSession';
import { buildEvaluationTable, evaluationResultsNode, evaluationTracesFilter, inputsKey, isEvaluationRun, scoreCell, scorerAggregate } from '../../src/evaluations/core/evaluationTable';
import type { EvaluationTable, ScoreCell } from '../../src/evaluations/core/protocol';
import { SqliteStore } from '../../src/mlflow/local/sqliteStore';
import type { Assessment, TraceInfo } from '../../src/mlflow/traceTypes';
import { toAssessment, toTraceInfo } from '../../src/mlflow/traceValues';
import { getCapture } from '../support/replayServer';
import { SQLITE_ENGINE } from '../support/sqliteEngine';
import { toRun } from '../../src/mlflow/rest/mapping';

/**
 * Evaluation results (runs made by `mlflow.genai.evaluate`): the table built from the real evaluation
 * runs of the GenAI fixtures (REST captures and the SQLite store behind them), and two runs compared.
 */

const GENAI_DB = path.resolve(__dirname, '../fixtures/mlflow-3.x/genai-store/mlflow.db');
const IN_MEMORY_RUN = '3f6987bf23b24284ab503f0f9e9c5188';
const DATASET_RUN = '960b99b397364425bab48b5e84dea0c9';
const TRACED_RUN = '8cf132e8d9e94031b248a55539a94d05';

function restTable(): EvaluationTable {
  const run = toRun((getCapture('mlflow-3.x-genai', 'runs_get_eval_run').response as { run: unknown }).run);
  const traces = (getCapture('mlflow-3.x-genai', 'traces_search_filter_run_id_eval_run').response as { traces: unknown[] }).traces.map(toTraceInfo);
  return buildEvaluationTable(run, traces);
}

describe('evaluations: the results table of one evaluation run', () => {
  it('recognises evaluation runs by mlflow.runType=genai_evaluate (the traced run is not one)', () => {
    const evalRun = toRun((getCapture('mlflow-3.x-genai', 'runs_get_eval_run').response as { run: unknown }).run);
    const traced = toRun((getCapture('mlflow-3.x-genai', 'runs_get_traced_run').response as { run: unknown }).run);
    assert.equal(isEvaluationRun(evalRun), true);
    assert.equal(isEvaluationRun(traced), false);
    assert.equal(evaluationTracesFilter(IN_MEMORY_RUN), `attributes.run_id = '${IN_MEMORY_RUN}'`);
    assert.throws(() => evaluationTracesFilter("x' OR '1"), /Not a run id/);
    assert.deepEqual(evaluationResultsNode(evalRun)?.command, { command: 'mlflow.evaluations.open', title: 'Evaluation Results', arguments: [IN_MEMORY_RUN] });
    assert.equal(evaluationResultsNode(traced), undefined);
  });

  it('has one row per evaluated trace, a column per scorer in the run’s metric order, values as MLflow wrote them', () => {
    const table = restTable();
    assert.equal(table.rows.length, 4);
    assert.deepEqual(table.scorers.map((s) => s.name), ['exact_match', 'response_length', 'keyword_overlap', 'mentions_mlflow']);
    // Oldest first: the order evaluate() ran its rows in.
    const times = table.rows.map((r) => r.traceId);
    assert.equal(times.length, new Set(times).size);
    const registry = table.rows.find((r) => r.traceId === 'tr-30a7bde5ec72cd55526faf5ee4699ea4')!;
    assert.equal(registry.inputs, 'Tell me about the prompt registry');
    assert.equal(registry.outputs, 'The MLflow Prompt Registry versions prompt templates and lets you alias versions.');
    assert.deepEqual(registry.expectations, [{ name: 'expected_response', text: 'It versions prompt templates.' }]);
    assert.deepEqual(pickCell(registry.scores.exact_match), { kind: 'fail', text: 'fail', numeric: 0 });
    assert.deepEqual(pickCell(registry.scores.response_length), { kind: 'number', text: '81', numeric: 81 });
    assert.deepEqual(pickCell(registry.scores.keyword_overlap), { kind: 'number', text: '0.75', numeric: 0.75, rationale: '3 of 4 expected words present' });
    const failed = registry.scores.mentions_mlflow!;
    assert.equal(failed.kind, 'error');
    assert.equal(failed.error, 'SCORER_ERROR: simulated scorer failure on prompt questions');
  });

  it('shows each scorer’s aggregate metric, which the rows add up to (errors left out, like MLflow)', () => {
    const table = restTable();
    const byName = Object.fromEntries(table.scorers.map((s) => [s.name, s]));
    assert.deepEqual(byName.exact_match!.metrics, [{ key: 'exact_match/mean', value: 0.5 }]);
    assert.equal(byName.exact_match!.kind, 'passFail');
    for (const scorer of table.scorers) {
      assert.ok(Math.abs(scorer.rowMean! - scorerAggregate(scorer)!) < 1e-12, `${scorer.name}: rows ${scorer.rowMean} vs metric ${scorerAggregate(scorer)}`);
    }
    assert.equal(byName.mentions_mlflow!.errors, 1);
    assert.equal(byName.mentions_mlflow!.scored, 4);
  });

  it('reads the same table from the SQLite store as from the server', async () => {
    const store = new SqliteStore(GENAI_DB, { engine: SQLITE_ENGINE });
    try {
      const local = await loadEvaluationTable(store, IN_MEMORY_RUN);
      const rest = restTable();
      assert.deepEqual(local.scorers, rest.scorers);
      assert.deepEqual(local.rows.map((r) => [r.traceId, r.key, r.inputs, r.expectations, Object.fromEntries(Object.entries(r.scores).map(([k, c]) => [k, pickCell(c)]))]),
        rest.rows.map((r) => [r.traceId, r.key, r.inputs, r.expectations, Object.fromEntries(Object.entries(r.scores).map(([k, c]) => [k, pickCell(c)]))]));
      const dataset = await loadEvaluationTable(store, DATASET_RUN);
      assert.equal(dataset.rows.length, 5);
      assert.equal(dataset.datasetName, 'genai-app-eval-set');
      assert.deepEqual(dataset.scorers.map((s) => [s.name, scorerAggregate(s)]), [['exact_match', 0.4], ['keyword_overlap', 0.725]]);
      const traced = await loadEvaluationTable(store, TRACED_RUN);
      assert.deepEqual(traced.scorers, [], 'a traced run has rows but no scorers');
    } finally {
      store.dispose();
    }
  });

  it('takes the valid (overriding) feedback and the run’s own over others of the same name', () => {
    const base = restTable();
    const run = toRun((getCapture('mlflow-3.x-genai', 'runs_get_eval_run').response as { run: unknown }).run);
    const infos = (getCapture('mlflow-3.x-genai', 'traces_search_filter_run_id_eval_run').response as { traces: unknown[] }).traces.map(toTraceInfo);
    const first = infos[0]!;
    const original = first.assessments.find((a) => a.name === 'exact_match')!;
    const human: Assessment = { ...original, assessmentId: 'a-human', value: true, source: { type: 'HUMAN', id: 'bob' }, lastUpdateTime: original.lastUpdateTime + 1000, metadata: {} };
    const invalid: Assessment = { ...original, assessmentId: 'a-old', value: true, valid: false, lastUpdateTime: original.lastUpdateTime + 2000 };
    const withExtra: TraceInfo = { ...first, assessments: [...first.assessments, human, invalid] };
    const table = buildEvaluationTable(run, [withExtra, ...infos.slice(1)]);
    const row = table.rows.find((r) => r.traceId === first.traceId)!;
    assert.equal(row.scores.exact_match!.assessmentId, original.assessmentId);
    assert.deepEqual(table.scorers.map((s) => s.name), base.scorers.map((s) => s.name));
  });

  it('reads booleans and yes/no ratings as pass/fail, numbers as numbers, anything else as text', () => {
    const assessment = (value: unknown, extra: Partial<Assessment> = {}): Assessment =>
      toAssessment({ assessment_id: 'a-1', assessment_name: 'x', trace_id: 'tr-1', source: { source_type: 'LLM_JUDGE', source_id: 'j' }, create_time: '2026-12-06T09:40:54.632Z', last_update_time: '2026-12-06T09:40:54.632Z', feedback: { value }, valid: true, ...extra });
    assert.equal(scoreCell(assessment('yes')).kind, 'pass');
    assert.equal(scoreCell(assessment('no')).kind, 'fail');
    assert.equal(scoreCell(assessment(true)).text, 'pass');
    assert.equal(scoreCell(assessment(0.123456)).text, '0.1235');
    assert.deepEqual(pickCell(scoreCell(assessment({ a: 1 }))), { kind: 'text', text: '{"a":1}' });
    assert.equal(scoreCell(assessment('<img src=x onerror=alert(1)>')).text, '<img src=x onerror=alert(1)>', 'kept as text; the page sets it with textContent');
  });
});

describe('evaluations: comparing two evaluation runs', () => {
  let a: EvaluationTable;
  let b: EvaluationTable;
  before(async () => {
    const store = new SqliteStore(GENAI_DB, { engine: SQLITE_ENGINE });
    try {
      a = await loadEvaluationTable(store, IN_MEMORY_RUN);
      b = await loadEvaluationTable(store, DATASET_RUN);
    } finally {
      store.dispose();
    }
  });

  it('matches rows by their evaluated inputs, whatever the key order', () => {
    const info = (inputs: string): TraceInfo => ({ traceId: 'tr-x', experimentId: '1', requestTime: 0, state: 'OK', metadata: { 'mlflow.traceInputs': inputs }, tags: {}, assessments: [] });
    assert.equal(inputsKey(info('{"b": 1, "a": [1, {"d": 2, "c": 3}]}')), inputsKey(info('{"a":[1,{"c":3,"d":2}],"b":1}')));
    assert.notEqual(inputsKey(info('{"a": 1}')), inputsKey(info('{"a": 2}')));
    const comparison = compareEvaluations(a, b);
    assert.equal(comparison.matched, 4, 'the four questions both runs asked');
    assert.equal(comparison.rows.length, 5, 'plus the Spanish question only the dataset run asked');
    const onlyB = comparison.rows.filter((r) => !r.a);
    assert.deepEqual(onlyB.map((r) => r.inputs), ['¿Qué es MLflow? <b>html</b> 🧪']);
    assert.ok(onlyB[0]!.cells.every((c) => c.direction === 'added'));
  });

  it('puts each scorer’s aggregates side by side and marks the rows that regressed', () => {
    const comparison = compareEvaluations(a, b);
    const exact = comparison.scorers.find((s) => s.name === 'exact_match')!;
    assert.deepEqual([exact.a, exact.b, exact.direction], [0.5, 0.4, 'regressed']);
    const keyword = comparison.scorers.find((s) => s.name === 'keyword_overlap')!;
    assert.deepEqual([keyword.a, keyword.b, keyword.direction], [0.90625, 0.725, 'regressed']);
    assert.equal(comparison.scorers.find((s) => s.name === 'response_length')!.direction, 'removed');
    for (const row of comparison.rows.filter((r) => r.a && r.b)) {
      const expected = row.cells.some((c) => c.a?.numeric !== undefined && c.b?.numeric !== undefined && c.b.numeric < c.a.numeric);
      assert.equal(row.regressed, expected, row.inputs);
    }
    // The real runs agree on every shared question: the means fell because of the added question.
    assert.equal(comparison.regressions, 0);
    const worse: EvaluationTable = structuredClone(b);
    const row = worse.rows.find((r) => r.inputs === 'What is MLflow?')!;
    row.scores.exact_match = { ...row.scores.exact_match!, kind: 'fail', text: 'fail', numeric: 0 };
    const regressed = compareEvaluations(a, worse);
    assert.equal(regressed.regressions, 1);
    assert.deepEqual(regressed.rows.filter((r) => r.regressed).map((r) => [r.inputs, r.cells.filter((c) => c.direction === 'regressed').map((c) => c.scorer)]), [['What is MLflow?', ['exact_match']]]);
  });

  it('calls pass→fail and pass→error regressions, fail→pass improvements, equal text the same', () => {
    const cell = (kind: ScoreCell['kind'], numeric?: number, text = ''): ScoreCell => ({ kind, text, assessmentId: 'a', ...(numeric === undefined ? {} : { numeric }) });
    assert.equal(cellDirection(cell('pass', 1), cell('fail', 0)), 'regressed');
    assert.equal(cellDirection(cell('fail', 0), cell('pass', 1)), 'improved');
    assert.equal(cellDirection(cell('pass', 1), cell('error')), 'regressed');
    assert.equal(cellDirection(cell('error'), cell('number', 3)), 'improved');
    assert.equal(cellDirection(cell('text', undefined, 'x'), cell('text', undefined, 'x')), 'same');
    assert.equal(cellDirection(cell('text', undefined, 'x'), cell('text', undefined, 'y')), 'changed');
    assert.equal(cellDirection(cell('number', 0.1 + 0.2), cell('number', 0.3)), 'same');
  });
});

describe('evaluations: webview messages', () => {
  it('accepts only the shapes the page sends (trace ids checked)', () => {
    assert.deepEqual(parseEvaluationMessage({ type: 'openTrace', traceId: 'tr-30a7bde5ec72cd55526faf5ee4699ea4' }), { type: 'openTrace', traceId: 'tr-30a7bde5ec72cd55526faf5ee4699ea4' });
    assert.equal(parseEvaluationMessage({ type: 'openTrace', traceId: '../../etc' }), undefined);
    assert.equal(parseEvaluationMessage({ type: 'openTrace' }), undefined);
    assert.equal(parseEvaluationMessage({ type: 'exec', command: 'x' }), undefined);
    assert.equal(parseEvaluationMessage('ready'), undefined);
    assert.deepEqual(parseEvaluationMessage({ type: 'refresh' }), { type: 'refresh' });
  });
});

function pickCell(cell: ScoreCell | undefined): Omit<ScoreCell, 'assessmentId'> | undefined {
  if (!cell) return undefined;
  const { assessmentId: _id, ...rest } = cell;
  return rest;
}
