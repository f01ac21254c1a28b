import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  convertPayload,
  payloadFormat,
  payloadFromInputExample,
  payloadFromServingInputExample,
  payloadFromSignature,
  payloadFromTable,
  PAYLOAD_FORMATS,
  tableFromPayload,
  type PayloadResult,
} from '../../src/serving/payload';
import { MODEL_DIRS, readCapture, readModel } from '../support/fake-mlflow/modelFixtures';

const captureRequest = (name: string): unknown => readCapture('2.17.2', name).request.body;
const read = (dir: string, file: string): string => readFileSync(join(dir, file), 'utf8');
const IRIS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

function ok(result: PayloadResult): Extract<PayloadResult, { ok: true }> {
  assert.ok(result.ok, result.ok ? '' : result.message);
  return result;
}

describe('invocation payloads from a model\'s own examples', () => {
  for (const [label, dir] of Object.entries(MODEL_DIRS).filter(([label]) => !label.startsWith('external'))) {
    it(`${label}: serving_input_example.json is the request body, and input_example.json builds the same one`, () => {
      const model = readModel(dir);
      assert.ok(model.inputExample?.servingInputPath);
      const serving = ok(payloadFromServingInputExample(read(dir, model.inputExample.servingInputPath)));
      assert.equal(serving.format, 'dataframe_split');
      assert.deepEqual(serving.body, JSON.parse(read(dir, 'serving_input_example.json')));
      const fromExample = ok(payloadFromInputExample(read(dir, model.inputExample.artifactPath), model.inputExample));
      assert.deepEqual(fromExample, serving);
    });
  }

  it('turns the iris example into each of the four formats with the same rows', () => {
    const model = readModel(MODEL_DIRS.run2x);
    assert.ok(model.inputExample);
    const rows = [
      [5.0, 2.0, 3.5, 1.0],
      [6.5, 3.0, 5.5, 1.8],
      [6.7, 3.3, 5.7, 2.5],
    ];
    for (const format of PAYLOAD_FORMATS) {
      const { body } = ok(payloadFromInputExample(read(MODEL_DIRS.run2x, 'input_example.json'), model.inputExample, format));
      assert.equal(payloadFormat(body), format);
      assert.deepEqual(tableFromPayload(body), { columns: IRIS, rows });
    }
  });
});

describe('payloads as the real scoring server received them', () => {
  it('builds the captured dataframe_split, dataframe_records and inputs requests from their rows', () => {
    for (const name of ['serve_invocations_dataframe_split', 'serve_invocations_dataframe_records', 'serve_invocations_inputs']) {
      const body = captureRequest(name);
      const format = payloadFormat(body);
      assert.ok(format, name);
      const table = tableFromPayload(body);
      assert.ok(table, name);
      assert.deepEqual(payloadFromTable(table, format), body, name);
    }
  });

  it('converts between formats without losing rows', () => {
    const split = captureRequest('serve_invocations_dataframe_split');
    const records = convertPayload(split, 'dataframe_records');
    assert.deepEqual(convertPayload(records, 'dataframe_split'), split);
    assert.deepEqual(convertPayload(split, 'instances'), { instances: (records as { dataframe_records: unknown[] }).dataframe_records });
    assert.deepEqual(tableFromPayload({ inputs: { a: [1, 2], b: [3, 4] } }), { columns: ['a', 'b'], rows: [[1, 3], [2, 4]] });
    assert.deepEqual(tableFromPayload({ inputs: [[1, 2], [3, 4]] }), { columns: ['0', '1'], rows: [[1, 2], [3, 4]] });
  });

  it('has no format for the captured malformed request, nor for two format keys', () => {
    assert.equal(payloadFormat(captureRequest('serve_invocations_bad_format_400')), undefined);
    assert.equal(payloadFormat({ inputs: [], instances: [] }), undefined);
    assert.equal(tableFromPayload(captureRequest('serve_invocations_bad_format_400')), undefined);
    assert.deepEqual(payloadFromServingInputExample('{"foo": [1, 2]}'), {
      ok: false,
      message: 'The serving input example has no single dataframe_split/dataframe_records/instances/inputs key.',
    });
    const broken = payloadFromServingInputExample('{');
    // The detail is V8's own wording, which changes between Node versions.
    assert.match(broken.ok ? '' : broken.message, /^Not valid JSON: /);
  });
});

describe('payload templates from a signature', () => {
  it('fills the signature columns with placeholders', () => {
    const model = readModel(MODEL_DIRS.logged3x);
    assert.ok(model.signature);
    assert.deepEqual(payloadFromSignature(model.signature.inputs, 'dataframe_split', 2), {
      dataframe_split: { columns: IRIS, data: [[0, 0, 0, 0], [0, 0, 0, 0]] },
    });
    assert.deepEqual(payloadFromSignature(model.signature.inputs, 'dataframe_records'), {
      dataframe_records: [{ sepal_length: 0, sepal_width: 0, petal_length: 0, petal_width: 0 }],
    });
  });

  it('builds tensors and unnamed columns as inputs', () => {
    assert.deepEqual(payloadFromSignature([{ kind: 'tensor', dtype: 'float32', shape: [-1, 2, 3] }], 'inputs'), {
      inputs: [[[0, 0, 0], [0, 0, 0]]],
    });
    const external = readModel(MODEL_DIRS.external3x).signature;
    assert.ok(external);
    assert.deepEqual(payloadFromSignature(external.inputs, 'instances', 2), { instances: [[false], [false]] });
  });
});
