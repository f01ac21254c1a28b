import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderCommand, scanCommand } from '../../src/mlproject/command';
import { implicitEntryPoint, isRunnableScript, resolveEntryPoint } from '../../src/mlproject/entryPoints';
import { parseMlproject } from '../../src/mlproject/parse';
import { pythonFloatRepr, resolvePlainScalar, shlexQuote } from '../../src/mlproject/pythonValues';
import { parseRunOutput } from '../../src/mlproject/runOutput';
import { problemPosition, unreadableMessage, unreadableReason } from '../../src/mlproject/unreadable';
import { PARAM_TYPES, type Diagnostic, type DiagnosticCode, type EntryPoint, type Severity } from '../../src/mlproject/types';
import schema from '../../src/mlproject/mlproject.schema.json';

const FIXTURES = join(__dirname, '..', 'fixtures');
const TINY = join(FIXTURES, 'mlflow-2.17.2', 'mlproject-tiny');
const BROKEN = join(FIXTURES, 'mlproject-broken');

const readTiny = (): string => readFileSync(join(TINY, 'MLproject'), 'utf8');
const readBroken = (name: string): string => readFileSync(join(BROKEN, name, 'MLproject'), 'utf8');
const onlyPythonEnv = (path: string): boolean => path === 'python_env.yaml';

function diagnostic(severity: Severity, code: DiagnosticCode, [startLine, startColumn, endLine, endColumn]: number[], message: string): Diagnostic {
  return { severity, code, message, range: { start: { line: startLine, column: startColumn }, end: { line: endLine, column: endColumn } } };
}

function entry(name: string): EntryPoint {
  const found = parseMlproject(readTiny()).project.entryPoints.find((e) => e.name === name);
  assert.ok(found, `entry point ${name}`);
  return found;
}

describe('parseMlproject on the real mlproject-tiny', () => {
  it('reads name, environment, both entry points and typed parameters without diagnostics', () => {
    const { project, diagnostics } = parseMlproject(readTiny(), { exists: onlyPythonEnv });
    assert.deepEqual(diagnostics, []);
    assert.equal(project.name, 'tiny-elasticnet');
    assert.deepEqual(project.environment, { kind: 'python_env', file: 'python_env.yaml', declared: true });
    assert.deepEqual(
      project.entryPoints.map((e) => e.name),
      ['main', 'validate'],
    );
    const main = project.entryPoints[0];
    assert.deepEqual(
      main.parameters.map(({ name, type, default: value }) => ({ name, type, default: value })),
      [
        { name: 'alpha', type: 'float', default: '0.5' },
        { name: 'l1_ratio', type: 'float', default: '0.1' },
        { name: 'max_iter', type: 'int', default: '1000' },
        { name: 'run_label', type: 'string', default: 'mlproject-run' },
        { name: 'data_path', type: 'path', default: 'data.csv' },
      ],
    );
    assert.equal(main.command, 'python train.py --alpha {alpha} --l1-ratio {l1_ratio} --max-iter {max_iter} --run-label {run_label} --data-path {data_path}');
    assert.equal(main.implicit, false);
    assert.deepEqual(main.range, { start: { line: 5, column: 2 }, end: { line: 5, column: 6 } });
    assert.deepEqual(main.parameters[0].range, { start: { line: 7, column: 6 }, end: { line: 7, column: 11 } });
    assert.deepEqual(main.commandRange, { start: { line: 12, column: 13 }, end: { line: 12, column: 138 } });
    // The escaped quotes of the double-quoted YAML string are unescaped in the command.
    assert.equal(project.entryPoints[1].command, `python -c 'import sys; print("validate threshold", {threshold})'`);
  });

  it('reports a missing declared environment file only when it can check files', () => {
    assert.deepEqual(parseMlproject(readTiny()).diagnostics, []);
    const { diagnostics } = parseMlproject(readTiny(), { exists: () => false });
    assert.deepEqual(diagnostics, [
      diagnostic('error', 'missing-env-file', [2, 12, 2, 27], "python_env file 'python_env.yaml' does not exist in the project directory."),
    ]);
  });

  it('falls back to python_env.yaml, then conda.yaml, like MLflow when no environment is declared', () => {
    const text = 'entry_points:\n  main:\n    command: python train.py\n';
    assert.deepEqual(parseMlproject(text, { exists: (p) => p === 'python_env.yaml' }).project.environment, {
      kind: 'python_env',
      file: 'python_env.yaml',
      declared: false,
    });
    assert.deepEqual(parseMlproject(text, { exists: (p) => p === 'conda.yaml' }).project.environment, {
      kind: 'conda_env',
      file: 'conda.yaml',
      declared: false,
    });
    assert.deepEqual(parseMlproject(text, { exists: () => false }).project.environment, { kind: 'none' });
    assert.deepEqual(parseMlproject(`python_env:\n${text}`, { exists: (p) => p === 'conda.yaml' }).project.environment, {
      kind: 'conda_env',
      file: 'conda.yaml',
      declared: false,
    });
  });
});

