import * as assert from 'node:assert';
import type { Trace } from '../../src/mlflow/traceTypes';
import type { TraceHostMessage, TraceRenderSummary, TraceWebviewMessage } from '../../src/traces/core/protocol';
import { buildTraceView, spanDetail } from '../../src/traces/core/traceView';
import { pageSuite, postedBy, type WebviewPage } from './harness';
import { capturedTrace as trace } from '../support/captureText';

/**
 * The trace panel's action controls a user clicks, each checked by the message the page posts to the
 * host (what the host then acts on): Delete on an assessment, an attachment's button, Open Source; and
 * the cost MLflow recorded, as the user reads it. Real traces from the GenAI captures.
 */

const posted = postedBy<TraceWebviewMessage>();
const rendered = (test: (s: TraceRenderSummary) => boolean) => posted('rendered', (m) => test(m.summary));

describe('trace webview actions (built bundle in Chromium, real CSP)', function () {
  const pages = pageSuite('trace');
  let view: WebviewPage;

  /** Opens the page on `t` with the span named `spanName` selected, as the host sends it. */
  async function open(t: Trace, spanName?: string, readOnlyReason?: string): Promise<void> {
    view = await pages.open();
    const { view: traceView, ordered } = buildTraceView(t, readOnlyReason);
    const selected = spanName === undefined ? 0 : ordered.findIndex((s) => s.name === spanName);
    assert.ok(selected >= 0, `span ${spanName} in ${t.info.traceId}`);
    const message: TraceHostMessage = { type: 'trace', view: traceView, span: spanDetail(ordered[selected]!, selected, ordered[0]!.startTimeNs) };
    await view.post(message);
    await view.waitFor(rendered((s) => s.traceId === t.info.traceId && s.selectedSpan === ordered[selected]!.name), { what: 'trace rendered' });
  }

  it('Delete on an assessment posts deleteAssessment with that assessment’s id', async () => {
    const t = trace('traces_get_scratch_with_assessments');
    await open(t);
    const expectation = view.page.locator('[data-assessment-id="a-14485b4f814749b891c7096357a69d5e"]');
    const since = view.mark();
    await expectation.locator('.assessment-delete').click();
    const sent = await view.waitFor(posted('deleteAssessment'), { since, what: 'deleteAssessment' });
    assert.deepStrictEqual(sent, { type: 'deleteAssessment', assessmentId: 'a-14485b4f814749b891c7096357a69d5e' });
  });

  it('an attachment’s button posts openAttachment with the reference the span holds', async () => {
    const t = trace('traces_get_multimodal_attachments');
    await open(t, 'load_document');
    const buttons = view.page.locator('#section-attachments button');
    assert.deepStrictEqual(await buttons.allTextContents(), ['Open text/plain attachment (22 B)']);
    let since = view.mark();
    await buttons.first().click();
    const text = await view.waitFor(posted('openAttachment'), { since, what: 'openAttachment' });
    assert.deepStrictEqual(text.attachment, { id: '2cef8557-cdbc-46c2-90ea-632b1e886eb2', contentType: 'text/plain', size: 22 });
    await view.close();

    await open(t, 'ChatOpenAI');
    const image = view.page.locator('#section-attachments button', { hasText: 'image/png' });
    since = view.mark();
    await image.click();
    const png = await view.waitFor(posted('openAttachment'), { since, what: 'openAttachment of the image' });
    assert.deepStrictEqual(png.attachment, { id: '02cd5e1f-3c16-4380-8ac1-66018de9c887', contentType: 'image/png', size: 166 });
  });

  it('Open Source posts openSource with the selected span’s index', async () => {
    const t = trace('traces_get_rag_with_assessments');
    await open(t, 'retrieve');
    const { ordered } = buildTraceView(t);
    const since = view.mark();
    await view.page.locator('#open-source').click();
    const sent = await view.waitFor(posted('openSource'), { since, what: 'openSource' });
    assert.strictEqual(sent.index, ordered.findIndex((s) => s.name === 'retrieve'));
    assert.ok(sent.index > 0, 'not simply the root');
  });

  it('shows the LLM span’s cost and the trace’s total cost MLflow recorded', async () => {
    // traces_get_error_trace: ChatOpenAI has mlflow.llm.cost total_cost 6.45e-06, the trace mlflow.trace.cost the same.
    const t = trace('traces_get_error_trace');
    await open(t, 'ChatOpenAI');
    const spanFacts = (await view.page.locator('.facts').allTextContents()).join(' ');
    assert.match(spanFacts, /\$0\.00000645/);
    assert.match((await view.page.locator('header.trace-header').textContent()) ?? '', /\$0\.00000645/);
    await view.close();

    await open(t, 'get_weather');
    const toolFacts = (await view.page.locator('.facts').allTextContents()).join(' ');
    assert.doesNotMatch(toolFacts, /\$/, 'a span without cost shows none');
  });
});
