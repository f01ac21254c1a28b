import * as assert from 'assert';
import { demoWorkspace, Workbench } from './workbench';

describe('Runs view: browsing the demo store by clicking (packaged extension)', () => {
  let workbench: Workbench;

  before(async () => {
    workbench = await Workbench.open(demoWorkspace('explorer'));
    await workbench.openMlflowContainer();
  });

  after(async () => {
    await workbench?.close();
  });

  it('lists the experiments of the workspace store @smoke', async () => {
    await workbench.treeItem('iris-classification').waitFor();
    await workbench.treeItem('wine-regression').waitFor();
    assert.strictEqual(await workbench.page.getByRole('treeitem', { name: 'scratch-deleted' }).count(), 0, 'deleted experiments stay hidden');
  });

  it('expands an experiment into runs and a run into its details @smoke', async () => {
    await workbench.treeItem('iris-classification').click();
    const run = workbench.treeItem(/^logreg-C1\.0-lbfgs/);
    await run.waitFor();
    await workbench.treeItem(/^hyperparam-sweep/).waitFor();
    await workbench.clickWithoutHover(run);
    await workbench.treeItem(/^Parameters/).waitFor();
    await workbench.treeItem(/^Metrics/).waitFor();
    await workbench.treeItem(/^Artifacts/).waitFor();
    await workbench.clickWithoutHover(workbench.treeItem(/^Parameters/));
    await workbench.treeItem(/^solver/).waitFor();
    await workbench.screenshot('runs-view');
  });

  it('narrows the runs with a filter typed in the filter box', async () => {
    await workbench.runCommand('MLflow: Filter Runs…');
    const input = workbench.page.locator('.quick-input-box input');
    await input.fill("params.solver = 'saga'");
    await workbench.page.keyboard.press('Enter');
    await workbench.page.locator('.part.sidebar .pane-header', { hasText: "filter: params.solver = 'saga'" }).waitFor();
    await workbench.treeItem(/^logreg-C10\.0-saga/).waitFor();
    await workbench.page.getByRole('treeitem', { name: /^logreg-C1\.0-lbfgs/ }).waitFor({ state: 'detached' });
    await workbench.runCommand('MLflow: Clear Run Filter');
    await workbench.treeItem(/^logreg-C1\.0-lbfgs/).waitFor();
  });
});
