import assert from 'node:assert/strict';
import * as path from 'node:path';
import { SqliteStore } from '../../src/mlflow/local/sqliteStore';
import type { TraceStore } from '../../src/mlflow/traceStore';
import type { TraceInfo } from '../../src/mlflow/traceTypes';
import { SessionConversation, parseSessionMessage } from '../../src/traces/core/sessionConversation';
import type { SessionHostMessage, TurnContent } from '../../src/traces/core/sessionProtocol';
import { listSessionTraces, mergeSessionTraces, SESSION_PAGE_SIZE } from '../../src/traces/core/sessionTraces';
import { newMessages, requestTurn, responseTurn, turnHeaders, turnOf } from '../../src/traces/core/sessionTurns';
import { useReplayStore } from '../support/replayServer';
import { SQLITE_ENGINE } from '../support/sqliteEngine';
import { capturedTrace } from '../support/captureText';

/**
 * Sessions as a conversation, the pure parts: a trace's request and response as a user and an assistant
 * turn (the shapes of the GenAI captures), every trace of a session from the REST server (exactly the
 * captured session filter) and from the SQLite store (the same answer), and the panel's host session.
 */

const SET = 'mlflow-3.x-genai';
const GENAI_DB = path.resolve(__dirname, '../fixtures/mlflow-3.x/genai-store/mlflow.db');
/** sess-alice-001 in genai-app (experiment 8), oldest first: "What is MLflow?", "How does MLflow tracing work?", "Can I version a prompt?". */
const ALICE = ['tr-1e1301009a4ee5aa9a0cd46ae8b5344a', 'tr-575f671b1a79a4f3fcdabbb264334530', 'tr-9e528e76c7338b32c13b0a4e4bee0d61'];

function texts(content: TurnContent): string[] {
  return content.kind === 'chat' ? content.messages.map((m) => `${m.role}: ${m.content}`) : [];
}

