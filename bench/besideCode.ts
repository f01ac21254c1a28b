/**
 * Bench "beside-code": what an edit in a 2,000-line training script costs before its inlay hints can
 * be drawn, beside the physical limit of the same work.
 *
 * - hints after an edit: the edit applied to the kept tree (`tree.edit`), tree-sitter's incremental
 *   re-parse, the call index re-reading the edited statement, and every call's hint resolved against
 *   100 runs' metrics and params (src/besideCode/core: ParsedDocument, CallIndex, resolveKey, valuesOf);
 * - baseline: tree-sitter's own incremental re-parse of the same edit, nothing else (the least any
 *   parser-based answer can do), and for scale a full parse of the file from scratch and our first read
 *   of a file (full parse and every call found), which happens once per opened file.
 *
 *   node --expose-gc --import tsx bench/besideCode.ts       (bench/run.mjs runs it so: --only beside-code)
 */
import * as path from 'node:path';
import { CallIndex } from '../src/besideCode/core/callIndex';
import { literalKeysOf, resolveKey } from '../src/besideCode/core/keyResolution';
import { loadPythonParser, packageWasmDir, ParsedDocument, pointAt } from '../src/besideCode/core/pythonParser';
import { hintLabel, valuesOf } from '../src/besideCode/core/summary';
import type { Run } from '../src/mlflow/types';
import { compare, loadNote, ms, overhead, reportFigure, table } from './support/measure';

const ROOT = path.resolve(__dirname, '..');
const LINES = 2_000;

/** A training script of `LINES` lines: functions with loops, comments, strings, and ~200 MLflow calls. */
function script(): string {
  const lines = ['import mlflow as mf', 'from mlflow import log_metric, log_param as lp', 'import numpy as np', ''];
  let block = 0;
  while (lines.length < LINES - 11) {
    lines.push(
      `def stage_${block}(data, epochs=10):`,
      `    """Stage ${block}: mf.log_metric("not_a_call", 1) in a docstring."""`,
      `    lp("lr_${block % 7}", 0.01 * ${block})`,
      '    for epoch in range(epochs):',
      `        loss = np.mean((data - ${block}) ** 2)  # mf.log_metric("commented", loss)`,
      `        log_metric("loss_${block % 5}", loss, step=epoch)`,
      `        mf.log_metrics({"acc_${block % 3}": 1 - loss, f"{'split'}_auc": 0.5}, step=epoch)`,
      '        if loss < 0.1:',
      '            break',
      `    return {"stage": ${block}, "loss": loss}`,
      '',
    );
    block++;
  }
  while (lines.length < LINES) lines.push('print("done")');
  return lines.join('\n') + '\n';
}

function runs(): Run[] {
  return Array.from({ length: 100 }, (_, i) => ({
    info: { runId: `run${i}`, experimentId: '1', runName: `run-${i}`, userId: '', status: 'FINISHED', startTime: 1e12 - i * 1000, artifactUri: '', lifecycleStage: 'active' },
    data: {
      metrics: [...Array.from({ length: 5 }, (_, k) => `loss_${k}`), 'acc_0', 'acc_1', 'acc_2', 'val_auc'].map((key, k) => ({ key, value: i / 100 + k, timestamp: 0, step: 9 })),
      params: Object.fromEntries(Array.from({ length: 7 }, (_, k) => [`lr_${k}`, String(0.01 * k)])),
      tags: {},
    },
    inputs: { datasets: [], modelInputs: [] },
    outputs: { modelOutputs: [] },
  }));
}

