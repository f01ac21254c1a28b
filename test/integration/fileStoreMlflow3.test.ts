import * as assert from 'assert';
import * as path from 'path';
import { pathToFileURL } from 'url';
import * as vscode from 'vscode';
import type { ExplorerNode, RunNode } from '../../src/explorer/nodes';
import type { RegistryNode } from '../../src/registry/registryNodes';
import type { Workbench } from '../../src/workbench';
import { FIXTURES_DIR } from '../support/repoRoot';
import { activateExtension, waitFor } from './support';

/**
 * An `mlruns/` file store written by MLflow 3.11 (test/fixtures/mlflow-3.x/file-store), opened in the
 * real extension host: the run that logged a model shows it under "Logged models", with its files.
 */
describe('Runs view over an MLflow 3 file store (real extension host)', () => {
  let workbench: Workbench;
  const mlruns = path.join(FIXTURES_DIR, 'mlflow-3.x', 'file-store', 'mlruns');
  const children = (node?: ExplorerNode) => workbench.explorer.provider.getChildren(node);
  const labelOf = (node: ExplorerNode) => String(workbench.explorer.provider.getTreeItem(node).label);

  before(async () => {
    workbench = await activateExtension();
    await workbench.ready;
    await workbench.explorer.applyFilter(undefined);
    await workbench.connections.connectTo('MLflow 3 file store', pathToFileURL(mlruns).toString());
  });

  after(async () => {
    await workbench.connections.select('Workspace store');
  });

  it('shows the logged model under the run that logged it, and its files', async () => {
    assert.strictEqual(workbench.connections.current?.kind, 'file');
    const experiment = (await children()).find((n) => n.kind === 'experiment' && n.experiment.name === 'filestore-mlflow3');
    assert.ok(experiment, 'the experiment is listed');
    const runs = (await children(experiment)).filter((n): n is RunNode => n.kind === 'run');
    const producer = runs.find((r) => r.run.info.runName === 'fs3-run-1');
    assert.ok(producer, 'fs3-run-1 is listed');
    const sections = await children(producer);
    assert.deepStrictEqual(sections.map(labelOf), ['Parameters', 'Metrics', 'Tags', 'Artifacts', 'Logged models']);
    const [model] = await children(sections[4]);
    assert.ok(model && model.kind === 'loggedModel');
    assert.strictEqual(model.modelId, 'm-9cdd32b8f7b543f3909cc404a9a5c31b');
    assert.strictEqual(workbench.explorer.provider.getTreeItem(model).description, 'logged by this run');
    const files = (await children(model)).map(labelOf);
    for (const name of ['MLmodel', 'model.pkl', 'input_example.json']) assert.ok(files.includes(name), `${name} in ${files.join(', ')}`);
    for (const other of runs.filter((r) => r !== producer)) {
      assert.ok(!(await children(other)).map(labelOf).includes('Logged models'), `${other.run.info.runName} logged no model`);
    }
  });

  it('opens the run that logged a registered version\'s source model from its Source row', async () => {
    const registry = workbench.registry.provider;
    const model = (await registry.getChildren()).find((n) => n.kind === 'model' && n.model.name === 'fs3-iris');
    assert.ok(model, 'fs3-iris is listed');
    const version = (await registry.getChildren(model)).find((n) => n.kind === 'version');
    assert.ok(version && version.kind === 'version');
    const source = (await registry.getChildren(version)).find((n): n is Extract<RegistryNode, { kind: 'source' }> => n.kind === 'source');
    assert.ok(source, 'the version has a Source row');
    const item = registry.getTreeItem(source);
    assert.strictEqual(item.description, 'models:/m-9cdd32b8f7b543f3909cc404a9a5c31b');
    assert.strictEqual(item.command?.command, 'mlflow.openModelVersionRun');
    // As a SQL registry records it: no run id on the version, only the logged model it came from.
    const withoutRun = { ...source, version: { ...source.version, runId: undefined } };
    await vscode.commands.executeCommand(item.command.command, withoutRun);
    const selected = await waitFor(() => workbench.explorer.treeView.selection.find((n): n is RunNode => n.kind === 'run'), 'the run is selected in the Runs view');
    assert.strictEqual(selected.run.info.runName, 'fs3-run-1');
  });
});