async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('trace sessions: turns of a conversation', () => {
  it('takes the user turn of an OpenAI chat request and the assistant turn of its choices (a session’s first turn)', () => {
    const { request, response } = turnOf(capturedTrace('traces_get_session_turn'));
    assert.deepEqual(texts(request), ['user: How do I evaluate my app with mlflow evaluate?']);
    assert.equal(response.kind, 'chat');
    assert.match(texts(response).join(), /^assistant: MLflow is an open source platform/);
  });

  it('keeps only the new user message of a later turn whose request repeats the conversation so far', () => {
    const trace = capturedTrace('traces_get_rag_updated_overridden_deleted_assessments');
    const { request } = turnOf(trace);
    assert.deepEqual(texts(request), ['user: Can I version a prompt?']);
    assert.deepEqual(
      newMessages([{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hi' }]).map((m) => m.content),
      ['hi'],
      'the system prompt is not the user’s turn',
    );
    assert.deepEqual(newMessages([{ role: 'system', content: 'only this' }]).map((m) => m.content), ['only this']);
  });

  it('shows tool calls of the assistant and plain strings and one-string dicts as text', () => {
    const tool = turnOf(capturedTrace('traces_get_tool_agent_chat_tools'));
    assert.deepEqual(texts(tool.request), ["user: What's the weather in Paris?"]);
    assert.match(texts(tool.response).join(), /sunny, 21°C/);

    const prompted = turnOf(capturedTrace('traces_get_model_linked_prompt'));
    assert.deepEqual(prompted.request, { kind: 'text', text: 'What is the prompt registry?', label: 'question' });
    assert.deepEqual(prompted.response, { kind: 'text', text: 'The MLflow Prompt Registry versions prompt templates and lets you alias versions.' });

    const streaming = turnOf(capturedTrace('traces_get_streaming_chunk_events'));
    assert.deepEqual(streaming.request, { kind: 'text', text: 'tell me a story about MLflow', label: 'prompt' });
    assert.deepEqual(streaming.response, { kind: 'text', text: 'Streaming answer for: tell me a story abou' });
  });

  it('shows other dicts as JSON, a failed trace’s missing response as none, and hostile text as it is', () => {
    const manual = turnOf(capturedTrace('traces_get_manual_spans_attribute_types'));
    assert.equal(manual.request.kind, 'json');
    assert.deepEqual(manual.request.kind === 'json' && manual.request.value, { question: 'manual spans via mlflow.start_span', flags: [1, 2.5, true, null] });
    assert.deepEqual(manual.response, { kind: 'text', text: 'manual answer', label: 'answer' });

    const failed = turnOf(capturedTrace('traces_get_error_trace'));
    assert.deepEqual(texts(failed.request), ["user: What's the weather in Atlantis?"]);
    assert.deepEqual(failed.response, { kind: 'none' });

    const hostile = turnOf(capturedTrace('traces_get_hostile_unicode'));
    assert.equal(hostile.request.kind, 'text');
    assert.match(hostile.request.kind === 'text' ? hostile.request.text : '', /^<script>alert\('xss'\)<\/script>/);

    assert.deepEqual(requestTurn({ n_docs: 66 }), { kind: 'json', value: { n_docs: 66 } });
    assert.deepEqual(requestTurn(null), { kind: 'none' });
    assert.deepEqual(requestTurn({ input: [{ role: 'user', content: 'responses api' }] }), { kind: 'chat', messages: [{ role: 'user', content: 'responses api' }] });
    assert.deepEqual(responseTurn({ messages: [{ role: 'assistant', content: 'agent says' }] }), { kind: 'chat', messages: [{ role: 'assistant', content: 'agent says' }] });
  });

  it('falls back to the list’s previews for a trace without spans', () => {
    const trace = capturedTrace('traces_get_session_turn');
    const { request, response } = turnOf({ info: trace.info, spans: [] });
    assert.equal(request.kind, 'text');
    assert.equal(request.kind === 'text' && request.text, trace.info.requestPreview);
    assert.equal(response.kind === 'text' && response.text, trace.info.responsePreview);
  });
});

describe('trace sessions: every trace of a session', () => {
  const { replay, store } = useReplayStore(SET);
  let sqlite: SqliteStore;
  before(async () => {
    sqlite = await SqliteStore.open(GENAI_DB, { engine: SQLITE_ENGINE });
  });
  after(() => sqlite?.dispose());

  it('asks the server with MLflow’s session filter (the captured request) and lists the turns oldest first', async () => {
    const { traces, truncated } = await replay().expect(['traces_search_filter_session_metadata_backticks'], () => listSessionTraces(store().traces!, '8', 'sess-alice-001'));
    assert.deepEqual(traces.map((t) => t.traceId), ALICE);
    assert.equal(truncated, false);
  });

  it('gets the same answer from the SQLite store, page after page, and stops at the cap with the newest turns', async () => {
    const local = sqlite.traces!;
    assert.deepEqual((await listSessionTraces(local, '8', 'sess-alice-001')).traces.map((t) => t.traceId), ALICE);
    // One trace per page: the store's own page tokens carry the listing through all three.
    let requests = 0;
    const onePerPage: TraceStore = Object.create(local, {
      searchTraces: { value: (query: Parameters<TraceStore['searchTraces']>[0]) => (requests++, local.searchTraces({ ...query, maxResults: 1 })) },
    }) as TraceStore;
    assert.deepEqual((await listSessionTraces(onePerPage, '8', 'sess-alice-001')).traces.map((t) => t.traceId), ALICE);
    assert.equal(requests, 3);
    const capped = await listSessionTraces(onePerPage, '8', 'sess-alice-001', { max: 2 });
    assert.deepEqual([capped.traces.map((t) => t.traceId), capped.truncated], [ALICE.slice(1), true]);
  });

  it('ANDs the view’s filter, and finds nothing for an unknown session', async () => {
    const local = sqlite.traces!;
    assert.deepEqual((await listSessionTraces(local, '8', 'sess-alice-001', { filter: "tags.turn = '2'" })).traces.map((t) => t.traceId), [ALICE[1]]);
    assert.deepEqual((await listSessionTraces(local, '8', 'no-such-session')).traces, []);
  });

  it('makes a turn per trace from the list alone: previews, assessments, tokens', async () => {
    const { traces } = await listSessionTraces(sqlite.traces!, '8', 'sess-alice-001');
    const headers = turnHeaders(traces);
    assert.deepEqual(headers.map((h) => [h.index, h.requestPreview]), [[0, 'What is MLflow?'], [1, 'How does MLflow tracing work?'], [2, 'Can I version a prompt?']]);
    assert.ok(headers[0]!.assessments.length > 0, 'the first turn carries assessments');
    assert.equal(headers[0]!.user, 'alice@example.com');
  });
});

describe('trace sessions: the conversation panel’s host session', () => {
  let sqlite: SqliteStore;
  before(async () => {
    sqlite = await SqliteStore.open(GENAI_DB, { engine: SQLITE_ENGINE });
  });
  after(() => sqlite?.dispose());

  function open(store: () => TraceStore | undefined) {
    const posted: SessionHostMessage[] = [];
    const opened: string[] = [];
    const errors: string[] = [];
    const session = new SessionConversation(
      { post: (m) => posted.push(m), copy: () => undefined, openTrace: (id) => opened.push(id), setTitle: () => undefined, log: { error: (e) => errors.push(e) } },
      { experimentId: '8', session: 'sess-alice-001' },
      store,
    );
    return { session, posted, opened, errors };
  }

  it('sends the turns once ready, reads a turn’s trace only when the page asks, and opens only the session’s traces', async () => {
    const { session, posted, opened } = open(() => sqlite.traces);
    await session.loaded;
    session.receive({ type: 'ready' });
    const list = posted.find((m): m is Extract<SessionHostMessage, { type: 'session' }> => m.type === 'session');
    assert.deepEqual(list?.turns.map((t) => t.traceId), ALICE);
    assert.equal(posted.filter((m) => m.type === 'turn').length, 0, 'no trace read before the page shows a turn');

    session.receive({ type: 'needTurns', traceIds: [ALICE[2], 'tr-00000000000000000000000000000000'] });
    await waitFor(() => posted.some((m) => m.type === 'turn' || m.type === 'turnError'));
    const turns = posted.filter((m): m is Extract<SessionHostMessage, { type: 'turn' }> => m.type === 'turn');
    assert.deepEqual(turns.map((t) => t.traceId), [ALICE[2]], 'an id outside the session is not read');
    assert.deepEqual(texts(turns[0]!.request), ['user: Can I version a prompt?']);

    session.receive({ type: 'openTrace', traceId: 'tr-00000000000000000000000000000000' });
    session.receive({ type: 'openTrace', traceId: ALICE[0] });
    assert.deepEqual(opened, [ALICE[0]]);

    // A reloaded page gets the list and the turns already read, without reading them again.
    posted.length = 0;
    session.receive({ type: 'ready' });
    assert.deepEqual(posted.map((m) => m.type), ['persist', 'session', 'turn']);
    session.dispose();
  });

  it('says when there is no store, and drops messages of another shape', async () => {
    const { session, posted, errors } = open(() => undefined);
    await session.loaded;
    session.receive({ type: 'ready' });
    assert.deepEqual(posted.at(-1), { type: 'error', message: 'Not connected to an MLflow tracking store.' });
    session.receive({ type: 'needTurns', traceIds: [1] });
    assert.equal(errors.length, 1);
    assert.equal(parseSessionMessage({ type: 'openTrace', traceId: 7 }), undefined);
    assert.deepEqual(parseSessionMessage({ type: 'needTurns', traceIds: ['tr-1'] }), { type: 'needTurns', traceIds: ['tr-1'] });
    session.dispose();
  });
});

describe('trace sessions: the live conversation (new turns merged in place)', () => {
  let sqlite: SqliteStore;
  let listed: TraceInfo[];
  before(async () => {
    sqlite = await SqliteStore.open(GENAI_DB, { engine: SQLITE_ENGINE });
    listed = (await listSessionTraces(sqlite.traces!, '8', 'sess-alice-001')).traces;
  });
  after(() => sqlite?.dispose());

  /** A trace of the session logged later: the last turn's listing under a new id and a later time. */
  function laterTurn(n: number, overrides: Partial<TraceInfo> = {}): TraceInfo {
    const last = listed.at(-1)!;
    return { ...last, traceId: `tr-${(0xabc00 + n).toString(16).padStart(32, '0')}`, requestTime: last.requestTime + n * 1_000, ...overrides };
  }

  it('appends new traces after the known turns and updates the ones whose listing changed, in place', () => {
    const finished = { ...listed[1]!, assessments: [] };
    const newer = [laterTurn(2), laterTurn(1)];
    const merge = mergeSessionTraces(listed, [finished, listed[2]!, ...newer], false);
    assert.deepEqual(merge.traces.map((t) => t.traceId), [...ALICE, laterTurn(1).traceId, laterTurn(2).traceId], 'known turns stay where they were; new ones oldest first after them');
    assert.deepEqual(merge.added.map((t) => t.traceId), [laterTurn(1).traceId, laterTurn(2).traceId]);
    assert.deepEqual(merge.updated.map((t) => t.traceId), [ALICE[1]], 'the turn whose assessments changed');
    assert.equal(merge.traces[1], finished);
    assert.equal(merge.traces[0], listed[0], 'a turn the re-read did not list (older than its page) stays as it was');
    assert.equal(merge.gap, false);

    const same = mergeSessionTraces(listed, listed.slice(1), true);
    assert.deepEqual([same.added, same.updated, same.gap], [[], [], false], 'nothing new: nothing to send');
    // A full page of nothing but new traces may not reach the known turns: the caller reads every page then.
    assert.equal(mergeSessionTraces(listed, [laterTurn(1), laterTurn(2)], true).gap, true);
    assert.equal(mergeSessionTraces(listed, [listed[2]!, laterTurn(1)], true).gap, false, 'the page reaches a known turn');
  });

  function open(store: () => TraceStore | undefined) {
    const posted: SessionHostMessage[] = [];
    const session = new SessionConversation(
      { post: (m) => posted.push(m), copy: () => undefined, openTrace: () => undefined, setTitle: () => undefined, log: { error: () => undefined } },
      { experimentId: '8', session: 'sess-alice-001' },
      store,
    );
    return { session, posted };
  }

  /** The SQLite store, with traces an app logged since and a switch to make the server fail. */
  function liveStore() {
    const local = sqlite.traces!;
    const extra: TraceInfo[] = [];
    const state = { failing: false, searches: 0 };
    const store: TraceStore = Object.create(local, {
      searchTraces: {
        value: async (query: Parameters<TraceStore['searchTraces']>[0]) => {
          state.searches++;
          if (state.failing) throw new Error('MLflow server answered 503 Service Unavailable');
          // Newest first, paged by offset as a server pages: the app's traces before the store's own.
          const stored = await local.searchTraces({ ...query, pageToken: undefined, maxResults: 500 });
          const all = [...[...extra].reverse(), ...stored.items];
          const offset = query.pageToken ? Number(query.pageToken) : 0;
          const size = query.maxResults ?? 100;
          return { items: all.slice(offset, offset + size), nextPageToken: offset + size < all.length ? String(offset + size) : undefined };
        },
      },
    }) as TraceStore;
    return { store, extra, state };
  }

  it('sends only the new turn on a live re-read, keeps the turns read, and shows a failed re-read as a notice over them', async () => {
    const { store, extra, state } = liveStore();
    const { session, posted } = open(() => store);
    await session.loaded;
    session.receive({ type: 'ready' });
    assert.deepEqual(posted.map((m) => m.type), ['persist', 'session']);
    assert.deepEqual(posted[0], { type: 'persist', state: { experimentId: '8', session: 'sess-alice-001' } }, 'the page saves what re-opens the panel');
    session.receive({ type: 'needTurns', traceIds: [ALICE[0]] });
    await waitFor(() => posted.some((m) => m.type === 'turn'));

    posted.length = 0;
    await session.refreshLive();
    assert.equal(posted.length, 0, 'nothing new, nothing sent');

    const added = laterTurn(1);
    extra.push(added);
    await session.refreshLive();
    assert.deepEqual(posted.map((m) => m.type), ['turnsChanged'], 'no full re-send: the page keeps what it drew');
    const changed = posted.find((m): m is Extract<SessionHostMessage, { type: 'turnsChanged' }> => m.type === 'turnsChanged')!;
    assert.deepEqual(changed.added.map((t) => [t.index, t.traceId]), [[3, added.traceId]]);
    assert.deepEqual(changed.updated, []);
    assert.deepEqual(session.traceIds, [...ALICE, added.traceId]);

    state.failing = true;
    posted.length = 0;
    await assert.rejects(session.refreshLive(), /503/, 'thrown, so the timer backs off');
    assert.deepEqual(posted.slice(), [{ type: 'liveStatus', error: 'MLflow server answered 503 Service Unavailable' }]);
    assert.deepEqual(session.traceIds, [...ALICE, added.traceId], 'the turns stay');

    // A page reloaded meanwhile gets the turns, the one it read, and the notice.
    posted.length = 0;
    session.receive({ type: 'ready' });
    assert.deepEqual(posted.map((m) => m.type), ['persist', 'session', 'turn', 'liveStatus']);

    state.failing = false;
    posted.length = 0;
    await session.refreshLive();
    assert.deepEqual(posted.slice(), [{ type: 'liveStatus' }], 'the notice goes when a re-read works again');
    session.dispose();
  });

  it('reads a turn again when its trace finished since it was read, and lists the first turns of a session that had none', async () => {
    const { store, extra } = liveStore();
    const running = laterTurn(1, { state: 'IN_PROGRESS', executionDurationMs: undefined });
    extra.push(running);
    const { session, posted } = open(() => store);
    await session.loaded;
    session.receive({ type: 'ready' });
    extra[0] = { ...running, state: 'OK', executionDurationMs: 1200 };
    posted.length = 0;
    await session.refreshLive();
    const changed = posted[0] as Extract<SessionHostMessage, { type: 'turnsChanged' }>;
    assert.deepEqual([changed.added, changed.updated.map((t) => [t.traceId, t.state])], [[], [[running.traceId, 'OK']]]);
    session.dispose();

    // No trace of the session yet when the panel opened: the first ones arrive as the whole listing.
    let logged: TraceInfo[] = [];
    const empty: TraceStore = Object.create(sqlite.traces!, {
      searchTraces: { value: async () => ({ items: [...logged], nextPageToken: undefined }) },
    }) as TraceStore;
    const fresh = open(() => empty);
    await fresh.session.loaded;
    fresh.session.receive({ type: 'ready' });
    assert.equal(fresh.posted.at(-1)?.type, 'error');
    logged = [laterTurn(3)];
    fresh.posted.length = 0;
    await fresh.session.refreshLive();
    const list = fresh.posted.find((m): m is Extract<SessionHostMessage, { type: 'session' }> => m.type === 'session');
    assert.deepEqual(list?.turns.map((t) => t.traceId), [laterTurn(3).traceId]);
    fresh.session.dispose();

    // The server was down when the panel opened; back up, the session has no trace yet: the panel says that instead.
    let down = true;
    const recovering: TraceStore = Object.create(sqlite.traces!, {
      searchTraces: { value: async () => (down ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5000')) : { items: [], nextPageToken: undefined }) },
    }) as TraceStore;
    const waiting = open(() => recovering);
    await waiting.session.loaded;
    waiting.session.receive({ type: 'ready' });
    assert.match(JSON.stringify(waiting.posted.at(-1)), /ECONNREFUSED/);
    down = false;
    await waiting.session.refreshLive();
    assert.deepEqual(waiting.posted.at(-1), { type: 'error', message: 'No traces of session sess-alice-001 in this experiment.' });
    waiting.posted.length = 0;
    await waiting.session.refreshLive();
    assert.equal(waiting.posted.length, 0, 'said once');
    waiting.session.dispose();
  });

  it('reads every page when more turns arrived than one re-read page holds', async () => {
    const { store, extra, state } = liveStore();
    const { session, posted } = open(() => store);
    await session.loaded;
    session.receive({ type: 'ready' });
    for (let i = 1; i <= SESSION_PAGE_SIZE + 1; i++) extra.push(laterTurn(i));
    posted.length = 0;
    state.searches = 0;
    await session.refreshLive();
    const changed = posted.find((m): m is Extract<SessionHostMessage, { type: 'turnsChanged' }> => m.type === 'turnsChanged')!;
    assert.equal(changed.added.length, SESSION_PAGE_SIZE + 1, 'none of them skipped');
    assert.deepEqual(session.traceIds.slice(0, 3), ALICE, 'appended after the turns shown');
    assert.ok(state.searches >= 3, `the newest page, then every page (${state.searches} searches)`);
    session.dispose();
  });
});
