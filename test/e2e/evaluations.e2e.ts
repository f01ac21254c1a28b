import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { FrameLocator, Locator } from 'playwright-core';
import { DatasetBuilder } from '../support/mlflowServer/dataset';
import { startMlflowServer, type MlflowServer } from '../support/mlflowServer/server';
import { Workbench } from './workbench';

/**
 * Evaluation results as a user reaches them in the real workbench: the GenAI store's evaluation runs
 * opened from the palette as a table, a row leading to its trace, two runs compared (the fixture's
 * `<b>html</b>` question stays text); then, against a writable loopback server, an alias set on a
 * prompt version from the Models view shows as a badge.
 */

const GENAI_STORE = path.resolve('test', 'fixtures', 'mlflow-3.x', 'genai-store');

function workspace(name: string, settings?: Record<string, unknown>): string {
  const target = path.join(process.env.E2E_STATE_DIR ?? '.test-state/e2e', 'workspaces', name);
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  if (settings) {
    fs.mkdirSync(path.join(target, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(target, '.vscode', 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  } else {
    fs.copyFileSync(path.join(GENAI_STORE, 'mlflow.db'), path.join(target, 'mlflow.db'));
    fs.cpSync(path.join(GENAI_STORE, 'artifacts'), path.join(target, 'artifacts'), { recursive: true });
  }
  return target;
}

describe('Evaluations: results table, a row’s trace, two runs compared (packaged extension)', () => {
  let workbench: Workbench;
  const dialogs: string[] = [];
  const page = () => workbench.page;
  /** The newest webview: the panel opened last (earlier ones stay in the DOM, hidden). */
  const newest = (): FrameLocator => page().frameLocator('iframe.webview.ready >> nth=-1').frameLocator('#active-frame');

  before(async () => {
    workbench = await Workbench.open(workspace('evaluations'));
    page().on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await workbench.openMlflowContainer();
  });

  after(async () => {
    await workbench?.close();
  });

  afterEach(() => {
    assert.deepStrictEqual(dialogs, [], 'no script ran from evaluation text');
  });

  it('opens an evaluation run’s table from its row in the Runs view, and a row’s trace', async () => {
    const runsPane = page().locator('.part.sidebar .pane').filter({ has: page().locator('.pane-header', { hasText: /^Runs/ }) });
    const row = (text: string | RegExp, level: number): Locator => runsPane.locator(`[role="treeitem"][aria-level="${level}"]`, { hasText: text }).first();
    await workbench.clickWithoutHover(row(/^genai-app(?!-)/, 1));
    await workbench.clickWithoutHover(row('funny-stag-459', 2));
    await workbench.clickWithoutHover(row('Evaluation Results', 3));
    const view = workbench.webview();
    const table = view.locator('#results');
    await table.waitFor();
    assert.strictEqual(await table.locator('tbody tr').count(), 4);
    assert.deepStrictEqual(await table.locator('thead th.score').allTextContents(), ['exact_match', 'response_length', 'keyword_overlap', 'mentions_mlflow']);
    assert.strictEqual(await view.locator('.aggregate[data-scorer="exact_match"] .metric').textContent(), 'mean 0.5');
    const registryRow = table.locator('tbody tr', { hasText: 'Tell me about the prompt registry' });
    assert.strictEqual(await registryRow.locator('td.score.error').count(), 1, 'the failed scorer shows as an error');
    assert.match((await registryRow.locator('td.score.error').getAttribute('title')) ?? '', /simulated scorer failure/);
    await workbench.screenshot('evaluation-table');
    await registryRow.locator('button.open-trace').click();
    await page().locator('.tab', { hasText: 'Trace support_agent' }).first().waitFor();
    await newest().locator('#trace-name', { hasText: 'support_agent' }).waitFor();
    await newest().locator('#trace-id', { hasText: 'tr-30a7bde5ec72cd55526faf5ee4699ea4' }).waitFor();
  });

  it('compares the two evaluation runs; the hostile question stays text', async () => {
    await workbench.runCommand('View: Close All Editors');
    await workbench.runCommand('MLflow: Compare Evaluation Runs…');
    await page().locator('.quick-input-list .monaco-list-row', { hasText: 'nimble-snail-431' }).first().waitFor();
    // Picked in any order: the older run (the in-memory one) is the baseline. Each tick is waited for before
    // the next click: a click while the list re-renders can land on nothing.
    for (const name of ['funny-stag-459', 'nimble-snail-431']) {
      await page().locator('.quick-input-list .monaco-list-row', { hasText: name }).locator('.monaco-checkbox, input[type=checkbox], .quick-input-list-checkbox').first().click();
      await page().locator('.quick-input-list .monaco-list-row[aria-checked="true"]', { hasText: name }).waitFor();
    }
    // Enter from the filter box accepts the picks (focus is on the last clicked checkbox otherwise).
    await page().locator('.quick-input-box input').focus();
    await page().keyboard.press('Enter');
    await page().locator('.quick-input-widget').waitFor({ state: 'hidden' });
    const view = workbench.webview();
    await view.locator('#compared-rows').waitFor();
    assert.strictEqual(await view.locator('#compared-rows tbody tr').count(), 5);
    assert.strictEqual(await view.locator('#scorer-summary tr[data-scorer="exact_match"].dir-regressed').count(), 1);
    const hostile = view.locator('#compared-rows tbody tr', { hasText: '<b>html</b>' });
    assert.strictEqual(await hostile.count(), 1, 'the markup shows as text');
    assert.strictEqual(await view.locator('#compared-rows b').count(), 0, 'and is no element');
    await workbench.screenshot('evaluation-compare');
  });
});

describe('Prompts: an alias set on a prompt version shows as a badge (packaged extension)', () => {
  let workbench: Workbench;
  let server: MlflowServer;

  before(async () => {
    const b = new DatasetBuilder();
    b.registeredModel('support-qa', { description: 'first', tags: { 'mlflow.prompt.is_prompt': 'true' } });
    for (const [text, message] of [['Answer {{question}}.', 'first'], ['Answer {{question}} briefly.', 'shorter answers']] as const) {
      b.modelVersion('support-qa', { source: 'dummy-source', description: message, tags: { 'mlflow.prompt.is_prompt': 'true', '_mlflow_prompt_type': 'text', 'mlflow.prompt.text': text } });
    }
    b.alias('support-qa', 'production', '1');
    server = await startMlflowServer({ dataset: b.build() });
    workbench = await Workbench.open(workspace('prompt-alias', { 'mlflow.trackingUri': server.baseUrl }));
    await workbench.openMlflowContainer();
  });

  after(async () => {
    await workbench?.close();
    await server?.close();
  });

  it('sets @staging on version 2 from the context menu', async () => {
    const page = workbench.page;
    const modelsPane = page.locator('.part.sidebar .pane').filter({ has: page.locator('.pane-header', { hasText: /^Models/ }) });
    const row = (text: string | RegExp, level: number): Locator => modelsPane.locator(`[role="treeitem"][aria-level="${level}"]`, { hasText: text }).first();
    await workbench.clickWithoutHover(row(/^Prompts/, 1));
    await workbench.clickWithoutHover(row('support-qa', 2));
    const v2 = row('Version 2', 3);
    await v2.waitFor();
    assert.doesNotMatch(await v2.innerText(), /@staging/);
    await v2.click({ button: 'right' });
    await page.getByRole('menuitem', { name: 'Set Prompt Alias…', exact: true }).hover();
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'New alias…' }).first().click();
    const input = page.locator('.quick-input-box input');
    await input.fill('latest');
    await page.locator('.quick-input-message', { hasText: /reserved/ }).waitFor();
    await input.fill('staging');
    await page.keyboard.press('Enter');
    await row(/Version 2.*@staging/s, 3).waitFor();
    assert.match(await row('Version 2', 3).innerText(), /@staging · shorter answers/);
    assert.deepStrictEqual(
      server.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/registered-models/alias')).map((r) => r.body),
      [{ name: 'support-qa', alias: 'staging', version: '2' }],
    );
    await workbench.screenshot('prompt-alias');
  });
});
