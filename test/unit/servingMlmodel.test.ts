import assert from 'node:assert/strict';
import { isServable, parseMlmodel, signatureColumns } from '../../src/serving/mlmodel';
import { MODEL_DIRS, readModel } from '../support/fake-mlflow/modelFixtures';

const IRIS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

describe('parseMlmodel on real MLmodel files', () => {
  it('reads a 2.17.2 run model: flavors, ids, signature and input example', () => {
    const model = readModel(MODEL_DIRS.run2x);
    assert.deepEqual(Object.keys(model.flavors), ['python_function', 'sklearn']);
    assert.equal(model.flavors.python_function.loader_module, 'mlflow.sklearn');
    assert.equal(model.artifactPath, 'model');
    assert.equal(model.runId, '459191d6afe44e408cc618beff3a1e37');
    assert.equal(model.modelId, undefined);
    assert.equal(model.mlflowVersion, '2.17.2');
    assert.equal(model.utcTimeCreated, '2026-11-26 12:07:38.370488');
    assert.deepEqual(model.signature, {
      inputs: IRIS.map((name) => ({ kind: 'column', name, type: 'double', required: true })),
      outputs: [{ kind: 'tensor', dtype: 'int64', shape: [-1] }],
      params: [],
    });
    assert.deepEqual(model.inputExample, {
      artifactPath: 'input_example.json',
      type: 'dataframe',
      pandasOrient: 'split',
      servingInputPath: 'serving_input_example.json',
    });
    assert.equal(isServable(model), true);
    assert.deepEqual(signatureColumns(model.signature), IRIS);
  });

  it('reads a 3.x logged model, whose id replaces the run artifact path', () => {
    const model = readModel(MODEL_DIRS.logged3x);
    assert.equal(model.modelId, 'm-8a56e736fef14ed487ab931712344172');
    assert.equal(model.artifactPath, 'mlflow-artifacts:/1/models/m-8a56e736fef14ed487ab931712344172/artifacts');
    assert.equal(model.mlflowVersion, '3.11.2.dev0');
    assert.deepEqual(signatureColumns(model.signature), IRIS);
    assert.deepEqual(readModel(MODEL_DIRS.localDefault3x).signature?.outputs, [{ kind: 'column', type: 'long', required: true }]);
  });

  it('reads column names with spaces and a scalar output', () => {
    assert.deepEqual(signatureColumns(readModel(MODEL_DIRS.fileStore2x).signature), [
      'sepal length (cm)',
      'sepal width (cm)',
      'petal length (cm)',
      'petal width (cm)',
    ]);
    assert.deepEqual(readModel(MODEL_DIRS.project2x).signature?.outputs, [{ kind: 'column', type: 'double', required: true }]);
  });

  it('sees that an external model (no flavors) cannot be served', () => {
    const model = readModel(MODEL_DIRS.external3x);
    assert.deepEqual(model.flavors, {});
    assert.equal(isServable(model), false);
    assert.deepEqual(model.metadata, { 'mlflow.model.isExternal': true });
    assert.deepEqual(model.signature?.inputs, [{ kind: 'column', type: 'boolean', required: true }]);
    assert.equal(signatureColumns(model.signature), undefined);
    assert.equal(model.inputExample, undefined);
  });

  it('keeps what it can read and names what it cannot', () => {
    const text = [
      'flavors:',
      '  python_function: {loader_module: mlflow.pyfunc.model}',
      'signature:',
      "  inputs: 'not json'",
      `  params: '[{"name": "temperature", "type": "double", "default": 0.7, "shape": null}]'`,
    ].join('\n');
    const { model, problems } = parseMlmodel(text);
    assert.deepEqual(problems, ['Signature inputs is not a JSON list.']);
    assert.deepEqual(model?.signature, { inputs: [], outputs: [], params: [{ name: 'temperature', type: 'double', default: 0.7 }] });
    assert.deepEqual(parseMlmodel('- a\n').problems, ['An MLmodel file must be a YAML mapping.']);
    assert.equal(parseMlmodel('flavors: [\n').model, undefined);
  });
});
