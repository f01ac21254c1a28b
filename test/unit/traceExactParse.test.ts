import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { HttpClient } from '../../src/mlflow/http';
import { RestTraceStore } from '../../src/mlflow/rest/restTraces';
import { parseJsonLossless, parseSpanJson, roundedIntegerCount, toSpan } from '../../src/mlflow/spanValues';
import { spanRows } from '../../src/traces/core/traceView';
import { captureResponseText } from '../support/captureText';
import { startLoopbackServer } from '../support/replayServer';

/**
 * The trace panel's parse of a span document: native JSON.parse plus the exact nanosecond times set
 * back from the text (parseSpanJson), which must give what the general lossless parse gives on every
 * document, and fall back to it whenever the fast way cannot be sure.
 */

const CAPTURES = path.resolve(__dirname, '../fixtures/mlflow-3.x/genai-captures');

const responseText = (file: string): string | undefined => captureResponseText(path.join(CAPTURES, file));

const restSpans = (doc: unknown): unknown => (doc as { trace?: { spans?: unknown } }).trace?.spans;
const wrap = (spans: unknown[]): string => JSON.stringify({ trace: { trace_info: { trace_id: 'tr-1' }, spans } });

describe('exact span documents (parseSpanJson)', () => {
  it('gives what the lossless parse gives on every traces/get capture', () => {
    const files = readdirSync(CAPTURES).filter((f) => f.startsWith('traces_get_'));
    let withSpans = 0;
    for (const file of files) {
      const text = responseText(file);
      if (!text) continue;
      const fast = parseSpanJson(text, restSpans);
      assert.deepEqual(fast, parseJsonLossless(text), file);
      if (Array.isArray(restSpans(fast)) && (restSpans(fast) as unknown[]).length > 0) withSpans++;
    }
    assert.ok(withSpans >= 20, `only ${withSpans} captures had spans`);
  });

  it('keeps the times JSON.parse would round, as digits', () => {
    const text = responseText('traces_get_many_spans_full.json')!;
    const spans = restSpans(parseSpanJson(text, restSpans)) as { start_time_unix_nano: unknown }[];
    assert.equal(spans[0]!.start_time_unix_nano, '1796550038304034496');
    // What plain JSON.parse makes of it.
    assert.notEqual(String(BigInt((restSpans(JSON.parse(text)) as { start_time_unix_nano: number }[])[0]!.start_time_unix_nano)), '1796550038304034496');
  });

  it('sets back event times, negative times and times under other *_unix_nano keys', () => {
    const text = '{"trace":{"spans":[{"start_time_unix_nano": -1796550038304034497,"end_time_unix_nano":1796550038304034499,"events":[{"name":"e","time_unix_nano":1796550038304034501}],"observed_time_unix_nano":1796550038304034503}]}}';
    const span = (restSpans(parseSpanJson(text, restSpans)) as Record<string, unknown>[])[0]!;
    assert.equal(span.start_time_unix_nano, '-1796550038304034497');
    assert.equal(span.end_time_unix_nano, '1796550038304034499');
    assert.equal((span.events as Record<string, unknown>[])[0]!.time_unix_nano, '1796550038304034501');
    assert.equal(span.observed_time_unix_nano, '1796550038304034503');
  });

  it('falls back to the lossless parse for any other big integer, wherever it is', () => {
    const cases = [
      // An int attribute beyond 2^53 in the trace info, in an event's attributes, in a span-dict event.
      '{"trace":{"trace_info":{"n":9007199254740993},"spans":[{"start_time_unix_nano":1796550038304034496}]}}',
      '{"trace":{"spans":[{"start_time_unix_nano":1796550038304034496,"events":[{"time_unix_nano":1796550038304034497,"attributes":[{"key":"k","value":{"int_value":9007199254740993}}]}]}]}}',
      '{"trace":{"spans":[{"start_time_unix_nano":1796550038304034496,"events":[{"time_unix_nano":1796550038304034497,"attributes":{"x_unix_nano":1796550038304034498}}]}]}}',
      // A time key twice in one span (JSON.parse keeps the last), a float time, an escaped key.
      '{"trace":{"spans":[{"start_time_unix_nano":1796550038304034496,"start_time_unix_nano":1796550038304034999}]}}',
      '{"trace":{"spans":[{"start_time_unix_nano":1796550038304034496.5,"end_time_unix_nano":1796550038304034497}]}}',
      '{"trace":{"spans":[{"a\\"start_time_unix_nano":1796550038304034496}]}}',
      // Times outside the spans.
      '{"trace":{"trace_info":{"start_time_unix_nano":1796550038304034001},"spans":[{"start_time_unix_nano":1796550038304034496}]}}',
    ];
    for (const text of cases) assert.deepEqual(parseSpanJson(text, restSpans), parseJsonLossless(text), text);
  });

  it('leaves digits inside strings alone', () => {
    const text = '{"trace":{"spans":[{"name":"\\"start_time_unix_nano\\": 1796550038304034496","start_time_unix_nano":1796550038304034497}]}}';
    const span = (restSpans(parseSpanJson(text, restSpans)) as Record<string, unknown>[])[0]!;
    assert.equal(span.name, '"start_time_unix_nano": 1796550038304034496');
    assert.equal(span.start_time_unix_nano, '1796550038304034497');
  });

  it('reads one spans.content document (a span dict) the same way', () => {
    const content = '{"trace_id":"BSVFwBWIlvHt9Jz9Z4nkoA==","span_id":"YhN9tKIC4v4=","name":"s","start_time_unix_nano":1796550038304034496,"end_time_unix_nano":1796550038304034497,"attributes":{"mlflow.spanInputs":"{\\"n\\": 9007199254740993}"},"events":[]}';
    const doc = parseSpanJson(content, (d) => [d]);
    assert.deepEqual(doc, parseJsonLossless(content));
    const span = toSpan(doc, 'tr-x');
    assert.equal(span.startTimeNs, '1796550038304034496');
    assert.deepEqual(span.attributes['mlflow.spanInputs'], { n: '9007199254740993' });
  });

  it('does not overflow the stack on a deeply nested document', () => {
    const depth = 20_000;
    const text = `{"trace":{"spans":[{"start_time_unix_nano":1796550038304034496,"x":${'['.repeat(depth)}1${']'.repeat(depth)}}]}}`;
    assert.equal((restSpans(parseSpanJson(text, restSpans)) as Record<string, unknown>[])[0]!.start_time_unix_nano, '1796550038304034496');
  });

  it('orders spans that start within the same 256 ns (one double) by their exact times', () => {
    // Both starts are the same double; only the digits tell them apart.
    const text = wrap([]).replace('"spans":[]', '"spans":[{"span_id":"AAAAAAAAAAE=","name":"root","start_time_unix_nano":1796550038304034000,"end_time_unix_nano":1796550038404034000},{"span_id":"AAAAAAAAAAI=","parent_span_id":"AAAAAAAAAAE=","name":"second","start_time_unix_nano":1796550038304034100,"end_time_unix_nano":1796550038304034300},{"span_id":"AAAAAAAAAAM=","parent_span_id":"AAAAAAAAAAE=","name":"first","start_time_unix_nano":1796550038304034050,"end_time_unix_nano":1796550038304034060}]');
    assert.equal(Number('1796550038304034100'), Number('1796550038304034050'));
    const spans = (restSpans(parseSpanJson(text, restSpans)) as unknown[]).map((s) => toSpan(s, 'tr-1'));
    const { rows } = spanRows(spans);
    assert.deepEqual(rows.map((r) => r.name), ['root', 'first', 'second']);
    assert.equal(rows[1]!.startMs, 0.00005);
    assert.equal(rows[1]!.durationMs, 0.00001);
    assert.equal(rows[2]!.durationMs, 0.0002);
  });
});

