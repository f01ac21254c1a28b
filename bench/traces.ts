/**
 * Bench "traces": the two reads the Traces view and the trace panel are made of, each beside the raw
 * work it cannot avoid.
 *
 * - REST, list: the first page (50 and 500 traces) of an experiment with 10,000 traces, served by a
 *   loopback stand-in whose traces are the 29 real traces of genai-captures/traces_search_all cloned;
 *   baseline: the same request with `fetch` + `JSON.parse`.
 * - REST, open: traces/get of the real 199-span trace (traces_get_many_spans_full, exact bytes), timed
 *   as a user waits for it: from the request to the trace panel's first message (span tree, timeline,
 *   assessments and the selected span's details) built by the panel's session, ready to post; and the
 *   store's `getTrace` alone. Baseline: the same request with `fetch` + `JSON.parse` (which rounds the
 *   nanosecond times and decodes nothing).
 * - SQLite, list: the first page (50) of the same 10,000 traces written (info, tags, metadata of the real
 *   ones) into a copy of genai-store's mlflow.db; open: the 199-span trace from that file. Baseline:
 *   native SQLite (Python's sqlite3, what MLflow runs on) running the very statements the store issued.
 *
 *   node --expose-gc --import tsx bench/traces.ts        (bench/run.mjs runs it so)
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { HttpClient } from '../src/mlflow/http';
import { SqliteStore, loadSqlEngine } from '../src/mlflow/local/sqliteStore';
import { SQLITE_ENGINE, SQLITE_ENGINE_KIND } from './support/dataset';
import { NativeSqlite } from './support/nativeSqlite';
import { SqlRecorder } from './support/sqlRecorder';
import { RestTraceStore } from '../src/mlflow/rest/restTraces';
import type { TraceStore } from '../src/mlflow/traceStore';
import type { TraceHostMessage } from '../src/traces/core/protocol';
import { TraceSession } from '../src/traces/core/traceSession';
import { captureResponseText } from '../test/support/captureText';
import { bytes, compare, loadNote, ms, overhead, reportFigure, table, type Samples } from './support/measure';

const ROOT = path.resolve(__dirname, '..');
const CAPTURES = path.join(ROOT, 'test/fixtures/mlflow-3.x/genai-captures');
const TRACE_COUNT = 10_000;
const EXPERIMENT = '8';

/** The `response` of a capture as the server's text, big integers exactly as written. */
function responseText(name: string): string {
  const text = captureResponseText(path.join(CAPTURES, `${name}.json`));
  if (text === undefined) throw new Error(`capture ${name} has no JSON response`);
  return text;
}

const GENAI_DB = path.join(ROOT, 'test/fixtures/mlflow-3.x/genai-store/mlflow.db');

