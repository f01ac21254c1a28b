import * as assert from 'assert';
import { demoWorkspace, Workbench } from './workbench';

describe('the MLflow container (packaged extension in the real workbench)', () => {
  let workbench: Workbench;

  before(async () => {
    workbench = await Workbench.open(demoWorkspace('container'));
  });

  after(async () => {
    await workbench?.close();
  });

  it('shows an MLflow item in the activity bar that opens the Runs and Models views @smoke', async () => {
    await workbench.openMlflowContainer();
    await workbench.viewPane('Runs').waitFor();
    await workbench.viewPane('Models').waitFor();
    await workbench.screenshot('container');
  });

  it('offers the MLflow commands in the command palette', async () => {
    await workbench.page.keyboard.press('F1');
    const input = workbench.page.locator('.quick-input-box input');
    // Typed in full: the palette renders only the rows that fit, and MLflow has more commands than fit.
    await input.fill('>MLflow: Show Log');
    const rows = workbench.page.locator('.quick-input-list .monaco-list-row', { hasText: 'MLflow: Show Log' });
    await rows.first().waitFor();
    assert.ok((await rows.count()) >= 1);
    await workbench.page.keyboard.press('Escape');
  });
});
