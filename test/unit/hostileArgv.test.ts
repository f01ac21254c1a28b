import assert from 'node:assert/strict';
import { parseTrackingUri, httpOptionsFor, credentialsFromEnv } from '../../src/mlflow/connection';
import { isMlflowError } from '../../src/mlflow/errors';
import { HttpClient } from '../../src/mlflow/http';
import { buildMlflowRunArgv } from '../../src/mlproject/runArgv';
import { buildServeArgv, buildServeStartArgv } from '../../src/serving/serveArgv';
import { SHELL_METACHARACTERS } from '../support/hostile';

/**
 * Every process the extension starts (`mlflow run`, `mlflow models serve`, `mlflow server`) gets an argv
 * array, spawned without a shell: a value full of shell metacharacters must arrive as exactly one argv
 * element, byte for byte, wherever it sits. Credentials are never argv: the builders take none, and the
 * tracking URI the children see is the credential-free one (the secrets go only into their environment:
 * ActiveConnection.processEnv, checked in the integration tier by faults.test.ts and projects.test.ts).
 */

const VERSIONS = ['mlflow, version 2.17.2', 'mlflow, version 3.1.0'];
const RUN_ID = '459191d6afe44e408cc618beff3a1e37';

/** `value` occurs exactly once in `argv`, as a whole element (or as the value half of `prefix` + value). */
function occursOnceVerbatim(argv: readonly string[], element: string): void {
  assert.equal(argv.filter((a) => a === element).length, 1, `${JSON.stringify(element)} is one argv element of ${JSON.stringify(argv)}`);
}

describe('hostile values reach child processes as single argv elements', () => {
  for (const version of VERSIONS) {
    describe(version, () => {
      for (const value of SHELL_METACHARACTERS) {
        it(`mlflow run, models serve and server keep ${JSON.stringify(value)} verbatim`, () => {
          const run = buildMlflowRunArgv({
            projectDir: `/work/project ${value}`,
            entryPoint: `main${value}`,
            params: { label: value, other: `x${value}` },
            experimentName: value,
            runName: `run ${value}`,
            envManager: 'local',
            version,
          });
          for (const element of [`/work/project ${value}`, `main${value}`, `label=${value}`, `other=x${value}`, `run ${value}`]) occursOnceVerbatim(run, element);
          assert.equal(run[run.indexOf('--experiment-name') + 1], value);

          const modelUri = `runs:/${RUN_ID}/model ${value}`;
          const serve = buildServeArgv({ modelUri, host: '127.0.0.1', port: 5001, envManager: 'local', version });
          occursOnceVerbatim(serve, modelUri);
          assert.equal(serve.length, 10, 'no element split or added');

          const server = buildServeStartArgv({
            backendStoreUri: `sqlite:////srv/${value}/mlflow.db`,
            defaultArtifactRoot: `/srv/artifacts ${value}`,
            artifactsDestination: `/srv/dest${value}`,
            port: 5002,
            version,
          });
          for (const element of [`sqlite:////srv/${value}/mlflow.db`, `/srv/artifacts ${value}`, `/srv/dest${value}`]) occursOnceVerbatim(server, element);
        });
      }

      it('refuses a NUL, which no argv can carry, instead of truncating the value', () => {
        const nul = (build: () => unknown): void => assert.throws(build, (e: unknown) => isMlflowError(e, 'INVALID_PARAMETER_VALUE') && /NUL/.test(e.message));
        nul(() => buildMlflowRunArgv({ projectDir: '/p', entryPoint: 'main', params: { a: 'x\0y' }, envManager: 'local', version }));
        nul(() => buildServeArgv({ modelUri: `runs:/${RUN_ID}/m\0x`, host: '127.0.0.1', port: 5001, envManager: 'local', version }));
        nul(() => buildServeStartArgv({ backendStoreUri: 'sqlite:////srv/a\0b.db', port: 5002, version }));
      });
    });
  }
});

describe('credentials stay out of every URI a child process or a message sees', () => {
  const PASSWORD = 'pa$$w0rd;$(id)';
  const TOKEN = 'tok-`id`-s3cret';

  it('a tracking URI with user:password@ becomes a credential-free base URL and a separate auth', () => {
    const target = parseTrackingUri(`http://alice:${encodeURIComponent(PASSWORD)}@127.0.0.1:5000/mlflow`);
    assert.ok(target.kind === 'rest');
    assert.equal(target.baseUrl, 'http://127.0.0.1:5000/mlflow');
    assert.deepEqual(target.auth, { kind: 'basic', username: 'alice', password: PASSWORD });
    // The URL's credentials win over the environment's token; neither is in the URL anything displays.
    const options = httpOptionsFor(target, credentialsFromEnv({ MLFLOW_TRACKING_TOKEN: TOKEN }));
    assert.equal(options.baseUrl, 'http://127.0.0.1:5000/mlflow');
    assert.deepEqual(options.auth, target.auth);
    const client = new HttpClient(options);
    try {
      assert.equal(client.displayUrl, 'http://127.0.0.1:5000/mlflow');
    } finally {
      client.dispose();
    }
  });
});
