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
    // Leave the Extensions view: its list refreshes late and can take the focus from the next test's quick pick.
    await workbench.runCommand('View: Show Explorer');
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

  it('pins and unpins an experiment from the palette, picked by searching among those it applies to', async () => {
    await showMlflow();
    const row = workbench.page.locator('.part.sidebar .monaco-list-row', { hasText: 'wine-regression' }).first();
    await row.waitFor();
    await workbench.runCommand('MLflow: Pin Experiment');
    await quickInput().locator('.quick-input-title', { hasText: 'Pin Experiment' }).waitFor();
    await pickOne('wine', /wine-regression/);
    await row.locator('.codicon-pinned').first().waitFor();

    await workbench.runCommand('MLflow: Unpin Experiment');
    await quickInput().locator('.quick-input-title', { hasText: 'Unpin Experiment' }).waitFor();
    // Only pinned experiments are offered.
    await quickRow(/wine-regression/).waitFor();
    assert.strictEqual(await workbench.page.locator('.quick-input-list .monaco-list-row').count(), 1);
    await workbench.page.keyboard.press('Enter');
    await row.locator('.codicon-pinned').first().waitFor({ state: 'detached' });
    assert.strictEqual(await workbench.page.getByRole('treeitem', { selected: true }).count(), 0, 'no tree selection was needed');
  });

  /** Picks a colour theme the way a user does (it is a user setting: the suite puts the default back). */
  async function chooseTheme(name: string): Promise<void> {
    // Ctrl+K Ctrl+T opens the theme picker itself (in the palette, "Color Theme" also finds the Marketplace's).
    await workbench.page.keyboard.press('Control+K');
    await workbench.page.keyboard.press('Control+T');
    await quickInput().locator('input').waitFor({ state: 'visible' });
    await pickOne(name, new RegExp(name));
  }

  /** Shows the MLflow views (the activity bar tab toggles them, so only when they are not showing). */
  async function showMlflow(): Promise<void> {
    if (!(await workbench.viewPane('Runs').isVisible())) await workbench.openMlflowContainer();
  }

  /** Moves the focus up the focused tree with the arrow keys until it is on `name`. */
  async function arrowTo(name: string): Promise<void> {
    const focused = workbench.page.locator('.part.sidebar .monaco-list-row.focused');
    await focused.first().waitFor();
    for (let i = 0; i < 30; i++) {
      if (((await focused.first().textContent()) ?? '').includes(name)) return;
      await workbench.page.keyboard.press('ArrowUp');
    }
    throw new Error(`the keyboard never reached ${name}`);
  }

  /** Opens the focused tree item's context menu with Shift+F10 and returns its entries. */
  async function keyboardContextMenu(): Promise<string[]> {
    await workbench.page.keyboard.press('Shift+F10');
    const menu = workbench.page.locator('.monaco-menu');
    await menu.getByRole('menuitem').first().waitFor();
    return (await menu.getByRole('menuitem').allTextContents()).map((t) => t.trim());
  }

  /** Takes a context menu entry with the arrow keys and Enter. */
  async function keyboardChoose(entry: string): Promise<void> {
    const focused = workbench.page.locator('.monaco-menu .action-item.focused');
    for (let i = 0; i < 40; i++) {
      await workbench.page.keyboard.press('ArrowDown');
      if (((await focused.first().textContent()) ?? '').trim().startsWith(entry)) {
        await workbench.page.keyboard.press('Enter');
        await workbench.page.locator('.monaco-menu').waitFor({ state: 'detached' });
        return;
      }
    }
    throw new Error(`no ${entry} in the context menu`);
  }

  it('pins and unpins an experiment with the keyboard alone, the menu offering only what applies', async () => {
    await showMlflow();
    // One click puts the focus in the tree (on its last experiment); from there on only keys are used.
    await workbench.clickWithoutHover(workbench.treeItem('Default'));
    await arrowTo('iris-classification');

    let entries = await keyboardContextMenu();
    assert.ok(entries.some((e) => e.startsWith('Pin Experiment')), entries.join(' | '));
    assert.ok(!entries.some((e) => e.startsWith('Unpin Experiment')), `an unpinned experiment offers no Unpin: ${entries.join(' | ')}`);
    assert.ok(entries.some((e) => e.startsWith('Chart Runs')), 'chart is reachable from the keyboard too');
    await keyboardChoose('Pin Experiment');
    const pinnedRow = workbench.page.locator('.part.sidebar .monaco-list-row', { hasText: 'iris-classification' }).first();
    await pinnedRow.locator('.codicon-pinned').first().waitFor();
    // The inline action is now Unpin (its icon is "pinned"), not Pin.
    await pinnedRow.hover();
    await pinnedRow.locator('.actions [aria-label^="Unpin Experiment"]').waitFor();
    assert.strictEqual(await pinnedRow.locator('.actions [aria-label^="Pin Experiment"]').count(), 0);

    await arrowTo('iris-classification');
    entries = await keyboardContextMenu();
    assert.ok(entries.some((e) => e.startsWith('Unpin Experiment')), entries.join(' | '));
    assert.ok(!entries.some((e) => e.startsWith('Pin Experiment')), `a pinned experiment offers no Pin: ${entries.join(' | ')}`);
    await keyboardChoose('Unpin Experiment');
    await pinnedRow.locator('.codicon-pinned').first().waitFor({ state: 'detached' });
  });

  it('reads well in the high-contrast theme', async () => {
    await showMlflow();
    await workbench.treeItem('iris-classification').waitFor();
    await chooseTheme('Dark High Contrast');
    try {
      await workbench.page.locator('.monaco-workbench.hc-black').waitFor();
      await workbench.runCommand('MLflow: Chart Runs');
      await pickOne('wine', /wine-regression/);
      await workbench.page.getByRole('tab', { name: /Charts: wine-regression/ }).waitFor();
      await workbench.webview().locator('figure.chart[data-loading="false"]').first().waitFor();
      await workbench.page.mouse.move(1150, 16);
      await workbench.screenshot('high-contrast');
    } finally {
      await workbench.page.keyboard.press('Escape');
      await chooseTheme('Dark Modern');
      await workbench.page.locator('.monaco-workbench.hc-black').waitFor({ state: 'detached' });
    }
  });

  it('offers a walkthrough whose every step shows its picture', async () => {
    await workbench.runCommand('Welcome: Open Walkthrough...');
    await pickOne('MLflow', /Get started with MLflow Workbench/);
    const page = workbench.page.locator('.gettingStartedContainer');
    const manifest = JSON.parse(fs.readFileSync(path.resolve('package.json'), 'utf8')) as {
      contributes: { walkthroughs: { steps: { title: string; media: { altText: string } }[] }[] };
    };
    const steps = manifest.contributes.walkthroughs[0]!.steps;
    // The demo workspace's store opened by itself: the first step ("Open or connect a tracking store") is done.
    await page.locator('.getting-started-step', { hasText: steps[0]!.title }).first().locator('.codicon-getting-started-step-checked').waitFor();
    for (const step of steps) {
      await page.locator('.getting-started-step', { hasText: step.title }).first().click();
      const image = page.locator(`img[alt="${step.media.altText}"]`);
      await image.waitFor();
      await workbench.page.waitForFunction((img) => (img as HTMLImageElement).complete, await image.elementHandle());
      assert.ok(await image.evaluate((img) => (img as HTMLImageElement).naturalWidth > 0), `${step.title}: its picture loads`);
    }
    await workbench.screenshot('walkthrough');
  });
});
