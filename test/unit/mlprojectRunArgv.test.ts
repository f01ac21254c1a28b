import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isMlflowError } from '../../src/mlflow/errors';
import { parseMlflowVersion, runEnvManagers, type EnvManager } from '../../src/mlproject/mlflowCli';
import { parseMlproject } from '../../src/mlproject/parse';
import { checkParamValue, hasUriScheme, validateRunValues } from '../../src/mlproject/paramValues';
import { buildMlflowRunArgv, type MlflowRunOptions } from '../../src/mlproject/runArgv';
import { parseRunOutput } from '../../src/mlproject/runOutput';
import { readRecords, runFakeMlflow } from '../support/fake-mlflow/fakeMlflow';
import { FIXTURE_VERSIONS, optionNames, parseHelpPage, readHelp, readVersionLine } from '../support/fake-mlflow/helpText';

const TINY = join(__dirname, '..', 'fixtures', 'mlflow-2.17.2', 'mlproject-tiny');
const HOSTILE = ['; rm -rf ~', '$(id)', '`id`', `it's "quoted"`, 'line1\nline2', '--help', '-e other', 'a=b=c', '', 'ünïcödé ✓'];

const mainEntry = () => {
  const found = parseMlproject(readFileSync(join(TINY, 'MLproject'), 'utf8')).project.entryPoints[0];
  assert.ok(found);
  return found;
};

function options(version: string, overrides: Partial<MlflowRunOptions> = {}): MlflowRunOptions {
  return { projectDir: TINY, entryPoint: 'main', params: {}, envManager: 'local', version, ...overrides };
}

function rejects(build: () => unknown, code: string, message: RegExp): void {
  assert.throws(build, (error: unknown) => isMlflowError(error, code) && message.test(error.message));
}

describe('parseMlflowVersion', () => {
  it('reads the captured --version lines and bare versions', () => {
    assert.deepEqual(parseMlflowVersion(readVersionLine('2.17.2')), { major: 2, minor: 17, patch: 2, raw: '2.17.2' });
    assert.deepEqual(parseMlflowVersion(readVersionLine('3.x')), { major: 3, minor: 11, patch: 2, raw: '3.11.2.dev0' });
    assert.deepEqual(parseMlflowVersion('2.20'), { major: 2, minor: 20, patch: 0, raw: '2.20' });
    rejects(() => parseMlflowVersion('mlflow: command not found'), 'INVALID_PARAMETER_VALUE', /Cannot read an MLflow version/);
  });
});

