import assert from 'node:assert/strict';
import { mlflowArtifactsPath, proxyFilePath } from '../../src/mlflow/rest/artifactUris';
import { toFileInfo, toLoggedModelOrderBy, toModelVersion, toRun } from '../../src/mlflow/rest/mapping';
import { summariseHtml } from '../../src/mlflow/rest/responseErrors';
import { keyValueList, modelIdFromSource, parseInt64, parseMetricValue, parsePageToken, parseString, parseTimestamp } from '../../src/mlflow/values';

/** The quirk normalisation every backend shares (values.ts) and the REST JSON mapping built on it. */

describe('values', () => {
  it('parseMetricValue: "NaN" → NaN, ±Double.MAX → ±Infinity, numeric strings → numbers', () => {
    assert.ok(Number.isNaN(parseMetricValue('NaN')));
    assert.ok(Number.isNaN(parseMetricValue('nan')));
    assert.equal(parseMetricValue(1.7976931348623157e308), Number.POSITIVE_INFINITY);
    assert.equal(parseMetricValue(-1.7976931348623157e308), Number.NEGATIVE_INFINITY);
    assert.equal(parseMetricValue('1.7976931348623157e+308'), Number.POSITIVE_INFINITY);
    assert.equal(parseMetricValue('Infinity'), Number.POSITIVE_INFINITY);
    assert.equal(parseMetricValue('-inf'), Number.NEGATIVE_INFINITY);
    assert.equal(parseMetricValue('0.25'), 0.25);
    assert.equal(parseMetricValue(0), 0);
    assert.equal(parseMetricValue(1.7976931348623155e308), 1.7976931348623155e308, 'just below the stand-in stays finite');
    assert.equal(parseMetricValue(BigInt(42)), 42);
    assert.ok(Number.isNaN(parseMetricValue('')));
    assert.ok(Number.isNaN(parseMetricValue(undefined)));
    assert.ok(Number.isNaN(parseMetricValue({})));
  });

  it('parseTimestamp: int64 as number or decimal string, else undefined', () => {
    assert.equal(parseTimestamp(1795694870671), 1795694870671);
    assert.equal(parseTimestamp('1795694870671'), 1795694870671);
    assert.equal(parseTimestamp(' 12 '), 12);
    assert.equal(parseTimestamp(BigInt(5)), 5);
    assert.equal(parseTimestamp(undefined), undefined);
    assert.equal(parseTimestamp('soon'), undefined);
    assert.equal(parseTimestamp('1.5'), undefined);
    assert.equal(parseTimestamp(Number.NaN), undefined);
    assert.equal(parseInt64(undefined), 0, 'protobuf leaves zero out');
    assert.equal(parseInt64('7'), 7);
  });

  it('parsePageToken: absent, empty and null all mean the last page', () => {
    assert.equal(parsePageToken('eyJvZmZzZXQiOiAzfQ=='), 'eyJvZmZzZXQiOiAzfQ==');
    assert.equal(parsePageToken(''), undefined);
    assert.equal(parsePageToken(null), undefined);
    assert.equal(parsePageToken(undefined), undefined);
  });

  it('keyValueList and parseString tolerate missing or odd entries', () => {
    assert.deepEqual(keyValueList([{ key: 'a', value: '1' }, { key: 'b' }, { value: 'x' }, 'junk', { key: 'n', value: 3 }]), { a: '1', b: '', n: '3' });
    assert.deepEqual(keyValueList(undefined), {});
    assert.equal(parseString(undefined), '');
    assert.equal(parseString(12), '12');
  });

  it('keyValueList keeps keys named like Object.prototype members as plain data', () => {
    const record = keyValueList([
      { key: '__proto__', value: 'p' },
      { key: 'constructor', value: 'c' },
      { key: 'toString', value: 't' },
    ]);
    assert.equal(Object.getPrototypeOf(record), Object.prototype);
    assert.deepEqual(Object.entries(record), [['__proto__', 'p'], ['constructor', 'c'], ['toString', 't']]);
  });

  it('modelIdFromSource: only models:/m-… names a logged model', () => {
    assert.equal(modelIdFromSource('models:/m-a9e42abd727441048486c5e3060d9f80'), 'm-a9e42abd727441048486c5e3060d9f80');
    assert.equal(modelIdFromSource('models:/m-a9e42abd727441048486c5e3060d9f80/'), 'm-a9e42abd727441048486c5e3060d9f80');
    assert.equal(modelIdFromSource('models:/iris-classifier/2'), undefined);
    assert.equal(modelIdFromSource('runs:/abc/model'), undefined);
    assert.equal(modelIdFromSource('/srv/mlflow-ref/artifacts/1/abc/artifacts/model'), undefined);
    assert.equal(modelIdFromSource(undefined), undefined);
  });
});

