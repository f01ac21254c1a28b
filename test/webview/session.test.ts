import * as assert from 'node:assert';
import type { Trace } from '../../src/mlflow/traceTypes';
import type { SessionHostMessage, SessionRenderSummary, SessionWebviewMessage } from '../../src/traces/core/sessionProtocol';
import { turnHeaders, turnOf } from '../../src/traces/core/sessionTurns';
import { unnamedControls } from './accessibility';
import { pageSuite, postedBy, type WebviewPage } from './harness';
import { capturedTrace as trace } from '../support/captureText';

/** The session conversation page with real traces (GenAI captures shaped by the real core), its real CSP. */

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

describe('Session conversation webview: live turns and the saved state', function () {
  const pages = pageSuite('session');

  it('saves the session for a reload, appends new turns below without moving the reader or redrawing the turns read, and shows a failed re-read over them', async () => {
    const template = trace('traces_get_session_turn');
    const turn = (i: number): Trace => ({ ...template, info: { ...template.info, traceId: `tr-${(0x1000 + i).toString(16).padStart(32, '0')}`, requestTime: template.info.requestTime + i * 1000 } });
    const first = Array.from({ length: 16 }, (_, i) => turn(i));
    const view = await pages.open({ viewport: { width: 900, height: 500 } });
    let since = view.mark();
    await view.post({ type: 'persist', state: { experimentId: '8', session: 'sess-live' } });
    await view.post(sessionMessage(first, 'sess-live'));
    for (const t of first) await view.post({ type: 'turn', traceId: t.info.traceId, ...turnOf(t) });
    await view.waitFor(rendered((s) => s.loaded === 16), { since, what: 'sixteen turns read' });
    assert.deepStrictEqual(view.savedStates.at(-1), { experimentId: '8', session: 'sess-live' }, 'what the serializer re-opens the panel from');

    // The reader is somewhere in the middle; every turn drawn so far is marked to tell it from a redrawn one.
    const scroller = async () => view.page.evaluate('({ top: document.scrollingElement.scrollTop, height: document.scrollingElement.scrollHeight, client: document.scrollingElement.clientHeight })') as Promise<{ top: number; height: number; client: number }>;
    await view.page.evaluate('document.scrollingElement.scrollTop = 500; document.querySelectorAll(".turn").forEach((t) => t.setAttribute("data-probe", "before"))');
    const before = await scroller();
    assert.ok(before.height > before.client + 500 && before.top === 500, `the page scrolls (${JSON.stringify(before)})`);
    // What the reader sees: the first turn on screen and where it is in the viewport.
    const onScreen = async () => view.page.evaluate(`(() => { const t = [...document.querySelectorAll('.turn')].find((e) => e.getBoundingClientRect().bottom > 0); return { id: t.dataset.traceId, top: Math.round(t.getBoundingClientRect().top) }; })()`) as Promise<{ id: string; top: number }>;
    const seen = await onScreen();
    assert.ok(seen.id !== turn(0).info.traceId && seen.id !== turn(1).info.traceId, `scrolled past the second turn (${seen.id})`);

    // A live re-read: the app logged a seventeenth turn, and the second turn got an assessment.
    const headers = turnHeaders([...first, turn(16)].map((t) => t.info));
    const assessed = { ...headers[1]!, assessments: ['helpful: true'] };
    since = view.mark();
    await view.post({ type: 'turnsChanged', header: { session: 'sess-live', experimentId: '8', users: ['alice@example.com'], truncated: false }, added: [headers[16]!], updated: [assessed] });
    const grown = (await view.waitFor(rendered((s) => s.turns === 17 && s.shown === 17), { since, what: 'the new turn drawn' })).summary;
    assert.strictEqual(grown.loaded, 16, 'the turns read stay read, the assessed one included');
    const turns = view.page.locator('.turn');
    assert.strictEqual(await turns.nth(16).getAttribute('data-trace-id'), turn(16).info.traceId, 'appended last');
    assert.deepStrictEqual(
      await turns.evaluateAll((items) => items.map((t) => t.getAttribute('data-probe'))),
      [...first.map((_, i) => (i === 1 ? null : 'before')), null],
      'only the assessed turn was redrawn, the others are the same elements',
    );
    assert.strictEqual(await turns.nth(1).locator('.assessment-chip').textContent(), 'helpful: true');
    assert.match((await turns.nth(1).locator('.side-assistant').textContent()) ?? '', /MLflow is an open source platform/, 'its content kept');
    assert.deepStrictEqual(await onScreen(), seen, 'the reader sees the same turn at the same place (the redrawn turn above grew; the page kept its anchor)');
    assert.match((await view.page.locator('#session-header').textContent()) ?? '', /17 turns/);

    // A turn on screen whose trace changed state (it was still running when read): drawn from its listing
    // again and its content asked for anew.
    const index = headers.findIndex((h) => h.traceId === seen.id);
    since = view.mark();
    await view.post({ type: 'turnsChanged', header: { session: 'sess-live', experimentId: '8', users: ['alice@example.com'], truncated: false }, added: [], updated: [{ ...headers[index]!, state: 'ERROR' }] });
    await view.waitFor(posted('needTurns', (m) => m.traceIds.includes(seen.id)), { since, what: 'the changed turn asked for again' });
    const reread = (await view.waitFor(rendered((s) => s.loaded === 15), { since, what: 'the changed turn no longer counted as read' })).summary;
    assert.strictEqual(reread.turns, 17);
    assert.strictEqual(await turns.nth(index).locator('.state').textContent(), 'ERROR');

    since = view.mark();
    await view.post({ type: 'liveStatus', error: 'MLflow error 503: <b>busy</b>' });
    const failed = (await view.waitFor(rendered((s) => s.error !== undefined), { since, what: 'the failed re-read reported' })).summary;
    assert.deepStrictEqual([failed.turns, failed.loaded], [17, 15], 'the turns stay');
    assert.match((await view.page.locator('#notice.error').textContent()) ?? '', /Could not re-read the session.*MLflow error 503: <b>busy<\/b>/);
    assert.strictEqual(await view.page.locator('#notice b').count(), 0, 'the server’s text is text');

    since = view.mark();
    await view.post({ type: 'liveStatus' });
    await view.waitFor(rendered((s) => s.error === undefined && s.turns === 17), { since, what: 'the notice cleared' });
    assert.strictEqual(await view.page.locator('#notice.error').count(), 0);
  });
});