describe('parseMlproject diagnostics on broken MLproject files', () => {
  const cases: Record<string, Diagnostic[]> = {
    'invalid-yaml': [diagnostic('error', 'yaml-syntax', [5, 13, 6, 0], 'Invalid YAML: Missing closing "quote')],
    'unknown-type': [
      diagnostic(
        'warning',
        'unknown-parameter-type',
        [4, 20, 4, 26],
        "Unknown parameter type 'double': MLflow passes the value as a plain string. Known types: float, int, string, path, uri.",
      ),
      diagnostic(
        'warning',
        'unknown-parameter-type',
        [5, 14, 5, 21],
        "Unknown parameter type 'integer': MLflow passes the value as a plain string. Known types: float, int, string, path, uri.",
      ),
    ],
    'bad-defaults': [
      diagnostic('warning', 'default-type-mismatch', [4, 36, 4, 40], "Default of 'alpha' does not fit type float: 'fast' is not a number."),
      diagnostic('warning', 'default-type-mismatch', [5, 37, 5, 40], "Default of 'max_iter' does not fit type int: '0.5' is not an integer."),
      diagnostic(
        'error',
        'default-type-mismatch',
        [6, 35, 6, 49],
        "Default of 'source' does not fit type uri: 'data/train.csv' is not a URI: MLflow needs a scheme such as file:, s3: or https:.",
      ),
      diagnostic(
        'warning',
        'default-type-mismatch',
        [7, 39, 7, 42],
        "MLflow reads the default 'yes' of 'verbose' as the boolean True (YAML 1.1); quote it to pass the text.",
      ),
    ],
    'missing-command': [diagnostic('error', 'missing-command', [2, 2, 2, 6], "Entry point 'main' has no command.")],
    'unknown-placeholder': [
      diagnostic('warning', 'unused-parameter', [5, 6, 5, 11], "Parameter 'depth' is not used in the command, so MLflow never passes it to the script."),
      diagnostic(
        'error',
        'unknown-placeholder',
        [6, 51, 6, 66],
        "The command uses {learning_rate}, but entry point 'main' has no parameter 'learning_rate'.",
      ),
      diagnostic('error', 'bad-placeholder', [6, 74, 6, 76], 'Placeholder {} is positional, but MLflow fills placeholders by parameter name only.'),
    ],
    'missing-env-file': [
      diagnostic('error', 'missing-env-file', [1, 11, 1, 27], "conda_env file 'environment.yaml' does not exist in the project directory."),
    ],
    'multiple-environments': [
      diagnostic('error', 'multiple-environments', [2, 0, 2, 10], 'MLflow allows one environment per project, but this one has python_env, docker_env.'),
    ],
    'docker-without-image': [diagnostic('error', 'bad-environment', [1, 0, 1, 10], 'docker_env has no image: MLflow refuses to run the project.')],
    'duplicate-key': [diagnostic('warning', 'yaml-duplicate-key', [1, 0, 1, 4], 'Duplicate key: MLflow (PyYAML) silently keeps the last one.')],
    'bad-structure': [
      diagnostic('warning', 'unknown-key', [1, 0, 1, 11], "Unknown key 'entrypoints': MLflow ignores it."),
      diagnostic(
        'error',
        'bad-parameter',
        [7, 13, 7, 16],
        "Parameter 'alpha' must be a type (alpha: float) or a mapping ({type: float, default: 0.5}); MLflow fails on 0.5.",
      ),
      diagnostic('warning', 'unknown-parameter-key', [8, 27, 8, 34], "Unknown key 'defualt' in parameter 'gamma': MLflow reads only type and default."),
      diagnostic(
        'error',
        'bad-placeholder',
        [9, 54, 9, 65],
        "Placeholder {gamma:.2f} uses the numeric format 'f', but MLflow passes parameters as strings, so str.format fails.",
      ),
      diagnostic('error', 'bad-placeholder', [9, 66, 9, 67], "Single '}' in the command: Python's str.format fails on it; write '}}' for a literal brace."),
      diagnostic('error', 'bad-entry-point', [10, 2, 10, 10], "Entry point 'evaluate' must be a mapping with a command (and optional parameters)."),
    ],
  };

  for (const [name, expected] of Object.entries(cases)) {
    it(`${name}: exact messages, severities and positions`, () => {
      assert.deepEqual(parseMlproject(readBroken(name), { exists: onlyPythonEnv }).diagnostics, expected);
    });
  }

  it('an invalid file yields no entry points; a file with errors still yields the valid ones', () => {
    assert.deepEqual(parseMlproject(readBroken('invalid-yaml')).project.entryPoints, []);
    const names = parseMlproject(readBroken('missing-command')).project.entryPoints.map((e) => [e.name, e.command]);
    assert.deepEqual(names, [
      ['main', undefined],
      ['train', 'python train.py'],
    ]);
  });

  it('rejects empty files and non-mappings', () => {
    assert.deepEqual(parseMlproject('').diagnostics, [
      diagnostic('error', 'not-a-mapping', [0, 0, 0, 0], 'The MLproject is empty: MLflow expects a mapping with entry_points.'),
    ]);
    assert.deepEqual(parseMlproject('- main\n- train\n').diagnostics, [
      diagnostic('error', 'not-a-mapping', [0, 0, 2, 0], 'An MLproject must be a mapping (name, entry_points, python_env, …).'),
    ]);
  });
});

