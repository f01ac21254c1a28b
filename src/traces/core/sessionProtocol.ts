import type { TraceState } from '../../mlflow/traceTypes';
import type { SessionPanelState } from './panelState';
import type { ChatMessage } from './protocol';

/**
 * Messages between the extension host and the session conversation webview (`import type` on both
 * sides; no code here). Every string came from a tracking server and is untrusted: the page shows it as
 * text only.
 */

/**
 * One side of a turn, shaped from a trace's request (root span inputs) or response (root span outputs):
 * chat messages, a plain text (a string, or a dict of one string such as `{question}`), JSON otherwise.
 */
export type TurnContent =
  | { kind: 'chat'; messages: ChatMessage[] }
  | { kind: 'text'; text: string; /** The key the text was under (`question`), when it came from a dict. */ label?: string }
  | { kind: 'json'; value: unknown }
  | { kind: 'none' };

/** What the trace list already says about a turn (no spans read): shown until the turn's content arrives. */
export interface TurnHeader {
  index: number;
  traceId: string;
  name: string;
  state: TraceState;
  requestTime: number;
  durationMs?: number;
  totalTokens?: number;
  user?: string;
  /** The server's request/response previews (cut at 1,000 characters). */
  requestPreview?: string;
  responsePreview?: string;
  /** `helpful: true`, … for the valid assessments, feedback first. */
  assessments: string[];
  /** Failed assessments (a judge that raised). */
  assessmentErrors: number;
}

export interface SessionHeader {
  session: string;
  experimentId: string;
  users: string[];
  /** The list stopped at the cap: only the newest turns are shown. */
  truncated: boolean;
}

export type SessionHostMessage =
  /** What the page saves (`setState`) so the panel comes back after a window reload. */
  | { type: 'persist'; state: SessionPanelState }
  | { type: 'loading' }
  | { type: 'error'; message: string }
  | { type: 'session'; header: SessionHeader; turns: TurnHeader[] }
  /** A turn's full request and response, read from its trace when the page showed it. */
  | { type: 'turn'; traceId: string; request: TurnContent; response: TurnContent }
  | { type: 'turnError'; traceId: string; message: string }
  /**
   * A live re-read found turns new since the last listing (`added`, to append after the turns shown, in
   * order) or turns whose listing changed (`updated`: finished, assessed), and the header as it is now.
   */
  | { type: 'turnsChanged'; header: SessionHeader; added: TurnHeader[]; updated: TurnHeader[] }
  /** A live re-read failed (the page keeps its turns and says why); without `error`, one worked again. */
  | { type: 'liveStatus'; error?: string };

export interface SessionRenderSummary {
  session: string;
  turns: number;
  /** Turns drawn in the page (it draws them in batches). */
  shown: number;
  /** Turns whose full content arrived. */
  loaded: number;
  /** How each loaded turn's request and response are drawn, in turn order: `chat/text`, … */
  kinds: string[];
  /** Turns whose trace could not be read (each says why). */
  failed: number;
  error?: string;
}

export type SessionWebviewMessage =
  | { type: 'ready' }
  | { type: 'rendered'; summary: SessionRenderSummary }
  /** The page shows these turns: send their content. */
  | { type: 'needTurns'; traceIds: string[] }
  | { type: 'openTrace'; traceId: string }
  | { type: 'copy'; text: string }
  | { type: 'refresh' };
