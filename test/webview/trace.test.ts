import * as assert from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Trace } from '../../src/mlflow/traceTypes';
import { parseJsonLossless, toSpan, toTraceInfo } from '../../src/mlflow/traceValues';
import type { TraceHostMessage, TraceRenderSummary, TraceWebviewMessage } from '../../src/traces/core/protocol';
import { buildTraceView, spanDetail } from '../../src/traces/core/traceView';
import { contentSecurityPolicy } from '../../src/vscode/webviewHtml';
import { pageSuite, postedBy, type WebviewPage } from './harness';

/** The trace panel page with real traces (GenAI captures shaped by the real core), its real CSP. */

const CAPTURES = path.resolve(__dirname, '../fixtures/mlflow-3.x/genai-captures');

function trace(name: string): Trace {
  const response = (parseJsonLossless(readFileSync(path.join(CAPTURES, `${name}.json`), 'utf8')) as { response: { trace: { trace_info: unknown; spans: unknown[] } } }).response.trace;
  const info = toTraceInfo(response.trace_info);
  return { info, spans: response.spans.map((s) => toSpan(s, info.traceId)) };
}

const posted = postedBy<TraceWebviewMessage>();
const rendered = (test: (s: TraceRenderSummary) => boolean) => posted('rendered', (m) => test(m.summary));

describe('trace webview (built bundle in Chromium, real CSP)', function () {
  const pages = pageSuite('trace');
  let view: WebviewPage;

  async function open(t: Trace, selected = 0, readOnlyReason?: string): Promise<TraceRenderSummary> {
    view = await pages.open();
    const { view: traceView, ordered } = buildTraceView(t, readOnlyReason);
    const messages: TraceHostMessage[] = [
      { type: 'trace', view: traceView },
      { type: 'span', detail: spanDetail(ordered[selected]!, selected, ordered[0]!.startTimeNs) },
    ];
    for (const m of messages) await view.post(m);
    return (await view.waitFor(rendered((s) => s.traceId === t.info.traceId && s.selectedSpan !== undefined), { what: 'trace rendered' })).summary;
  }

  it('shows the hostile trace’s names, inputs and outputs as text only', async () => {
    const hostile = trace('traces_get_hostile_unicode');
    const summary = await open(hostile);
    const meta = await view.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.strictEqual(meta, contentSecurityPolicy(view.cspSource, view.nonce));
    assert.strictEqual(summary.spans, hostile.spans.length);
    assert.strictEqual(await view.page.locator('#trace-name').textContent(), hostile.info.tags['mlflow.traceName']);
    assert.match((await view.page.locator('#trace-name').textContent()) ?? '', /<script>/);
    assert.strictEqual(await view.page.locator('img').count(), 0, 'no markup made from span names or inputs');
    assert.strictEqual(await view.page.locator('script').count(), 1, 'only the panel’s own script');
    const since = view.mark();
    await view.page.locator('.span-row').nth(1).click();
    await view.waitFor(posted('selectSpan', (m) => m.index === 1), { since, what: 'selectSpan 1' });
  });

  it('draws only the rows in view for the 199-span trace and marks none as errors', async () => {
    const summary = await open(trace('traces_get_many_spans_full'));
    assert.strictEqual(summary.spans, 199);
    const drawn = await view.page.locator('.span-row').count();
    assert.ok(drawn > 10 && drawn < 199, `virtualised: ${drawn} rows drawn`);
    assert.strictEqual(await view.page.locator('.span-row.error').count(), 0);
    await view.page.locator('#spans').evaluate((el) => (el.scrollTop = el.scrollHeight));
    await view.page.locator('.span-row[data-index="198"]').waitFor();
  });

  it('highlights ERROR spans and the exception event of the error trace', async () => {
    const t = trace('traces_get_error_trace');
    const summary = await open(t);
    assert.strictEqual(summary.errorSpans, 2);
    assert.strictEqual(await view.page.locator('.span-row.error').count(), 2);
    assert.strictEqual(await view.page.locator('.event.exception').count(), 1);
    assert.match((await view.page.locator('.status-message').textContent()) ?? '', /Atlantis/);
  });

  it('renders a chat span as a conversation with tool calls', async () => {
    const t = trace('traces_get_tool_agent_chat_tools');
    const { ordered } = buildTraceView(t);
    const summary = await open(t, ordered.findIndex((s) => s.spanType === 'CHAT_MODEL'));
    assert.strictEqual(summary.inputsAs, 'chat');
    assert.ok((await view.page.locator('#section-conversation .message').count()) >= 2);
    assert.ok((await view.page.locator('#section-conversation .tool-call').count()) >= 1);
  });

  it('keeps the 200,000-character input collapsed to a preview until asked', async () => {
    const t = trace('traces_get_large_inputs_full');
    await open(t);
    const text = (await view.page.locator('#section-inputs').textContent()) ?? '';
    assert.ok(text.length < 10_000, `inputs section holds ${text.length} characters`);
    await view.page.locator('#section-inputs button', { hasText: 'Show all' }).first().click();
    const full = (await view.page.locator('#section-inputs').textContent()) ?? '';
    assert.ok(full.length > 200_000, `after Show all: ${full.length}`);
  });

  it('posts a feedback draft and a thumbs-up; a read-only store shows why it cannot', async () => {
    const t = trace('traces_get_rag_with_assessments');
    const summary = await open(t);
    assert.strictEqual(summary.assessments, t.info.assessments.length);
    await view.page.locator('#assessment-name').fill('helpful');
    await view.page.locator('#assessment-value').fill('0.5');
    await view.page.locator('#assessment-rationale').fill('<b>fine</b>');
    let since = view.mark();
    await view.page.locator('#assessment-add').click();
    const draft = await view.waitFor(posted('addAssessment'), { since });
    assert.deepStrictEqual(draft.draft, { kind: 'feedback', name: 'helpful', value: '0.5', rationale: '<b>fine</b>' });
    since = view.mark();
    await view.page.locator('#assessment-thumbs-up').click();
    assert.strictEqual((await view.waitFor(posted('addAssessment'), { since })).draft.value, 'true');
    await view.close();

    await open(t, 0, 'This store is read directly from disk.');
    assert.strictEqual(await view.page.locator('#assessment-form').count(), 0);
    assert.strictEqual(await view.page.locator('#assessment-readonly').textContent(), 'This store is read directly from disk.');
  });
});
