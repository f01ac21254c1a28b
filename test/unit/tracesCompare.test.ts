import assert from 'node:assert/strict';
import type { TraceCompareHostMessage } from '../../src/traces/core/compareProtocol';
import { TEXT_LIMIT, buildCompareView, compareSpanTrees } from '../../src/traces/core/traceCompare';
import { TraceCompareSession, parseCompareMessage } from '../../src/traces/core/traceCompareSession';
import type { Trace } from '../../src/mlflow/traceTypes';
import { useReplayStore } from '../support/replayServer';
import { capturedTrace as trace } from '../support/captureText';

/** Compare Traces: two real traces' span trees merged by path, differences per row, the session. */

describe('Compare Traces core', () => {
  const { replay, store } = useReplayStore('mlflow-3.x-genai');

  it('pairs the tool agent that worked with the one whose tool failed, span by span', () => {
    const rows = compareSpanTrees(trace('traces_get_tool_agent_chat_tools').spans, trace('traces_get_error_trace').spans);
    assert.deepEqual(
      rows.map((r) => [r.depth, r.name, r.left !== undefined, r.right !== undefined, r.differences]),
      [
        [0, 'weather_agent', true, true, ['status', 'inputs', 'outputs']],
        [1, 'ChatOpenAI', true, true, ['inputs', 'outputs']],
        [1, 'get_weather', true, true, ['status', 'inputs', 'outputs']],
        [1, 'ChatOpenAI', true, false, ['only in A']],
      ],
    );
    assert.equal(rows[0]!.right!.status, 'ERROR');
    assert.match(rows[2]!.right!.statusMessage ?? '', /Atlantis/);
    assert.equal(rows[2]!.left!.outputs, JSON.stringify({ city: 'Paris', forecast: 'sunny, 21°C' }, null, 2));
    assert.equal(rows[2]!.right!.outputs, '', 'a failed span has no outputs');
  });

  it('places a span only B has after the last shared sibling before it, and swapping sides mirrors the rows', () => {
    const a = trace('traces_get_error_trace').spans;
    const b = trace('traces_get_tool_agent_chat_tools').spans;
    const rows = compareSpanTrees(a, b);
    assert.deepEqual(rows.map((r) => [r.name, r.differences.includes('only in B')]), [
      ['weather_agent', false],
      ['ChatOpenAI', false],
      ['get_weather', false],
      ['ChatOpenAI', true],
    ]);
  });

  it('aligns the 199-span trace with itself by occurrence among same-named siblings: nothing differs', () => {
    const t = trace('traces_get_many_spans_full');
    const view = buildCompareView(t, t);
    assert.equal(view.rows.length, 199);
    assert.equal(view.differing, 0);
    assert.ok(view.rows.every((r) => r.left?.index === r.right?.index), 'each span paired with itself');
    assert.equal(new Set(view.rows.map((r) => r.key)).size, 199, 'same-named siblings get distinct keys');
  });

  it('cuts long inputs to a readable text but compares the whole value', () => {
    const big = trace('traces_get_large_inputs_full');
    const changed: Trace = structuredClone(big);
    const inputs = changed.spans[0]!.attributes['mlflow.spanInputs'] as { document: string };
    changed.spans[0]!.attributes['mlflow.spanInputs'] = { document: `${inputs.document.slice(0, -1)}!` };
    const rows = compareSpanTrees(big.spans, changed.spans);
    assert.deepEqual(rows[0]!.differences, ['inputs'], 'a change in the last of 200,000 characters is found');
    assert.ok(rows[0]!.left!.inputs.length < TEXT_LIMIT + 100);
    assert.match(rows[0]!.left!.inputs, /… \(\d{3},\d{3} characters\)$/);
  });

  it('session: reads both traces from the store and sends the view after ready; opens only its own traces', async () => {
    const posted: TraceCompareHostMessage[] = [];
    const opened: string[] = [];
    const ids: [string, string] = ['tr-4fa588e721aa33c4c92898b2e2919153', 'tr-873a8f64a37a38e7e62b221cb35491ba'];
    replay().takeRequests();
    const session = new TraceCompareSession(
      { post: (m) => posted.push(m), copy: () => undefined, openTrace: (id) => opened.push(id), setTitle: () => undefined, log: { error: (m) => assert.fail(m) } },
      ids,
      () => store().traces,
    );
    await session.loaded;
    assert.deepEqual(replay().takeRequests().map((r) => r.capture).sort(), ['traces_get_error_trace', 'traces_get_scratch_with_assessments']);
    session.receive({ type: 'ready' });
    const last = posted.at(-1);
    assert.equal(last?.type, 'compare', JSON.stringify(last).slice(0, 300));
    if (last?.type === 'compare') assert.deepEqual([last.view.a.traceId, last.view.b.traceId], ids);
    session.receive({ type: 'openTrace', traceId: ids[1] });
    session.receive({ type: 'openTrace', traceId: 'tr-00000000000000000000000000000000' });
    assert.deepEqual(opened, [ids[1]]);
    assert.equal(parseCompareMessage({ type: 'openTrace', traceId: 3 }), undefined);
    session.dispose();
  });
});
