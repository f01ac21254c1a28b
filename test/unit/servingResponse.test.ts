import assert from 'node:assert/strict';
import { parseInvocationResponse } from '../../src/serving/invocationResponse';
import { readCapture } from '../support/fake-mlflow/modelFixtures';

const IRIS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

function replay(version: '2.17.2' | '3.x', name: string) {
  const capture = readCapture(version, name);
  const body = typeof capture.response === 'string' ? capture.response : JSON.stringify(capture.response);
  return parseInvocationResponse(capture.status, body, capture.response_content_type);
}

describe('parseInvocationResponse on the real serve_* captures', () => {
  for (const version of ['2.17.2', '3.x'] as const) {
    it(`${version}: predictions`, () => {
      assert.deepEqual(replay(version, 'serve_invocations_dataframe_split'), { kind: 'predictions', predictions: [0, 2, 1], metadata: {} });
      assert.deepEqual(replay(version, 'serve_invocations_inputs'), { kind: 'predictions', predictions: [2], metadata: {} });
    });

    it(`${version}: the schema-enforcement 400 with its missing and extra columns`, () => {
      const result = replay(version, 'serve_invocations_schema_error_400');
      assert.equal(result.kind, 'error');
      assert.ok(result.kind === 'error');
      assert.equal(result.status, 400);
      assert.equal(result.errorCode, 'INVALID_PARAMETER_VALUE');
      assert.deepEqual(result.missingInputs, IRIS);
      assert.deepEqual(result.extraInputs, ['a']);
      assert.match(result.message, /^Failed to predict data/);
      if (version === '3.x') {
        assert.equal(result.errorClass, 'SCHEMA_ENFORCEMENT_FAILED');
        assert.equal(result.sqlstate, 'KAM01');
      } else {
        assert.equal(result.errorClass, undefined);
      }
    });

    it(`${version}: the bad-format 400`, () => {
      const result = replay(version, 'serve_invocations_bad_format_400');
      assert.ok(result.kind === 'error');
      assert.equal(result.errorCode, 'BAD_REQUEST');
      assert.match(result.message, /^The input must be a JSON dictionary with exactly one of the input fields/);
      assert.equal(result.missingInputs, undefined);
    });
  }

  it('reads plain-text 415s, HTML errors and unwrapped or broken successes', () => {
    assert.deepEqual(parseInvocationResponse(415, "This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got 'text/plain'.", 'text/plain'), {
      kind: 'error',
      status: 415,
      errorCode: 'UNSUPPORTED_MEDIA_TYPE',
      message: "This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got 'text/plain'.",
    });
    const notFound = readCapture('2.17.2', 'unknown_endpoint_404');
    assert.deepEqual(parseInvocationResponse(404, String(notFound.response), notFound.response_content_type), {
      kind: 'error',
      status: 404,
      errorCode: 'HTTP_404',
      message: '404 Not Found',
    });
    assert.deepEqual(parseInvocationResponse(200, '{"choices": [{"text": "hi"}]}'), { kind: 'unwrapped', value: { choices: [{ text: 'hi' }] } });
    assert.deepEqual(parseInvocationResponse(200, '{"predictions": [1], "model_version": "3"}'), {
      kind: 'predictions',
      predictions: [1],
      metadata: { model_version: '3' },
    });
    assert.deepEqual(parseInvocationResponse(200, 'oops'), {
      kind: 'error',
      status: 200,
      errorCode: 'BAD_RESPONSE',
      message: 'The model server answered 200 with a body that is not JSON: oops',
    });
    assert.deepEqual(parseInvocationResponse(502, ''), { kind: 'error', status: 502, errorCode: 'HTTP_502', message: 'HTTP 502' });
  });
});
