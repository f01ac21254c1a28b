import * as assert from 'assert';
import type { Locator } from 'playwright-core';
import { DatasetBuilder } from '../support/mlflowServer/dataset';
import { startMlflowServer, type MlflowServer } from '../support/mlflowServer/server';
import { evaluationTableStep, genaiWorkspace, useGenaiWorkbench } from './genaiSteps';
import { Workbench } from './workbench';

/**
 * Evaluation results as a user reaches them in the real workbench: an evaluation run's table (the same
 * step, genaiSteps.ts, on the GenAI store from the run's row in the Runs view and on a loopback server
 * replaying the MLflow 3 GenAI captures from the palette), a row leading to its trace, two runs compared
 * on the store (the fixture's `<b>html</b>` question stays text); then, against a writable loopback
 * server, an alias set on a prompt version from the Models view shows as a badge.
 */

function workspace(name: string, settings: Record<string, unknown>): string {
  return genaiWorkspace(name, { store: false, settings });
}

describe('Evaluations: results table, a row’s trace, two runs compared (packaged extension)', () => {
  const ui = useGenaiWorkbench('store', 'evaluations');
  const page = () => ui().page;

  it('opens an evaluation run’s table from its row in the Runs view, and a row’s trace', async () => {
    await evaluationTableStep(ui(), async () => {
      await ui().workbench.clickWithoutHover(ui().row('Runs', /^genai-app(?!-)/, 1));
      await ui().workbench.clickWithoutHover(ui().row('Runs', 'funny-stag-459', 2));
      await ui().workbench.clickWithoutHover(ui().row('Runs', 'Evaluation Results', 3));
    });
  });

  it('compares the two evaluation runs; the hostile question stays text', async () => {
    const { workbench } = ui();
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
    await ui().screenshot('evaluation-compare');
  });
});

describe('Evaluations: the results table against an MLflow 3 server replaying the GenAI captures (packaged extension)', () => {
  const ui = useGenaiWorkbench('server', 'evaluations');

  it('opens funny-stag-459’s table from "MLflow: Evaluation Results", and a row’s trace', async () => {
    const { workbench, page, backend } = ui();
    backend.replay!.takeRequests();
    await evaluationTableStep(ui(), async () => {
      await workbench.runCommand('MLflow: Evaluation Results');
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'funny-stag-459' }).first().click();
    });
    const sent = backend.replay!.takeRequests().filter((r) => /runs\/(get|search)|traces\/(search|get)$/.test(r.path)).map((r) => r.capture ?? `UNMATCHED ${r.method} ${r.path}`);
    for (const capture of ['runs_search_eval_runs_only (derived)', 'runs_get_eval_run', 'traces_search_filter_run_id_eval_run', 'traces_get_eval_trace_scorer_error']) {
      assert.ok(sent.includes(capture), `${capture} answered: ${sent.join(', ')}`);
    }
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
