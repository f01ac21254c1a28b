import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SignatureItem } from '../../src/serving/mlmodel';
import { convertPayload, payloadFromInputExample, payloadFromSignature, PAYLOAD_FORMATS, type InvocationBody } from '../../src/serving/payload';
import { serializePayload } from '../../src/serving/payloadText';
import { MODEL_DIRS, readModel } from '../support/fake-mlflow/modelFixtures';

/**
 * Request bodies written so MLflow reads floats as floats: pandas reads `5` as int64, which MLflow's
 * schema enforcement refuses for a `double` column, so `5.0` must stay `5.0`. The iris model of the
 * 2.17.2 fixtures has exactly such an example (5.0, 2.0, 1.0 in double columns).
 */

const IRIS_DIR = MODEL_DIRS.run2x;
const iris = readModel(IRIS_DIR);
const irisInputs = iris.signature?.inputs ?? [];
const irisExample = (): InvocationBody => {
  const info = iris.inputExample;
  assert.ok(info);
  const result = payloadFromInputExample(readFileSync(join(IRIS_DIR, info.artifactPath), 'utf8'), info);
  assert.ok(result.ok);
  return result.body;
};

describe('serving: request body text keeps floats as floats', () => {
  it('writes the iris example exactly as MLflow wrote its serving_input_example.json', () => {
    assert.deepEqual(
      irisInputs.map((item) => (item.kind === 'column' ? item.type : item.dtype)),
      ['double', 'double', 'double', 'double'],
    );
    const mlflowText = readFileSync(join(IRIS_DIR, 'serving_input_example.json'), 'utf8').trim();
    assert.equal(serializePayload(irisExample(), irisInputs), mlflowText);
    assert.match(mlflowText, /\b5\.0,/, 'the fixture holds whole-number floats');
  });

  it('keeps them in every format the panel converts to, and the values are unchanged', () => {
    for (const format of PAYLOAD_FORMATS) {
      const body = convertPayload(irisExample(), format);
      assert.ok(body, format);
      const text = serializePayload(body, irisInputs);
      assert.match(text, /: 5\.0,?$|^\s+5\.0,$/m, `${format}: 5.0 is written as a float`);
      assert.doesNotMatch(text, /[^.\d]5,?$/m, `${format}: no bare 5`);
      assert.deepEqual(JSON.parse(text), body, `${format}: same values`);
    }
  });

  it('leaves integer, boolean and string columns as they are', () => {
    const inputs: SignatureItem[] = [
      { kind: 'column', name: 'count', type: 'long', required: true },
      { kind: 'column', name: 'ratio', type: 'float', required: true },
      { kind: 'column', name: 'label', type: 'string', required: true },
      { kind: 'column', name: 'flag', type: 'boolean', required: true },
    ];
    const text = serializePayload({ dataframe_split: { columns: ['count', 'ratio', 'label', 'flag'], data: [[3, 2, '5', true]] } }, inputs);
    assert.equal(text, '{\n  "dataframe_split": {\n    "columns": [\n      "count",\n      "ratio",\n      "label",\n      "flag"\n    ],\n    "data": [\n      [\n        3,\n        2.0,\n        "5",\n        true\n      ]\n    ]\n  }\n}');
    const records = serializePayload({ dataframe_records: [{ count: 3, ratio: 0.5, label: 'x' }] }, inputs);
    assert.match(records, /"count": 3,\n\s+"ratio": 0\.5,/);
  });

  it('places floats by position when the signature names no columns, and everywhere in a float tensor', () => {
    const unnamed: SignatureItem[] = [
      { kind: 'column', type: 'long', required: true },
      { kind: 'column', type: 'double', required: true },
    ];
    assert.equal(JSON.stringify(JSON.parse(serializePayload({ dataframe_split: { columns: [], data: [] } }, unnamed))), '{"dataframe_split":{"columns":[],"data":[]}}');
    assert.match(serializePayload({ dataframe_split: { data: [[1, 1]] } } as unknown as InvocationBody, unnamed), /\[\n\s+1,\n\s+1\.0\n/);
    const tensor: SignatureItem[] = [{ kind: 'tensor', dtype: 'float32', shape: [-1, 2] }];
    assert.equal(serializePayload(payloadFromSignature(tensor, 'inputs'), tensor).replace(/\s+/g, ''), '{"inputs":[[0.0,0.0]]}');
    const ints: SignatureItem[] = [{ kind: 'tensor', dtype: 'int64', shape: [-1, 2] }];
    assert.equal(serializePayload(payloadFromSignature(ints, 'inputs'), ints).replace(/\s+/g, ''), '{"inputs":[[0,0]]}');
  });

  it('writes placeholders of double columns as floats, and large or fractional numbers as JSON does', () => {
    const text = serializePayload(payloadFromSignature(irisInputs, 'dataframe_split'), irisInputs);
    assert.equal(JSON.stringify(JSON.parse(text).dataframe_split.data), '[[0,0,0,0]]');
    assert.match(text, /^\s+0\.0,$/m);
    const big: SignatureItem[] = [{ kind: 'column', name: 'x', type: 'double', required: true }];
    const bigText = serializePayload({ dataframe_records: [{ x: 1e21 }, { x: 0.1 }, { x: -3 }] }, big).replace(/\s+/g, '');
    assert.equal(bigText, '{"dataframe_records":[{"x":1e+21},{"x":0.1},{"x":-3.0}]}');
  });

  it('without a signature, writes what JSON.stringify writes', () => {
    const body: InvocationBody = { inputs: [{ a: 1, b: [1.5, 'x', null] }] };
    assert.equal(serializePayload(body), JSON.stringify(body, null, 2));
    assert.equal(serializePayload({ inputs: [] }), JSON.stringify({ inputs: [] }, null, 2));
  });
});
