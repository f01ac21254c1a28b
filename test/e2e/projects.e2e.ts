import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { demoWorkspace, Workbench } from './workbench';

const SUCCEEDED = /=== Run \(ID '([0-9a-f]{32})'\) succeeded ===/g;

/**
 * "MLflow: Run MLproject…" and the MLproject CodeLens, clicked through the real workbench with the
 * packaged extension. `mlflow` is the stand-in CLI, named in the workspace settings because
 * code-server's extension host does not see the harness's PATH.
 */
describe('Run MLproject from the palette and from the MLproject file (packaged extension)', () => {
  let workbench: Workbench;

  before(async () => {
    const folder = demoWorkspace('projects');
    const fakeMlflow = path.resolve('test/support/fake-venv/bin/mlflow');
    assert.ok(fs.existsSync(fakeMlflow), fakeMlflow);
    fs.mkdirSync(path.join(folder, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(folder, '.vscode', 'settings.json'), JSON.stringify({ 'mlflow.executablePath': fakeMlflow }, null, 2));
    workbench = await Workbench.open(folder);
    // The palette lists commands as they are when it opens: wait until the extension's contributions are in.
    await workbench.openMlflowContainer();
  });

  after(async () => {
    await workbench?.close();
  });

  /** The run ids of every "succeeded" line in the terminals' rendered rows (wrapped lines rejoin: rows have no separator). */
  async function succeededRuns(): Promise<string[]> {
    const texts = await workbench.page.locator('.xterm-rows').allTextContents();
    return texts.flatMap((text) => [...text.replace(/\s+/g, ' ').matchAll(SUCCEEDED)].map((match) => match[1]));
  }

  /** Waits, in the page, for a "succeeded" line whose run id is not one of `known`. */
  async function waitForNewRun(known: readonly string[]): Promise<string> {
    const found = await workbench.page.waitForFunction(
      ({ known, pattern }) => {
        const text = Array.from(document.querySelectorAll('.xterm-rows'), (rows) => rows.textContent ?? '').join('\n').replace(/\s+/g, ' ');
        const ids = Array.from(text.matchAll(new RegExp(pattern, 'g')), (match) => match[1]);
        return ids.find((id) => !known.includes(id)) ?? false;
      },
      { known: [...known], pattern: SUCCEEDED.source },
      { timeout: 60_000 },
    );
    return String(await found.jsonValue());
  }

  /** Waits until the quick input shows step `step/total`, then accepts what it offers (the defaults). */
  async function acceptStep(step: number, total: number, row?: string | RegExp): Promise<void> {
    const page = workbench.page;
    await page.locator('.quick-input-widget .quick-input-title', { hasText: `(${step}/${total})` }).waitFor();
    if (row !== undefined) await page.locator('.quick-input-list .monaco-list-row', { hasText: row }).first().waitFor();
    await page.keyboard.press('Enter');
  }

  it('runs the demo project from the palette, accepting the defaults at every step', async () => {
    await workbench.runCommand('MLflow: Run MLproject…');
    await acceptStep(1, 4, 'validate'); // entry point: main is first
    for (let step = 2; step <= 6; step++) await acceptStep(step, 9); // alpha, l1_ratio, max_iter, run_label, data_path
    await acceptStep(7, 9, "MLflow's default experiment");
    await acceptStep(8, 9); // run name
    await acceptStep(9, 9, 'virtualenv');
    await workbench.page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    await workbench.page.locator('.terminal-tabs-entry, .single-terminal-tab', { hasText: 'MLflow run: tiny-elasticnet/main' }).first().waitFor();
    const first = await waitForNewRun([]);
    assert.match(first, /^[0-9a-f]{32}$/);
  });

  it("runs with --env-manager local in mlflow's own environment, which the launcher names (code-server's PATH lacks it)", async () => {
    const known = await succeededRuns();
    const venv = path.resolve('test/support/fake-venv');
    const page = workbench.page;
    await workbench.runCommand('MLflow: Run MLproject…');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: '(1/4)' }).waitFor();
    await page.locator('.quick-input-widget input').fill('validate');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'validate' }).first().waitFor();
    await page.keyboard.press('Enter');
    await acceptStep(2, 5); // threshold
    await acceptStep(3, 5, "MLflow's default experiment");
    await acceptStep(4, 5); // run name
    await page.locator('.quick-input-widget .quick-input-title', { hasText: '(5/5)' }).waitFor();
    const local = page.locator('.quick-input-list .monaco-list-row', { hasText: `the virtual environment ${venv}, nothing is installed` });
    await local.waitFor();
    await local.click();
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    // The stand-in mlflow runs `python` from PATH: only the venv's (first on the run's PATH) has the packages.
    await page.locator('.terminal-tabs-entry, .single-terminal-tab', { hasText: 'MLflow run: tiny-elasticnet/validate' }).first().waitFor();
    assert.match(await waitForNewRun(known), /^[0-9a-f]{32}$/);
    // The terminal of this run (the one showing) says which environment, under the command.
    await page.locator('.xterm-rows', { hasText: `In the virtual environment ${venv} (MLflow 2.17.2)` }).filter({ visible: true }).first().waitFor();
  });

  it('runs an entry point from the Run CodeLens above it in the MLproject', async () => {
    const known = await succeededRuns();
    const page = workbench.page;
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill('mlproject-tiny/MLproject');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'MLproject' }).first().waitFor();
    await page.keyboard.press('Enter');
    const run = page.locator('.codelens-decoration a', { hasText: /^\W*Run$/ }).first();
    await run.waitFor();
    await page.locator('.codelens-decoration a', { hasText: 'Run with Parameters…' }).first().waitFor();
    await run.click();
    await waitForNewRun(known);
    await workbench.screenshot('run-mlproject');
  });
});
