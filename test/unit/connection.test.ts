import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { credentialsFromEnv, databricksCredentials, httpOptionsFor, parseTrackingUri, resolveTrackingUri } from '../../src/mlflow/connection';
import { parseDatabricksConfig, readDatabricksProfiles } from '../../src/mlflow/databricksConfig';

/** Choosing and parsing the tracking URI the way MLflow's Python client does. */

const WS = path.resolve('/work/project');
const OTHER = path.resolve('/work/other');

/** A file system that has exactly these absolute paths. */
const existing =
  (...paths: string[]) =>
  (p: string): boolean =>
    paths.includes(p);

describe('resolveTrackingUri', () => {
  it('prefers the setting, then MLFLOW_TRACKING_URI, then the workspace', () => {
    const exists = existing(path.join(WS, 'mlflow.db'));
    const env = { MLFLOW_TRACKING_URI: 'http://from-env:5000' };
    assert.equal(resolveTrackingUri({ setting: ' http://from-setting:5000 ', env, workspaceFolders: [WS], exists }), 'http://from-setting:5000');
    assert.equal(resolveTrackingUri({ setting: '  ', env, workspaceFolders: [WS], exists }), 'http://from-env:5000');
    assert.equal(resolveTrackingUri({ setting: '', env: {}, workspaceFolders: [WS], exists }), `sqlite:///${path.join(WS, 'mlflow.db').replace(/\\/g, '/')}`);
  });

  it('writes an absolute sqlite URI with SQLAlchemy’s four slashes on POSIX', function () {
    if (process.platform === 'win32') this.skip();
    assert.equal(resolveTrackingUri({ env: {}, workspaceFolders: ['/home/u/proj'], exists: existing('/home/u/proj/mlflow.db') }), 'sqlite:////home/u/proj/mlflow.db');
  });

  it('prefers mlflow.db (MLflow 3’s default) over mlruns/, in any folder, before falling back to mlruns/', () => {
    const both = existing(path.join(WS, 'mlruns'), path.join(OTHER, 'mlflow.db'));
    assert.match(resolveTrackingUri({ env: {}, workspaceFolders: [WS, OTHER], exists: both }) ?? '', /^sqlite:\/\/\/.*other\/mlflow\.db$/);
    const onlyRuns = existing(path.join(WS, 'mlruns'));
    const uri = resolveTrackingUri({ env: {}, workspaceFolders: [WS], exists: onlyRuns }) ?? '';
    assert.match(uri, /^file:\/\/\/.*project\/mlruns$/);
    assert.deepEqual(parseTrackingUri(uri), { kind: 'file', path: path.join(WS, 'mlruns') });
  });

  it('answers undefined when nothing is configured or found', () => {
    assert.equal(resolveTrackingUri({ env: {}, workspaceFolders: [WS], exists: existing() }), undefined);
    assert.equal(resolveTrackingUri({ env: { MLFLOW_TRACKING_URI: '' }, workspaceFolders: [], exists: existing() }), undefined);
  });
});

describe('parseTrackingUri', () => {
  it('reads http(s) URLs as REST, keeping a path prefix and moving credentials out of the URL', () => {
    assert.deepEqual(parseTrackingUri('http://localhost:5000/'), { kind: 'rest', baseUrl: 'http://localhost:5000' });
    assert.deepEqual(parseTrackingUri('https://ml.example.com/mlflow/'), { kind: 'rest', baseUrl: 'https://ml.example.com/mlflow' });
    assert.deepEqual(parseTrackingUri('https://alice:p%40ss@ml.example.com'), {
      kind: 'rest',
      baseUrl: 'https://ml.example.com',
      auth: { kind: 'basic', username: 'alice', password: 'p@ss' },
    });
  });

  it('reads databricks with and without a profile', () => {
    assert.deepEqual(parseTrackingUri('databricks'), { kind: 'databricks' });
    assert.deepEqual(parseTrackingUri('databricks://staging'), { kind: 'databricks', profile: 'staging' });
    assert.deepEqual(parseTrackingUri('databricks://scope:prefix'), { kind: 'databricks', profile: 'scope' });
  });

  it('reads sqlite and file stores, absolute or relative to the workspace', () => {
    assert.deepEqual(parseTrackingUri('sqlite:////abs/mlflow.db'), { kind: 'sqlite', path: '/abs/mlflow.db' });
    assert.deepEqual(parseTrackingUri('sqlite:///mlflow.db', { baseDir: WS }), { kind: 'sqlite', path: path.join(WS, 'mlflow.db') });
    assert.deepEqual(parseTrackingUri('sqlite:///C:/proj/mlflow.db'), { kind: 'sqlite', path: 'C:/proj/mlflow.db' });
    assert.deepEqual(parseTrackingUri('./mlruns', { baseDir: WS }), { kind: 'file', path: path.join(WS, 'mlruns') });
    assert.deepEqual(parseTrackingUri('file:./mlruns', { baseDir: WS }), { kind: 'file', path: path.join(WS, 'mlruns') });
    assert.equal(parseTrackingUri('C:\\proj\\mlruns').kind, 'file', 'a drive letter is not a scheme');
  });

  it('explains unsupported URIs', () => {
    assert.throws(() => parseTrackingUri('postgresql://u:p@db/mlflow'), (e: unknown) => e instanceof Error && /mlflow server --backend-store-uri/.test(e.message) && !e.message.includes('u:p'));
    assert.throws(() => parseTrackingUri('mysql+pymysql://db/mlflow'), { errorCode: 'NOT_SUPPORTED' });
    assert.throws(() => parseTrackingUri('databricks-uc'), /registry URI/);
    assert.throws(() => parseTrackingUri('s3://bucket/mlruns'), /Unsupported tracking URI scheme "s3:"/);
    assert.throws(() => parseTrackingUri('sqlite://'), { errorCode: 'INVALID_PARAMETER_VALUE' });
    assert.throws(() => parseTrackingUri(''), { errorCode: 'INVALID_PARAMETER_VALUE' });
  });
});