for (const fixture of FIXTURE_VERSIONS) {
  const version = readVersionLine(fixture);
  const help = parseHelpPage(readHelp(fixture, 'run'));
  const accepted = optionNames(help);
  const listedEnvManagers = help.options.find((o) => o.names.includes('--env-manager'))?.listedValues ?? [];

  describe(`buildMlflowRunArgv for MLflow ${fixture}`, () => {
    it('passes typed parameters as -P name=value, in order, with every option as that version spells it', () => {
      const argv = buildMlflowRunArgv(
        options(version, {
          params: { alpha: '0.3', l1_ratio: '0.7', max_iter: '500', run_label: 'ref-test', data_path: 'data.csv' },
          experimentName: 'mlproject-demo',
          runName: 'nightly',
          envManager: 'virtualenv',
        }),
      );
      assert.deepEqual(argv, [
        'run',
        TINY,
        '-e',
        'main',
        '-P',
        'alpha=0.3',
        '-P',
        'l1_ratio=0.7',
        '-P',
        'max_iter=500',
        '-P',
        'run_label=ref-test',
        '-P',
        'data_path=data.csv',
        '--experiment-name',
        'mlproject-demo',
        '--run-name',
        'nightly',
        '--env-manager',
        'virtualenv',
      ]);
      for (const element of argv.filter((a) => a.startsWith('-'))) assert.ok(accepted.has(element), `${element} in help-run.txt`);
    });

    it('uses --experiment-id when given an id', () => {
      const argv = buildMlflowRunArgv(options(version, { experimentId: '5' }));
      assert.deepEqual(argv.slice(-4), ['--experiment-id', '5', '--env-manager', 'local']);
    });

    it('accepts exactly the env managers the help lists', () => {
      assert.deepEqual([...runEnvManagers(parseMlflowVersion(version))].sort(), [...listedEnvManagers].sort());
      for (const manager of ['local', 'virtualenv', 'conda', 'uv'] as EnvManager[]) {
        const build = () => buildMlflowRunArgv(options(version, { envManager: manager }));
        if (listedEnvManagers.includes(manager)) assert.equal(build().at(-1), manager);
        else rejects(build, 'NOT_SUPPORTED', new RegExp(`does not support '--env-manager ${manager}'`));
      }
    });

    for (const value of HOSTILE) {
      it(`keeps ${JSON.stringify(value)} verbatim in one argv element`, () => {
        const argv = buildMlflowRunArgv(options(version, { params: { run_label: value }, runName: value, experimentName: value }));
        assert.equal(argv[argv.indexOf('-P') + 1], `run_label=${value}`);
        assert.equal(argv[argv.indexOf('--run-name') + 1], value);
        assert.equal(argv[argv.indexOf('--experiment-name') + 1], value);
        assert.equal(argv.length, 12);
      });
    }

    it('refuses what no argv can carry or MLflow would misread', () => {
      rejects(() => buildMlflowRunArgv(options(version, { params: { alpha: 'a\0b' } })), 'INVALID_PARAMETER_VALUE', /NUL/);
      rejects(() => buildMlflowRunArgv(options(version, { params: { 'a=b': '1' } })), 'INVALID_PARAMETER_VALUE', /cannot contain '='/);
      rejects(() => buildMlflowRunArgv(options(version, { params: { 'a b': '1' } })), 'INVALID_PARAMETER_VALUE', /whitespace/);
      rejects(() => buildMlflowRunArgv(options(version, { experimentName: 'x', experimentId: '1' })), 'INVALID_PARAMETER_VALUE', /not both/);
      rejects(() => buildMlflowRunArgv(options(version, { projectDir: '--help' })), 'INVALID_PARAMETER_VALUE', /not a project directory/);
      rejects(() => buildMlflowRunArgv(options(version, { entryPoint: '' })), 'INVALID_PARAMETER_VALUE', /entry point name is empty/);
    });

    it('is accepted by the stand-in CLI, which runs the project and reports the run', async function () {
      this.timeout(15_000);
      const dir = mkdtempSync(join(tmpdir(), 'mlproject-argv-'));
      try {
        const record = join(dir, 'record.jsonl');
        const argv = buildMlflowRunArgv(options(version, { params: { run_label: '; rm -rf ~', extra: '$(id)' }, runName: 'a\nb' }));
        const result = await runFakeMlflow(argv, {
          version: fixture,
          cwd: TINY,
          env: { FAKE_MLFLOW_RECORD: record, FAKE_MLFLOW_RUN_ID: '2a56d7c06f4d49059c49661c5076ba6e' },
        });
        assert.equal(result.code, 0, result.stderr);
        assert.deepEqual(readRecords(record)[0].argv, argv);
        const events = result.stderr.split('\n').map(parseRunOutput).filter((e) => e !== undefined);
        assert.deepEqual(events, [
          {
            kind: 'started',
            runId: '2a56d7c06f4d49059c49661c5076ba6e',
            command: `python train.py --alpha 0.5 --l1-ratio 0.1 --max-iter 1000 --run-label '; rm -rf ~' --data-path ${join(TINY, 'data.csv')} --extra '$(id)'`,
          },
          { kind: 'succeeded', runId: '2a56d7c06f4d49059c49661c5076ba6e' },
        ]);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

describe('user-entered parameter values', () => {
  it('checks each type more strictly than MLflow does', () => {
    const cases: Array<[string, string, string | undefined]> = [
      ['int', '42', undefined],
      ['int', '-3', undefined],
      ['int', '4.0', "'4.0' is not an integer."],
      ['int', '1_000', "'1_000' is not an integer."],
      ['int', ' 5', "' 5' is not an integer."],
      ['float', '0.5', undefined],
      ['float', '.5', undefined],
      ['float', '1e-3', undefined],
      ['float', '5.', undefined],
      ['float', 'nan', "'nan' is not a number."],
      ['float', 'inf', "'inf' is not a number."],
      ['float', '0,5', "'0,5' is not a number."],
      ['float', '', "'' is not a number."],
      ['uri', 's3://bucket/data', undefined],
      ['uri', 'data/train.csv', "'data/train.csv' is not a URI: MLflow needs a scheme such as file:, s3: or https:."],
      ['path', '', 'A path cannot be empty.'],
      ['path', '../data.csv', undefined],
      ['string', '', undefined],
      ['double', 'anything', undefined],
    ];
    for (const [type, value, expected] of cases) assert.equal(checkParamValue(type, value), expected, `${type} ${JSON.stringify(value)}`);
  });

  it('finds URI schemes the way urlparse does', () => {
    assert.equal(hasUriScheme('file:///tmp/x'), true);
    assert.equal(hasUriScheme('  mlflow-artifacts:/1/x'), true);
    assert.equal(hasUriScheme('C:\\data'), true);
    assert.equal(hasUriScheme('1abc:x'), false);
    assert.equal(hasUriScheme('/abs/path'), false);
  });

  it('reports missing required values, bad values and bad extra names for an entry point', () => {
    const main = mainEntry();
    assert.deepEqual(validateRunValues(main, { alpha: '0.3', max_iter: 'abc', 'bad name': 'x', extra: 'ok' }), [
      { name: 'max_iter', message: "'abc' is not an integer." },
      { name: 'bad name', message: "Parameter name 'bad name' cannot contain '=' or whitespace." },
    ]);
    const required = { ...main, parameters: [{ name: 'alpha', type: 'float' }] };
    assert.deepEqual(validateRunValues(required, {}), [{ name: 'alpha', message: "'alpha' has no default; enter a value." }]);
  });
});
