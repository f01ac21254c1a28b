import * as assert from 'node:assert/strict';
import { buildChildEnv, describeEnvironment, environmentOfMlflow, prependPath, type MlflowEnvironment } from '../../src/environment/core/childEnv';
import { installArgv, notInstalledMessage } from '../../src/environment/core/notInstalled';

const existing = (...paths: string[]) => ({ platform: 'linux' as const, exists: (p: string) => paths.includes(p) });
const VENV: MlflowEnvironment = { kind: 'venv', prefix: '/w/.venv', binDirs: ['/w/.venv/bin'] };

describe('child environment: which Python environment an mlflow belongs to', () => {
  it('a venv: pyvenv.cfg beside bin/', () => {
    assert.deepEqual(environmentOfMlflow('/w/.venv/bin/mlflow', existing('/w/.venv/pyvenv.cfg')), VENV);
  });

  it('a conda environment: conda-meta in the prefix; on Windows with the folders conda activate adds', () => {
    assert.deepEqual(environmentOfMlflow('/opt/conda/envs/ml/bin/mlflow', existing('/opt/conda/envs/ml/conda-meta')), {
      kind: 'conda', prefix: '/opt/conda/envs/ml', binDirs: ['/opt/conda/envs/ml/bin'],
    });
    const windows = { platform: 'win32' as const, exists: (p: string) => p === 'C:\\conda\\envs\\ml\\conda-meta' };
    assert.deepEqual(environmentOfMlflow('C:\\conda\\envs\\ml\\Scripts\\mlflow.exe', windows).binDirs, [
      'C:\\conda\\envs\\ml',
      'C:\\conda\\envs\\ml\\Library\\mingw-w64\\bin',
      'C:\\conda\\envs\\ml\\Library\\usr\\bin',
      'C:\\conda\\envs\\ml\\Library\\bin',
      'C:\\conda\\envs\\ml\\Scripts',
      'C:\\conda\\envs\\ml\\bin',
    ]);
  });

  it('a Windows venv: Scripts\\', () => {
    const windows = { platform: 'win32' as const, exists: (p: string) => p === 'C:\\w\\.venv\\pyvenv.cfg' };
    assert.deepEqual(environmentOfMlflow('C:\\w\\.venv\\Scripts\\mlflow.exe', windows), { kind: 'venv', prefix: 'C:\\w\\.venv', binDirs: ['C:\\w\\.venv\\Scripts'] });
  });

  it("the Python extension's sys.prefix wins over the guess from the path", () => {
    assert.deepEqual(environmentOfMlflow('/w/odd/place/mlflow', existing('/w/env/pyvenv.cfg'), '/w/env'), {
      kind: 'venv', prefix: '/w/env', binDirs: ['/w/env/bin', '/w/odd/place'],
    });
  });

  it('anything else (pip --user, a system install): just the folder holding mlflow', () => {
    assert.deepEqual(environmentOfMlflow('/home/u/.local/bin/mlflow', existing()), { kind: 'folder', binDirs: ['/home/u/.local/bin'] });
    assert.equal(describeEnvironment({ kind: 'folder', binDirs: ['/home/u/.local/bin'] }), 'Python installation of /home/u/.local/bin');
    assert.equal(describeEnvironment(VENV), 'virtual environment /w/.venv');
  });
});

