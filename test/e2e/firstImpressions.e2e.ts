import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Locator } from 'playwright-core';
import { demoWorkspace, Workbench } from './workbench';

/**
 * What a new user meets first, through the real workbench with the packaged .vsix installed: the
 * extension's Details page, and the palette with nothing selected anywhere.
 */
describe('First impressions (packaged extension)', () => {
  let workbench: Workbench;

  before(async () => {
    workbench = await Workbench.open(demoWorkspace('first-impressions'));
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await workbench.screenshot(`first-failed-${this.currentTest.title.replace(/\W+/g, '-').slice(0, 60)}`);
    await workbench.page.keyboard.press('Escape');
    await workbench.runCommand('View: Close All Editors');
  });

  after(async () => {
    await workbench?.close();
  });

  const quickInput = () => workbench.page.locator('.quick-input-widget');
  const quickRow = (name: RegExp | string): Locator => workbench.page.locator('.quick-input-list .monaco-list-row', { hasText: name }).first();

  /** Types into the open quick pick and takes the one row it leaves, with Enter. */
  async function pickOne(filter: string, row: RegExp): Promise<void> {
    await quickInput().locator('input').fill(filter);
    await quickRow(row).waitFor();
    await workbench.page.locator('.quick-input-list .monaco-list-row.focused', { hasText: row }).waitFor();
    await workbench.page.keyboard.press('Enter');
  }

  /** Checks each run in the open multi-select quick pick, searching for it by name first. */
  async function checkRuns(names: readonly RegExp[]): Promise<void> {
    for (const name of names) {
      await quickInput().locator('input').fill(name.source.replace(/\\/g, ''));
      const row = quickRow(name);
      await row.waitFor();
      await row.click();
      await workbench.page.locator('.quick-input-list .monaco-list-row[aria-checked="true"]', { hasText: name }).waitFor();
    }
    await quickInput().locator('input').fill('');
  }

  it('shows every README image on the installed extension\'s Details page', async () => {
    const readme = fs.readFileSync(path.resolve('README.md'), 'utf8');
    const expected = [...readme.matchAll(/!\[([^\]]*)\]\(/g)].map((m) => m[1]!);
    assert.ok(expected.length >= 5);

    await workbench.runCommand('Extensions: Show Enabled Extensions');
    const entry = workbench.page.locator('.extensions-viewlet .monaco-list-row', { hasText: 'MLflow Workbench' }).first();
    await entry.waitFor();
    await entry.click();
    await workbench.page.getByRole('tab', { name: /Extension: MLflow Workbench/ }).waitFor();
    const details = workbench.webview();
    await details.locator('h2', { hasText: 'Get started' }).waitFor();
    const images = details.locator('img');
    await images.nth(expected.length - 1).waitFor({ state: 'attached' });
    // Each image finished loading (or failed): only then does naturalWidth say which.
    const loaded = await images.evaluateAll((imgs) => Promise.all((imgs as HTMLImageElement[]).map((img) => (img.complete
      ? Promise.resolve()
      : new Promise<void>((resolve) => { img.addEventListener('load', () => resolve()); img.addEventListener('error', () => resolve()); })
    ).then(() => ({ alt: img.alt, width: img.naturalWidth })))));
    assert.deepStrictEqual(loaded.map((i) => i.alt), expected, 'every README image is on the page, in order');
    const broken = loaded.filter((i) => i.width === 0).map((i) => i.alt);
    assert.deepStrictEqual(broken, [], 'no broken image');
    // The page a user installs opens on using the extension, not on contributing to it.
    assert.strictEqual(await details.locator('h2').first().textContent(), 'Get started');
    await workbench.screenshot('details-page');
  });

  it('charts and compares runs from the palette alone, with nothing selected in the Runs view', async () => {
    assert.strictEqual(await workbench.page.getByRole('treeitem', { selected: true }).count(), 0, 'no tree selection');

    await workbench.runCommand('MLflow: Chart Metrics');
    await quickInput().locator('.quick-input-title', { hasText: 'Chart Metrics' }).waitFor();
    await pickOne('iris', /iris-classification/);
    await quickInput().locator('.quick-input-title', { hasText: 'Chart Metrics: iris-classification' }).waitFor();
    await checkRuns([/logreg-C1\.0-lbfgs/, /logreg-C10\.0-saga/]);
    await workbench.page.keyboard.press('Enter');
    await workbench.page.getByRole('tab', { name: /Charts: 2 runs/ }).waitFor();
    await workbench.webview().locator('figure.chart[data-metric="val_loss"][data-loading="false"][data-datasets="2"]').waitFor();

    await workbench.runCommand('View: Close All Editors');
    await workbench.runCommand('MLflow: Compare Runs');
    await pickOne('iris', /iris-classification/);
    // One run is not enough to compare: Enter is refused with the reason, and the pick stays open.
    await checkRuns([/logreg-C1\.0-lbfgs/]);
    await workbench.page.keyboard.press('Enter');
    await quickInput().locator('input[placeholder^="Pick at least 2 runs (1 picked)."]').waitFor();
    await checkRuns([/logreg-C10\.0-saga/, /logreg-C0\.1-lbfgs/]);
    await workbench.page.keyboard.press('Enter');
    await workbench.page.getByRole('tab', { name: /Compare: 3 runs/ }).waitFor();
    await workbench.webview().locator('tr[data-param="C"]').waitFor();
    assert.strictEqual(await workbench.page.getByRole('treeitem', { selected: true }).count(), 0, 'still no tree selection');
  });
});
