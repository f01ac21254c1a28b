import * as assert from 'assert';
import { type GenaiUi, hostileTraceStep, promptDiffStep, traceSpanTreeStep, tracesListStep, useGenaiWorkbench } from './genaiSteps';

/**
 * GenAI traces as a user reaches them in the real workbench, against both backends of issue 11: a
 * workspace holding the MLflow 3 GenAI store (genai-store), and a loopback server replaying the MLflow 3
 * GenAI captures. The same steps (genaiSteps.ts) run on each: the Traces view (experiments → traces), a
 * trace's span tree and inputs/outputs in the trace panel, the hostile trace shown as text, two prompt
 * versions diffed. The store also searches a span and compares two traces; the server takes an
 * assessment added from the panel's form.
 */

const SCRATCH_TRACE = 'tr-4fa588e721aa33c4c92898b2e2919153';

describe('Traces: the GenAI store and a trace panel by clicking (packaged extension)', () => {
  const ui = useGenaiWorkbench('store', 'traces');
  const page = () => ui().page;
  const panel = () => ui().panel();

  it('lists the experiments with traces and genai-app’s traces, newest first', async () => {
    await tracesListStep(ui());
  });

  it('opens a trace: span tree, waterfall and the selected span’s conversation and inputs', async () => {
    await traceSpanTreeStep(ui());
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
    await ui().screenshot('trace-search');
    await ui().workbench.runCommand('MLflow: Clear Trace Filter');
  });

  it('shows the hostile trace as text and runs nothing', async () => {
    await hostileTraceStep(ui(), 'filter');
  });

  it('compares two traces picked with Compare Traces…, side by side', async () => {
    const { workbench } = ui();
    await workbench.runCommand('View: Close All Editors');
    await ui().filterTraces("trace.name = 'weather_agent'");
    const traces = ui().pane('Traces').locator('[role="treeitem"][aria-level="2"]', { hasText: 'weather_agent' });
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
    await ui().screenshot('trace-compare');
    await workbench.runCommand('MLflow: Clear Trace Filter');
  });

  it('diffs two prompt versions from the Models view in VS Code’s diff editor', async () => {
    await promptDiffStep(ui());
  });
});

describe('Traces: the same steps against an MLflow 3 server replaying the GenAI captures (packaged extension)', () => {
  const ui = useGenaiWorkbench('server', 'traces', { 'mlflow.traces.reviewer': 'reviewer@example.com' });
  /** The replay's answers to the requests matching `route` since the last call (the capture names). */
  const answered = (server: GenaiUi, route: RegExp): string[] =>
    server.backend.replay!.takeRequests().filter((r) => route.test(r.path)).map((r) => r.capture ?? `UNMATCHED ${r.method} ${r.path} ${JSON.stringify(r.body)}`);

  it('lists genai-app’s traces, newest first, from the server', async () => {
    ui().backend.replay!.takeRequests();
    await tracesListStep(ui());
    assert.ok(answered(ui(), /\/traces\/search$/).includes('traces_search_all (derived)'), 'the list came from the captured search');
  });

  it('opens a trace: span tree, conversation and inputs as the server sent them', async () => {
    await traceSpanTreeStep(ui());
    const sent = answered(ui(), /\/traces\/(search|get)$/);
    assert.ok(sent.includes('traces_search_filter_state_error (derived)') || sent.includes('traces_search_max_results_limit_ok (derived)'), `the filter was the captured one: ${sent.join(', ')}`);
    assert.ok(sent.includes('traces_get_error_trace'), `the trace came from traces/get: ${sent.join(', ')}`);
    await ui().workbench.runCommand('MLflow: Clear Trace Filter');
  });

  it('shows the hostile trace as text and runs nothing', async () => {
    await hostileTraceStep(ui(), 'id');
    assert.ok(answered(ui(), /\/traces\/get$/).includes('traces_get_hostile_unicode'));
  });

  it('diffs two prompt versions from the Models view in VS Code’s diff editor', async () => {
    await promptDiffStep(ui());
  });

  it('opens a trace by id and adds an expectation with the form', async () => {
    const { workbench, backend } = ui();
    await workbench.runCommand('View: Close All Editors');
    await ui().openTraceById(SCRATCH_TRACE);
    const view = workbench.webview();
    await view.locator('#assessment-form').waitFor();
    await view.locator('#assessment-kind').selectOption('expectation');
    await view.locator('#assessment-name').fill('expected_response');
    await view.locator('#assessment-value').fill('ok');
    backend.replay!.takeRequests();
    await view.locator('#assessment-add').click();
    await view.locator('#assessment-message', { hasText: 'Saved.' }).waitFor();
    const sent = backend.replay!.requests.filter((r) => r.method === 'POST' && r.path.endsWith('/assessments')).map((r) => r.capture ?? `UNMATCHED ${JSON.stringify(r.body)}`);
    assert.deepStrictEqual(sent, ['assessments_create_expectation_text']);
    // The README's picture of the form is this one (the store is read-only).
    await workbench.screenshot('trace-assessment');
  });
});
