import * as assert from 'node:assert/strict';
import { refFromUriPath, refToUriPath, type ArtifactRef } from '../../src/artifacts/artifactRef';

describe('artifacts: mlflow-artifact URI paths (pure)', () => {
  const cases: [ArtifactRef, string][] = [
    [{ owner: { kind: 'run', runId: '459191d6afe44e408cc618beff3a1e37' }, path: '' }, '/run/459191d6afe44e408cc618beff3a1e37'],
    [{ owner: { kind: 'run', runId: '459191d6afe44e408cc618beff3a1e37' }, path: 'model/MLmodel' }, '/run/459191d6afe44e408cc618beff3a1e37/model/MLmodel'],
    [{ owner: { kind: 'run', runId: 'r1' }, path: 'plots/loss curve #1 100%.png' }, '/run/r1/plots/loss curve #1 100%.png'],
    [{ owner: { kind: 'model', modelId: 'm-b7efdae5215940adb25361379ca79328' }, path: 'MLmodel' }, '/model/m-b7efdae5215940adb25361379ca79328/MLmodel'],
  ];
  for (const [ref, uriPath] of cases) {
    it(`${uriPath} round-trips`, () => {
      assert.equal(refToUriPath(ref), uriPath);
      assert.deepEqual(refFromUriPath(uriPath), ref);
    });
  }

  it('a trailing slash names the same folder', () => {
    assert.deepEqual(refFromUriPath('/run/r1/model/'), { owner: { kind: 'run', runId: 'r1' }, path: 'model' });
  });

  it('refuses malformed and traversing paths, so no URI reaches outside an artifact root', () => {
    for (const bad of ['', '/', '/run', '/run/', '/job/r1/x', 'run/r1/x', '/run/r1/../r2/x', '/run/r1/a/./b', '/run/r1/a//b', '/run/../x', '/run/r 1/x', '/model/m-1/..']) {
      assert.equal(refFromUriPath(bad), undefined, bad);
    }
  });
});
