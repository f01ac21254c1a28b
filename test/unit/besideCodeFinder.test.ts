import assert from 'node:assert/strict';
import { CallIndex } from '../../src/besideCode/core/callIndex';
import { findLogCalls, type LogCall } from '../../src/besideCode/core/pythonCalls';
import { loadPythonParser, packageWasmDir, ParsedDocument, type PythonParser } from '../../src/besideCode/core/pythonParser';
import { describePattern, literalKeysOf, resolveKey } from '../../src/besideCode/core/keyResolution';
import { REPO_ROOT } from '../support/repoRoot';

/** What a call reads as in these tests: `metric accuracy @3:16`. */
function describe_(call: LogCall): string {
  const at = `@${call.range.start.row}:${call.range.start.column}`;
  if (call.kind === 'autolog') return `autolog ${call.flavor ?? '*'} ${at}`;
  return `${call.kind}${call.batch ? 's' : ''} ${describePattern(call.key)} ${at}`;
}

/** The Python call finder (src/besideCode/core/pythonCalls.ts) on a real tree-sitter Python parse. */
describe('beside code: finding MLflow log calls in Python', () => {
  let parser: PythonParser;
  before(async () => {
    parser = await loadPythonParser(packageWasmDir(REPO_ROOT));
  });
  const find = (source: string) => {
    const tree = parser.parse(source);
    try {
      return findLogCalls(tree.rootNode).map(describe_);
    } finally {
      tree.delete();
    }
  };

  it('finds log_metric, log_param and their batch forms through `import mlflow`', () => {
    const source = [
      'import mlflow',
      'mlflow.log_param("alpha", 0.5)',
      'mlflow.log_metric("accuracy", 0.93, step=1)',
      'mlflow.log_metrics({"rmse": 1.2, "mae": 0.8})',
      "mlflow.log_params({'solver': 'lbfgs'})",
    ].join('\n');
    assert.deepEqual(find(source), [
      'param alpha @1:17',
      'metric accuracy @2:18',
      'metrics rmse @3:20',
      'metrics mae @3:33',
      'params solver @4:19',
    ]);
  });

  it('follows aliases: import mlflow as mf, from mlflow import log_metric (as lm), submodules', () => {
    const source = [
      'import mlflow as mf',
      'from mlflow import log_metric, log_param as lp',
      'from mlflow import log_metric as lm',
      'import mlflow.sklearn',
      'from mlflow import pytorch',
      'import mlflow.xgboost as mx',
      'mf.log_metric("a", 1)',
      'log_metric("b", 2)',
      'lm("c", 3)',
      'lp("d", 4)',
      'mlflow.sklearn.autolog()',
      'pytorch.autolog(log_models=False)',
      'mx.autolog()',
      'mf.autolog()',
    ].join('\n');
    assert.deepEqual(find(source), [
      'metric a @6:14',
      'metric b @7:11',
      'metric c @8:3',
      'param d @9:3',
      'autolog sklearn @10:0',
      'autolog pytorch @11:0',
      'autolog xgboost @12:0',
      'autolog * @13:0',
    ]);
  });

  it('ignores comments, strings that look like calls, other modules and unimported names', () => {
    const source = [
      'import mlflow',
      'import wandb',
      '# mlflow.log_metric("commented", 1)',
      'text = "mlflow.log_metric(\'in_a_string\', 1)"',
      'doc = """',
      'mlflow.log_metric("in_a_docstring", 2)',
      '"""',
      'wandb.log_metric("other_library", 3)',
      'log_metric("never_imported", 4)',
      'mlflow.log_metric("real", 5)  # mlflow.log_metric("trailing", 6)',
    ].join('\n');
    assert.deepEqual(find(source), ['metric real @9:18']);
  });

  it('finds nothing in a file that never imports mlflow', () => {
    assert.deepEqual(find('def log_metric(k, v):\n    pass\nlog_metric("x", 1)\n'), []);
  });

  it('reads multi-line calls, keyword arguments, parenthesised and concatenated keys', () => {
    const source = [
      'import mlflow',
      'mlflow.log_metric(',
      '    # the headline number',
      '    "val_"',
      '    "accuracy",',
      '    value,',
      '    step=epoch,',
      ')',
      'mlflow.log_metric(value=1.0, key="by_keyword")',
      'mlflow.log_param(("paren"), 1)',
      'mlflow.log_metrics(metrics={"kw_dict": 1}, step=2)',
      "mlflow.log_metric(r'raw\\key', 1)",
    ].join('\n');
    assert.deepEqual(find(source), [
      'metric val_accuracy @3:4',
      'metric by_keyword @8:33',
      'param paren @9:17',
      'metrics kw_dict @10:28',
      'metric raw\\key @11:18',
    ]);
  });

  it('keeps f-strings as templates and variables as run-time keys', () => {
    const source = [
      'import mlflow',
      'for split in ["train", "val"]:',
      '    mlflow.log_metric(f"{split}_loss", loss[split])',
      '    mlflow.log_metric(name, 1)',
      '    mlflow.log_metric(f"fixed_{{braces}}", 1)',
      'mlflow.log_metrics(results)',
      'mlflow.log_metrics({k: v for k, v in results.items()})',
      'mlflow.log_metrics({f"{p}_auc": 1, **extra})',
      'mlflow.log_metric(*args)',
    ].join('\n');
    assert.deepEqual(find(source), [
      'metric {…}_loss @2:22',
      'metric (computed at run time) @3:22',
      'metric fixed_{braces} @4:22',
      'metrics (computed at run time) @5:19',
      'metrics (computed at run time) @6:19',
      'metrics {…}_auc @7:20',
    ]);
  });

  it('reads calls inside functions, classes and with-blocks, with imports made there', () => {
    const source = [
      'def train():',
      '    import mlflow as m',
      '    with m.start_run():',
      '        class Trainer:',
      '            def step(self):',
      '                m.log_metric("deep", 1)',
    ].join('\n');
    assert.deepEqual(find(source), ['metric deep @5:29']);
  });

  it('still finds the calls of a file with a syntax error elsewhere (tree-sitter recovers)', () => {
    const source = ['import mlflow', 'def broken(:', '    pass', 'mlflow.log_metric("after_error", 1)'].join('\n');
    assert.deepEqual(find(source), ['metric after_error @3:18']);
  });

  it('counts columns in UTF-16 code units, as VS Code positions do', () => {
    const source = 'import mlflow\nx = "héllo 🙂"; mlflow.log_metric("acc", 1)\n';
    const [call] = find(source);
    assert.equal(call, `metric acc @1:${source.split('\n')[1]!.indexOf('"acc"')}`);
  });

  it('re-parses incrementally after edits and sees the edited key', () => {
    const document = new ParsedDocument(parser);
    let text = 'import mlflow\nmlflow.log_metric("loss", 1)\n';
    document.reset(text);
    const at = text.indexOf('loss');
    text = `${text.slice(0, at)}val_loss${text.slice(at + 4)}`;
    const tree = document.update(text, [{ rangeOffset: at, rangeLength: 4, text: 'val_loss' }]);
    assert.deepEqual(findLogCalls(tree.rootNode).map(describe_), ['metric val_loss @1:18']);
    const end = text.length;
    text += 'mlflow.log_param("p", 2)\n';
    const again = document.update(text, [{ rangeOffset: end, rangeLength: 0, text: 'mlflow.log_param("p", 2)\n' }]);
    assert.deepEqual(findLogCalls(again.rootNode).map(describe_), ['metric val_loss @1:18', 'param p @2:17']);
    document.dispose();
  });
});

