import assert from 'node:assert/strict';
import { checkForm, defaultForm, displayCommand, serverBaseUrl, type FormCheck } from '../../src/modelServing/launchForm';
import type { LauncherForm } from '../../src/modelServing/protocol';

const RUN_ID = '3e56eb1ebbc048908c2e6c1176332f77';
const MODEL_ID = 'm-8a56e736fef14ed487ab931712344172';
const V2 = 'mlflow, version 2.17.2';
const V3 = 'mlflow, version 3.11.2.dev0';

function form(patch: Partial<LauncherForm> = {}): LauncherForm {
  return { ...defaultForm(`runs:/${RUN_ID}/model`, 5001), ...patch };
}

function errorsOf(check: FormCheck): Record<string, string> {
  assert.equal(check.ok, false, 'the form is refused');
  return check.ok ? {} : (check.errors as Record<string, string>);
}

describe('Serve launcher form (launchForm)', () => {
  it('defaults to loopback, the proposed port and the local env manager', () => {
    assert.deepEqual(defaultForm('models:/iris@champion', 5123), {
      modelUri: 'models:/iris@champion', host: '127.0.0.1', port: '5123', envManager: 'local', workers: '', timeout: '',
    });
    assert.equal(defaultForm('models:/iris/1', undefined).port, '', 'no port until one is proposed');
  });

  it('turns a valid form into exactly the argv buildServeArgv makes, for every URI kind', () => {
    const cases: [string, string][] = [
      [`runs:/${RUN_ID}/model`, V2],
      ['models:/iris-classifier/1', V2],
      ['models:/iris-classifier@champion', V2],
      [`models:/${MODEL_ID}`, V3],
    ];
    for (const [modelUri, version] of cases) {
      const check = checkForm(form({ modelUri }), version);
      assert.ok(check.ok, `${modelUri} on ${version}`);
      assert.deepEqual(check.argv, ['models', 'serve', '--model-uri', modelUri, '--host', '127.0.0.1', '--port', '5001', '--env-manager', 'local']);
    }
  });

  it('passes workers and timeout when given, trimmed', () => {
    const check = checkForm(form({ workers: ' 2 ', timeout: '90', host: ' 0.0.0.0 ', port: ' 6000 ' }), V2);
    assert.ok(check.ok);
    assert.deepEqual(check.argv.slice(4), ['--host', '0.0.0.0', '--port', '6000', '--env-manager', 'local', '--workers', '2', '--timeout', '90']);
    assert.equal(check.options.workers, 2);
    assert.equal(check.options.timeout, 90);
  });

  it('names every bad field at once', () => {
    const errors = errorsOf(checkForm({ modelUri: 'runs:/abc', host: '', port: '70000', envManager: 'pip', workers: '0', timeout: 'soon' }, V2));
    assert.deepEqual(Object.keys(errors).sort(), ['envManager', 'host', 'modelUri', 'port', 'timeout', 'workers']);
    assert.match(errors.modelUri, /names no model/);
    assert.match(errors.port, /between 1 and 65535/);
    assert.match(errors.envManager, /MLflow 2\.17\.2 serves with local, virtualenv, conda; 'pip' is not one of them/);
  });

  it('refuses what the installed version cannot do: logged model URIs and uv on 2.17.2', () => {
    assert.match(errorsOf(checkForm(form({ modelUri: `models:/${MODEL_ID}` }), V2)).modelUri, /need MLflow 3/);
    assert.ok(errorsOf(checkForm(form({ envManager: 'uv' }), V2)).envManager);
    assert.ok(checkForm(form({ envManager: 'uv' }), V3).ok, 'uv serves models from 2.20 on');
  });

  it('rejects ports and hosts that are not numbers or addresses', () => {
    for (const port of ['', '0', '-1', '5e3', '80.5', 'http']) assert.ok(errorsOf(checkForm(form({ port }), V2)).port, `port '${port}'`);
    for (const host of ['', 'a b', 'http://x']) assert.ok(errorsOf(checkForm(form({ host }), V2)).host, `host '${host}'`);
  });

  it('reports an unreadable version instead of throwing', () => {
    assert.ok(errorsOf(checkForm(form(), 'not a version')).envManager);
  });
});

describe('Serve launcher: the command as displayed', () => {
  const argv = ['models', 'serve', '--model-uri', 'models:/my model@prod', '--host', '127.0.0.1', '--port', '5001'];

  it('quotes for a POSIX shell only what needs it', () => {
    assert.equal(
      displayCommand('/opt/venv/bin/mlflow', argv, 'linux'),
      "/opt/venv/bin/mlflow models serve --model-uri 'models:/my model@prod' --host 127.0.0.1 --port 5001",
    );
    assert.equal(displayCommand('/usr/bin/mlflow', ["it's"], 'darwin'), `/usr/bin/mlflow 'it'\\''s'`);
    assert.equal(displayCommand('/p/mlflow', [''], 'linux'), "/p/mlflow ''");
  });

  it('quotes for Windows with double quotes and doubled backslashes before quotes', () => {
    assert.equal(
      displayCommand('C:\\Program Files\\Python\\Scripts\\mlflow.exe', ['--model-uri', 'models:/a b', 'x"y', 'C:\\dir\\'], 'win32'),
      '"C:\\Program Files\\Python\\Scripts\\mlflow.exe" --model-uri "models:/a b" "x\\"y" C:\\dir\\',
    );
    assert.equal(displayCommand('mlflow.exe', ['a b\\'], 'win32'), 'mlflow.exe "a b\\\\"');
  });

  it('reaches wildcard binds on loopback and brackets IPv6', () => {
    assert.equal(serverBaseUrl('127.0.0.1', 5001), 'http://127.0.0.1:5001');
    assert.equal(serverBaseUrl('0.0.0.0', 5001), 'http://127.0.0.1:5001');
    assert.equal(serverBaseUrl('::', 5001), 'http://[::1]:5001');
    assert.equal(serverBaseUrl('::1', 5001), 'http://[::1]:5001');
    assert.equal(serverBaseUrl('localhost', 80), 'http://localhost:80');
  });
});
