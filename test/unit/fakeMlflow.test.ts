import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRunOutput } from '../../src/mlproject/runOutput';
import spec from '../support/fake-mlflow/cliSpec.json';
import { readRecords, runFakeMlflow, startFakeMlflow, type FakeVersion } from '../support/fake-mlflow/fakeMlflow';
import { FIXTURE_VERSIONS, HELP_COMMANDS, parseHelpPage, readHelp, readVersionLine, type HelpCommand, type HelpOption } from '../support/fake-mlflow/helpText';

const TINY = join(__dirname, '..', 'fixtures', 'mlflow-2.17.2', 'mlproject-tiny');
const RUN_ID = '2a56d7c06f4d49059c49661c5076ba6e';
const clickError = (usage: string, command: string, message: string): string =>
  `Usage: ${usage}\nTry '${command} --help' for help.\n\nError: ${message}\n`;

describe('stand-in mlflow: the option tables are the real CLI help', () => {
  for (const version of FIXTURE_VERSIONS) {
    it(`${version}: cliSpec.json matches help-*.txt and version.txt`, () => {
      const entry = spec[version];
      assert.equal(entry.version, /version (\S+)/.exec(readVersionLine(version))?.[1]);
      for (const command of Object.keys(HELP_COMMANDS) as HelpCommand[]) {
        assert.deepEqual(entry.commands[command], parseHelpPage(readHelp(version, command)), `${version} ${command}`);
      }
    });

    it(`${version}: accepts every listed option of every command`, async function () {
      this.timeout(20_000);
      for (const command of Object.keys(HELP_COMMANDS) as HelpCommand[]) {
        const page = spec[version].commands[command];
        const options = (page.options as HelpOption[]).filter((o) => !o.names.includes('--help') && !(o.choices && o.choices.length === 0));
        const argv = [...command.split(' '), ...options.flatMap((o) => [o.names[0], ...valueFor(o)]), '--help'];
        const result = await runFakeMlflow(argv, { version });
        assert.equal(result.code, 0, `${command}: ${result.stderr}`);
        assert.ok(result.stdout.startsWith(`Usage: mlflow ${command} [OPTIONS]`), result.stdout.slice(0, 80));
      }
    });
  }

  function valueFor(option: HelpOption): string[] {
    if (option.metavar === undefined) return [];
    if (option.choices) return [option.choices[0]];
    if (option.metavar.startsWith('INTEGER')) return [String(option.min ?? 5)];
    return ['value'];
  }
});