/** Keys built at run time (src/besideCode/core/keyResolution.ts): matched only when unambiguous. */
describe('beside code: resolving run-time keys against the logged ones', () => {
  const template = (...parts: (string | null)[]) => ({ kind: 'template' as const, parts });

  it('resolves an f-string when exactly one logged key fits it', () => {
    assert.equal(resolveKey(template('', null, '_loss'), new Set(['val_loss', 'accuracy']), new Set()), 'val_loss');
  });

  it('leaves it alone when several logged keys fit (never guesses)', () => {
    assert.equal(resolveKey(template('', null, '_loss'), new Set(['train_loss', 'val_loss']), new Set()), undefined);
    assert.equal(resolveKey(template(null), new Set(['a']), new Set(['b'])), 'a');
    assert.equal(resolveKey(template(null), new Set(['a', 'c']), new Set()), undefined);
  });

  it('does not give a template a key the file logs literally elsewhere', () => {
    assert.equal(resolveKey(template('', null, '_loss'), new Set(['train_loss', 'val_loss']), new Set(['train_loss'])), 'val_loss');
    assert.equal(resolveKey(template('', null, '_loss'), new Set(['train_loss']), new Set(['train_loss'])), undefined);
  });

  it('treats regex characters in the literal parts literally and needs a non-empty hole', () => {
    assert.equal(resolveKey(template('a.', null), new Set(['abx']), new Set()), undefined);
    assert.equal(resolveKey(template('a.', null), new Set(['a.x']), new Set()), 'a.x');
    assert.equal(resolveKey(template('loss', null), new Set(['loss']), new Set()), undefined);
  });

  it('never resolves a variable; a literal is itself', () => {
    assert.equal(resolveKey({ kind: 'dynamic' }, new Set(['only']), new Set()), undefined);
    assert.equal(resolveKey({ kind: 'literal', key: 'acc' }, new Set(), new Set()), 'acc');
  });

  it('collects the literal keys per kind', () => {
    const range = { start: { row: 0, column: 0 }, end: { row: 0, column: 1 } };
    const calls: LogCall[] = [
      { kind: 'metric', key: { kind: 'literal', key: 'm' }, range, call: range, batch: false },
      { kind: 'param', key: { kind: 'literal', key: 'p' }, range, call: range, batch: false },
      { kind: 'metric', key: template(null), range, call: range, batch: false },
    ];
    assert.deepEqual([...literalKeysOf(calls, 'metric')], ['m']);
    assert.deepEqual([...literalKeysOf(calls, 'param')], ['p']);
  });
});

