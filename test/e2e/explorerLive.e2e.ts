import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Locator } from 'playwright-core';
import { finishRun, renameRun, runIdByName, startRun } from './storeEdits';
import { demoWorkspace, Workbench } from './workbench';

/** An entity-laden name: the hover must show it exactly, not `<b>bold?</b> & <`. */
const ENTITY_NAME = '<b>bold?</b> &amp; &lt;';
/** A right-to-left override: without isolation it reverses the rest of the row. */
const RTL_NAME = '\u202Egnp.exe';
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
/** The demo store's wine-regression experiment and its RUNNING run. */
const WINE_EXPERIMENT_ID = '2';

/**
 * The Runs view in the real workbench against the demo workspace's SQLite store while something else
 * writes to it, as a training script does: the view follows running runs by itself (no Refresh), the
 * filter box applies what was typed even when Enter comes at once, and names with entities or bidi
 * controls show exactly, rows and hovers.
 */
describe('Runs view: live runs, the filter box and untrusted names (packaged extension)', () => {
  let workbench: Workbench;
  let dbFile: string;

  const page = () => workbench.page;
  const runsPane = (): Locator =>
    page().locator('.part.sidebar .pane').filter({ has: page().locator('.pane-header', { hasText: /^Runs/ }) });
  /** A row at a depth whose label is exactly `label` (1: experiments, 2: runs). */
  const row = (label: string, level: number): Locator =>
    runsPane()
      .locator(`[role="treeitem"][aria-level="${level}"]`)
      .filter({ has: page().locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) }) })
      .first();
  const quickInput = () => page().locator('.quick-input-widget');

  async function setExpanded(item: Locator, expanded: boolean): Promise<void> {
    await item.waitFor();
    if ((await item.getAttribute('aria-expanded')) !== String(expanded)) await workbench.clickWithoutHover(item);
    await item.and(page().locator(`[aria-expanded="${expanded}"]`)).waitFor();
  }

  /** Hovers a row until its tooltip shows; returns the tooltip's bold first line (the name) as text. */
  async function hoverTitle(item: Locator): Promise<string> {
    const tooltip = page().locator('.monaco-hover, .workbench-hover').filter({ visible: true }).first();
    // A tooltip left open by an earlier click would cover the row.
    await page().mouse.move(24, 620);
    await tooltip.waitFor({ state: 'detached' });
    for (let attempt = 1; ; attempt++) {
      await item.hover();
      try {
        await tooltip.locator('strong').first().waitFor({ timeout: attempt < 3 ? 15_000 : 60_000 });
        break;
      } catch (error) {
        if (attempt >= 3) throw error;
        await page().mouse.move(24, 620);
      }
    }
    // Markdown hovers keep spaces as no-break spaces.
    const title = ((await tooltip.locator('strong').first().textContent()) ?? '').replace(/\u00a0/g, ' ');
    await page().mouse.move(24, 620);
    await tooltip.waitFor({ state: 'hidden' });
    return title;
  }

  before(async () => {
    const folder = demoWorkspace('explorer-live');
    dbFile = path.join(folder, 'mlflow.db');
    await renameRun(dbFile, await runIdByName(dbFile, 'logreg-C0.1-lbfgs'), ENTITY_NAME);
    await renameRun(dbFile, await runIdByName(dbFile, 'baseline-0'), RTL_NAME);
    fs.mkdirSync(path.join(folder, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(folder, '.vscode', 'settings.json'), `${JSON.stringify({ 'mlflow.runs.refreshInterval': 1 }, null, 2)}\n`);
    workbench = await Workbench.open(folder);
    await workbench.openMlflowContainer();
    // The Runs view gets the whole side bar: the tree only renders the rows that fit.
    const models = workbench.viewPane('Models');
    if ((await models.getAttribute('aria-expanded')) === 'true') await models.locator('.title').click();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await workbench.screenshot(`explorer-live-failed-${this.currentTest.title.replace(/\W+/g, '-').slice(0, 50)}`);
  });

  after(async () => {
    await workbench?.close();
  });

  it('follows a running run to its end and shows a run started meanwhile, without Refresh', async () => {
    const wine = row('wine-regression', 1);
    await setExpanded(wine, true);
    await page().mouse.move(24, 620);
    const running = row('running-run', 2);
    await running.locator('.codicon-sync').waitFor();
    const runningId = await runIdByName(dbFile, 'running-run');

    // The script ends its run under its final name and a new one starts, both written to the store.
    await finishRun(dbFile, runningId, { newName: 'running-run-done' });
    const newRunId = await startRun(dbFile, WINE_EXPERIMENT_ID, 'live-new-run');

    await row('running-run-done', 2).locator('.codicon-pass').waitFor();
    await row('live-new-run', 2).locator('.codicon-sync').waitFor();
    await running.waitFor({ state: 'detached' });

    // And the new run too, once it ends.
    await finishRun(dbFile, newRunId, { status: 'FAILED' });
    await row('live-new-run', 2).locator('.codicon-error').waitFor();
    await workbench.screenshot('explorer-live-converged');
    await setExpanded(wine, false);
  });

  it('applies the filter typed into the box when Enter follows at once, not the previous one', async () => {
    await setExpanded(row('iris-classification', 1), true);
    const filter = async (text: string) => {
      await workbench.runCommand('MLflow: Filter Runs…');
      await quickInput().locator('.quick-input-title', { hasText: 'Filter runs' }).waitFor();
      const input = quickInput().locator('.quick-input-box input');
      await input.fill(text);
      await page().keyboard.press('Enter');
      await quickInput().waitFor({ state: 'hidden' });
    };
    try {
      await filter("params.solver = 'saga'");
      await workbench.viewPane("filter: params.solver = 'saga'").waitFor();
      await row('logreg-C10.0-saga', 2).waitFor();

      // The box opens with the current filter; replace it and press Enter straight away.
      await filter("params.solver = 'lbfgs'");
      await workbench.viewPane("filter: params.solver = 'lbfgs'").waitFor();
      await row('logreg-C1.0-lbfgs', 2).waitFor();
      await row('logreg-C10.0-saga', 2).waitFor({ state: 'detached' });
    } finally {
      // Whatever happened, the next tests see every run.
      if (await workbench.viewPane('filter:').isVisible()) await workbench.runCommand('MLflow: Clear Run Filter');
      await row('logreg-C10.0-saga', 2).waitFor();
    }
  });

  it('shows a name with entities and tags exactly, in the row and in the hover', async () => {
    await setExpanded(row('iris-classification', 1), true);
    const run = row(ENTITY_NAME, 2);
    await run.waitFor();
    assert.strictEqual(await hoverTitle(run), ENTITY_NAME);
  });

  it('keeps a right-to-left override from reordering the row, and names it in the hover', async () => {
    await setExpanded(row('iris-classification', 1), true);
    const run = row('gnp.exe', 2);
    await run.waitFor();
    const shown = await run.evaluate((el) => ({
      label: el.querySelector('.label-name')?.textContent ?? '',
      description: el.querySelector('.label-description')?.textContent ?? '',
      all: el.textContent ?? '',
    }));
    assert.strictEqual(shown.label, 'gnp.exe');
    assert.ok(shown.description.length > 0, 'the row has a description the override could reverse');
    assert.doesNotMatch(shown.all, BIDI_CONTROLS, `no bidi control in the row: ${JSON.stringify(shown.all)}`);
    assert.strictEqual(await hoverTitle(run), '\\u202Egnp.exe');
    await workbench.screenshot('explorer-live-untrusted-names');
  });
});

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
