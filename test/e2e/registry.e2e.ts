import * as assert from 'assert';
import type { Locator } from 'playwright-core';
import { demoWorkspace, Workbench } from './workbench';

describe('Models view: the demo registry by clicking (packaged extension)', () => {
  let workbench: Workbench;

  /** The Models pane of the MLflow container (the Runs pane lists an "iris-classification" experiment). */
  const modelsPane = (): Locator =>
    workbench.page.locator('.part.sidebar .pane').filter({ has: workbench.page.locator('.pane-header', { hasText: 'Models' }) });
  const item = (name: RegExp): Locator => modelsPane().getByRole('treeitem', { name }).first();

  before(async () => {
    workbench = await Workbench.open(demoWorkspace('registry'));
    await workbench.openMlflowContainer();
    await workbench.viewPane('Models').waitFor();
  });

  after(async () => {
    await workbench?.close();
  });

  it('lists the registered models of the workspace store', async () => {
    await item(/^iris-classifier latest v3/).waitFor();
    await item(/^wine-regressor/).waitFor();
  });

  it('expands a model into its aliases and versions, badged with aliases and stages', async () => {
    await workbench.clickWithoutHover(item(/^iris-classifier/));
    await item(/^@champion → v2/).waitFor();
    await item(/^@challenger → v3/).waitFor();
    const v2 = item(/^Version 2/);
    await v2.waitFor();
    await item(/^Version 3/).waitFor();
    await item(/^Version 1/).waitFor();
    assert.match(await v2.innerText(), /@champion\s*·\s*Production/);
    await workbench.screenshot('models-view');
  });
});
