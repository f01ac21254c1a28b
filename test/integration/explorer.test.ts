import * as assert from 'assert';
import type * as vscode from 'vscode';
import type { ExplorerNode, RunNode } from '../../src/explorer/nodes';
import type { Workbench } from '../../src/workbench';
import { activateExtension } from './support';

/** The demo workspace holds the real MLflow 2.17.2 SQLite store the REST captures were made from. */
describe('Runs view over the demo SQLite store (real extension host)', () => {
  let workbench: Workbench;

  const children = (node?: ExplorerNode) => workbench.explorer.provider.getChildren(node);
  const labelOf = (node: ExplorerNode) => String(workbench.explorer.provider.getTreeItem(node).label);
  const experimentNamed = async (name: string) => {
    const node = (await children()).find((n) => n.kind === 'experiment' && n.experiment.name === name);
    assert.ok(node, `experiment ${name} is listed`);
    return node;
  };

  before(async () => {
    workbench = await activateExtension();
    await workbench.ready;
    await workbench.explorer.applyFilter(undefined);
  });

  it('connects to the workspace store without any setup', () => {
    const connection = workbench.connections.current;
    assert.ok(connection, 'a connection was chosen');
    assert.strictEqual(connection.kind, 'sqlite');
    assert.match(connection.trackingUri, /^sqlite:\/\/\/.*\/mlflow\.db$/);
  });

  it('lists the active experiments and hides deleted ones', async () => {
    const names = (await children()).filter((n) => n.kind === 'experiment').map(labelOf).sort();
    assert.deepStrictEqual(names, ['Default', 'api-captures', 'iris-classification', 'llm-finetune-sim', 'mlproject-demo', 'wine-regression']);
  });

  it('shows runs with status icons, child runs nested under their parent', async () => {
    const runs = (await children(await experimentNamed('iris-classification'))).filter((n): n is RunNode => n.kind === 'run');
    const names = runs.map((r) => r.run.info.runName).sort();
    // trial-0..3 are children of hyperparam-sweep; the deleted run is hidden.
    assert.deepStrictEqual(names, ['baseline-0', 'baseline-1', 'baseline-2', 'baseline-3', 'hyperparam-sweep', 'logreg-C0.1-lbfgs', 'logreg-C1.0-lbfgs', 'logreg-C10.0-saga']);
    const sweep = runs.find((r) => r.run.info.runName === 'hyperparam-sweep')!;
    assert.deepStrictEqual(sweep.children.map((c) => c.run.info.runName).sort(), ['trial-0', 'trial-1', 'trial-2', 'trial-3']);
    const item = workbench.explorer.provider.getTreeItem(sweep);
    assert.strictEqual((item.iconPath as vscode.ThemeIcon).id, 'pass');
    assert.match(String(item.description), /4 child runs/);
  });

  it('expands a run into parameters, metrics, tags and artifacts', async () => {
    const runs = await children(await experimentNamed('iris-classification'));
    const run = runs.find((n): n is RunNode => n.kind === 'run' && n.run.info.runName === 'logreg-C1.0-lbfgs')!;
    const sections = await children(run);
    assert.deepStrictEqual(sections.map(labelOf), ['Parameters', 'Metrics', 'Tags', 'Artifacts']);
    const params = await children(sections[0]);
    const c = params.find((p) => p.kind === 'value' && p.key === 'C');
    assert.ok(c && c.kind === 'value');
    assert.strictEqual(c.value, '1.0');
    const artifacts = await children(sections[3]);
    assert.ok(artifacts.some((a) => a.kind === 'artifact' && a.file.path === 'model' && a.isModel), 'the model folder is recognised');
  });

  it('narrows runs with an MLflow filter and rejects a bad one keeping the previous filter', async () => {
    assert.strictEqual(await workbench.explorer.applyFilter("params.solver = 'saga'"), true);
    const runs = (await children(await experimentNamed('iris-classification'))).filter((n) => n.kind === 'run');
    assert.deepStrictEqual(runs.map(labelOf), ['logreg-C10.0-saga']);
    assert.strictEqual(await workbench.explorer.applyFilter('metrics.accuracy >>> 1'), false);
    assert.strictEqual(workbench.explorer.model.viewOptions.filter, "params.solver = 'saga'");
    assert.strictEqual(await workbench.explorer.applyFilter(undefined), true);
  });

  it('sorts runs by a metric, searches experiments by name, pins and shows deleted ones on request', async () => {
    const model = workbench.explorer.model;
    try {
      model.setOptions({ orderBy: ['metrics.accuracy DESC'] });
      const runs = (await children(await experimentNamed('iris-classification'))).filter((n): n is RunNode => n.kind === 'run');
      const accuracy = runs.map((r) => r.run.data.metrics.find((m) => m.key === 'accuracy')?.value).filter((v): v is number => v !== undefined);
      assert.ok(accuracy.length >= 3);
      assert.deepStrictEqual(accuracy, [...accuracy].sort((a, b) => b - a), 'highest accuracy first');

      model.setOptions({ orderBy: ['attributes.start_time DESC'], experimentNameFilter: 'wine' });
      assert.deepStrictEqual((await children()).map(labelOf), ['wine-regression']);

      model.setOptions({ experimentNameFilter: undefined, pinned: new Set(['3']) });
      const [first, second] = await children();
      assert.strictEqual(labelOf(first!), 'llm-finetune-sim', 'a pinned experiment comes first');
      assert.strictEqual(workbench.explorer.provider.getTreeItem(first!).contextValue, 'experimentPinned', 'a pinned experiment offers Unpin');
      assert.strictEqual(workbench.explorer.provider.getTreeItem(second!).contextValue, 'experiment', 'the others offer Pin');

      model.setOptions({ pinned: new Set(), showDeletedExperiments: true, showDeletedRuns: true });
      const all = (await children()).map(labelOf);
      assert.ok(all.includes('scratch-deleted'), 'deleted experiments on request');
      const withDeleted = (await children(await experimentNamed('iris-classification'))).map(labelOf);
      assert.ok(withDeleted.includes('deleted-run'), 'deleted runs on request');
    } finally {
      model.setOptions({ orderBy: ['attributes.start_time DESC'], experimentNameFilter: undefined, pinned: new Set(), showDeletedExperiments: false, showDeletedRuns: false });
    }
  });

  it('refuses writes on the read-only local store with the way out', async () => {
    const store = workbench.connections.current!.store;
    await assert.rejects(store.setRunTag('459191d6afe44e408cc618beff3a1e37', 'k', 'v'), /Start Tracking Server/);
  });
});
