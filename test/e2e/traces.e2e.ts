import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { FrameLocator, Locator } from 'playwright-core';
import { ReplayServer } from '../support/replayServer';
import { Workbench } from './workbench';

/**
 * GenAI traces as a user reaches them in the real workbench: a workspace holding the MLflow 3 GenAI
 * store (genai-store), the Traces view (experiments → traces), a trace's span tree and inputs/outputs
 * in the trace panel, the hostile trace shown as text; then, against a loopback server replaying the
 * MLflow 3 captures, an assessment added from the panel's form.
 */

const GENAI_STORE = path.resolve('test', 'fixtures', 'mlflow-3.x', 'genai-store');
const SCRATCH_TRACE = 'tr-4fa588e721aa33c4c92898b2e2919153';

function genaiWorkspace(name: string, settings?: Record<string, unknown>): string {
  const target = path.join(process.env.E2E_STATE_DIR ?? '.test-state/e2e', 'workspaces', name);
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  fs.copyFileSync(path.join(GENAI_STORE, 'mlflow.db'), path.join(target, 'mlflow.db'));
  fs.cpSync(path.join(GENAI_STORE, 'artifacts'), path.join(target, 'artifacts'), { recursive: true });
  if (settings) {
    fs.mkdirSync(path.join(target, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(target, '.vscode', 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
  }
  return target;
}

describe('Traces: the GenAI store and a trace panel by clicking (packaged extension)', () => {
  let workbench: Workbench;
  const dialogs: string[] = [];
  const page = () => workbench.page;
  const tracesPane = (): Locator => page().locator('.part.sidebar .pane').filter({ has: page().locator('.pane-header', { hasText: /^Traces/ }) });
  const row = (text: string | RegExp, level: number): Locator => tracesPane().locator(`[role="treeitem"][aria-level="${level}"]`, { hasText: text }).first();
  const panel = (): FrameLocator => workbench.webview();
  /** Clicks a pane header until the pane shows the wanted state (a click during a re-layout can be lost). */
  const setExpanded = async (header: Locator, expanded: boolean): Promise<void> => {
    const wanted = header.and(page().locator(`[aria-expanded="${expanded}"]`));
    if ((await wanted.count()) > 0) return;
    await workbench.clickWithoutHover(header);
    await wanted.waitFor();
  };
  /** MLflow: Filter Traces… with `filter` typed into its input box. */
  const filterTraces = async (filter: string): Promise<void> => {
    await workbench.runCommand('MLflow: Filter Traces…');
    const input = page().locator('.quick-input-box input');
    await input.fill(filter);
    await page().keyboard.press('Enter');
    await input.waitFor({ state: 'hidden' });
  };

  before(async () => {
    workbench = await Workbench.open(genaiWorkspace('traces'));
    page().on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await workbench.openMlflowContainer();
    // The Traces view gets the side bar: a tree only renders the rows that fit.
    await workbench.viewPane('Traces').waitFor();
    // The Traces view starts collapsed (it would take room from the Runs view of stores without traces).
    await setExpanded(workbench.viewPane('Traces'), true);
    // Room for the Traces view; rows further down are reached with the view's filter, not by layout.
    await setExpanded(workbench.viewPane('Models'), false);
  });

  after(async () => {
    await workbench?.close();
  });

  afterEach(() => {
    assert.deepStrictEqual(dialogs, [], 'no script ran from trace text');
  });

  it('lists the experiments with traces and genai-app’s traces, newest first', async () => {
    await workbench.clickWithoutHover(row(/^genai-app$/, 1));
    await row('multimodal_agent', 2).waitFor();
    assert.match(await row('multimodal_agent', 2).innerText(), /ms · 91 tok/);
    await workbench.screenshot('traces-view');
  });

  it('opens a trace: span tree, waterfall and the selected span’s conversation and inputs', async () => {
    await filterTraces("trace.name = 'weather_agent' AND trace.status = 'ERROR'");
    await workbench.clickWithoutHover(row('weather_agent', 2));
    await panel().locator('#trace-name', { hasText: 'weather_agent' }).waitFor();
    await panel().locator('.span-row').first().waitFor();
    const rows = await panel().locator('.span-row').count();
    assert.ok(rows >= 3, `${rows} span rows`);
    await panel().locator('.span-row', { hasText: 'ChatOpenAI' }).first().click();
    await panel().locator('#span-name', { hasText: 'ChatOpenAI' }).waitFor();
    await panel().locator('#section-conversation .message').first().waitFor();
    await panel().locator('#section-inputs .json').waitFor();
    assert.strictEqual(await panel().locator('#assessment-readonly').count(), 1, 'a local store offers no assessment form');
    // The README's picture: no tooltip of a tree row left over the Traces view.
    await workbench.dismissHover();
    await workbench.screenshot('trace-panel');
  });

  it('searches the selected span’s conversation and inputs, opening collapsed JSON at the match', async () => {
    const search = panel().locator('#span-search');
    await search.fill('ATLANTIS');
    await panel().locator('#search-count', { hasText: /^1 of \d+$/ }).waitFor();
    assert.strictEqual(await panel().locator('#section-conversation mark.search-hit.current').count(), 1);
    // Enter steps on; the matches after the conversation's are inside inputs.messages, collapsed until now.
    const inInputs = panel().locator('#section-inputs mark.search-hit.current');
    for (let i = 0; i < 6 && (await inInputs.count()) === 0; i++) await search.press('Enter');
    await inInputs.waitFor();
    assert.ok(await inInputs.isVisible());
    assert.strictEqual((await inInputs.textContent())?.toLowerCase(), 'atlantis');
    await workbench.screenshot('trace-search');
  });

  it('shows the hostile trace as text and runs nothing', async () => {
    await workbench.runCommand('View: Close All Editors');
    await filterTraces("tags.fixture_kind = 'hostile_unicode'");
    await workbench.clickWithoutHover(row('<script>', 2));
    const name = panel().locator('#trace-name');
    await name.waitFor();
    assert.match((await name.textContent()) ?? '', /<script>alert\('trace-name'\)<\/script>/);
    await panel().locator('.span-row', { hasText: '<img src=x' }).first().click();
    await panel().locator('#span-name', { hasText: '<img src=x' }).waitFor();
    assert.strictEqual(await panel().locator('img').count(), 0);
    await workbench.runCommand('MLflow: Clear Trace Filter');
  });

  it('compares two traces picked with Compare Traces…, side by side', async () => {
    await workbench.runCommand('View: Close All Editors');
    await filterTraces("trace.name = 'weather_agent'");
    const traces = tracesPane().locator('[role="treeitem"][aria-level="2"]', { hasText: 'weather_agent' });
    await traces.nth(1).waitFor();
    // The picker lists the traces the view shows; clicking a row of a multi-pick toggles it.
    await workbench.runCommand('MLflow: Compare Traces…');
    const picks = page().locator('.quick-input-list .monaco-list-row', { hasText: 'weather_agent' });
    await picks.nth(1).waitFor();
    await picks.nth(0).click();
    await picks.nth(1).click();
    await page().keyboard.press('Enter');
    const view = workbench.webview();
    await view.locator('#trace-a .trace-name', { hasText: 'weather_agent' }).waitFor();
    await view.locator('.compare-row').nth(2).waitFor();
    assert.ok((await view.locator('.compare-row.differs').count()) >= 3, 'the failed tool run differs from the good one');
    await view.locator('.compare-row', { hasText: 'get_weather' }).first().click();
    await view.locator('#pair-outputs .side-text').first().waitFor();
    await workbench.screenshot('trace-compare');
    await workbench.runCommand('MLflow: Clear Trace Filter');
  });

  it('diffs two prompt versions from the Models view in VS Code’s diff editor', async () => {
    await workbench.runCommand('View: Close All Editors');
    await setExpanded(workbench.viewPane('Models'), true);
    const modelsPane = page().locator('.part.sidebar .pane').filter({ has: page().locator('.pane-header', { hasText: /^Models/ }) });
    const modelRow = (text: string | RegExp, level: number): Locator => modelsPane.locator(`[role="treeitem"][aria-level="${level}"]`, { hasText: text }).first();
    await workbench.clickWithoutHover(modelRow(/^Prompts/, 1));
    await workbench.clickWithoutHover(modelRow('genai-app-qa', 2));
    const v3 = modelRow('Version 3', 3);
    await v3.waitFor();
    assert.match(await v3.innerText(), /@staging/);
    await v3.click({ button: 'right' });
    // A click that lands right as the menu opens is sometimes swallowed; the highlighted entry takes Enter.
    await page().getByRole('menuitem', { name: 'Compare with Another Version…', exact: true }).hover();
    await page().keyboard.press('Enter');
    await page().locator('.quick-input-list .monaco-list-row', { hasText: 'Version 2' }).first().click();
    await page().locator('.monaco-diff-editor').first().waitFor();
    await page().locator('.tab', { hasText: 'genai-app-qa: v2 ↔ v3' }).first().waitFor();
    await workbench.screenshot('prompt-diff');
  });
});

describe('Traces: an assessment added from the panel against an MLflow 3 server (packaged extension)', () => {
  let workbench: Workbench;
  let replay: ReplayServer;

  before(async () => {
    replay = await ReplayServer.start('mlflow-3.x-genai');
    workbench = await Workbench.open(genaiWorkspace('traces-server', { 'mlflow.trackingUri': replay.baseUrl, 'mlflow.traces.reviewer': 'reviewer@example.com' }));
  });

  after(async () => {
    await workbench?.close();
    await replay?.close();
  });

  it('opens a trace by id and adds an expectation with the form', async () => {
    await workbench.runCommand('MLflow: Open Trace…');
    await workbench.page.locator('.quick-input-box input').fill(SCRATCH_TRACE);
    await workbench.page.keyboard.press('Enter');
    const view = workbench.webview();
    await view.locator('#assessment-form').waitFor();
    await view.locator('#assessment-kind').selectOption('expectation');
    await view.locator('#assessment-name').fill('expected_response');
    await view.locator('#assessment-value').fill('ok');
    replay.takeRequests();
    await view.locator('#assessment-add').click();
    await view.locator('#assessment-message', { hasText: 'Saved.' }).waitFor();
    const sent = replay.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/assessments')).map((r) => r.capture ?? `UNMATCHED ${JSON.stringify(r.body)}`);
    assert.deepStrictEqual(sent, ['assessments_create_expectation_text']);
    await workbench.screenshot('trace-assessment');
  });
});