describe('REST mapping', () => {
  it('prefixes listed names with their directory only where the server left it out', () => {
    assert.equal(toFileInfo({ path: 'plots/loss.png' }, 'plots').path, 'plots/loss.png');
    assert.equal(toFileInfo({ path: 'loss.png' }, 'plots').path, 'plots/loss.png');
    assert.equal(toFileInfo({ path: 'loss.png' }, 'plots/').path, 'plots/loss.png');
    assert.equal(toFileInfo({ path: 'MLmodel' }, '').path, 'MLmodel');
    assert.deepEqual(toFileInfo({ path: 'd', is_dir: true, file_size: 4096 }, ''), { path: 'd', isDir: true });
    assert.deepEqual(toFileInfo({ path: 'f', file_size: '12' }, ''), { path: 'f', isDir: false, fileSize: 12 });
  });

  it('turns order-by strings into logged-model order objects', () => {
    assert.deepEqual(toLoggedModelOrderBy('metrics.test_accuracy DESC'), { field_name: 'metrics.test_accuracy', ascending: false });
    assert.deepEqual(toLoggedModelOrderBy('creation_time asc'), { field_name: 'creation_time', ascending: true });
    assert.deepEqual(toLoggedModelOrderBy('  name '), { field_name: 'name', ascending: true });
    assert.deepEqual(toLoggedModelOrderBy('metrics.`my metric` DESC'), { field_name: 'metrics.`my metric`', ascending: false });
  });

  it('prefers a model_id the server filled over the one derived from source', () => {
    assert.equal(toModelVersion({ source: 'models:/m-aaa', model_id: 'm-bbb' }).modelId, 'm-bbb');
    assert.equal(toModelVersion({ source: 'models:/m-aaa', model_id: '' }).modelId, 'm-aaa');
    const defaults = toModelVersion({ name: 'n', version: '1' });
    assert.deepEqual([defaults.currentStage, defaults.status, defaults.aliases, defaults.tags, defaults.description], ['None', 'READY', [], {}, '']);
    assert.equal(toModelVersion({ current_stage: 'production' }).currentStage, 'Production');
  });

  it('reads a pre-1.0 style run (run_uuid only, name from the mlflow.runName tag, int64 strings)', () => {
    const run = toRun({
      info: { run_uuid: 'abc', experiment_id: '0', status: 'KILLED', start_time: '1700000000000', lifecycle_stage: 'active' },
      data: { tags: [{ key: 'mlflow.runName', value: 'old-run' }], metrics: [{ key: 'm', value: 'NaN', timestamp: '5', step: '2' }] },
    });
    assert.equal(run.info.runId, 'abc');
    assert.equal(run.info.runName, 'old-run');
    assert.equal(run.info.status, 'KILLED');
    assert.equal(run.info.startTime, 1700000000000);
    assert.equal(run.data.metrics[0]?.step, 2);
    assert.ok(Number.isNaN(run.data.metrics[0]?.value));
    assert.deepEqual(run.inputs, { datasets: [], modelInputs: [] });
    assert.deepEqual(run.outputs, { modelOutputs: [] });
  });
});

describe('mlflow-artifacts URIs', () => {
  it('takes the proxy path from every form of the URI', () => {
    assert.equal(mlflowArtifactsPath('mlflow-artifacts:/1/abc/artifacts'), '1/abc/artifacts');
    assert.equal(mlflowArtifactsPath('mlflow-artifacts:/1/abc/artifacts/'), '1/abc/artifacts');
    assert.equal(mlflowArtifactsPath('mlflow-artifacts://tracking.example:5000/1/abc'), '1/abc');
    assert.equal(mlflowArtifactsPath('mlflow-artifacts:/'), '');
    assert.throws(() => mlflowArtifactsPath('/srv/mlflow-ref/artifacts/1'), { errorCode: 'NOT_SUPPORTED' });
  });

  it('builds the proxy file route with encoded segments and no duplicate slashes', () => {
    assert.equal(proxyFilePath('mlflow-artifacts:/1/models/m-1/artifacts', 'MLmodel'), '/api/2.0/mlflow-artifacts/artifacts/1/models/m-1/artifacts/MLmodel');
    assert.equal(proxyFilePath('mlflow-artifacts:/1/r/artifacts/', '/a b/c%d.txt'), '/api/2.0/mlflow-artifacts/artifacts/1/r/artifacts/a%20b/c%25d.txt');
  });
});

describe('HTML error summaries', () => {
  it('uses the title, else the first heading, else the text, decoded and shortened', () => {
    assert.equal(summariseHtml('<html><title> 502  Bad\nGateway </title><h1>x</h1></html>'), '502 Bad Gateway');
    assert.equal(summariseHtml('<h1>Service &quot;down&quot; &#8212; retry</h1>'), 'Service "down" — retry');
    assert.equal(summariseHtml('<body><script>var x = 1;</script><p>Just text</p></body>'), 'Just text');
    assert.equal(summariseHtml(`<p>${'word '.repeat(100)}</p>`).length, 200);
  });
});