/** The incremental index (src/besideCode/core/callIndex.ts) always agrees with a full read of the file. */
describe('beside code: following edits incrementally', () => {
  let parser: PythonParser;
  before(async () => {
    parser = await loadPythonParser(packageWasmDir(REPO_ROOT));
  });

  const BASE = [
    'import mlflow as mf',
    'from mlflow import log_param',
    '',
    'def train(data, epochs=3):',
    '    """Docs: mf.log_metric("no", 1)."""',
    '    log_param("lr", 0.1)',
    '    for epoch in range(epochs):',
    '        loss = compute(data)  # mf.log_metric("commented", 1)',
    '        mf.log_metric("loss", loss, step=epoch)',
    '        mf.log_metrics({"acc": 1 - loss, f"{split}_auc": 0.5})',
    '    return loss',
    '',
    'class Trainer:',
    '    def fit(self):',
    '        mf.log_metric(',
    '            "val_loss",',
    '            self.loss,',
    '        )',
    '',
    'mf.autolog()',
    'train([1, 2, 3])',
    '',
  ].join('\n');
  const SNIPPETS = ['\n', '    ', 'mf.log_metric("new", 1)\n', '"', '"""', '(', ')', '# ', 'import mlflow as mm\n', 'mm.log_param("p", 2)\n', 'x', 'log_param("q", 3); mf.log_metric("r", 4)\n', '{', '\n\n\n', 'def f():\n    mf.log_metric("in_f", 1)\n'];

  it('re-reads the whole statement when an edit is on a later line of a multi-line call', () => {
    const document = new ParsedDocument(parser);
    const index = new CallIndex();
    const text = 'import mlflow\nx = 1\nmlflow.log_metric(\n    "loss",\n    1,\n)\nmlflow.log_param("p", 2)\n';
    index.rebuild(document.reset(text).rootNode);
    const at = text.indexOf('loss');
    const next = `${text.slice(0, at)}val_${text.slice(at)}`;
    const tree = document.update(next, [{ rangeOffset: at, rangeLength: 0, text: 'val_' }]);
    assert.ok(document.lastChange, 'one edit: followed incrementally');
    index.update(tree.rootNode, document.lastChange.edit, document.lastChange.changed, (row) => document.line(row));
    assert.deepEqual(index.calls.map(describe_), ['metric val_loss @3:4', 'param p @6:17']);
    document.dispose();
  });

  it('gives the same calls as a full read after each of 400 random edits (typing, deleting, pasting, breaking syntax)', () => {
    // A fixed pseudo-random sequence: the same 400 edits every run.
    let seed = 12345;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const document = new ParsedDocument(parser);
    const index = new CallIndex();
    let text = BASE;
    index.rebuild(document.reset(text).rootNode);
    let incremental = 0;
    for (let i = 0; i < 400; i++) {
      if (text.length > 4000) text = BASE; // keep the file reading like a script
      const at = random(text.length + 1);
      const remove = random(3) === 0 ? Math.min(random(12), text.length - at) : 0;
      const insert = remove && random(2) === 0 ? '' : SNIPPETS[random(SNIPPETS.length)]!;
      const next = text.slice(0, at) + insert + text.slice(at + remove);
      const tree = text === BASE && i > 0 && next === BASE ? document.reset(next) : document.update(next, [{ rangeOffset: at, rangeLength: remove, text: insert }]);
      if (document.lastChange) {
        incremental++;
        index.update(tree.rootNode, document.lastChange.edit, document.lastChange.changed, (row) => document.line(row));
      } else {
        index.rebuild(tree.rootNode);
      }
      text = next;
      const full = parser.parse(text);
      try {
        assert.deepEqual(index.calls.map(describe_), findLogCalls(full.rootNode).map(describe_), `after edit ${i}: ${JSON.stringify({ at, remove, insert })}\n${text}`);
        assert.deepEqual(index.calls, findLogCalls(full.rootNode), `ranges after edit ${i}`);
      } finally {
        full.delete();
      }
    }
    assert.ok(incremental > 350, `most edits were followed incrementally (${incremental})`);
    document.dispose();
  });
});
