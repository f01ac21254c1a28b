import { isRecord } from '../../mlflow/values';
import type { SessionTarget } from './sessionConversation';

/**
 * What a GenAI panel's page saves with `setState` so the panel comes back after a window reload: the
 * least that re-opens it (the data is read again). VS Code hands it to the panel serializer as JSON the
 * page wrote; a page is a web page, so every field is checked here and a state of any other shape is
 * rejected whole (the panel then closes), never half-used.
 */

export interface TracePanelState {
  traceId: string;
}

export interface TraceComparePanelState {
  traceIds: [string, string];
}

export type SessionPanelState = SessionTarget;

/**
 * A trace id as servers give them (`tr-<32 hex>` in MLflow 3, 32 hex request ids before; other
 * locations use prefixes with `:` and `/`): a short run of id characters, nothing that reads as text.
 */
const TRACE_ID = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,255}$/;
/** An experiment id: MLflow's are numbers, kept as strings; other stores use short word ids. */
const EXPERIMENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** MLflow stores metadata values up to 8,000 characters; a session id is one of them. */
const MAX_SESSION_LENGTH = 8_000;

export function isTraceId(value: unknown): value is string {
  return typeof value === 'string' && TRACE_ID.test(value);
}

export function parseTracePanelState(raw: unknown): TracePanelState | undefined {
  if (!isRecord(raw) || !isTraceId(raw.traceId)) return undefined;
  return { traceId: raw.traceId };
}

export function parseTraceComparePanelState(raw: unknown): TraceComparePanelState | undefined {
  if (!isRecord(raw) || !Array.isArray(raw.traceIds) || raw.traceIds.length !== 2) return undefined;
  const [a, b] = raw.traceIds as unknown[];
  if (!isTraceId(a) || !isTraceId(b) || a === b) return undefined;
  return { traceIds: [a, b] };
}

export function parseSessionPanelState(raw: unknown): SessionPanelState | undefined {
  if (!isRecord(raw)) return undefined;
  const { experimentId, session } = raw;
  if (typeof experimentId !== 'string' || !EXPERIMENT_ID.test(experimentId)) return undefined;
  // Any text a GenAI app chose, but not empty and not a control character (the filter quotes the rest).
  if (typeof session !== 'string' || session.length === 0 || session.length > MAX_SESSION_LENGTH || hasControlCharacter(session)) return undefined;
  return { experimentId, session };
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}
