import type { SpanStatusCode, TraceState } from '../../mlflow/traceTypes';
import type { TraceComparePanelState } from './panelState';

/**
 * Messages between the extension host and the Compare Traces webview (`import type` on both sides).
 * Every string came from a tracking server and is untrusted: the page shows it as text only.
 */

export interface CompareTraceHeader {
  traceId: string;
  name: string;
  state: TraceState;
  requestTime: number;
  durationMs?: number;
  totalTokens?: number;
  spans: number;
}

/** One trace's span on a row. Inputs and outputs as text, cut at a few thousand characters. */
export interface CompareSide {
  index: number;
  spanId: string;
  status: SpanStatusCode;
  statusMessage?: string;
  spanType: string;
  durationMs: number;
  inputs: string;
  outputs: string;
}

export type CompareDifference = 'only in A' | 'only in B' | 'status' | 'type' | 'inputs' | 'outputs';

export interface CompareRow {
  /** The span's path (`/root#0/child#1`): what pairs a span of A with one of B. */
  key: string;
  depth: number;
  name: string;
  left?: CompareSide;
  right?: CompareSide;
  differences: CompareDifference[];
}

export interface TraceCompareView {
  a: CompareTraceHeader;
  b: CompareTraceHeader;
  rows: CompareRow[];
  /** Rows with at least one difference. */
  differing: number;
}

export type TraceCompareHostMessage =
  /** What the page saves (`setState`) so the panel comes back after a window reload. */
  | { type: 'persist'; state: TraceComparePanelState }
  | { type: 'loading' }
  | { type: 'compare'; view: TraceCompareView }
  | { type: 'error'; message: string };

export interface TraceCompareRenderSummary {
  a: string;
  b: string;
  rows: number;
  differing: number;
  /** The row whose inputs/outputs are shown. */
  selected?: string;
  error?: string;
}

export type TraceCompareWebviewMessage =
  | { type: 'ready' }
  | { type: 'rendered'; summary: TraceCompareRenderSummary }
  | { type: 'openTrace'; traceId: string }
  | { type: 'copy'; text: string };
