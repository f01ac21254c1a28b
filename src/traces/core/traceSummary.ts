import type { Assessment, TraceInfo } from '../../mlflow/traceTypes';
import { TraceKeys } from '../../mlflow/traceTypes';

/**
 * What a trace list row says about a trace (name, state, duration, request preview, tokens, session,
 * user, assessments), from its TraceInfo alone: the list never loads spans. Every string here is data
 * from someone else's server and is shown as plain text by the caller.
 */

export interface TokenUsage {
  input?: number;
  output?: number;
  total?: number;
}

export interface TraceSummary {
  traceId: string;
  name: string;
  state: TraceInfo['state'];
  requestTime: number;
  durationMs?: number;
  request?: string;
  response?: string;
  tokens?: TokenUsage;
  costUsd?: number;
  session?: string;
  user?: string;
  /** `helpful: true`, `relevance: 0.8`, … for the valid assessments, feedback first. */
  assessments: string[];
  errors: number;
}

function parseJsonObject(text: string | undefined): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** `{input_tokens, output_tokens, total_tokens}` (trace metadata or a span's mlflow.chat.tokenUsage). */
export function tokenUsageOf(value: unknown): TokenUsage | undefined {
  const usage = typeof value === 'string' ? parseJsonObject(value) : typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
  if (!usage) return undefined;
  const tokens: TokenUsage = {};
  const input = finite(usage.input_tokens);
  const output = finite(usage.output_tokens);
  const total = finite(usage.total_tokens) ?? (input !== undefined && output !== undefined ? input + output : undefined);
  if (input !== undefined) tokens.input = input;
  if (output !== undefined) tokens.output = output;
  if (total !== undefined) tokens.total = total;
  return Object.keys(tokens).length > 0 ? tokens : undefined;
}

/** A value as a short line: strings as they are, the rest as JSON; newlines folded. */
export function shortValue(value: unknown, max = 60): string {
  const text = typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

export function assessmentLine(assessment: Assessment): string {
  if (assessment.error) return `${assessment.name || '(unnamed)'}: error${assessment.error.code ? ` ${assessment.error.code}` : ''}`;
  return `${assessment.name || '(unnamed)'}: ${shortValue(assessment.value, 40)}`;
}

export function summarizeTrace(info: TraceInfo): TraceSummary {
  const valid = info.assessments.filter((a) => a.valid);
  const ordered = [...valid.filter((a) => a.kind === 'feedback'), ...valid.filter((a) => a.kind === 'expectation')];
  const summary: TraceSummary = {
    traceId: info.traceId,
    name: info.tags[TraceKeys.traceName] ?? info.traceId,
    state: info.state,
    requestTime: info.requestTime,
    assessments: ordered.map(assessmentLine),
    errors: valid.filter((a) => a.error !== undefined).length,
  };
  if (info.executionDurationMs !== undefined) summary.durationMs = info.executionDurationMs;
  if (info.requestPreview !== undefined) summary.request = info.requestPreview;
  if (info.responsePreview !== undefined) summary.response = info.responsePreview;
  const tokens = tokenUsageOf(info.metadata[TraceKeys.tokenUsage]);
  if (tokens) summary.tokens = tokens;
  const cost = finite(parseJsonObject(info.metadata[TraceKeys.cost])?.total_cost);
  if (cost !== undefined) summary.costUsd = cost;
  const session = info.metadata[TraceKeys.session];
  if (session) summary.session = session;
  const user = info.metadata[TraceKeys.user];
  if (user) summary.user = user;
  return summary;
}

/** A duration for a list row: `153ms`, `2.1s`, `3m 4s`. */
export function formatDurationMs(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m ${Math.round(seconds % 60)}s`;
}

/** The description beside a trace in the list: duration · tokens · request preview. */
export function traceDescription(summary: TraceSummary): string {
  const parts: string[] = [];
  if (summary.durationMs !== undefined) parts.push(formatDurationMs(summary.durationMs));
  if (summary.tokens?.total !== undefined) parts.push(`${summary.tokens.total} tok`);
  if (summary.request) parts.push(shortValue(summary.request, 80));
  return parts.join(' · ');
}

/** The lines of a trace's tooltip, label first; the caller renders them as untrusted text. */
export function traceDetails(summary: TraceSummary): [string, string][] {
  const rows: [string, string][] = [
    ['Trace', summary.traceId],
    ['State', summary.state],
    ['Started', new Date(summary.requestTime).toISOString()],
  ];
  if (summary.durationMs !== undefined) rows.push(['Duration', formatDurationMs(summary.durationMs)]);
  if (summary.tokens) {
    const { input, output, total } = summary.tokens;
    rows.push(['Tokens', `${total ?? '?'} (in ${input ?? '?'}, out ${output ?? '?'})`]);
  }
  if (summary.costUsd !== undefined) rows.push(['Cost', `$${summary.costUsd.toPrecision(3)}`]);
  if (summary.session) rows.push(['Session', summary.session]);
  if (summary.user) rows.push(['User', summary.user]);
  if (summary.request) rows.push(['Request', shortValue(summary.request, 200)]);
  if (summary.response) rows.push(['Response', shortValue(summary.response, 200)]);
  if (summary.assessments.length > 0) rows.push(['Assessments', summary.assessments.join(', ')]);
  return rows;
}

/** Quotes a value for MLflow's trace filter syntax (single quotes; MLflow has no escape for them). */
export function filterValue(value: string): string {
  return `'${value.replace(/'/g, '')}'`;
}

export interface SessionGroup {
  session: string;
  /** Traces of the session, oldest first: the conversation's turns in order. */
  traceIds: string[];
  users: string[];
  lastRequestTime: number;
}

/**
 * Traces grouped by `mlflow.trace.session` (MLflow's `update_current_trace(session_id=…)`), most
 * recently active session first; traces without a session are left out.
 */
export function groupBySession(infos: readonly TraceInfo[]): SessionGroup[] {
  const groups = new Map<string, { infos: TraceInfo[]; users: Set<string> }>();
  for (const info of infos) {
    const session = info.metadata[TraceKeys.session];
    if (!session) continue;
    let group = groups.get(session);
    if (!group) groups.set(session, (group = { infos: [], users: new Set() }));
    group.infos.push(info);
    const user = info.metadata[TraceKeys.user];
    if (user) group.users.add(user);
  }
  return [...groups.entries()]
    .map(([session, { infos: list, users }]) => {
      const ordered = [...list].sort((a, b) => a.requestTime - b.requestTime || a.traceId.localeCompare(b.traceId));
      return { session, traceIds: ordered.map((i) => i.traceId), users: [...users].sort(), lastRequestTime: ordered.at(-1)!.requestTime };
    })
    .sort((a, b) => b.lastRequestTime - a.lastRequestTime || a.session.localeCompare(b.session));
}

/**
 * The filter that lists a run's traces: what MLflow's client makes of `search_traces(run_id=…)`
 * (searched in the run's own experiment).
 */
export function runTracesFilter(runId: string): string {
  return `attributes.run_id = ${filterValue(runId)}`;
}

/** The filter that lists a logged model's traces: what MLflow makes of `search_traces(model_id=…)`. */
export function modelTracesFilter(modelId: string): string {
  return `request_metadata."${TraceKeys.modelId}" = ${filterValue(modelId)}`;
}

/** The filter that lists one session's traces (the UI's own form of the metadata key). */
export function sessionFilter(session: string): string {
  return `metadata.\`${TraceKeys.session}\` = ${filterValue(session)}`;
}
