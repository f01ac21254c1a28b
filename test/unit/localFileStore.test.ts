import assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { MlflowError, ReadOnlyStoreError } from '../../src/mlflow/errors';
import { FileStore } from '../../src/mlflow/local/fileStore';
import { readMeta } from '../../src/mlflow/local/fileStoreFiles';
import type { Run } from '../../src/mlflow/types';

/**
 * FileStore over the legacy `mlruns/` the same MLflow 2.17.2 wrote (`file-store/mlruns`), checked
 * against the files themselves: meta.yaml, one file per param and tag, `timestamp value step`
 * metric lines, `.trash/` for the deleted experiment, `models/` for the registry.
 */

const ROOT = path.resolve(__dirname, '../fixtures/mlflow-2.17.2/file-store/mlruns');
const EXP = '182273013215512486';
const DELETED_EXP = '206249680459821262';

type Meta = Record<string, unknown>;
const meta = (...parts: string[]): Meta => parseYaml(readFileSync(path.join(ROOT, ...parts, 'meta.yaml'), 'utf8')) as Meta;
const runDirs = () => readdirSync(path.join(ROOT, EXP), { withFileTypes: true }).filter((d) => d.isDirectory() && /^[0-9a-f]{32}$/.test(d.name)).map((d) => d.name);
const runIdNamed = (name: string) => runDirs().find((id) => meta(EXP, id).run_name === name) ?? '';

/** The metric lines of a run, parsed here independently of the store. */
function metricLines(runId: string, key: string) {
  return readFileSync(path.join(ROOT, EXP, runId, 'metrics', key), 'utf8')
    .trim()
    .split('\n')
    .map((line) => {
      const [timestamp, value, step] = line.split(' ');
      const v = value === 'nan' ? Number.NaN : value === 'inf' ? Number.POSITIVE_INFINITY : value === '-inf' ? Number.NEGATIVE_INFINITY : Number(value);
      return { key, value: v, timestamp: Number(timestamp), step: Number(step) };
    });
}