describe('child environment: what every mlflow child gets', () => {
  const base = {
    PATH: '/usr/bin:/bin',
    HOME: '/home/u',
    MLFLOW_TRACKING_URI: 'http://other',
    MLFLOW_TRACKING_USERNAME: 'inherited-user',
    MLFLOW_TRACKING_PASSWORD: 'inherited-password',
    MLFLOW_TRACKING_TOKEN: 'inherited-token',
    MLFLOW_EXPERIMENT_NAME: 'e',
    PYTHONHOME: '/usr',
    CONDA_PREFIX: '/opt/conda',
    UNSET: undefined,
  };

  it("the environment's bin first on PATH, VIRTUAL_ENV set, a conda activation and PYTHONHOME dropped", () => {
    const env = buildChildEnv({ base, platform: 'linux', environment: VENV });
    assert.equal(env.PATH, '/w/.venv/bin:/usr/bin:/bin');
    assert.equal(env.VIRTUAL_ENV, '/w/.venv');
    assert.equal(env.CONDA_PREFIX, undefined);
    assert.equal(env.PYTHONHOME, undefined);
    assert.equal(env.PYTHONUNBUFFERED, '1');
    assert.equal('UNSET' in env, false);
    assert.equal(env.MLFLOW_ALLOW_FILE_STORE, undefined);
  });

  it('conda: CONDA_PREFIX and CONDA_DEFAULT_ENV, no VIRTUAL_ENV', () => {
    const conda: MlflowEnvironment = { kind: 'conda', prefix: '/opt/conda/envs/ml', binDirs: ['/opt/conda/envs/ml/bin'] };
    const env = buildChildEnv({ base: { ...base, VIRTUAL_ENV: '/x' }, platform: 'linux', environment: conda });
    assert.deepEqual([env.PATH, env.CONDA_PREFIX, env.CONDA_DEFAULT_ENV, env.VIRTUAL_ENV], ['/opt/conda/envs/ml/bin:/usr/bin:/bin', '/opt/conda/envs/ml', 'ml', undefined]);
  });

  it("replaces every inherited MLFLOW_TRACKING_* with the connection's", () => {
    const env = buildChildEnv({ base, platform: 'linux', environment: VENV, connection: { MLFLOW_TRACKING_URI: 'http://mine', MLFLOW_TRACKING_TOKEN: 't' } });
    assert.deepEqual(
      Object.entries(env).filter(([name]) => name.startsWith('MLFLOW_')).sort(),
      [['MLFLOW_EXPERIMENT_NAME', 'e'], ['MLFLOW_TRACKING_TOKEN', 't'], ['MLFLOW_TRACKING_URI', 'http://mine']],
    );
  });

  it("without a connection keeps what the user exported (MLflow's own default)", () => {
    const env = buildChildEnv({ base, platform: 'linux' });
    assert.deepEqual([env.MLFLOW_TRACKING_URI, env.MLFLOW_TRACKING_TOKEN, env.PATH], ['http://other', 'inherited-token', '/usr/bin:/bin']);
  });

  it('opts in to the file store for MLflow 3 when the child reads or serves one', () => {
    assert.equal(buildChildEnv({ base, platform: 'linux', fileStore: true }).MLFLOW_ALLOW_FILE_STORE, 'true');
  });

  it('Windows: keeps the Path spelling the parent used and compares folders case-insensitively', () => {
    const windowsVenv: MlflowEnvironment = { kind: 'venv', prefix: 'C:\\w\\.venv', binDirs: ['C:\\w\\.venv\\Scripts'] };
    const env = buildChildEnv({ base: { Path: 'C:\\Windows;c:\\w\\.venv\\scripts\\;C:\\Tools' }, platform: 'win32', environment: windowsVenv });
    assert.deepEqual(Object.keys(env).filter((name) => name.toUpperCase() === 'PATH'), ['Path']);
    assert.equal(env.Path, 'C:\\w\\.venv\\Scripts;C:\\Windows;C:\\Tools');
  });

  it('prependPath moves an existing entry forward instead of repeating it, and drops empty entries', () => {
    assert.equal(prependPath('/a::/w/.venv/bin/:/b', ['/w/.venv/bin'], 'linux'), '/w/.venv/bin:/a:/b');
    assert.equal(prependPath('', ['/w/.venv/bin'], 'linux'), '/w/.venv/bin');
  });
});

describe('MLflow not installed: the message and the install command', () => {
  it('names the selected Python and the exact install command for it', () => {
    assert.equal(
      notInstalledMessage("Can't run the MLproject", { path: '/w/.venv/bin/python', source: 'selected' }),
      "Can't run the MLproject: MLflow is not installed for the selected Python (/w/.venv/bin/python). " +
        'Install it there with `/w/.venv/bin/python -m pip install mlflow`, select another interpreter, or set mlflow.executablePath.',
    );
    assert.match(notInstalledMessage("Can't serve the model", { path: '/usr/bin/python3', source: 'path' }), /^Can't serve the model: MLflow is not installed for the selected Python \(\/usr\/bin\/python3, the first on PATH\)/);
    assert.match(notInstalledMessage('x', { source: 'none' }), /MLflow is not installed, and no Python was found/);
  });

  it('installs with an argv for that interpreter, never a shell line', () => {
    assert.deepEqual(installArgv('/opt/my env/bin/python'), { executable: '/opt/my env/bin/python', args: ['-m', 'pip', 'install', 'mlflow'] });
  });
});
