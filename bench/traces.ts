/**
 * Bench "traces": the two reads the Traces view and the trace panel are made of, each beside the raw
 * work it cannot avoid.
 *
 * - REST, list: the first page (50 and 500 traces) of an experiment with 10,000 traces, served by a
 *   loopback stand-in whose traces are the 29 real traces of genai-captures/traces_search_all cloned;
 *   baseline: the same request with `fetch` + `JSON.parse`.
 * - REST, open: traces/get of the real 199-span trace (traces_get_many_spans_full, exact bytes);
 *   baseline: the same request with `fetch` + `JSON.parse` (which rounds the nanosecond times: the
 *   client's lossless parse is part of what is measured).
 * (The SQLite rows of this bench were measured on the former sql.js engine; after main's in-place engine
 * they are not ported yet, see docs/PERFORMANCE.md.)
 *
 *   node --expose-gc --import tsx bench/traces.ts        (bench/run.mjs runs it so)
 */
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { HttpClient } from '../src/mlflow/http';
import { RestTraceStore } from '../src/mlflow/rest/restTraces';
import type { TraceStore } from '../src/mlflow/traceStore';
import { bytes, compare, loadNote, ms, overhead, reportFigure, table, type Samples } from './support/measure';

const ROOT = path.resolve(__dirname, '..');
const CAPTURES = path.join(ROOT, 'test/fixtures/mlflow-3.x/genai-captures');
const TRACE_COUNT = 10_000;
const EXPERIMENT = '8';

/** The `response` of a capture as the server's text, big integers exactly as written. */
function responseText(name: string): string {
  const file = readFileSync(path.join(CAPTURES, `${name}.json`), 'utf8');
  const start = file.indexOf('"response":');
  const parsed = JSON.parse(file) as { response: unknown };
  // The capture file holds the server's JSON inline: cut it out as text so nothing is re-serialised.
  const tail = file.slice(start + '"response":'.length);
  let depth = 0;
  let inString = false;
  for (let i = 0; i < tail.length; i++) {
    const c = tail[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return tail.slice(0, i + 1).trim();
    }
  }
  return JSON.stringify(parsed.response);
}

interface TraceJson {
  trace_id: string;
  request_time: string;
  [key: string]: unknown;
}

function clonedTraces(): TraceJson[] {
  const real = (JSON.parse(responseText('traces_search_all')) as { traces: TraceJson[] }).traces;
  const base = Date.parse('2026-12-06T00:00:00.000Z');
  return Array.from({ length: TRACE_COUNT }, (_, i) => {
    const template = real[i % real.length]!;
    return { ...template, trace_id: `tr-${i.toString(16).padStart(32, '0')}`, request_time: new Date(base + (TRACE_COUNT - i) * 1000).toISOString() };
  });
}

async function startServer(traces: TraceJson[], traceGet: string): Promise<{ baseUrl: string; close(): Promise<void> }> {
  const pages = new Map<number, string>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      if (req.method === 'POST' && url.pathname === '/api/3.0/mlflow/traces/search') {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { max_results?: number };
        const size = body.max_results ?? 100;
        let text = pages.get(size);
        if (!text) {
          text = JSON.stringify({ traces: traces.slice(0, size), next_page_token: Buffer.from(`{"offset": ${size}}`).toString('base64') });
          pages.set(size, text);
        }
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(text);
      } else if (req.method === 'GET' && url.pathname === '/api/3.0/mlflow/traces/get') {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(traceGet);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

interface Row {
  name: string;
  client: Samples;
  baseline: Samples;
  baselineName: string;
  note: string;
}

async function main(): Promise<void> {
  console.log(`traces bench: ${TRACE_COUNT.toLocaleString('en-US')} traces in one experiment, the real 199-span trace; medians, interleaved, GC before each timing; ${loadNote()}`);
  const traces = clonedTraces();
  const traceGet = responseText('traces_get_many_spans_full');
  const server = await startServer(traces, traceGet);
  const http1 = new HttpClient({ baseUrl: server.baseUrl });
  const rest: TraceStore = new RestTraceStore(http1, () => Promise.resolve({ readOnly: false, registry: true, loggedModels: true, sampledHistory: true, stages: true }));
  const rows: Row[] = [];
  const raw = async (method: string, route: string, body?: unknown): Promise<unknown> => {
    const response = await fetch(`${server.baseUrl}${route}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: body === undefined ? undefined : { 'Content-Type': 'application/json' },
    });
    return JSON.parse(await response.text()) as unknown;
  };
  const location = [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: EXPERIMENT } }];
  try {
    for (const size of [50, 500]) {
      const bodyBytes = Buffer.byteLength(JSON.stringify({ traces: traces.slice(0, size) }));
      const times = await compare({
        warmup: 5,
        reps: 31,
        variants: {
          client: () => rest.searchTraces({ experimentIds: [EXPERIMENT], maxResults: size, orderBy: ['timestamp_ms DESC'] }),
          raw: () => raw('POST', '/api/3.0/mlflow/traces/search', { locations: location, max_results: size, order_by: ['timestamp_ms DESC'] }),
        },
      });
      rows.push({ name: `REST: first page of ${TRACE_COUNT.toLocaleString('en-US')} traces (${size})`, client: times.client, baseline: times.raw, baselineName: 'fetch + JSON.parse', note: `1 request, ${bytes(bodyBytes)}` });
    }
    const traceId = 'tr-052545c0158896f1edf49cfd6789e4a0';
    const open = await compare({
      warmup: 5,
      reps: 31,
      variants: {
        client: () => rest.getTrace(traceId),
        raw: () => raw('GET', `/api/3.0/mlflow/traces/get?trace_id=${traceId}`),
      },
    });
    rows.push({ name: 'REST: open the 199-span trace', client: open.client, baseline: open.raw, baselineName: 'fetch + JSON.parse', note: `1 request, ${bytes(Buffer.byteLength(traceGet))}, ns exact` });

  } finally {
    http1.dispose();
    await server.close();
  }
  console.log(
    `\n${table(
      ['figure', 'value', 'baseline', 'baseline is', 'vs baseline', 'note'],
      rows.map((r) => [r.name, ms(r.client.median), ms(r.baseline.median), r.baselineName, overhead(r.client.median, r.baseline.median), r.note]),
    )}`,
  );
  for (const r of rows) reportFigure({ bench: 'traces', name: r.name, value: r.client.median, unit: 'ms', baselineName: r.baselineName, baseline: r.baseline.median, note: r.note });
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
