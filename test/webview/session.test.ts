import * as assert from 'node:assert';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Trace } from '../../src/mlflow/traceTypes';
import { parseJsonLossless, toSpan, toTraceInfo } from '../../src/mlflow/traceValues';
import type { SessionHostMessage, SessionRenderSummary, SessionWebviewMessage } from '../../src/traces/core/sessionProtocol';
import { turnHeaders, turnOf } from '../../src/traces/core/sessionTurns';
import { unnamedControls } from './accessibility';
import { pageSuite, postedBy, type WebviewPage } from './harness';

/** The session conversation page with real traces (GenAI captures shaped by the real core), its real CSP. */

const CAPTURES = path.resolve(__dirname, '../fixtures/mlflow-3.x/genai-captures');

function trace(name: string): Trace {
  const response = (parseJsonLossless(readFileSync(path.join(CAPTURES, `${name}.json`), 'utf8')) as { response: { trace: { trace_info: unknown; spans: unknown[] } } }).response.trace;
  const info = toTraceInfo(response.trace_info);
  return { info, spans: response.spans.map((s) => toSpan(s, info.traceId)) };
}

const posted = postedBy<SessionWebviewMessage>();
const rendered = (test: (s: SessionRenderSummary) => boolean) => posted('rendered', (m) => test(m.summary));

function sessionMessage(traces: Trace[], session = 'sess-alice-001'): SessionHostMessage {
  return { type: 'session', header: { session, experimentId: '8', users: ['alice@example.com'], truncated: false }, turns: turnHeaders(traces.map((t) => t.info)) };
}

describe('Session conversation webview (built bundle in Chromium, real CSP)', function () {
  const pages = pageSuite('session');
  let view: WebviewPage;

  it('draws each trace as a user and an assistant turn, reads turns when shown, escapes everything, and links to the trace', async () => {
    const first = trace('traces_get_rag_with_assessments');
    const third = trace('traces_get_rag_updated_overridden_deleted_assessments');
    const hostile = trace('traces_get_hostile_unicode');
    const traces = [first, third, hostile];
    view = await pages.open();
    let since = view.mark();
    await view.post(sessionMessage(traces));
    const asked = await view.waitFor(posted('needTurns'), { since, what: 'the shown turns asked for' });
    assert.deepStrictEqual(asked.traceIds, traces.map((t) => t.info.traceId));
    // Until the content arrives, each turn shows the list's previews.
    assert.strictEqual(await view.page.locator('.turn').nth(0).locator('.side-user .content.preview').textContent(), 'What is MLflow?');

    since = view.mark();
    for (const t of traces) await view.post({ type: 'turn', traceId: t.info.traceId, ...turnOf(t) });
    const summary = (await view.waitFor(rendered((s) => s.loaded === 3), { since, what: 'three turns loaded' })).summary;
    assert.deepStrictEqual([summary.session, summary.turns, summary.shown, summary.kinds], ['sess-alice-001', 3, 3, ['chat/chat', 'chat/chat', 'text/chat']]);

    const turn = (i: number) => view.page.locator('.turn').nth(i);
    assert.strictEqual(await turn(0).locator('.side-user .message.role-user .content').textContent(), 'What is MLflow?');
    assert.match((await turn(0).locator('.side-assistant .message.role-assistant .content').textContent()) ?? '', /^MLflow is an open source platform/);
    assert.strictEqual(await turn(1).locator('.side-user .message').count(), 1, 'a later turn shows only its new user message');
    assert.strictEqual(await turn(1).locator('.side-user .content').textContent(), 'Can I version a prompt?');
    assert.ok((await turn(0).locator('.assessment-chip').count()) > 0, 'the turn’s assessments');
    assert.match((await view.page.locator('#session-header').textContent()) ?? '', /Session sess-alice-001.*3 turns.*alice@example\.com/);

    // The hostile trace: its name and request are text; nothing of it became markup or ran.
    assert.match((await turn(2).locator('.turn-name').textContent()) ?? '', /^<script>alert\('trace-name'\)<\/script>/);
    assert.match((await turn(2).locator('.side-user .content').textContent()) ?? '', /^<script>alert\('xss'\)<\/script> "quoted" & <b>bold<\/b>/);
    assert.strictEqual(await view.page.locator('img, b').count(), 0, 'no markup made from trace text');
    assert.strictEqual(await view.page.locator('script').count(), 1, 'only the panel’s own script');

    assert.deepStrictEqual(await unnamedControls(view.page), [], 'every control has a name');
    since = view.mark();
    await turn(1).locator('.open-trace').click();
    assert.strictEqual((await view.waitFor(posted('openTrace'), { since })).traceId, third.info.traceId);
  });

  it('draws a long session in batches and asks only for the turns on screen; a turn that fails to load says why', async () => {
    const template = trace('traces_get_session_turn');
    const many = Array.from({ length: 120 }, (_, i) => ({
      ...template,
      info: { ...template.info, traceId: `tr-${i.toString(16).padStart(32, '0')}`, requestTime: template.info.requestTime + i * 1000 },
    }));
    view = await pages.open({ viewport: { width: 1000, height: 700 } });
    let since = view.mark();
    await view.post(sessionMessage(many, 'sess-long'));
    await view.waitFor(rendered((s) => s.shown === 50 && s.turns === 120), { since, what: 'the first batch drawn' });
    const first = await view.waitFor(posted('needTurns'), { since, what: 'the first screen asked for' });
    assert.ok(first.traceIds.length > 0 && first.traceIds.length < 20, `asked for ${first.traceIds.length} turns, the ones on screen`);
    assert.strictEqual(first.traceIds[0], many[0]!.info.traceId);

    since = view.mark();
    await view.page.locator('#more-turns').click();
    await view.waitFor(rendered((s) => s.shown === 100), { since, what: 'the second batch drawn' });
    since = view.mark();
    await view.page.locator('.turn').nth(99).scrollIntoViewIfNeeded();
    const later = await view.waitFor(posted('needTurns', (m) => m.traceIds.includes(many[99]!.info.traceId)), { since, what: 'the scrolled-to turn asked for' });
    assert.ok(!later.traceIds.includes(many[0]!.info.traceId), 'a turn already asked for is not asked again');

    since = view.mark();
    await view.post({ type: 'turnError', traceId: many[99]!.info.traceId, message: 'MLflow error 404: Trace not found <b>x</b>' });
    await view.waitFor(rendered((s) => s.failed === 1), { since, what: 'the failed turn reported' });
    assert.strictEqual(await view.page.locator('.turn').nth(99).locator('.turn-error').textContent(), 'MLflow error 404: Trace not found <b>x</b>');
  });
});