async function main(): Promise<void> {
  const parser = await loadPythonParser(packageWasmDir(ROOT));
  const base = script();
  const fileRuns = runs();
  const metricKeys = new Set(fileRuns[0]!.data.metrics.map((m) => m.key));
  const paramKeys = new Set(Object.keys(fileRuns[0]!.data.params));
  // The edit: typing or deleting one digit in a line in the middle of the file, alternately.
  const at = base.indexOf('0.01 * ', Math.floor(base.length / 2)) + '0.01 * '.length;
  const editor = () => {
    let typed = false;
    let text = base;
    return () => {
      typed = !typed;
      const change = typed ? { rangeOffset: at, rangeLength: 0, text: '9' } : { rangeOffset: at, rangeLength: 1, text: '' };
      text = text.slice(0, change.rangeOffset) + change.text + text.slice(change.rangeOffset + change.rangeLength);
      return { text, change };
    };
  };

  const document = new ParsedDocument(parser);
  const index = new CallIndex();
  index.rebuild(document.reset(base).rootNode);
  const nextForHints = editor();
  let hintCount = 0;
  let callCount = 0;
  let raw = parser.parse(base);
  const nextForRaw = editor();
  let rawSource = base;

  const results = await compare({
    warmup: 20,
    reps: 200,
    variants: {
      hints: {
        setup: nextForHints,
        run: ({ text, change }: ReturnType<ReturnType<typeof editor>>) => {
          const tree = document.update(text, [change]);
          const { edit, changed } = document.lastChange!;
          index.update(tree.rootNode, edit, changed, (row) => document.line(row));
          const calls = index.calls;
          const literal = { metric: literalKeysOf(calls, 'metric'), param: literalKeysOf(calls, 'param') };
          let hints = 0;
          for (const call of calls) {
            if (call.kind === 'autolog') continue;
            const key = resolveKey(call.key, call.kind === 'metric' ? metricKeys : paramKeys, literal[call.kind]);
            if (key !== undefined && hintLabel(valuesOf(fileRuns, call.kind, key, 1))) hints++;
          }
          hintCount = hints;
          callCount = calls.length;
        },
      },
      rawIncremental: {
        setup: nextForRaw,
        run: ({ text, change }: ReturnType<ReturnType<typeof editor>>) => {
          const start = change.rangeOffset;
          const oldEnd = start + change.rangeLength;
          const newEnd = start + change.text.length;
          raw.edit({ startIndex: start, oldEndIndex: oldEnd, newEndIndex: newEnd, startPosition: pointAt(rawSource, start), oldEndPosition: pointAt(rawSource, oldEnd), newEndPosition: pointAt(text, newEnd) });
          const next = parser.parse(text, raw);
          raw.delete();
          raw = next;
          rawSource = text;
        },
      },
      fullParse: () => parser.parse(base).delete(),
      fullRead: () => {
        const tree = parser.parse(base);
        new CallIndex().rebuild(tree.rootNode);
        tree.delete();
      },
    },
  });
  const lines = base.split('\n').length - 1;
  console.log(`beside-code bench: ${lines}-line Python file (${(base.length / 1024).toFixed(0)} KiB), ${callCount} MLflow calls, ${hintCount} hints; ${loadNote()}`);
  console.log(table(['step', 'median', 'min', 'max', 'vs raw incremental parse'], [
    ['hints after an edit (ours)', ms(results.hints.median), ms(results.hints.min), ms(results.hints.max), overhead(results.hints.median, results.rawIncremental.median)],
    ['tree-sitter incremental parse only', ms(results.rawIncremental.median), ms(results.rawIncremental.min), ms(results.rawIncremental.max), ''],
    ['tree-sitter full parse', ms(results.fullParse.median), ms(results.fullParse.min), ms(results.fullParse.max), overhead(results.fullParse.median, results.rawIncremental.median)],
    ['first read: full parse + every call (ours)', ms(results.fullRead.median), ms(results.fullRead.min), ms(results.fullRead.max), overhead(results.fullRead.median, results.rawIncremental.median)],
  ]));
  reportFigure({
    bench: 'beside-code',
    name: `hints ready after an edit, ${lines}-line .py (${callCount} calls)`,
    value: results.hints.median,
    unit: 'ms',
    baselineName: 'tree-sitter incremental parse of the same edit',
    baseline: results.rawIncremental.median,
    note: `max ${ms(results.hints.max)} over 200 edits (target ≤ 50 ms); first read of the file ${ms(results.fullRead.median)}, tree-sitter full parse ${ms(results.fullParse.median)}`,
  });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
