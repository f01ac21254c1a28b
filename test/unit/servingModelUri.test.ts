import assert from 'node:assert/strict';
import { isMlflowError } from '../../src/mlflow/errors';
import { parseMlflowVersion } from '../../src/mlproject/mlflowCli';
import {
  formatModelUri,
  loggedModelUri,
  modelUriUnsupportedReason,
  parseModelUri,
  registeredModelAliasUri,
  registeredModelVersionUri,
  runModelUri,
  type ModelUri,
} from '../../src/serving/modelUri';

// Ids from test/fixtures/mlflow-*/ids.json.
const RUN_ID = '459191d6afe44e408cc618beff3a1e37';
const MODEL_ID = 'm-8a56e736fef14ed487ab931712344172';

describe('parseModelUri', () => {
  const valid: Array<[string, ModelUri]> = [
    [`runs:/${RUN_ID}/model`, { kind: 'run', runId: RUN_ID, artifactPath: 'model' }],
    [`runs:/${RUN_ID}/models/iris/`, { kind: 'run', runId: RUN_ID, artifactPath: 'models/iris' }],
    [`models:/${MODEL_ID}`, { kind: 'loggedModel', modelId: MODEL_ID }],
    ['models:/iris-classifier/2', { kind: 'registeredVersion', name: 'iris-classifier', version: '2' }],
    ['models:/iris-classifier@champion', { kind: 'registeredAlias', name: 'iris-classifier', alias: 'champion' }],
    ['models:/user@corp@prod', { kind: 'registeredAlias', name: 'user@corp', alias: 'prod' }],
    ['models:/iris classifier/Production', { kind: 'registeredStage', name: 'iris classifier', stage: 'Production' }],
    ['models:/iris-classifier/Latest', { kind: 'registeredLatest', name: 'iris-classifier' }],
    ['/srv/mlruns/1/abc/artifacts/model', { kind: 'local', path: '/srv/mlruns/1/abc/artifacts/model' }],
    ['file:///srv/model', { kind: 'local', path: 'file:///srv/model' }],
    ['C:\\models\\iris', { kind: 'local', path: 'C:\\models\\iris' }],
    ['mlflow-artifacts:/1/models/m-1/artifacts', { kind: 'remote', uri: 'mlflow-artifacts:/1/models/m-1/artifacts' }],
    ['s3://bucket/model', { kind: 'remote', uri: 's3://bucket/model' }],
  ];
  for (const [uri, model] of valid) {
    it(`reads ${uri}`, () => {
      assert.deepEqual(parseModelUri(uri), { ok: true, model });
      assert.equal(formatModelUri(model), uri.replace(/\/$/, '').replace('/Latest', '/latest'));
    });
  }

  const invalid: Array<[string, RegExp]> = [
    ['', /empty/],
    [`runs://${RUN_ID}/model`, /two slashes/],
    [`runs:/${RUN_ID}`, /names no model/],
    ['runs:/', /not a runs:\/ URI/],
    ['models:/iris-classifier', /without a version or alias/],
    ['models:/a/b/c', /not a models:\/ URI/],
    ['models:/iris@', /empty alias/],
    ['models:/iris/', /ends with a slash/],
    ['models://iris/1', /not a models:\/ URI/],
  ];
  for (const [uri, message] of invalid) {
    it(`rejects ${JSON.stringify(uri)}`, () => {
      const parsed = parseModelUri(uri);
      assert.equal(parsed.ok, false);
      assert.match(parsed.ok ? '' : parsed.message, message);
    });
  }
});

describe('model URI builders', () => {
  it('build each kind', () => {
    assert.equal(runModelUri(RUN_ID, '/model/'), `runs:/${RUN_ID}/model`);
    assert.equal(loggedModelUri(MODEL_ID), `models:/${MODEL_ID}`);
    assert.equal(registeredModelVersionUri('iris-classifier', 3), 'models:/iris-classifier/3');
    assert.equal(registeredModelAliasUri('iris-classifier', 'challenger'), 'models:/iris-classifier@challenger');
  });

  it('refuse what MLflow would parse differently', () => {
    const invalid = (build: () => string, message: RegExp) =>
      assert.throws(build, (error: unknown) => isMlflowError(error, 'INVALID_PARAMETER_VALUE') && message.test(error.message));
    invalid(() => runModelUri('', 'model'), /not a run id/);
    invalid(() => runModelUri(RUN_ID, '/'), /needs the artifact path/);
    invalid(() => loggedModelUri('m-123'), /not a logged model id/);
    invalid(() => registeredModelVersionUri('iris', 'v2'), /not a model version number/);
    invalid(() => registeredModelVersionUri('team/iris', 1), /cannot be used in a models:\/ URI/);
    invalid(() => registeredModelVersionUri('iris?x', 1), /cannot be used in a models:\/ URI/);
    invalid(() => registeredModelAliasUri('iris', 'a@b'), /cannot be used as an alias/);
  });

  it('flag logged model URIs for MLflow 2', () => {
    const model: ModelUri = { kind: 'loggedModel', modelId: MODEL_ID };
    assert.equal(modelUriUnsupportedReason(model, parseMlflowVersion('2.17.2')), 'MLflow 2.17.2 cannot serve logged model URIs (models:/m-…); they need MLflow 3.');
    assert.equal(modelUriUnsupportedReason(model, parseMlflowVersion('3.0.0')), undefined);
    assert.equal(modelUriUnsupportedReason({ kind: 'registeredVersion', name: 'iris', version: '1' }, parseMlflowVersion('2.17.2')), undefined);
  });
});