describe('FileStore over a 2.17.2 mlruns/ folder', () => {
  const store = new FileStore(ROOT);

  it('lists active experiments newest first, the .trash one only when deleted ones are asked for', async () => {
    const active = await store.searchExperiments({});
    assert.deepEqual(active.items.map((e) => [e.experimentId, e.name, e.lifecycleStage]), [
      [EXP, 'filestore-demo', 'active'],
      ['0', 'Default', 'active'],
    ]);
    const deleted = await store.searchExperiments({ viewType: 'DELETED_ONLY' });
    assert.deepEqual(deleted.items.map((e) => [e.experimentId, e.name]), [[DELETED_EXP, 'filestore-deleted-exp']]);
    assert.equal((await store.searchExperiments({ viewType: 'ALL' })).items.length, 3);
  });

  it('reads an experiment with its tags and times, keeping 18-digit ids exact', async () => {
    const experiment = await store.getExperiment(EXP);
    const m = meta(EXP);
    assert.deepEqual(experiment, {
      experimentId: EXP,
      name: m.name,
      artifactLocation: m.artifact_location,
      lifecycleStage: 'active',
      creationTime: m.creation_time,
      lastUpdateTime: m.last_update_time,
      tags: { 'mlflow.note.content': readFileSync(path.join(ROOT, EXP, 'tags', 'mlflow.note.content'), 'utf8') },
    });
    assert.equal((await store.getExperiment(DELETED_EXP)).lifecycleStage, 'deleted');
    assert.equal((await store.getExperimentByName('filestore-demo'))?.experimentId, EXP);
    await assert.rejects(store.getExperiment('42'), (e: unknown) => e instanceof MlflowError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST');
  });

  it('searches runs newest first, with view types', async () => {
    const names = async (q: Partial<Parameters<FileStore['searchRuns']>[0]>) =>
      (await store.searchRuns({ experimentIds: [EXP], ...q })).items.map((r) => r.info.runName);
    const expected = runDirs()
      .map((id) => meta(EXP, id))
      .filter((m) => m.lifecycle_stage === 'active')
      .sort((a, b) => Number(b.start_time) - Number(a.start_time))
      .map((m) => m.run_name);
    assert.deepEqual(await names({}), expected);
    assert.deepEqual(await names({ runViewType: 'DELETED_ONLY' }), ['fs-deleted']);
    assert.equal((await names({ runViewType: 'ALL' })).length, expected.length + 1);
  });

  it('reads a run: info from meta.yaml, params and tags from their files, latest metrics, dataset inputs', async () => {
    const id = runIdNamed('fs-parent');
    const run: Run = await store.getRun(id);
    const m = meta(EXP, id);
    assert.deepEqual(run.info, {
      runId: id,
      experimentId: EXP,
      runName: 'fs-parent',
      userId: m.user_id,
      status: 'FINISHED',
      startTime: m.start_time,
      endTime: m.end_time,
      artifactUri: m.artifact_uri,
      lifecycleStage: 'active',
    });
    assert.deepEqual(run.data.params, { C: '1.0', solver: 'lbfgs' });
    assert.equal(run.data.tags.kind, 'parent');
    assert.equal(run.data.tags['mlflow.runName'], 'fs-parent');
    const latest = Object.fromEntries(run.data.metrics.map((x) => [x.key, x]));
    assert.deepEqual(latest.accuracy, metricLines(id, 'accuracy').at(-1));
    assert.deepEqual(latest.loss, metricLines(id, 'loss').at(-1));
    // weird: NaN at step 0, inf at step 1 → the latest is the largest step.
    assert.equal(latest.weird.value, Number.POSITIVE_INFINITY);
    assert.deepEqual(run.inputs.datasets, [{ name: 'iris', digest: '8f9eb48c', sourceType: 'code', source: meta(EXP, 'datasets', 'bcc3870144c3ce8b208c77e59a13e387').source, context: 'training' }]);
  });

  it('maps the enum numbers of meta.yaml to statuses and reads runs of a deleted experiment', async () => {
    assert.equal((await store.getRun(runIdNamed('fs-failed'))).info.status, 'FAILED');
    const running = await store.getRun(runIdNamed('fs-running'));
    assert.equal(running.info.status, 'RUNNING');
    assert.equal(running.info.endTime, undefined);
    const trashed = (await store.searchRuns({ experimentIds: [DELETED_EXP], runViewType: 'ALL' })).items;
    assert.deepEqual(trashed.map((r) => [r.info.runName, r.info.lifecycleStage]), [['in-deleted-exp', 'deleted']]);
    await assert.rejects(store.getRun('0123456789abcdef0123456789abcdef'), (e: unknown) => e instanceof MlflowError && e.message === 'Run with id=0123456789abcdef0123456789abcdef not found');
  });

  it('filters and orders runs with the same semantics as the SQLite store', async () => {
    const parent = runIdNamed('fs-parent');
    const search = async (filter?: string, orderBy?: string[]) =>
      (await store.searchRuns({ experimentIds: [EXP], filter, orderBy })).items.map((r) => r.info.runName);
    assert.deepEqual(await search(`tags.mlflow.parentRunId = '${parent}'`), ['fs-child']);
    assert.deepEqual(await search('metrics.loss < 1'), ['fs-running', 'fs-parent']);
    assert.deepEqual(await search(undefined, ['metrics.loss ASC']), ['fs-parent', 'fs-running', 'fs-failed', 'fs-child']);
    assert.deepEqual(await search("params.solver LIKE 'lb%' AND attributes.status = 'FINISHED'"), ['fs-parent']);
    assert.deepEqual(await search("attributes.run_name ILIKE 'FS-F%'"), ['fs-failed']);
    const paged = await store.searchRuns({ experimentIds: [EXP], maxResults: 3 });
    assert.equal(paged.nextPageToken, 'eyJvZmZzZXQiOiAzfQ==');
    assert.equal((await store.searchRuns({ experimentIds: [EXP], maxResults: 3, pageToken: paged.nextPageToken })).items.length, 1);
  });

  it('returns a metric history line for line, NaN and inf included', async () => {
    const id = runIdNamed('fs-parent');
    assert.deepEqual(await store.getMetricHistory(id, 'accuracy'), metricLines(id, 'accuracy'));
    assert.deepEqual((await store.getMetricHistory(id, 'weird')).map((x) => x.value), [Number.NaN, Number.POSITIVE_INFINITY]);
    assert.deepEqual(await store.getMetricHistory(id, 'nope'), []);
    const sampled = await store.getSampledHistories({ runIds: [id], metricKey: 'accuracy', maxResults: 5 });
    assert.equal(sampled[0].step, 0);
    assert.equal(sampled.at(-1)?.step, metricLines(id, 'accuracy').at(-1)?.step);
  });

  it('reads the registry under models/: versions, aliases and the download location', async () => {
    const model = await store.getRegisteredModel('fs-iris');
    assert.deepEqual(model.aliases, [{ alias: 'champion', version: '1' }]);
    assert.equal(model.description, '');
    const mv = await store.getModelVersionByAlias('fs-iris', 'champion');
    const vm = meta('models', 'fs-iris', 'version-1');
    assert.deepEqual(mv, {
      name: 'fs-iris',
      version: '1',
      creationTimestamp: vm.creation_timestamp,
      lastUpdatedTimestamp: vm.last_updated_timestamp,
      currentStage: 'None',
      description: '',
      source: vm.source,
      runId: vm.run_id,
      status: 'READY',
      tags: {},
      aliases: ['champion'],
    });
    assert.equal(await store.getModelVersionDownloadUri('fs-iris', '1'), vm.storage_location);
    assert.deepEqual((await store.searchModelVersions({ filter: `run_id = '${vm.run_id}'` })).items.map((v) => v.version), ['1']);
    assert.deepEqual((await store.searchRegisteredModels({ filter: "name LIKE 'fs-%'" })).items.map((m) => m.name), ['fs-iris']);
  });

  it('finds artifacts inside the store although the recorded file:// location is gone', async () => {
    const id = runIdNamed('fs-parent');
    assert.deepEqual(await store.listArtifacts(id), [
      { path: 'model', isDir: true },
      { path: 'notes', isDir: true },
      { path: 'results.json', isDir: false, fileSize: readFileSync(path.join(ROOT, EXP, id, 'artifacts', 'results.json')).length },
    ]);
    assert.equal(Buffer.from(await store.readArtifact(id, 'notes/readme.txt')).toString(), 'hello file store\n');
    await assert.rejects(store.listArtifacts(id, '../..'), (e: unknown) => e instanceof MlflowError && e.message === 'Invalid path');
  });

  it('reads logged models (a 2.17 store has none) and refuses writes with the way out', async () => {
    assert.equal((await store.capabilities()).loggedModels, true);
    assert.deepEqual((await store.searchLoggedModels([EXP])).items, []);
    await assert.rejects(store.getLoggedModel('m-1'), (e: unknown) => e instanceof MlflowError && e.errorCode === 'RESOURCE_DOES_NOT_EXIST');
    await assert.rejects(store.setRunTag(runIdNamed('fs-parent'), 'k', 'v'), (e: unknown) => e instanceof ReadOnlyStoreError && /MLflow: Start Tracking Server/.test(e.message));
  });
});

describe('FileStore while MLflow is writing', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(path.join(tmpdir(), 'mlflow-filestore-'));
    cpSync(ROOT, root, { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('leaves out a metric line that is still being written, and shows it once complete', async () => {
    const store = new FileStore(root);
    const id = readdirSync(path.join(root, EXP)).find((d) => parseYaml(readFileSync(path.join(root, EXP, d, 'meta.yaml'), 'utf8') || '{}')?.run_name === 'fs-running') ?? '';
    const file = path.join(root, EXP, id, 'metrics', 'loss');
    const before = await store.getMetricHistory(id, 'loss');
    appendFileSync(file, '1795694968200 0.6');
    assert.deepEqual(await store.getMetricHistory(id, 'loss'), before);
    appendFileSync(file, '5 1\n');
    const after = await store.getMetricHistory(id, 'loss');
    assert.deepEqual(after.at(-1), { key: 'loss', value: 0.65, timestamp: 1795694968200, step: 1 });
    assert.equal((await store.getRun(id)).data.metrics.find((m) => m.key === 'loss')?.value, 0.65);
  });

  it('reads param and tag files named like Object.prototype members as plain data', async () => {
    const store = new FileStore(root);
    const id = readdirSync(path.join(root, EXP)).find((d) => /^[0-9a-f]{32}$/.test(d)) ?? '';
    mkdirSync(path.join(root, EXP, id, 'params'), { recursive: true });
    mkdirSync(path.join(root, EXP, id, 'tags'), { recursive: true });
    for (const key of ['__proto__', 'constructor']) {
      writeFileSync(path.join(root, EXP, id, 'params', key), `param ${key}`);
      writeFileSync(path.join(root, EXP, id, 'tags', key), `tag ${key}`);
    }
    const run = await store.getRun(id);
    for (const record of [run.data.params, run.data.tags]) assert.equal(Object.getPrototypeOf(record), Object.prototype);
    assert.ok(Object.hasOwn(run.data.params, '__proto__'));
    assert.deepEqual(
      [run.data.params.__proto__, run.data.params.constructor, run.data.tags.__proto__, run.data.tags.constructor],
      ['param __proto__', 'param constructor', 'tag __proto__', 'tag constructor'],
    );
  });

  it('reads no file outside a run for keys that climb out of it', async () => {
    const store = new FileStore(root);
    const id = readdirSync(path.join(root, EXP)).find((d) => /^[0-9a-f]{32}$/.test(d)) ?? '';
    writeFileSync(path.join(root, EXP, id, 'evil'), '1 2 3\n');
    assert.deepEqual(await store.getMetricHistory(id, '../evil'), []);
    assert.deepEqual((await store.searchRuns({ experimentIds: [EXP], filter: "params.`../evil` = '1 2 3\n'" })).items, []);
  });

  it('re-reads a meta.yaml caught empty, and fails with STORE_BUSY only if it stays unreadable', async () => {
    const store = new FileStore(root);
    const id = readdirSync(path.join(root, EXP)).find((d) => /^[0-9a-f]{32}$/.test(d)) ?? '';
    const file = path.join(root, EXP, id, 'meta.yaml');
    const content = readFileSync(file, 'utf8');
    writeFileSync(file, '');
    // The writer finishes during the first pause: the read after it sees the whole file.
    const pauses: number[] = [];
    const finishWriting = async (ms: number): Promise<void> => {
      pauses.push(ms);
      writeFileSync(file, content);
    };
    assert.equal((await readMeta(file, finishWriting))?.run_id, id);
    assert.equal(pauses.length, 1, 'one pause, then a good read');
    assert.equal((await store.getRun(id)).info.runId, id);
    writeFileSync(file, 'run_id: [unclosed');
    await assert.rejects(store.getRun(id), (e: unknown) => e instanceof MlflowError && e.errorCode === 'STORE_BUSY');
  });
});