describe('MLproject values as PyYAML and Python produce them', () => {
  it('resolves plain defaults like YAML 1.1 and prints them with str()', () => {
    const cases: Array<[string, string | undefined]> = [
      ['0.10', '0.1'],
      ['1.0', '1.0'],
      ['.5', '0.5'],
      ['1e3', '1e3'],
      ['1.0e+3', '1000.0'],
      ['010', '8'],
      ['0x1F', '31'],
      ['1_000', '1000'],
      ['-7', '-7'],
      ['yes', 'True'],
      ['Off', 'False'],
      ['~', undefined],
      ['.inf', 'inf'],
      ['abc', 'abc'],
    ];
    for (const [source, expected] of cases) {
      const scalar = resolvePlainScalar(source);
      assert.equal(scalar.kind === 'null' ? undefined : scalar.text, expected, source);
    }
  });

  it('formats floats like repr()', () => {
    const cases: Array<[number, string]> = [
      [0.5, '0.5'],
      [1, '1.0'],
      [-2.5, '-2.5'],
      [1e16, '1e+16'],
      [1234567890123456.7, '1234567890123456.8'],
      [0.0001, '0.0001'],
      [0.00001, '1e-05'],
      [1.5e-7, '1.5e-07'],
      [123456789012345680000, '1.2345678901234568e+20'],
      [-0, '-0.0'],
      [NaN, 'nan'],
      [-Infinity, '-inf'],
    ];
    for (const [value, expected] of cases) assert.equal(pythonFloatRepr(value), expected, String(value));
  });

  it('quotes like shlex.quote', () => {
    assert.equal(shlexQuote(''), "''");
    assert.equal(shlexQuote('data/train.csv'), 'data/train.csv');
    assert.equal(shlexQuote('a b'), "'a b'");
    assert.equal(shlexQuote("it's"), `'it'"'"'s'`);
    assert.equal(shlexQuote('$(id)'), "'$(id)'");
  });
});

