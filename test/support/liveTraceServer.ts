import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { DatasetBuilder } from './mlflowServer/dataset';
import { type MlflowServer, startMlflowServer } from './mlflowServer/server';
import { FIXTURES_DIR } from './repoRoot';

/**
 * A loopback MLflow 3 server whose experiment gains traces while a test watches: the in-memory test
 * server (experiments, /version = 3.x) with `traces/search` answered from a list the test appends to.
 * Each trace is a real one from genai-captures/traces_search_all (the server's own JSON) with a fresh
 * id and request time, so what the extension parses is what MLflow sends. Newest first, `max_results`
 * and `{"offset": N}` page tokens as MLflow pages them.
 */

type TraceJson = Record<string, unknown> & { trace_id: string; request_time: string };

export interface LiveTraceServer {
  readonly baseUrl: string;
  readonly experimentId: string;
  readonly server: MlflowServer;
  /** Appends `count` traces requested now (a GenAI app logging). */
  addTraces(count: number): string[];
  /** How many traces/search requests arrived for the live experiment. */
  searches(): number;
  close(): Promise<void>;
}

function realTraces(): TraceJson[] {
  const file = path.join(FIXTURES_DIR, 'mlflow-3.x', 'genai-captures', 'traces_search_all.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { response: { traces: TraceJson[] } }).response.traces;
}

export async function startLiveTraceServer(options: { initialTraces: number; now?: () => number }): Promise<LiveTraceServer> {
  const builder = new DatasetBuilder();
  const experimentId = builder.experiment('genai-live-app');
  const server = await startMlflowServer({ dataset: builder.build(), version: '3.11.2' });
  const templates = realTraces();
  const now = options.now ?? (() => Date.now());
  const traces: TraceJson[] = [];
  let sequence = 0;
  const addTraces = (count: number): string[] => {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const template = templates[sequence % templates.length]!;
      const id = `tr-${(0x51ee7 + sequence++).toString(16).padStart(32, '0')}`;
      traces.push({ ...template, trace_id: id, request_time: new Date(now()).toISOString(), trace_location: { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: experimentId } } });
      ids.push(id);
    }
    return ids;
  };
  addTraces(options.initialTraces);
  let searchCount = 0;
  server.faults = (request) => {
    if (request.method !== 'POST' || request.path !== '/api/3.0/mlflow/traces/search') return undefined;
    const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as { locations?: { mlflow_experiment?: { experiment_id?: string } }[]; max_results?: number; page_token?: string };
    const ids = (body.locations ?? []).map((l) => l.mlflow_experiment?.experiment_id);
    if (!ids.includes(experimentId)) return { status: 200, body: { traces: [] } };
    searchCount++;
    const newestFirst = [...traces].reverse();
    const offset = body.page_token ? (JSON.parse(Buffer.from(body.page_token, 'base64').toString('utf8')) as { offset: number }).offset : 0;
    const size = body.max_results ?? 100;
    const page = newestFirst.slice(offset, offset + size);
    const answer: Record<string, unknown> = { traces: page };
    if (offset + size < newestFirst.length) answer.next_page_token = Buffer.from(JSON.stringify({ offset: offset + size })).toString('base64');
    return { status: 200, body: answer };
  };
  return {
    baseUrl: server.baseUrl,
    experimentId,
    server,
    addTraces,
    searches: () => searchCount,
    close: () => server.close(),
  };
}
