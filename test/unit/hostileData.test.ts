import assert from 'node:assert/strict';
import { describeError } from '../../src/explorer/errorMessages';
import { notificationSafe } from '../../src/vscode/notificationText';
import { MlflowError } from '../../src/mlflow/errors';
import { HttpClient } from '../../src/mlflow/http';
import { RestStore } from '../../src/mlflow/rest/restStore';
import { PAYLOADS, PAYLOAD_NAMES, hostileDataset } from '../support/hostile';
import { startMlflowServer, type MlflowServer } from '../support/mlflowServer/server';

/**
 * The hostile dataset (test/support/hostile.ts) as the views receive it: every payload arrives exactly
 * as the server sent it (no stripping, no decoding, no truncation of 10,000 characters, control
 * characters, right-to-left marks and emoji intact), so what the e2e suite proves about rendering is
 * proven about the real strings. Whether they stay text in the real workbench is hostile.e2e.ts.
 */

describe('hostile data: every payload reaches the views verbatim', () => {
  let server: MlflowServer;
  let store: RestStore;
  const { dataset, ids } = hostileDataset();

  before(async () => {
    server = await startMlflowServer({ dataset });
    store = new RestStore(new HttpClient({ baseUrl: server.baseUrl, retry: { maxAttempts: 1 } }));
  });
  after(async () => {
    store.dispose();
    await server.close();
  });

  it('the dataset carries every payload in experiments, runs, metrics, artifacts and the registry', () => {
    const text = JSON.stringify(dataset, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('utf8') : value));
    for (const name of PAYLOAD_NAMES) assert.ok(text.includes(JSON.stringify(PAYLOADS[name]).slice(1, -1)), `${name} is in the dataset`);
  });

  it('experiment names, descriptions and tags come back byte for byte', async () => {
    const experiments = (await store.searchExperiments({})).items;
    assert.deepEqual(
      experiments.map((e) => e.name).sort(),
      dataset.experiments.map((e) => e.name).sort(),
    );
    const markup = experiments.find((e) => e.experimentId === ids.experiments.markup);
    assert.deepEqual(markup?.tags, dataset.experiments.find((e) => e.experimentId === ids.experiments.markup)?.tags);
    assert.equal(experiments.find((e) => e.experimentId === ids.experiments.long)?.name.length, 2 + PAYLOADS.long.length);
  });

  it('run names, params, tags and metric keys come back byte for byte', async () => {
    const runs = (await store.searchRuns({ experimentIds: [ids.experiments.markup] })).items;
    const run = runs.find((r) => r.info.runId === ids.runs.img);
    const expected = dataset.runs.find((r) => r.info.runId === ids.runs.img);
    assert.ok(run && expected);
    assert.equal(run.info.runName, expected.info.runName);
    assert.deepEqual(run.data.params, expected.data.params);
    assert.deepEqual(run.data.tags, expected.data.tags);
    assert.deepEqual(run.data.metrics.map((m) => m.key).sort(), ['loss', ...ids.metricKeys].sort());
    const sampled = await store.getSampledHistories({ runIds: [ids.runs.img], metricKey: ids.metricKeys[0], maxResults: 10 });
    assert.ok(sampled.length > 0 && sampled.every((p) => p.key === ids.metricKeys[0]));
  });

  it('artifact names, model names, aliases and descriptions come back byte for byte', async () => {
    const listed = await store.listArtifacts(ids.runs.img);
    const expectedTop = [...new Set(ids.artifacts.map((p) => p.split('/')[0]))].sort();
    assert.deepEqual(listed.map((f) => f.path).sort(), expectedTop);
    const model = await store.getRegisteredModel(ids.model);
    assert.equal(model.name, PAYLOADS.img);
    assert.equal(model.description, `${PAYLOADS.script}\n${PAYLOADS.link}`);
    assert.deepEqual(model.aliases, [{ alias: ids.alias, version: '1' }]);
    const version = await store.getModelVersionByAlias(ids.model, ids.alias);
    assert.equal(version.description, `${PAYLOADS.img} ${PAYLOADS.angular}`);
    const other = (await store.searchRegisteredModels({})).items.find((m) => m.name === ids.otherModel);
    assert.equal(other?.description, PAYLOADS.long);
  });

  it('a server message cannot become a link in a notification (src/vscode/notify.ts): the text stays, the link goes', () => {
    // How VS Code finds links in a notification message (src/vs/workbench/common/notifications.ts).
    const link = /\[([^\]]+)\]\(((?:https?:\/\/|command:|file:)[^)\s]+)(?: (["'])(.+?)(\3))?\)/i;
    for (const code of ['INVALID_PARAMETER_VALUE', 'RESOURCE_DOES_NOT_EXIST', 'BAD_RESPONSE', 'SERVER_ERROR']) {
      const message = notificationSafe(describeError(new MlflowError(`Bad filter ${PAYLOADS.commandLink} [docs](https://evil.example/x)`, code, 400)).message);
      assert.doesNotMatch(message, link, `${code}: ${message}`);
      if (code === 'INVALID_PARAMETER_VALUE') assert.equal(message.replace(/\u200b/g, ''), `Invalid: Bad filter ${PAYLOADS.commandLink} [docs](https://evil.example/x)`);
    }
  });
});