/** A copy of genai-store with 10,000 more traces in experiment 8 (info, tags and metadata of real ones), written by Python's sqlite3. */
function tracesDb(): string {
  const dir = path.join(ROOT, '.tmp', 'bench');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'traces-10000.db');
  const script = `
import shutil, sqlite3, sys
src, dst, experiment, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
shutil.copyfile(src, dst)
db = sqlite3.connect(dst)
templates = [r[0] for r in db.execute("SELECT request_id FROM trace_info WHERE experiment_id = ?", (experiment,))]
base = 1796515200000
with db:
    for i in range(count):
        new_id = "tr-e" + format(i, "x").rjust(31, "0")
        t = templates[i % len(templates)]
        db.execute("INSERT INTO trace_info (request_id, experiment_id, timestamp_ms, execution_time_ms, status, client_request_id, request_preview, response_preview) SELECT ?, experiment_id, ?, execution_time_ms, status, client_request_id, request_preview, response_preview FROM trace_info WHERE request_id = ?", (new_id, base - i * 1000, t))
        db.execute("INSERT INTO trace_tags (key, value, request_id) SELECT key, value, ? FROM trace_tags WHERE request_id = ?", (new_id, t))
        db.execute("INSERT INTO trace_request_metadata (key, value, request_id) SELECT key, value, ? FROM trace_request_metadata WHERE request_id = ?", (new_id, t))
db.close()
`;
  const result = spawnSync('python3', ['-c', script, GENAI_DB, file, EXPERIMENT, String(TRACE_COUNT)], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('could not write the 10,000-trace SQLite store (python3)');
  return file;
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
  // MLflow's handlers answer with a whole body and its Content-Length (Flask/Werkzeug), not chunked.
  const traceGetBytes = Buffer.byteLength(traceGet);
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
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
        res.end(text);
      } else if (req.method === 'GET' && url.pathname === '/api/3.0/mlflow/traces/get') {
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': traceGetBytes });
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

/**
 * Opens a trace as the trace panel does (its session over `store`) and resolves with the first `trace`
 * message: what the webview draws. The webview's side (ready) is answered at once.
 */
async function openInPanel(store: TraceStore, traceId: string, keep?: { session?: TraceSession }): Promise<TraceHostMessage> {
  // The panel opened before this one closes as this one opens (when kept open at all).
  keep?.session?.dispose();
  let posted!: (message: TraceHostMessage) => void;
  const first = new Promise<TraceHostMessage>((resolve) => (posted = resolve));
  const session = new TraceSession(
    {
      post: (message) => {
        if (message.type === 'trace' || message.type === 'error') posted(message);
      },
      copy: () => undefined,
      openAttachment: () => undefined,
      setTitle: () => undefined,
      openSource: () => Promise.resolve(undefined),
      changed: () => undefined,
      log: { error: (message) => console.error(message) },
    },
    traceId,
    { store: () => store, reviewer: () => 'bench' },
  );
  session.receive({ type: 'ready' });
  const message = await first;
  if (keep) keep.session = session;
  else session.dispose();
  if (message.type !== 'trace' || message.view.spans.length !== 199 || !message.span) throw new Error(`the panel did not get the 199-span trace: ${message.type}`);
  return message;
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
      reps: 61,
      variants: {
        panel: () => openInPanel(rest, traceId),
        client: () => rest.getTrace(traceId),
        raw: () => raw('GET', `/api/3.0/mlflow/traces/get?trace_id=${traceId}`),
      },
    });
    // Medians on a shared machine include preemptions; the fastest runs say what the work itself costs.
    const fastest = (subject: Samples): string => `fastest ${ms(subject.min)} vs ${ms(open.raw.min)} (${overhead(subject.min, open.raw.min)})`;
    const note = `1 request, ${bytes(Buffer.byteLength(traceGet))}, ns exact`;
    rows.push({ name: 'REST: open the 199-span trace (request → panel message)', client: open.panel, baseline: open.raw, baselineName: 'fetch + JSON.parse', note: `${note}; ${fastest(open.panel)}` });
    rows.push({ name: 'REST: the same, getTrace only', client: open.client, baseline: open.raw, baselineName: 'fetch + JSON.parse', note: `${note}; ${fastest(open.client)}` });
    // The same three without a forced GC before each timing: that GC also drops V8's optimized code
    // for the functions of the panel's path (not for JSON.parse, which is native), so each timed open
    // above runs partly unoptimized, as it never does twice in a row in an extension host.
    const natural = await compare({
      warmup: 20,
      reps: 101,
      gc: 'natural',
      variants: {
        panel: () => openInPanel(rest, traceId),
        client: () => rest.getTrace(traceId),
        raw: () => raw('GET', `/api/3.0/mlflow/traces/get?trace_id=${traceId}`),
      },
    });
    // Forced GC again, but the panel stays open (its session keeps its trace) until the next one opens, as
    // a user's last trace panel does, and the baseline keeps its last parsed answer likewise: the hidden
    // classes of those objects then survive the GC, and with them V8's optimized code for the open
    // (docs/PERFORMANCE.md, traces, third round).
    const openPanel: { session?: TraceSession } = {};
    let lastAnswer: unknown;
    const keptOpen = await compare({
      warmup: 20,
      reps: 101,
      variants: {
        panel: () => openInPanel(rest, traceId, openPanel),
        raw: async () => (lastAnswer = await raw('GET', `/api/3.0/mlflow/traces/get?trace_id=${traceId}`)),
      },
    });
    openPanel.session?.dispose();
    if (lastAnswer === undefined) throw new Error('no answer was kept');
    const fastestNatural = (subject: Samples): string => `fastest ${ms(subject.min)} vs ${ms(natural.raw.min)} (${overhead(subject.min, natural.raw.min)})`;
    rows.push({ name: 'REST: open the 199-span trace, no forced GC', client: natural.panel, baseline: natural.raw, baselineName: 'fetch + JSON.parse', note: `${note}; ${fastestNatural(natural.panel)}` });
    rows.push({ name: 'REST: the same, getTrace only, no forced GC', client: natural.client, baseline: natural.raw, baselineName: 'fetch + JSON.parse', note: `${note}; ${fastestNatural(natural.client)}` });
    rows.push({
      name: 'REST: open the 199-span trace, forced GC, last panel open',
      client: keptOpen.panel,
      baseline: keptOpen.raw,
      baselineName: 'fetch + JSON.parse',
      note: `${note}; fastest ${ms(keptOpen.panel.min)} vs ${ms(keptOpen.raw.min)} (${overhead(keptOpen.panel.min, keptOpen.raw.min)})`,
    });
  } finally {
    http1.dispose();
    await server.close();
  }

  // ---- SQLite: the same list and trace from a file, beside native SQLite running the same statements ----
  const dbFile = tracesDb();
  const engine = await loadSqlEngine(SQLITE_ENGINE, SQLITE_ENGINE_KIND);
  const recorder = new SqlRecorder(engine);
  const native = new NativeSqlite();
  const sqlite = new SqliteStore(dbFile, { engine: SQLITE_ENGINE, engineKind: SQLITE_ENGINE_KIND });
  try {
    const traces = sqlite.traces;
    const query = { experimentIds: [EXPERIMENT], maxResults: 50 };
    await traces.searchTraces(query);
    const listQueries = await recorder.record(() => traces.searchTraces(query));
    const list = await compare({ warmup: 2, reps: 21, variants: { client: () => traces.searchTraces(query) } });
    const listNative = await native.time(dbFile, listQueries, { warmup: 2, reps: 21 });
    rows.push({ name: `SQLite: first page of ${(TRACE_COUNT + 29).toLocaleString('en-US')} traces (50)`, client: list.client, baseline: listNative, baselineName: 'native SQLite, same SQL', note: `${listQueries.length} SQL statements` });
    const manySpans = 'tr-052545c0158896f1edf49cfd6789e4a0';
    await traces.getTrace(manySpans);
    const openQueries = await recorder.record(() => traces.getTrace(manySpans));
    const openLocal = await compare({ warmup: 2, reps: 21, variants: { client: () => traces.getTrace(manySpans) } });
    const openNative = await native.time(dbFile, openQueries, { warmup: 2, reps: 21 });
    rows.push({ name: 'SQLite: open the 199-span trace', client: openLocal.client, baseline: openNative, baselineName: 'native SQLite, same SQL', note: `${openQueries.length} SQL statements; spans.content parsed, ns exact` });
  } finally {
    sqlite.dispose();
    native.dispose();
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
