import assert from 'node:assert/strict';
import type { TraceStore } from '../../src/mlflow/traceStore';
import type { TraceHostMessage } from '../../src/traces/core/protocol';
import { TraceSession, parseTraceMessage } from '../../src/traces/core/traceSession';
import { filterValue, groupBySession, sessionFilter, summarizeTrace, traceDescription } from '../../src/traces/core/traceSummary';
import { attachmentsIn, buildTraceView, chatOf, parseDraft, spanDetail } from '../../src/traces/core/traceView';
import { parseJsonLossless, quoteBigIntegers, toSpan } from '../../src/mlflow/spanValues';
import { useReplayStore } from '../support/replayServer';

/** The trace panel's pure parts: list rows, the span tree and timeline, chat, drafts, the session. */

const SET = 'mlflow-3.x-genai';

/** Waits on a condition (the session answers a webview message asynchronously). */
async function waitFor(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('traces core', () => {
  const { replay, store } = useReplayStore(SET);
  const traces = (): TraceStore => store().traces!;

  it('keeps integers past 2^53 exact and leaves strings and small numbers alone', () => {
    const text = '{"a": 1796550034244691747, "b": "1796550034244691747 \\" 9007199254740993", "c": [1, -2.5e3, 9007199254740993], "d": 123}';
    assert.deepEqual(parseJsonLossless(text), { a: '1796550034244691747', b: '1796550034244691747 " 9007199254740993', c: [1, -2500, '9007199254740993'], d: 123 });
    assert.equal(quoteBigIntegers('{"x": 12}'), '{"x": 12}');
  });

  it('quotes span times by key, falls back to the full scan for other big integers, and leaves look-alikes in strings alone', () => {
    const doc = '{"spans": [{"start_time_unix_nano": 1796550034244691747, "end_time_unix_nano":1796550034244691999 , "events": [{"time_unix_nano": 1796550034244691800}],'
      + ' "attributes": [{"key": "n", "value": {"int_value": 9007199254740993}}, {"key": "s", "value": {"string_value": "\\"start_time_unix_nano\\": 1796550034244691747 and 12345678901234567"}}]}]}';
    assert.deepEqual(parseJsonLossless(doc), {
      spans: [{
        start_time_unix_nano: '1796550034244691747',
        end_time_unix_nano: '1796550034244691999',
        events: [{ time_unix_nano: '1796550034244691800' }],
        attributes: [{ key: 'n', value: { int_value: '9007199254740993' } }, { key: 's', value: { string_value: '"start_time_unix_nano": 1796550034244691747 and 12345678901234567' } }],
      }],
    });
    // Without another big integer the keyed replace alone answers; a string that only looks like one stays text.
    assert.deepEqual(parseJsonLossless('{"time_unix_nano": 1796550034244691747, "t": "x 1796550034244691747"}'), { time_unix_nano: '1796550034244691747', t: 'x 1796550034244691747' });
  });

  it('finds a big integer right after a bracket or a colon, and leaves the long digits of a fraction a number', () => {
    assert.deepEqual(parseJsonLossless('{"a":[9007199254740993],"b":9007199254740995,"c":0.12345678901234567,"d":"12345678901234567"}'), {
      a: ['9007199254740993'],
      b: '9007199254740995',
      c: 0.12345678901234567,
      d: '12345678901234567',
    });
    assert.deepEqual(parseJsonLossless('{"c":0.12345678901234567,"observed_time_unix_nano":1796550034244691747}'), { c: 0.12345678901234567, observed_time_unix_nano: '1796550034244691747' });
  });

  it('decodes a span’s inputs and outputs on first read, to the same values as the eager decode', async () => {
    const raw = { span_id: 'gRqHDDYGfEQ=', name: 's', start_time_unix_nano: '1', attributes: [
      { key: 'mlflow.spanInputs', value: { kvlist_value: { values: [{ key: 'q', value: { string_value: 'hi' } }] } } },
      { key: 'mlflow.spanOutputs', value: { array_value: { values: [{ int_value: 1 }, {}] } } },
      { key: 'mlflow.spanType', value: { string_value: 'TOOL' } },
    ] };
    const span = toSpan(raw);
    assert.deepEqual(Object.keys(span.attributes), ['mlflow.spanInputs', 'mlflow.spanOutputs', 'mlflow.spanType']);
    assert.deepEqual(span.attributes['mlflow.spanInputs'], { q: 'hi' });
    assert.deepEqual(span.attributes, { 'mlflow.spanInputs': { q: 'hi' }, 'mlflow.spanOutputs': [1, null], 'mlflow.spanType': 'TOOL' });
    assert.equal(span.attributes['mlflow.spanInputs'], span.attributes['mlflow.spanInputs'], 'decoded once, then kept');
    const attributes: Record<string, unknown> = toSpan(raw).attributes;
    attributes['mlflow.spanOutputs'] = 'replaced';
    assert.equal(attributes['mlflow.spanOutputs'], 'replaced', 'a write before the first read wins');
    const dict = toSpan({ span_id: 'gRqHDDYGfEQ=', name: 's', attributes: { 'mlflow.spanInputs': '{"t": 1796550034244691747}', 'mlflow.spanOutputs': 'not json' } });
    assert.deepEqual(dict.attributes, { 'mlflow.spanInputs': { t: '1796550034244691747' }, 'mlflow.spanOutputs': 'not json' });
  });

  it('summarises a trace for its list row: tokens, session, user, assessments', async () => {
    const trace = await replay().expect(['traces_get_rag_with_assessments'], () => traces().getTrace('tr-1e1301009a4ee5aa9a0cd46ae8b5344a'));
    const summary = summarizeTrace(trace.info);
    assert.equal(summary.name, 'support_agent');
    assert.equal(summary.session, 'sess-alice-001');
    assert.equal(summary.user, 'alice@example.com');
    assert.ok(summary.tokens?.total && summary.tokens.total > 0);
    assert.ok(summary.assessments.includes('helpful: true'), summary.assessments.join());
    assert.match(traceDescription(summary), /^\d+ms · \d+ tok · /);
  });

  it('builds the span tree depth-first with exact offsets for the 199-span trace', async () => {
    const trace = await replay().expect(['traces_get_many_spans_full'], () => traces().getTrace('tr-052545c0158896f1edf49cfd6789e4a0'));
    const { view, ordered } = buildTraceView(trace);
    assert.equal(view.spans.length, 199);
    assert.equal(view.spans[0]!.depth, 0);
    assert.equal(view.spans[0]!.startMs, 0);
    for (const row of view.spans.slice(1)) {
      const parent = view.spans[row.parentIndex!]!;
      assert.equal(row.depth, parent.depth + 1);
      assert.ok(row.index > parent.index, 'a child comes after its parent');
      assert.ok(row.startMs >= parent.startMs, 'a child starts within its parent');
    }
    // The offset is the exact ns difference: a double of each time would be off by up to 256 ns.
    const child = ordered[1]!;
    const expected = Number(BigInt(child.startTimeNs) - BigInt(ordered[0]!.startTimeNs)) / 1e6;
    assert.equal(view.spans[1]!.startMs, expected);
    assert.ok(view.extentMs >= view.spans[0]!.durationMs);
  });

  it('marks ERROR spans and exception events', async () => {
    const trace = await replay().expect(['traces_get_error_trace'], () => traces().getTrace('tr-873a8f64a37a38e7e62b221cb35491ba'));
    const { view, ordered } = buildTraceView(trace);
    const failing = view.spans.filter((s) => s.status === 'ERROR');
    assert.deepEqual(failing.map((s) => s.name).sort(), ['get_weather', 'weather_agent']);
    assert.ok(failing.every((s) => s.hasException));
    const detail = spanDetail(ordered[failing[0]!.index]!, failing[0]!.index, ordered[0]!.startTimeNs);
    const exception = detail.events.find((e) => e.isException)!;
    assert.ok(exception.attributes.some(([k, v]) => k === 'exception.type' && v === 'ValueError'));
  });

  it('renders a tool-calling chat span as a conversation with tool calls', async () => {
    const trace = await replay().expect(['traces_get_tool_agent_chat_tools'], () => traces().getTrace('tr-de222485da0d338798921efc01159fdc'));
    const { ordered } = buildTraceView(trace);
    const index = ordered.findIndex((s) => s.spanType === 'CHAT_MODEL');
    const detail = spanDetail(ordered[index]!, index, ordered[0]!.startTimeNs);
    assert.ok(detail.chat && detail.chat.length >= 2);
    assert.equal(detail.chat.at(-1)!.role, 'assistant');
    assert.ok(detail.chat.some((m) => m.toolCalls && m.toolCalls.length > 0), JSON.stringify(detail.chat));
    assert.ok(detail.tokens?.total);
    assert.ok(!detail.attributes.some(([k]) => k === 'mlflow.spanInputs'));
    assert.equal(chatOf({ prompt: 'x' }, {}), undefined);
  });

  it('finds attachment references', () => {
    const refs = attachmentsIn({ image: 'mlflow-attachment://02cd5e1f-3c16-4380-8ac1-66018de9c887?content_type=image%2Fpng&trace_id=tr-463f&size=166' });
    assert.deepEqual(refs, [{ id: '02cd5e1f-3c16-4380-8ac1-66018de9c887', contentType: 'image/png', size: 166 }]);
    assert.deepEqual(attachmentsIn('mlflow-attachment://../../etc/passwd'), []);
  });

  it('parses a reviewer’s draft into typed values and refuses incomplete ones', () => {
    assert.deepEqual(parseDraft({ kind: 'feedback', name: ' helpful ', value: 'true', rationale: ' ok ' }), { kind: 'feedback', name: 'helpful', value: true, rationale: 'ok' });
    assert.equal(parseDraft({ kind: 'feedback', name: 'score', value: '0.8' }).value, 0.8);
    assert.deepEqual(parseDraft({ kind: 'expectation', name: 'facts', value: '["a"]' }).value, ['a']);
    assert.equal(parseDraft({ kind: 'expectation', name: 'answer', value: 'Paris, France' }).value, 'Paris, France');
    assert.throws(() => parseDraft({ kind: 'feedback', name: '', value: 'true' }), /needs a name/);
    assert.throws(() => parseDraft({ kind: 'feedback', name: 'x', value: '  ' }), /needs a value/);
    assert.throws(() => parseDraft({ kind: 'feedback', name: 'x', value: '1', spanId: '../x' }), /Invalid span id/);
  });

  it('drops webview messages of unknown shape', () => {
    assert.equal(parseTraceMessage({ type: 'selectSpan', index: -1 }), undefined);
    assert.equal(parseTraceMessage({ type: 'openAttachment', attachment: { id: '../x', contentType: 'a' } }), undefined);
    assert.equal(parseTraceMessage({ type: 'addAssessment', draft: { kind: 'other', name: 'a', value: 'b' } }), undefined);
    assert.deepEqual(parseTraceMessage({ type: 'selectSpan', index: 3 }), { type: 'selectSpan', index: 3 });
  });

  it('groups traces into sessions, turns oldest first, most recent session first', async () => {
    const page = await replay().expect(['traces_search_all'], () => traces().searchTraces({ experimentIds: ['8'], maxResults: 100 }));
    const groups = groupBySession(page.items);
    assert.deepEqual(groups.map((g) => [g.session, g.traceIds.length, g.users]).sort(), [
      ['sess-alice-001', 3, ['alice@example.com']],
      ['sess-bob-002', 2, ['bob@example.com']],
    ]);
    const last = groups.map((g) => g.lastRequestTime);
    assert.deepEqual(last, [...last].sort((a, b) => b - a), 'most recently active session first');
    for (const group of groups) {
      const times = group.traceIds.map((id) => page.items.find((t) => t.traceId === id)!.requestTime);
      assert.deepEqual(times, [...times].sort((a, b) => a - b));
    }
    assert.equal(sessionFilter("s'1"), "metadata.`mlflow.trace.session` = 's1'");
  });

  it('quotes filter values', () => {
    assert.equal(filterValue("it's"), "'its'");
  });

  it('session: sends the tree after ready, one span on request, and adds an expectation then reloads', async () => {
    const posted: TraceHostMessage[] = [];
    const changed: string[] = [];
    const scratch = 'tr-4fa588e721aa33c4c92898b2e2919153';
    const session = await replay().expect(['traces_get_scratch_with_assessments'], async () => {
      const s = new TraceSession(
        {
          post: (m) => posted.push(m),
          copy: () => undefined,
          openAttachment: () => undefined,
          setTitle: () => undefined,
          openSource: () => Promise.resolve(undefined),
          changed: (id) => changed.push(id),
          log: { error: (m) => assert.fail(m) },
        },
        scratch,
        { store: () => traces(), reviewer: () => 'reviewer@example.com' },
      );
      await s.loaded;
      return s;
    });
    assert.equal(posted.length, 0, 'nothing is posted before ready');
    session.receive({ type: 'ready' });
    assert.deepEqual(posted.map((m) => m.type), ['persist', 'trace'], 'what the page saves for a reload, then the tree and the selected span in one message');
    assert.deepEqual(posted[0], { type: 'persist', state: { traceId: scratch } });
    assert.equal(posted[1]?.type === 'trace' ? posted[1].span?.index : undefined, 0);
    session.receive({ type: 'selectSpan', index: 1 });
    assert.equal(posted.at(-1)?.type, 'span');
    await replay().expect(['assessments_create_expectation_text', 'traces_get_scratch_with_assessments'], () =>
      session.addAssessment({ kind: 'expectation', name: 'expected_response', value: 'ok' }),
    );
    assert.deepEqual(changed, [scratch]);
    assert.ok(posted.some((m) => m.type === 'assessmentResult' && m.ok));
    session.dispose();
  });

  it('session: edits an expectation in place and overrides a judge’s feedback with MLflow’s own requests', async () => {
    const posted: TraceHostMessage[] = [];
    const scratch = 'tr-4fa588e721aa33c4c92898b2e2919153';
    const session = await replay().expect(['traces_get_scratch_with_assessments'], async () => {
      const s = new TraceSession(
        { post: (m) => posted.push(m), copy: () => undefined, openAttachment: () => undefined, setTitle: () => undefined, openSource: () => Promise.resolve(undefined), changed: () => undefined, log: { error: (m) => assert.fail(m) } },
        scratch,
        { store: () => traces(), reviewer: () => 'reviewer@example.com' },
      );
      await s.loaded;
      return s;
    });
    session.receive({ type: 'ready' });
    const view = posted.find((m): m is Extract<TraceHostMessage, { type: 'trace' }> => m.type === 'trace')!.view;
    const judge = view.assessments.find((a) => a.assessmentId === 'a-4a798f66aa9d4b8c9fb84a07ad976bcd')!;
    assert.equal(judge.valid, false);
    assert.equal(judge.overriddenBy, 'a-bb3b7d1bc2a446febb7681ed302115ff', 'the overridden one names the one that replaced it');

    // The expectation edit is the PATCH MLflow's client sends (update_mask "expectation").
    const edit = parseTraceMessage({ type: 'editAssessment', edit: { assessmentId: 'a-14485b4f814749b891c7096357a69d5e', value: 'ok, updated' } });
    assert.ok(edit);
    await replay().expect(['assessments_update_expectation', 'traces_get_scratch_with_assessments'], async () => {
      session.receive(edit);
      await waitFor(() => posted.filter((m) => m.type === 'trace').length >= 2);
    });
    assert.ok(posted.some((m) => m.type === 'assessmentResult' && m.ok));

    // The override is the web UI's request: same name, HUMAN reviewer, `overrides` = the judge's id.
    await replay().expect(['assessments_create_override_ui', 'traces_get_scratch_with_assessments'], () =>
      session.overrideAssessment({ assessmentId: 'a-4a798f66aa9d4b8c9fb84a07ad976bcd', value: '0.9', rationale: 'Human override.' }),
    );

    // An expectation cannot be overridden; an id that is not on the trace is refused; neither sends anything.
    posted.length = 0;
    await replay().expect([], () => session.overrideAssessment({ assessmentId: 'a-14485b4f814749b891c7096357a69d5e', value: '1' }));
    await replay().expect([], () => session.editAssessment({ assessmentId: 'a-00000000000000000000000000000000', value: '1' }));
    await replay().expect([], () => session.editAssessment({ assessmentId: 'a-14485b4f814749b891c7096357a69d5e', value: '  ' }));
    assert.deepEqual(
      posted.map((m) => (m.type === 'assessmentResult' ? m.message : m.type)),
      ['Only feedback can be overridden; edit an expectation instead.', 'That assessment is not on this trace.', 'An assessment needs a value.'],
    );
    assert.equal(parseTraceMessage({ type: 'overrideAssessment', edit: { assessmentId: 'a-1', value: 3 } }), undefined);
    session.dispose();
  });
});
