import * as assert from 'node:assert';
import type { Trace } from '../../src/mlflow/traceTypes';
import type { TraceCompareRenderSummary, TraceCompareWebviewMessage } from '../../src/traces/core/compareProtocol';
import { buildCompareView } from '../../src/traces/core/traceCompare';
import { unnamedControls } from './accessibility';
import { pageSuite, postedBy, type WebviewPage } from './harness';
import { capturedTrace as trace } from '../support/captureText';

/** The Compare Traces page with real traces (GenAI captures shaped by the real core), its real CSP. */

const posted = postedBy<TraceCompareWebviewMessage>();
const rendered = (test: (s: TraceCompareRenderSummary) => boolean) => posted('rendered', (m) => test(m.summary));

describe('Compare Traces webview (built bundle in Chromium, real CSP)', function () {
  const pages = pageSuite('trace-compare');
  let view: WebviewPage;

  async function open(a: Trace, b: Trace): Promise<TraceCompareRenderSummary> {
    view = await pages.open();
    await view.post({ type: 'persist', state: { traceIds: [a.info.traceId, b.info.traceId] } });
    await view.post({ type: 'compare', view: buildCompareView(a, b) });
    return (await view.waitFor(rendered((s) => s.a === a.info.traceId && s.rows > 0), { what: 'compare rendered' })).summary;
  }

  it('shows the merged span rows, marks what differs and puts the selected row’s outputs side by side', async () => {
    const ok = trace('traces_get_tool_agent_chat_tools');
    const failed = trace('traces_get_error_trace');
    const summary = await open(ok, failed);
    assert.deepStrictEqual([summary.rows, summary.differing], [4, 4]);
    assert.deepStrictEqual(view.savedStates.at(-1), { traceIds: [ok.info.traceId, failed.info.traceId] }, 'the two trace ids, for the serializer after a reload');
    assert.strictEqual(await view.page.locator('.compare-row.differs').count(), 4);
    assert.strictEqual(await view.page.locator('.compare-row').nth(3).locator('.missing').count(), 1, 'the second LLM call exists only in A');
    assert.strictEqual(await view.page.locator('.compare-row .side.error').count(), 2, 'B’s agent and tool failed');

    let since = view.mark();
    await view.page.locator('.compare-row', { hasText: 'get_weather' }).click();
    await view.waitFor(rendered((s) => s.selected === '/weather_agent#0/get_weather#0'), { since, what: 'row selected' });
    const outputs = view.page.locator('#pair-outputs .side-text');
    assert.match((await outputs.nth(0).textContent()) ?? '', /sunny, 21°C/);
    assert.strictEqual(await outputs.nth(1).textContent(), '(none)');
    assert.strictEqual(await view.page.locator('#pair-outputs .side-text.differs').count(), 2);

    assert.deepStrictEqual(await unnamedControls(view.page), [], 'every control has a name');
    await view.page.locator('#only-differences').check();
    assert.strictEqual(await view.page.locator('.compare-row').count(), 4);
    since = view.mark();
    await view.page.locator('#open-b').click();
    assert.strictEqual((await view.waitFor(posted('openTrace'), { since })).traceId, failed.info.traceId);
  });

  it('hides rows that are the same when asked, and shows the hostile trace as text only', async () => {
    const hostile = trace('traces_get_hostile_unicode');
    const rag = trace('traces_get_rag_with_assessments');
    await open(hostile, rag);
    assert.strictEqual(await view.page.locator('#trace-a .trace-name').textContent(), hostile.info.tags['mlflow.traceName']);
    assert.match((await view.page.locator('#compare-header').textContent()) ?? '', /<script>/);
    assert.strictEqual(await view.page.locator('img').count(), 0, 'no markup made from span names or outputs');
    assert.strictEqual(await view.page.locator('script').count(), 1, 'only the panel’s own script');

    await view.close();
    const many = trace('traces_get_many_spans_full');
    const summary = await open(many, many);
    assert.deepStrictEqual([summary.rows, summary.differing], [199, 0]);
    await view.page.locator('#only-differences').check();
    assert.strictEqual(await view.page.locator('.compare-row').count(), 0);
    assert.match((await view.page.locator('#notice').textContent()) ?? '', /^0 of 199 rows differ/);
  });
});