describe('credentialsFromEnv', () => {
  it('reads basic auth before a token, as MLflow does', () => {
    assert.deepEqual(credentialsFromEnv({ MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p', MLFLOW_TRACKING_TOKEN: 't' }).auth, {
      kind: 'basic',
      username: 'u',
      password: 'p',
    });
    assert.deepEqual(credentialsFromEnv({ MLFLOW_TRACKING_TOKEN: 't' }).auth, { kind: 'bearer', token: 't' });
    assert.equal(credentialsFromEnv({ MLFLOW_TRACKING_USERNAME: 'u' }).auth, undefined, 'a user name alone is no credential');
  });

  it('reads the TLS settings and refuses the contradictory pair', () => {
    assert.deepEqual(credentialsFromEnv({ MLFLOW_TRACKING_INSECURE_TLS: 'True' }), { insecureTls: true });
    assert.deepEqual(credentialsFromEnv({ MLFLOW_TRACKING_INSECURE_TLS: 'false', MLFLOW_TRACKING_SERVER_CERT_PATH: '/ca.pem' }), { insecureTls: false, caCertPath: '/ca.pem' });
    assert.throws(() => credentialsFromEnv({ MLFLOW_TRACKING_INSECURE_TLS: 'true', MLFLOW_TRACKING_SERVER_CERT_PATH: '/ca.pem' }), { errorCode: 'INVALID_PARAMETER_VALUE' });
  });

  it('reads a Databricks host (scheme optional) and token', () => {
    assert.deepEqual(credentialsFromEnv({ DATABRICKS_HOST: 'adb-1.azuredatabricks.net/', DATABRICKS_TOKEN: 'dapi1' }).databricks, {
      host: 'https://adb-1.azuredatabricks.net',
      token: 'dapi1',
    });
    assert.equal(credentialsFromEnv({ DATABRICKS_HOST: 'h' }).databricks, undefined);
  });
});

describe('httpOptionsFor', () => {
  it('combines a REST target with the environment, URL credentials first', () => {
    const env = credentialsFromEnv({ MLFLOW_TRACKING_TOKEN: 't', MLFLOW_TRACKING_SERVER_CERT_PATH: '/ca.pem' });
    assert.deepEqual(httpOptionsFor(parseTrackingUri('https://host'), env), {
      baseUrl: 'https://host',
      auth: { kind: 'bearer', token: 't' },
      insecureTls: false,
      caCertPath: '/ca.pem',
    });
    assert.deepEqual(httpOptionsFor(parseTrackingUri('https://a:b@host'), env).auth, { kind: 'basic', username: 'a', password: 'b' });
  });

  it('builds Databricks options from DATABRICKS_HOST/TOKEN, and says what is missing', () => {
    const env = credentialsFromEnv({ DATABRICKS_HOST: 'https://dbc.example', DATABRICKS_TOKEN: 'dapi' });
    assert.deepEqual(httpOptionsFor({ kind: 'databricks' }, env), { baseUrl: 'https://dbc.example', auth: { kind: 'bearer', token: 'dapi' }, insecureTls: false });
    assert.throws(() => httpOptionsFor({ kind: 'databricks' }, credentialsFromEnv({})), /DATABRICKS_HOST and DATABRICKS_TOKEN/);
    assert.throws(() => httpOptionsFor({ kind: 'databricks', profile: 'p' }, env), /No Databricks profile \[p\] in ~\/.databrickscfg \(there is no such file\)/);
    assert.throws(() => httpOptionsFor({ kind: 'sqlite', path: '/x.db' }, env), { errorCode: 'INVALID_PARAMETER_VALUE' });
  });

  const CONFIG = [
    '; written by `databricks configure`',
    '[DEFAULT]',
    'host = https://default.cloud.databricks.com/',
    'token = dapi-default',
    '',
    '[staging]',
    'HOST = adb-2.azuredatabricks.net',
    'token=dapi-staging',
    '# a comment',
    '[oauth]',
    'host = https://oauth.example',
    'auth_type = databricks-cli',
    '[hostless]',
    'token = t',
  ].join('\n');
  const profiles = parseDatabricksConfig(CONFIG, '/home/me/.databrickscfg');

  it('reads Databricks CLI profiles: sections, keys in any case, `=` with or without spaces, comments', () => {
    assert.deepEqual([...profiles.profiles.keys()], ['DEFAULT', 'staging', 'oauth', 'hostless']);
    assert.deepEqual(profiles.profiles.get('staging'), { host: 'adb-2.azuredatabricks.net', token: 'dapi-staging' });
  });

  it('builds Databricks options from a named profile, and from DEFAULT when the variables are not set', () => {
    const fromFile = { insecureTls: false, databricksProfiles: profiles };
    assert.deepEqual(httpOptionsFor({ kind: 'databricks', profile: 'staging' }, fromFile), {
      baseUrl: 'https://adb-2.azuredatabricks.net',
      auth: { kind: 'bearer', token: 'dapi-staging' },
      insecureTls: false,
    });
    assert.deepEqual(databricksCredentials({}, fromFile), { host: 'https://default.cloud.databricks.com', token: 'dapi-default' });
    // DATABRICKS_HOST/TOKEN win over DEFAULT for `databricks`; a named profile wins over them.
    const both = { ...credentialsFromEnv({ DATABRICKS_HOST: 'https://env.example', DATABRICKS_TOKEN: 'dapi-env' }), databricksProfiles: profiles };
    assert.deepEqual(databricksCredentials({}, both), { host: 'https://env.example', token: 'dapi-env' });
    assert.deepEqual(databricksCredentials({ profile: 'staging' }, both).token, 'dapi-staging');
  });

  it('says which profile lacks what, and which file it read', () => {
    const fromFile = { insecureTls: false, databricksProfiles: profiles };
    assert.throws(() => databricksCredentials({ profile: 'prod' }, fromFile), { errorCode: 'UNAUTHENTICATED', message: 'No Databricks profile [prod] in /home/me/.databrickscfg' });
    assert.throws(() => databricksCredentials({ profile: 'oauth' }, fromFile), /profile \[oauth\] of \/home\/me\/.databrickscfg has no token \(its auth_type is databricks-cli\); .*personal access tokens only/);
    assert.throws(() => databricksCredentials({ profile: 'hostless' }, fromFile), /\[hostless\] .* has no host/);
    const noDefault = { insecureTls: false, databricksProfiles: parseDatabricksConfig('[staging]\nhost = h\ntoken = t', '/f') };
    assert.throws(() => databricksCredentials({}, noDefault), /DATABRICKS_HOST and DATABRICKS_TOKEN in the environment, or a \[DEFAULT\] profile/);
  });

  it('reads the file DATABRICKS_CONFIG_FILE names, else ~/.databrickscfg, and nothing when there is none', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'databrickscfg-'));
    try {
      writeFileSync(path.join(dir, '.databrickscfg'), CONFIG);
      writeFileSync(path.join(dir, 'other.cfg'), '[DEFAULT]\nhost = h\ntoken = from-other');
      assert.equal((await readDatabricksProfiles({}, dir))?.profiles.get('staging')?.token, 'dapi-staging');
      const other = await readDatabricksProfiles({ DATABRICKS_CONFIG_FILE: path.join(dir, 'other.cfg') }, dir);
      assert.deepEqual([other?.file, other?.profiles.get('DEFAULT')?.token], [path.join(dir, 'other.cfg'), 'from-other']);
      assert.equal(await readDatabricksProfiles({}, path.join(dir, 'nowhere')), undefined);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
