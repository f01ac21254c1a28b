import assert from 'node:assert/strict';
import { parseEvaluationState } from '../../src/evaluations/core/evaluationSession';
import { parseSessionPanelState, parseTraceComparePanelState, parseTracePanelState } from '../../src/traces/core/panelState';

/**
 * What the panel serializers accept after a window reload: the state the GenAI pages saved with
 * `setState`, as JSON. It comes from a web page, so anything but the exact shape is rejected whole
 * (the panel then closes) rather than half-used.
 */

const TRACE = 'tr-1e1301009a4ee5aa9a0cd46ae8b5344a';
const OTHER = 'tr-575f671b1a79a4f3fcdabbb264334530';
const RUN = '3f6987bf23b24284ab503f0f9e9c5188';
const RUN_B = '960b99b397364425bab48b5e84dea0c9';
/** As VS Code hands it back: the JSON the page saved. */
const saved = (state: unknown): unknown => JSON.parse(JSON.stringify(state));

describe('GenAI panels restore: the saved state the serializers accept', () => {
  it('re-opens a trace panel from its trace id, and nothing else', () => {
    assert.deepEqual(parseTracePanelState(saved({ traceId: TRACE })), { traceId: TRACE });
    // An MLflow 2 request id and an id of another location still name a trace.
    assert.deepEqual(parseTracePanelState({ traceId: '1e1301009a4ee5aa9a0cd46ae8b5344a' }), { traceId: '1e1301009a4ee5aa9a0cd46ae8b5344a' });
    assert.deepEqual(parseTracePanelState({ traceId: TRACE, extra: '<script>' }), { traceId: TRACE }, 'only the id is kept');
    for (const bad of [undefined, null, 'tr-1', [TRACE], {}, { traceId: 7 }, { traceId: '' }, { traceId: `${TRACE} OR 1=1` }, { traceId: '<img src=x>' }, { traceId: `tr-${'a'.repeat(300)}` }, { traceId: '../../etc/passwd' }]) {
      assert.equal(parseTracePanelState(bad), undefined, JSON.stringify(bad));
    }
  });

  it('re-opens Compare Traces from its two distinct trace ids', () => {
    assert.deepEqual(parseTraceComparePanelState(saved({ traceIds: [TRACE, OTHER] })), { traceIds: [TRACE, OTHER] });
    for (const bad of [{ traceIds: [TRACE] }, { traceIds: [TRACE, OTHER, OTHER] }, { traceIds: [TRACE, TRACE] }, { traceIds: [TRACE, 5] }, { traceIds: `${TRACE},${OTHER}` }, { traceId: TRACE }]) {
      assert.equal(parseTraceComparePanelState(bad), undefined, JSON.stringify(bad));
    }
  });

  it('re-opens a session conversation from its experiment and session, whatever text the app chose as session id', () => {
    assert.deepEqual(parseSessionPanelState(saved({ experimentId: '8', session: 'sess-alice-001' })), { experimentId: '8', session: 'sess-alice-001' });
    assert.deepEqual(parseSessionPanelState({ experimentId: '8', session: "o'brien <b>chat</b> 🙂" }), { experimentId: '8', session: "o'brien <b>chat</b> 🙂" }, 'kept as text: the filter quotes it, the page shows it as text');
    for (const bad of [
      { experimentId: 8, session: 's' },
      { experimentId: '8', session: '' },
      { experimentId: '8' },
      { experimentId: '8 OR 1', session: 's' },
      { experimentId: '8', session: 'line\nbreak' },
      { experimentId: '8', session: 'x'.repeat(8_001) },
      { experimentId: '8', session: ['s'] },
      [{ experimentId: '8', session: 's' }],
    ]) {
      assert.equal(parseSessionPanelState(bad), undefined, JSON.stringify(bad).slice(0, 80));
    }
  });

  it('re-opens an evaluation panel on its run or its two runs compared', () => {
    assert.deepEqual(parseEvaluationState(saved({ mode: 'table', runId: RUN })), { mode: 'table', runId: RUN });
    assert.deepEqual(parseEvaluationState(saved({ mode: 'compare', runIds: [RUN, RUN_B] })), { mode: 'compare', runIds: [RUN, RUN_B] });
    for (const bad of [{ mode: 'table' }, { mode: 'table', runId: '../x' }, { mode: 'compare', runIds: [RUN] }, { mode: 'compare', runIds: [RUN, RUN] }, { mode: 'chart', runId: RUN }, 'table']) {
      assert.equal(parseEvaluationState(bad), undefined, JSON.stringify(bad));
    }
  });
});
