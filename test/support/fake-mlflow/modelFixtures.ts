/**
 * Real logged models in test/fixtures (MLmodel, input_example.json, serving_input_example.json), shared by
 * the serving tests and usable as `--model-uri` for the stand-in `mlflow models serve`.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseMlmodel, type MlModel } from '../../../src/serving/mlmodel';
import { FIXTURES_DIR } from '../repoRoot';

const FIXTURES = FIXTURES_DIR;

export const MODEL_DIRS = {
  run2x: join(FIXTURES, 'mlflow-2.17.2', 'server-store', 'artifacts', '1', '459191d6afe44e408cc618beff3a1e37', 'artifacts', 'model'),
  project2x: join(FIXTURES, 'mlflow-2.17.2', 'server-store', 'artifacts', '5', '2a56d7c06f4d49059c49661c5076ba6e', 'artifacts', 'model'),
  fileStore2x: join(FIXTURES, 'mlflow-2.17.2', 'file-store', 'mlruns', '182273013215512486', '70e2bcd4ba364ee190dacfcb0b67c517', 'artifacts', 'model'),
  logged3x: join(FIXTURES, 'mlflow-3.x', 'server-store', 'artifacts', '1', 'models', 'm-8a56e736fef14ed487ab931712344172', 'artifacts'),
  external3x: join(FIXTURES, 'mlflow-3.x', 'server-store', 'artifacts', '1', 'models', 'm-b7efdae5215940adb25361379ca79328', 'artifacts'),
  localDefault3x: join(FIXTURES, 'mlflow-3.x', 'local-default', 'mlruns', '1', 'models', 'm-b59ad706faca4f1c86562b53f41fcfc3', 'artifacts'),
};

export function readModel(dir: string): MlModel {
  const { model, problems } = parseMlmodel(readFileSync(join(dir, 'MLmodel'), 'utf8'));
  assert.deepEqual(problems, []);
  assert.ok(model);
  return model;
}

/** A request/response pair from test/fixtures/mlflow-VERSION/rest-captures. */
export interface Capture {
  request: { method: string; path: string; body: unknown };
  status: number;
  response: unknown;
  response_content_type: string;
}

export function readCapture(version: '2.17.2' | '3.x', name: string): Capture {
  return JSON.parse(readFileSync(join(FIXTURES, `mlflow-${version}`, 'rest-captures', `${name}.json`), 'utf8')) as Capture;
}