describe('stand-in mlflow: Click-style rejections', () => {
  const cases: Array<[FakeVersion, string[], number, string]> = [
    ['2.17.2', ['run', '--experiment-nam', 'x', '.'], 2, clickError('mlflow run [OPTIONS] URI', 'mlflow run', 'No such option: --experiment-nam (Possible options: --experiment-id, --experiment-name, --run-name)')],
    ['2.17.2', ['run', '--verison', '1', '.'], 2, clickError('mlflow run [OPTIONS] URI', 'mlflow run', 'No such option: --verison Did you mean --version?')],
    ['2.17.2', ['run', '-x', '.'], 2, clickError('mlflow run [OPTIONS] URI', 'mlflow run', 'No such option: -x')],
    ['2.17.2', ['run', '--no-conda', '.'], 2, clickError('mlflow run [OPTIONS] URI', 'mlflow run', 'No such option: --no-conda Did you mean --run-name?')],
    ['2.17.2', ['server', '--allowed-hosts', 'x'], 2, clickError('mlflow server [OPTIONS]', 'mlflow server', 'No such option: --allowed-hosts')],
    ['2.17.2', ['run'], 2, clickError('mlflow run [OPTIONS] URI', 'mlflow run', "Missing argument 'URI'.")],
    ['2.17.2', ['run', '.', 'extra'], 2, clickError('mlflow run [OPTIONS] URI', 'mlflow run', 'Got unexpected extra argument (extra)')],
    ['2.17.2', ['run', '.', '-e'], 2, clickError('mlflow run [OPTIONS] URI', 'mlflow run', "Option '-e' requires an argument.")],
    ['2.17.2', ['run', '--build-image=yes', '.'], 2, clickError('mlflow run [OPTIONS] URI', 'mlflow run', "Option '--build-image' does not take a value.")],
    ['3.x', ['models', 'serve'], 2, clickError('mlflow models serve [OPTIONS]', 'mlflow models serve', "Missing option '--model-uri' / '-m'.")],
    ['3.x', ['models', 'serve', '-m', 'x', '--port=abc'], 2, clickError('mlflow models serve [OPTIONS]', 'mlflow models serve', "Invalid value for '--port' / '-p': 'abc' is not a valid integer.")],
    ['3.x', ['server', '--secrets-cache-ttl', '5'], 2, clickError('mlflow server [OPTIONS]', 'mlflow server', "Invalid value for '--secrets-cache-ttl': 5 is not in the range 10<=x<=300.")],
    ['3.x', ['ui', '--app-name', 'oauth'], 2, clickError('mlflow ui [OPTIONS]', 'mlflow ui', "Invalid value for '--app-name': 'oauth' is not 'basic-auth'.")],
    ['3.x', ['models', 'predict'], 2, clickError('mlflow models [OPTIONS] COMMAND [ARGS]...', 'mlflow models', "No such command 'predict'.")],
    ['3.x', ['doctor'], 2, clickError('mlflow [OPTIONS] COMMAND [ARGS]...', 'mlflow', "No such command 'doctor'.")],
  ];
  for (const [version, argv, code, stderr] of cases) {
    it(`${version}: ${argv.join(' ')}`, async () => {
      const result = await runFakeMlflow(argv, { version });
      assert.equal(result.stderr, stderr);
      assert.equal(result.code, code);
    });
  }

  it('rejects an env manager the version does not have as MLflow does (exception, exit 1)', async () => {
    const old = await runFakeMlflow(['run', TINY, '--env-manager', 'uv'], { version: '2.17.2' });
    assert.equal(old.code, 1);
    assert.match(old.stderr, /mlflow\.exceptions\.MlflowException: Invalid value for `env_manager`: uv\. Must be one of \['local', 'conda', 'virtualenv'\]\n$/);
    const current = await runFakeMlflow(['run', TINY, '--env-manager', 'uv'], { version: '3.x', cwd: TINY });
    assert.equal(current.code, 0, current.stderr);
  });

  it('prints the version like `mlflow --version`', async () => {
    assert.deepEqual(await runFakeMlflow(['--version']), { code: 0, signal: null, stdout: 'mlflow, version 2.17.2\n', stderr: '' });
    assert.equal((await runFakeMlflow(['--version'], { version: '3.x' })).stdout, 'mlflow, version 3.11.2.dev0\n');
    assert.equal((await runFakeMlflow(['--version'], { env: { FAKE_MLFLOW_VERSION: '9' } })).code, 3);
  });
});