describe('REST getTrace: integers JSON.parse would round', () => {
  it('reads an int attribute beyond 2^53 exactly (decoded again from the lossless parse)', async () => {
    const text = wrap([
      {
        trace_id: 'BSVFwBWIlvHt9Jz9Z4nkoA==',
        span_id: 'YhN9tKIC4v4=',
        name: 'root',
        start_time_unix_nano: 'START',
        end_time_unix_nano: 'END',
        attributes: [
          { key: 'mlflow.spanType', value: { string_value: 'CHAIN' } },
          { key: 'big', value: { int_value: 'BIG' } },
          { key: 'small', value: { int_value: 66 } },
        ],
      },
    ])
      .replace('"START"', '1796550038304034496')
      .replace('"END"', '1796550038304034497')
      .replace('"BIG"', '9007199254740993');
    const server = await startLoopbackServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    });
    const http = new HttpClient({ baseUrl: server.baseUrl });
    try {
      const before = roundedIntegerCount();
      const trace = await new RestTraceStore(http, () => Promise.resolve({ readOnly: false, registry: true, loggedModels: true, sampledHistory: true, stages: true })).getTrace('tr-1');
      assert.ok(roundedIntegerCount() > before, 'the fast decode saw the rounded integer');
      const span = trace.spans[0]!;
      assert.equal(span.attributes.big, '9007199254740993');
      assert.equal(span.attributes.small, 66);
      assert.equal(span.startTimeNs, '1796550038304034496');
      assert.equal(span.endTimeNs, '1796550038304034497');
      assert.equal(span.spanId, '62137db4a202e2fe');
    } finally {
      http.dispose();
      await server.close();
    }
  });
});