describe('entry point commands', () => {
  it('renders the command MLflow logged for the real successful and failed runs', () => {
    const logged = (file: string): string => {
      const lines = readFileSync(join(FIXTURES, 'cli', 'mlflow-2.17.2', file), 'utf8').split('\n');
      const started = lines.map(parseRunOutput).find((event) => event?.kind === 'started');
      assert.ok(started?.kind === 'started' && started.command !== undefined);
      return started.command;
    };
    const dataPath = '/srv/mlflow-ref/project/data.csv';
    assert.deepEqual(
      renderCommand(entry('main'), { alpha: '0.3', l1_ratio: '0.7', max_iter: '500', run_label: 'ref-test', data_path: dataPath }),
      { command: logged('output-mlflow-run-succeeded.log'), missing: [] },
    );
    assert.deepEqual(renderCommand(entry('main'), { max_iter: 'abc', data_path: dataPath }), {
      command: logged('output-mlflow-run-failed.log'),
      missing: [],
    });
  });

  it('shell-quotes hostile values and appends undeclared parameters as --name value', () => {
    const rendered = renderCommand(entry('main'), { run_label: '; rm -rf ~', data_path: 'd.csv', extra: '$(id)' });
    assert.equal(
      rendered.command,
      "python train.py --alpha 0.5 --l1-ratio 0.1 --max-iter 1000 --run-label '; rm -rf ~' --data-path d.csv --extra '$(id)'",
    );
    // MLflow quotes without knowing the context: inside the command's own single quotes the quoting flips.
    assert.equal(
      renderCommand(entry('validate'), { threshold: 'a b' }).command,
      `python -c 'import sys; print("validate threshold", 'a b')'`,
    );
  });

  it('lists required parameters that have no value', () => {
    const required: EntryPoint = { name: 'main', command: 'python t.py {a} {b}', implicit: false, parameters: [{ name: 'a', type: 'float' }, { name: 'b', type: 'int', default: '1' }] };
    assert.deepEqual(renderCommand(required, {}), { command: 'python t.py {a} 1', missing: ['a'] });
  });

  it('follows str.format: escaped braces, attributes, nested specs and conversions', () => {
    assert.deepEqual(scanCommand('echo {{literal}} {a.real} {b[0]} {c!r} {d:>{width}}'), {
      fields: [
        { name: 'a', start: 17, end: 25 },
        { name: 'b', start: 26, end: 32 },
        { name: 'c', start: 33, end: 38 },
        { name: 'd', start: 39, end: 51, formatSpec: '>{width}' },
        { name: 'width', start: 43, end: 50 },
      ],
      problems: [],
    });
    assert.deepEqual(scanCommand('echo {0} {a!x} {b'), {
      fields: [],
      problems: [
        { message: 'Placeholder {0} is positional, but MLflow fills placeholders by parameter name only.', start: 5, end: 8 },
        { message: 'Placeholder {a!x} has an invalid conversion; Python accepts !r, !s or !a.', start: 9, end: 14 },
        { message: "Unclosed '{' in the command: Python's str.format fails on it; write '{{' for a literal brace.", start: 15, end: 17 },
      ],
    });
  });

  it('runs .py and .sh files without an MLproject entry, as MLflow does', () => {
    const { project } = parseMlproject(readTiny());
    assert.equal(resolveEntryPoint(project, 'main'), project.entryPoints[0]);
    assert.deepEqual(resolveEntryPoint(project, 'train.py'), { name: 'train.py', command: 'python train.py', parameters: [], implicit: true });
    assert.equal(implicitEntryPoint('scripts/run all.sh')?.command, "bash 'scripts/run all.sh'");
    assert.equal(implicitEntryPoint('prep.sh', '/bin/zsh')?.command, '/bin/zsh prep.sh');
    assert.equal(resolveEntryPoint(project, 'notes.txt'), undefined);
    assert.equal(isRunnableScript('train.py'), true);
    assert.equal(isRunnableScript('README.md'), false);
    const script = implicitEntryPoint('train.py');
    assert.ok(script);
    assert.equal(renderCommand(script, { alpha: '0.5', name: 'a b' }).command, "python train.py --alpha 0.5 --name 'a b'");
  });
});

describe('mlproject.schema.json', () => {
  it('offers the same parameter types and top-level keys the parser knows', () => {
    assert.deepEqual(schema.definitions.parameterType.enum, [...PARAM_TYPES]);
    assert.deepEqual(Object.keys(schema.properties), ['name', 'python_env', 'conda_env', 'docker_env', 'entry_points', 'databricks_spark_job']);
    assert.deepEqual(schema.definitions.entryPoint.required, ['command']);
  });
});

describe('MLproject: why a project cannot be run at all', () => {
  it('names the YAML error of an invalid MLproject with its line and column, counted from 1', () => {
    const result = parseMlproject(readBroken('invalid-yaml'));
    const problem = unreadableReason(result);
    assert.ok(problem, 'a reason');
    assert.equal(problem.code, 'yaml-syntax');
    assert.equal(problemPosition(problem), 'line 6, column 14');
    assert.equal(
      unreadableMessage('invalid-yaml', problem),
      'Can\'t run invalid-yaml: its MLproject cannot be read (line 6, column 14): Invalid YAML: Missing closing "quote. `mlflow run` stops there too, so no entry point can run until it is fixed.',
    );
  });

  it('also for an empty file, a list, or entry_points that is not a mapping', () => {
    assert.equal(unreadableReason(parseMlproject(''))?.code, 'not-a-mapping');
    assert.equal(unreadableReason(parseMlproject('- main\n- train\n'))?.code, 'not-a-mapping');
    assert.equal(unreadableReason(parseMlproject('entry_points:\n  - main\n'))?.code, 'entry-points-not-mapping');
  });

  it('not for a project MLflow loads, even with problems in one entry point', () => {
    assert.equal(unreadableReason(parseMlproject(readTiny())), undefined);
    for (const name of ['bad-defaults', 'missing-command', 'unknown-placeholder', 'unknown-type', 'duplicate-key']) {
      assert.equal(unreadableReason(parseMlproject(readBroken(name))), undefined, name);
    }
  });
});
