import assert from 'node:assert/strict';
import type { AttachmentRef, TraceHostMessage } from '../../src/traces/core/protocol';
import { TraceSession } from '../../src/traces/core/traceSession';
import { getCapture, useReplayStore } from '../support/replayServer';

/**
 * The trace session's "open attachment": the bytes of an attachment the trace references, fetched with
 * the web UI's get-trace-artifact request, go to the host to open; an id the trace does not reference
 * (whatever the page asks) is refused without a request.
 */

const SET = 'mlflow-3.x-genai';
const TRACE = 'tr-463f75da6068608ed14afa40d9918f0d';

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('trace session: attachments', () => {
  const { replay, store } = useReplayStore(SET);

  it('fetches a referenced attachment for the host to open, and refuses one the trace does not reference', async () => {
    const posted: TraceHostMessage[] = [];
    const opened: { traceId: string; attachment: AttachmentRef; text: string }[] = [];
    const session = await replay().expect(['traces_get_multimodal_attachments'], async () => {
      const s = new TraceSession(
        {
          post: (m) => posted.push(m),
          copy: () => undefined,
          openAttachment: (traceId, attachment, bytes) => opened.push({ traceId, attachment, text: Buffer.from(bytes).toString('utf8') }),
          setTitle: () => undefined,
          openSource: () => Promise.resolve(undefined),
          changed: () => undefined,
          log: { error: (m) => assert.fail(m) },
        },
        TRACE,
        { store: () => store().traces, reviewer: () => 'reviewer@example.com' },
      );
      await s.loaded;
      return s;
    });
    session.receive({ type: 'ready' });
    const text = { id: '2cef8557-cdbc-46c2-90ea-632b1e886eb2', contentType: 'text/plain', size: 22 };
    await replay().expect(['ajax_get_trace_artifact_attachment_text'], async () => {
      session.receive({ type: 'openAttachment', attachment: text });
      await until(() => opened.length === 1);
    });
    assert.deepEqual(opened, [{ traceId: TRACE, attachment: text, text: getCapture(SET, 'ajax_get_trace_artifact_attachment_text').response }]);

    posted.length = 0;
    await replay().expect([], async () => {
      session.receive({ type: 'openAttachment', attachment: { id: '2cef8557-0000-46c2-90ea-632b1e886eb2', contentType: 'text/plain' } });
      await until(() => posted.length > 0);
    });
    assert.deepEqual(posted, [{ type: 'error', message: 'That attachment is not referenced by this trace.' }]);
    assert.equal(opened.length, 1);
    session.dispose();
  });
});
