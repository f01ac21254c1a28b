import assert from 'node:assert/strict';
import { isMlflowError } from '../../src/mlflow/errors';
import { parseMlflowVersion, serveEnvManagers, type EnvManager } from '../../src/mlproject/mlflowCli';
import { buildServeArgv, buildServeStartArgv, sqliteStoreUri, type ServeModelOptions } from '../../src/serving/serveArgv';
import { FIXTURE_VERSIONS, optionNames, parseHelpPage, readHelp, readVersionLine } from '../support/fake-mlflow/helpText';

const RUN_ID = '459191d6afe44e408cc618beff3a1e37';
const MODEL_ID = 'm-8a56e736fef14ed487ab931712344172';

function rejects(build: () => unknown, code: string, message: RegExp): void {
  assert.throws(build, (error: unknown) => isMlflowError(error, code) && message.test(error.message));
}

for (const fixture of FIXTURE_VERSIONS) {
  const version = readVersionLine(fixture);
  const serveHelp = parseHelpPage(readHelp(fixture, 'models serve'));
  const serverHelp = parseHelpPage(readHelp(fixture, 'server'));
  const listed = serveHelp.options.find((o) => o.names.includes('--env-manager'))?.listedValues ?? [];
  const isV3 = fixture === '3.x';
  const options = (overrides: Partial<ServeModelOptions> = {}): ServeModelOptions => ({
    modelUri: `runs:/${RUN_ID}/model`,
    host: '127.0.0.1',
    port: 5056,
    envManager: 'local',
    version,
    ...overrides,
  });
  const onlyRealOptions = (argv: string[], accepted: Set<string>): void => {
    for (const element of argv.filter((a) => a.startsWith('--'))) assert.ok(accepted.has(element), `${element} is in the ${fixture} help`);
  };

  describe(`buildServeArgv for MLflow ${fixture}`, () => {
    const uris = [
      `runs:/${RUN_ID}/model`,
      'models:/iris-classifier/2',
      'models:/iris-classifier@champion',
      '/srv/mlruns/1/abc/artifacts/model',
      ...(isV3 ? [`models:/${MODEL_ID}`] : []),
    ];
    for (const modelUri of uris) {
      it(`serves ${modelUri} with the options that version accepts`, () => {
        const argv = buildServeArgv(options({ modelUri, workers: 2, timeout: 120 }));
        assert.deepEqual(argv, [
          'models',
          'serve',
          '--model-uri',
          modelUri,
          '--host',
          '127.0.0.1',
          '--port',
          '5056',
          '--env-manager',
          'local',
          '--workers',
          '2',
          '--timeout',
          '120',
        ]);
        onlyRealOptions(argv, optionNames(serveHelp));
      });
    }

    it(isV3 ? 'serves logged models (models:/m-…)' : 'refuses logged model URIs, which 2.x reads as a model name', () => {
      const build = () => buildServeArgv(options({ modelUri: `models:/${MODEL_ID}` }));
      if (isV3) assert.equal(build()[3], `models:/${MODEL_ID}`);
      else rejects(build, 'NOT_SUPPORTED', /cannot serve logged model URIs/);
    });

    it('accepts exactly the env managers the help lists', () => {
      assert.deepEqual([...serveEnvManagers(parseMlflowVersion(version))].sort(), [...listed].sort());
      for (const manager of ['local', 'virtualenv', 'conda', 'uv'] as EnvManager[]) {
        const build = () => buildServeArgv(options({ envManager: manager }));
        if (listed.includes(manager)) assert.deepEqual(build().slice(8), ['--env-manager', manager]);
        else rejects(build, 'NOT_SUPPORTED', /does not support '--env-manager uv'/);
      }
    });

    it('passes the flags and never --no-conda together with --env-manager', () => {
      const argv = buildServeArgv(options({ noConda: true, enableMlserver: true, installMlflow: true }));
      assert.deepEqual(argv.slice(8), ['--no-conda', '--enable-mlserver', '--install-mlflow']);
      onlyRealOptions(argv, optionNames(serveHelp));
      rejects(() => buildServeArgv(options({ noConda: true, envManager: 'conda' })), 'INVALID_PARAMETER_VALUE', /cannot be combined/);
    });

    it('refuses bad URIs, ports, hosts and counts', () => {
      rejects(() => buildServeArgv(options({ modelUri: 'models:/iris' })), 'INVALID_PARAMETER_VALUE', /without a version or alias/);
      rejects(() => buildServeArgv(options({ port: 0 })), 'INVALID_PARAMETER_VALUE', /not a TCP port/);
      rejects(() => buildServeArgv(options({ port: 70000 })), 'INVALID_PARAMETER_VALUE', /not a TCP port/);
      rejects(() => buildServeArgv(options({ host: '127.0.0.1 --dev' })), 'INVALID_PARAMETER_VALUE', /not a host/);
      rejects(() => buildServeArgv(options({ workers: 0 })), 'INVALID_PARAMETER_VALUE', /workers must be a positive whole number/);
      rejects(() => buildServeArgv(options({ timeout: 1.5 })), 'INVALID_PARAMETER_VALUE', /timeout must be a positive whole number/);
    });
  });

  describe(`buildServeStartArgv for MLflow ${fixture}`, () => {
    it('starts a loopback tracking server on a SQLite store', () => {
      const argv = buildServeStartArgv({ backendStoreUri: sqliteStoreUri('/work/project/mlflow.db'), port: 5055, version });
      assert.deepEqual(argv, ['server', '--backend-store-uri', 'sqlite:////work/project/mlflow.db', '--host', '127.0.0.1', '--port', '5055']);
    });

    it('passes the artifact options both versions list', () => {
      const argv = buildServeStartArgv({
        backendStoreUri: 'sqlite:///mlflow.db',
        port: 5055,
        version,
        command: 'ui',
        registryStoreUri: 'sqlite:///registry.db',
        defaultArtifactRoot: 'file:///work/project/mlruns',
        artifactsDestination: '/work/project/mlartifacts',
        serveArtifacts: false,
        workers: 2,
      });
      assert.deepEqual(argv.slice(7), [
        '--registry-store-uri',
        'sqlite:///registry.db',
        '--default-artifact-root',
        'file:///work/project/mlruns',
        '--artifacts-destination',
        '/work/project/mlartifacts',
        '--no-serve-artifacts',
        '--workers',
        '2',
      ]);
      assert.equal(argv[0], 'ui');
      onlyRealOptions(argv, optionNames(serverHelp));
    });

    it(isV3 ? 'passes allowed hosts and CORS origins to the security middleware' : 'leaves out security options 2.x does not have', () => {
      const argv = buildServeStartArgv({
        backendStoreUri: 'sqlite:///mlflow.db',
        port: 5055,
        version,
        allowedHosts: ['localhost:5055', 'devbox'],
        corsAllowedOrigins: ['vscode-webview://abc'],
      });
      assert.deepEqual(argv.slice(7), isV3 ? ['--allowed-hosts', 'localhost:5055,devbox', '--cors-allowed-origins', 'vscode-webview://abc'] : []);
      onlyRealOptions(argv, optionNames(serverHelp));
    });
  });
}

describe('sqliteStoreUri and tracking server guards', () => {
  it('builds SQLAlchemy URLs for absolute POSIX and Windows paths', () => {
    assert.equal(sqliteStoreUri('/home/me/my project/mlflow.db'), 'sqlite:////home/me/my project/mlflow.db');
    assert.equal(sqliteStoreUri('C:\\Users\\me\\mlflow.db'), 'sqlite:///C:/Users/me/mlflow.db');
    rejects(() => sqliteStoreUri('mlflow.db'), 'INVALID_PARAMETER_VALUE', /not an absolute path/);
    rejects(() => sqliteStoreUri('/tmp/what?.db'), 'INVALID_PARAMETER_VALUE', /contains '\?' or '#'/);
  });

  it('refuses comma-carrying list entries and empty stores', () => {
    const version = '3.11.2.dev0';
    rejects(() => buildServeStartArgv({ backendStoreUri: '', port: 5055, version }), 'INVALID_PARAMETER_VALUE', /backend store URI is empty/);
    rejects(
      () => buildServeStartArgv({ backendStoreUri: 'sqlite:///m.db', port: 5055, version, allowedHosts: ['a,b'] }),
      'INVALID_PARAMETER_VALUE',
      /splits the list at commas/,
    );
  });
});
