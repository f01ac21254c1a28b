import type { Assessment, NewAssessment, Trace, TraceInfo, TraceQuery } from './traceTypes';
import type { CallOptions, Page } from './types';

/**
 * MLflow 3 GenAI reads (and, on a server, assessment writes) of one tracking backend. Every
 * TrackingStore that can hold traces exposes one as `traces`; the views show trace nodes only where
 * `available()` says so (MLflow 3 servers, 3.x SQLite schemas, file stores with `traces/` folders).
 */
export interface TraceStore {
  /** Local stores are read-only: assessment writes reject with ReadOnlyStoreError. */
  readonly readOnly: boolean;
  available(options?: CallOptions): Promise<boolean>;
  /** Newest first unless `orderBy` says otherwise; pages of at most 500 (the server's limit). */
  searchTraces(query: TraceQuery, options?: CallOptions): Promise<Page<TraceInfo>>;
  getTraceInfo(traceId: string, options?: CallOptions): Promise<TraceInfo>;
  /** Info and spans, wherever the spans live (tracking store or the trace's `traces.json` artifact). */
  getTrace(traceId: string, options?: CallOptions): Promise<Trace>;
  /** The bytes of an `mlflow-attachment://<id>` of a trace. */
  readAttachment(traceId: string, attachmentId: string, options?: CallOptions): Promise<Uint8Array>;
  createAssessment(assessment: NewAssessment, options?: CallOptions): Promise<Assessment>;
  /** Replaces the value and/or rationale of an assessment (MLflow's update_mask). */
  updateAssessment(traceId: string, assessmentId: string, update: AssessmentUpdate, options?: CallOptions): Promise<Assessment>;
  deleteAssessment(traceId: string, assessmentId: string, options?: CallOptions): Promise<void>;
}

export interface AssessmentUpdate {
  kind: 'feedback' | 'expectation';
  value?: unknown;
  rationale?: string;
}

/** Traces are listed at most this many per page: the server answers 400 above it. */
export const MAX_TRACES_PER_PAGE = 500;
