import * as assert from 'node:assert';
import type { Trace } from '../../src/mlflow/traceTypes';
import type { TraceHostMessage, TraceRenderSummary, TraceWebviewMessage } from '../../src/traces/core/protocol';
import { buildTraceView, spanDetail } from '../../src/traces/core/traceView';
import { contentSecurityPolicy } from '../../src/vscode/webviewHtml';
import { unnamedControls } from './accessibility';
import { pageSuite, postedBy, type WebviewPage } from './harness';
import { capturedTrace as trace } from '../support/captureText';

/** The trace panel page with real traces (GenAI captures shaped by the real core), its real CSP. */

const posted = postedBy<TraceWebviewMessage>();
const rendered = (test: (s: TraceRenderSummary) => boolean) => posted('rendered', (m) => test(m.summary));

describe('trace webview (built bundle in Chromium, real CSP)', function () {
  const pages = pageSuite('trace');
  let view: WebviewPage;

  async function open(t: Trace, selected = 0, readOnlyReason?: string): Promise<TraceRenderSummary> {
    view = await pages.open();
    const { view: traceView, ordered } = buildTraceView(t, readOnlyReason);
    // As the host sends it: the tree and the selected span in one message.
    const message: TraceHostMessage = { type: 'trace', view: traceView, span: spanDetail(ordered[selected]!, selected, ordered[0]!.startTimeNs) };
    // What the page saves for a window reload comes first, as the host sends it.
    await view.post({ type: 'persist', state: { traceId: t.info.traceId } } satisfies TraceHostMessage);
    await view.post(message);
    return (await view.waitFor(rendered((s) => s.traceId === t.info.traceId && s.selectedSpan !== undefined), { what: 'trace rendered' })).summary;
  }

  it('shows the hostile trace’s names, inputs and outputs as text only', async () => {
    const hostile = trace('traces_get_hostile_unicode');
    const summary = await open(hostile);
    const meta = await view.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.strictEqual(meta, contentSecurityPolicy(view.cspSource, view.nonce));
    assert.strictEqual(summary.spans, hostile.spans.length);
    assert.deepStrictEqual(view.savedStates.at(-1), { traceId: hostile.info.traceId }, 'the trace id, for the serializer after a reload');
    assert.strictEqual(await view.page.locator('#trace-name').textContent(), hostile.info.tags['mlflow.traceName']);
    assert.match((await view.page.locator('#trace-name').textContent()) ?? '', /<script>/);
    assert.strictEqual(await view.page.locator('img').count(), 0, 'no markup made from span names or inputs');
    assert.strictEqual(await view.page.locator('script').count(), 1, 'only the panel’s own script');
    const since = view.mark();
    await view.page.locator('.span-row').nth(1).click();
    await view.waitFor(posted('selectSpan', (m) => m.index === 1), { since, what: 'selectSpan 1' });
    const { ordered } = buildTraceView(hostile);
    await view.post({ type: 'span', detail: spanDetail(ordered[1]!, 1, ordered[0]!.startTimeNs) });
    await view.waitFor(rendered((s) => s.selectedSpan === ordered[1]!.name), { what: 'the second span shown' });
    assert.strictEqual(await view.page.locator('img').count(), 0);
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

  it('edits an assessment in place, overrides a feedback, and shows overridden ones as such', async () => {
    const t = trace('traces_get_scratch_with_assessments');
    await open(t);
    const judge = view.page.locator('[data-assessment-id="a-4a798f66aa9d4b8c9fb84a07ad976bcd"]');
    assert.match((await judge.locator('.badge-overridden').textContent()) ?? '', /^overridden by HUMAN reviewer@example\.com: 0\.9$/);
    assert.strictEqual(await judge.locator('.assessment-override').count(), 0, 'an overridden feedback is not overridden again');
    const human = view.page.locator('[data-assessment-id="a-bb3b7d1bc2a446febb7681ed302115ff"]');
    assert.match((await human.locator('.badge-overrides').textContent()) ?? '', /^overrides LLM_JUDGE fake-judge-v1: 0\.25$/);

    const expectation = view.page.locator('[data-assessment-id="a-14485b4f814749b891c7096357a69d5e"]');
    assert.strictEqual(await expectation.locator('.assessment-override').count(), 0, 'expectations are edited, not overridden');
    await expectation.locator('.assessment-edit').click();
    assert.deepStrictEqual(await unnamedControls(view.page), [], 'the edit form’s controls have names');
    assert.strictEqual(await expectation.locator('.edit-value').inputValue(), 'ok, updated', 'the form starts from the current value');
    await expectation.locator('.edit-value').fill('<img src=x onerror=alert(1)>');
    let since = view.mark();
    await expectation.locator('.edit-save').click();
    const edit = await view.waitFor(posted('editAssessment'), { since });
    assert.deepStrictEqual(edit.edit, { assessmentId: 'a-14485b4f814749b891c7096357a69d5e', value: '<img src=x onerror=alert(1)>' });

    const tone = view.page.locator('[data-assessment-id="a-10406f8ed0344099870e6238cd1dab28"]');
    await tone.locator('.assessment-override').click();
    assert.strictEqual(await view.page.locator('.assessment-edit-form').count(), 1, 'one open form at a time');
    await tone.locator('.edit-value').fill('friendly');
    await tone.locator('.edit-rationale').fill('Re-read it.');
    since = view.mark();
    await tone.locator('.edit-save').click();
    const override = await view.waitFor(posted('overrideAssessment'), { since });
    assert.deepStrictEqual(override.edit, { assessmentId: 'a-10406f8ed0344099870e6238cd1dab28', value: 'friendly', rationale: 'Re-read it.' });
    assert.strictEqual(await view.page.locator('img').count(), 0);
    await view.close();

    await open(t, 0, 'This store is read directly from disk.');
    assert.strictEqual(await view.page.locator('.assessment-edit, .assessment-override, .assessment-delete').count(), 0, 'a read-only store offers no edits');
    assert.strictEqual(await view.page.locator('.badge-overridden').count(), 1, 'overridden ones are still shown as such');
  });

  describe('search in the selected span', () => {
    const search = async (query: string): Promise<NonNullable<TraceRenderSummary['search']>> => {
      const since = view.mark();
      await view.page.locator('#span-search').fill(query);
      return (await view.waitFor(rendered((s) => s.search?.query === query), { since, what: `search ${query}` })).summary.search!;
    };

    it('opens the collapsed JSON path to a match, highlights it and steps with next / previous', async () => {
      const t = trace('traces_get_rag_with_assessments');
      const { ordered } = buildTraceView(t);
      await open(t, ordered.findIndex((s) => s.name === 'retrieve'));
      assert.strictEqual(await view.page.locator('#section-outputs details[open]').count(), 1, 'only the top level starts open');
      const found = await search('DOCS.example');
      assert.deepStrictEqual(found, { query: 'DOCS.example', matches: 1, current: 0 });
      const current = view.page.locator('#section-outputs mark.search-hit.current');
      assert.strictEqual(await current.textContent(), 'docs.example', 'the hit keeps the text’s own case');
      assert.ok(await current.isVisible(), 'the path to the match was opened');
      assert.match((await current.locator('xpath=ancestor::div[contains(@class,"json-row")]').textContent()) ?? '', /doc_uri: "https:\/\/docs\.example\.com\/mlflow\.html"/);

      const many = await search('mlflow');
      assert.ok(many.matches >= 4, `${many.matches} matches of mlflow`);
      let since = view.mark();
      await view.page.locator('#search-next').click();
      await view.waitFor(rendered((s) => s.search?.current === 1), { since, what: 'next' });
      since = view.mark();
      await view.page.locator('#search-previous').click();
      await view.page.locator('#search-previous').click();
      await view.waitFor(rendered((s) => s.search?.current === many.matches - 1), { since, what: 'previous wraps to the last' });
      assert.strictEqual(await view.page.locator('mark.search-hit.current').count(), 1);
      assert.strictEqual(await view.page.locator('#search-count').textContent(), `${many.matches} of ${many.matches}`);

      const none = await search('no such text anywhere');
      assert.deepStrictEqual(none, { query: 'no such text anywhere', matches: 0, current: -1 });
      assert.strictEqual(await view.page.locator('mark.search-hit').count(), 0, 'old highlights are gone');
      assert.strictEqual(await view.page.locator('#search-count').textContent(), 'No matches');
    });

    it('finds text in the conversation and in the collapsed messages of the inputs', async () => {
      const t = trace('traces_get_rag_with_assessments');
      const { ordered } = buildTraceView(t);
      await open(t, ordered.findIndex((s) => s.spanType === 'CHAT_MODEL'));
      const found = await search('helpful assistant');
      assert.strictEqual(found.matches, 2, 'the system message in the conversation and in inputs.messages[0].content');
      assert.strictEqual(await view.page.locator('#section-conversation mark.search-hit.current').count(), 1);
      const since = view.mark();
      await view.page.locator('#span-search').press('Enter');
      await view.waitFor(rendered((s) => s.search?.current === 1), { since, what: 'Enter goes to the next match' });
      assert.ok(await view.page.locator('#section-inputs mark.search-hit.current').isVisible());
    });

    it('shows the hostile trace’s matches as text: a search for markup makes no markup', async () => {
      const hostile = trace('traces_get_hostile_unicode');
      await open(hostile);
      const found = await search('<script');
      assert.ok(found.matches >= 1, `${found.matches} matches`);
      assert.ok((await view.page.locator('mark.search-hit').count()) >= 1);
      assert.match((await view.page.locator('mark.search-hit').first().textContent()) ?? '', /<script/i);
      assert.strictEqual(await view.page.locator('script').count(), 1, 'only the panel’s own script');
      assert.strictEqual(await view.page.locator('img').count(), 0);
    });

    it('opens the 200,000-character input whole when a match lies past its preview, and copies a chat message', async () => {
      const t = trace('traces_get_large_inputs_full');
      // The real 200,000 characters repeat one sentence: a word at their end is only past the preview.
      const inputs = t.spans[0]!.attributes['mlflow.spanInputs'] as { document: string };
      t.spans[0]!.attributes['mlflow.spanInputs'] = { ...inputs, document: `${inputs.document} needle-at-the-end` };
      await open(t);
      const found = await search('NEEDLE-at');
      assert.strictEqual(found.matches, 1);
      const full = (await view.page.locator('#section-inputs').textContent()) ?? '';
      assert.ok(full.length > 200_000, `the string was shown whole: ${full.length}`);
      assert.strictEqual(await view.page.locator('#section-inputs mark.search-hit').count() > 0, true);
      await view.close();

      const chat = trace('traces_get_tool_agent_chat_tools');
      const { ordered } = buildTraceView(chat);
      await open(chat, ordered.findIndex((s) => s.spanType === 'CHAT_MODEL'));
      const since = view.mark();
      await view.page.locator('#section-conversation .copy-message').first().click();
      const copied = await view.waitFor(posted('copy'), { since });
      assert.strictEqual(copied.text, spanDetail(ordered[ordered.findIndex((s) => s.spanType === 'CHAT_MODEL')]!, 0, undefined).chat![0]!.content);
    });
  });
});