describe('stand-in mlflow run', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'fake-mlflow-run-'));
    writeFileSync(join(dir, 'MLproject'), 'entry_points:\n  main:\n    parameters:\n      alpha: float\n    command: python train.py --alpha {alpha}\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('records argv and environment, with credentials as presence only', async () => {
    const record = join(dir, 'record.jsonl');
    const argv = ['run', TINY, '-e', 'main', '-P', 'alpha=0.3', '--env-manager', 'local'];
    const result = await runFakeMlflow(argv, {
      cwd: TINY,
      env: { FAKE_MLFLOW_RECORD: record, MLFLOW_TRACKING_URI: 'http://127.0.0.1:5055', MLFLOW_TRACKING_TOKEN: 'secret-token-value' },
    });
    assert.equal(result.code, 0, result.stderr);
    const [entry] = readRecords(record);
    assert.deepEqual(entry.argv, argv);
    assert.equal(entry.version, '2.17.2');
    assert.equal(entry.cwd, TINY);
    assert.equal(entry.env.MLFLOW_TRACKING_URI, 'http://127.0.0.1:5055');
    assert.equal(entry.env.MLFLOW_EXPERIMENT_NAME, null);
    assert.equal(entry.credentials.MLFLOW_TRACKING_TOKEN, true);
    assert.equal(entry.credentials.AWS_SECRET_ACCESS_KEY, false);
    assert.ok(!readFileSync(record, 'utf8').includes('secret-token-value'));
  });

  it('prints the real line shapes and succeeds, or fails on request', async () => {
    const env = { FAKE_MLFLOW_RUN_ID: RUN_ID, MLFLOW_TRACKING_URI: 'http://127.0.0.1:5055' };
    const ok = await runFakeMlflow(['run', '.', '-P', 'max_iter=500', '--experiment-id', '5', '--run-name', 'nightly'], { cwd: TINY, env });
    assert.equal(ok.code, 0);
    assert.equal(ok.stdout, `run_id ${RUN_ID}\n`);
    assert.deepEqual(
      ok.stderr.split('\n').map(parseRunOutput).filter(Boolean),
      [
        { kind: 'started', runId: RUN_ID, command: `python train.py --alpha 0.5 --l1-ratio 0.1 --max-iter 500 --run-label mlproject-run --data-path ${join(TINY, 'data.csv')}` },
        { kind: 'viewRun', runName: 'nightly', url: `http://127.0.0.1:5055/#/experiments/5/runs/${RUN_ID}` },
        { kind: 'succeeded', runId: RUN_ID },
      ],
    );
    assert.match(ok.stderr, /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d INFO mlflow\.projects\.utils: === Created directory /);

    const failed = await runFakeMlflow(['run', '.'], { cwd: TINY, env: { ...env, FAKE_MLFLOW_RUN_FAIL: '1' } });
    assert.equal(failed.code, 1);
    assert.deepEqual(failed.stderr.split('\n').map(parseRunOutput).filter(Boolean).at(-1), { kind: 'failed', runId: RUN_ID });
    assert.match(failed.stderr, / ERROR mlflow\.cli: === Run \(ID '2a56d7c06f4d49059c49661c5076ba6e'\) failed ===\n$/);
  });

  it('fails like MLflow for missing parameters, unknown entry points and bad -P', async () => {
    const missing = await runFakeMlflow(['run', dir]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, / ERROR mlflow\.cli: === No value given for missing parameters: 'alpha' ===\n$/);

    const unknown = await runFakeMlflow(['run', dir, '-e', 'train']);
    assert.match(unknown.stderr, /=== Could not find train among entry points \['main'\] or interpret train as a runnable script\. Supported script file extensions: \['\.py', '\.sh'\] ===\n$/);

    const script = await runFakeMlflow(['run', dir, '-e', 'prep.py', '-P', 'rows=10']);
    assert.equal(script.code, 0);
    assert.match(script.stderr, /=== Running command 'python prep\.py --rows 10' in run with ID '[0-9a-f]{32}' === \n/);

    const badParam = await runFakeMlflow(['run', dir, '-P', 'alpha']);
    assert.deepEqual([badParam.code, badParam.stderr], [1, "Error: Invalid format for -P parameter: 'alpha'. Use -P name=value.\n"]);
  });

  // Both cases wait only on conditions: the "Running command" line (printed after the fake listens for
  // SIGINT) and the process's exit. The entry point "runs" until it is signalled (setTimeout's maximum),
  // not for a fixed window a slow machine could overrun, and each case has its own time budget rather
  // than two cold starts sharing one.
  const UNTIL_SIGNALLED = String(2 ** 31 - 1);
  const runUntilSignalled = (env: Record<string, string> = {}) =>
    startFakeMlflow(['run', dir, '-P', 'alpha=1'], { env: { FAKE_MLFLOW_RUN_DELAY_MS: UNTIL_SIGNALLED, ...env } });

  it('reports an interrupted run on SIGINT', async () => {
    const interrupted = runUntilSignalled({ FAKE_MLFLOW_RUN_ID: RUN_ID });
    try {
      await interrupted.waitForLine((line) => parseRunOutput(line)?.kind === 'started');
      const exit = await interrupted.stop('SIGINT');
      assert.deepEqual(exit, { code: 1, signal: null }, interrupted.stderr);
      assert.deepEqual(interrupted.lines.map(parseRunOutput).filter((event) => event?.kind === 'interrupted'), [{ kind: 'interrupted', runId: RUN_ID }]);
      assert.equal(interrupted.lines.at(-1), 'Aborted!');
    } finally {
      await interrupted.stop('SIGKILL');
    }
  });

  it('dies on SIGTERM', async () => {
    const terminated = runUntilSignalled();
    try {
      await terminated.waitForLine((line) => parseRunOutput(line)?.kind === 'started');
      assert.deepEqual(await terminated.stop('SIGTERM'), { code: null, signal: 'SIGTERM' }, terminated.stderr);
    } finally {
      await terminated.stop('SIGKILL');
    }
  });
});
