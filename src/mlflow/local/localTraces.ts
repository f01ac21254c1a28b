import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import { MlflowError, ReadOnlyStoreError } from '../errors';
import type { AssessmentUpdate } from '../traceStore';
import type { Assessment, NewAssessment, Span, Trace } from '../traceTypes';
import { TraceKeys } from '../traceTypes';
import { parseSpanJson, toSpan } from '../spanValues';
import type { CallOptions } from '../types';
import { arrayField, isRecord } from '../values';
import { readArtifactFile, throwIfAborted } from './artifactFiles';

/** What the SQLite and file-store trace readers share: `traces.json`, attachments, read-only writes. */

/**
 * The assessment writes of a trace store read straight from disk: like the rest of a local store
 * (ReadOnlyWrites), every write rejects with ReadOnlyStoreError naming the store, so the user is told
 * to serve it and write through the server.
 */
export abstract class ReadOnlyAssessments {
  readonly readOnly = true;
  abstract readonly description: string;

  private reject(operation: string): Promise<never> {
    return Promise.reject(new ReadOnlyStoreError(operation, this.description));
  }

  createAssessment(_assessment: NewAssessment): Promise<Assessment> {
    return this.reject('Adding an assessment');
  }

  updateAssessment(_traceId: string, _assessmentId: string, _update: AssessmentUpdate): Promise<Assessment> {
    return this.reject('Editing an assessment');
  }

  deleteAssessment(): Promise<void> {
    return this.reject('Deleting an assessment');
  }
}

/** `<trace artifact folder>/traces.json`: the spans of a trace exported to the artifact store. */
export function traceDataFile(folder: string): string {
  return path.join(folder, 'traces.json');
}

/** Spans from a `traces.json` (MLflow's span dicts: JSON-string attributes, base64 ids). */
export async function spansFromTraceData(file: string, traceId: string, options?: CallOptions): Promise<Span[]> {
  throwIfAborted(options);
  let textContent: string;
  try {
    textContent = await readFile(file, 'utf8');
  } catch {
    throw new MlflowError(`The spans of trace ${traceId} are not in this store (no ${path.basename(file)}).`, 'RESOURCE_DOES_NOT_EXIST', 404);
  }
  let document: unknown;
  try {
    document = parseSpanJson(textContent, (doc) => (isRecord(doc) ? doc.spans : undefined));
  } catch {
    throw new MlflowError(`The spans of trace ${traceId} could not be read: ${file} is not valid JSON (being written?).`, 'STORE_BUSY');
  }
  return arrayField(document, 'spans')
    .map((s) => toSpan(s, traceId))
    .sort((a, b) => compareNanos(a.startTimeNs, b.startTimeNs));
}

/** Attachment ids are UUIDs; anything else (a path) is refused before touching the disk. */
export async function traceAttachment(folder: string, attachmentId: string, traceId: string, options?: CallOptions): Promise<Uint8Array> {
  if (!/^[A-Za-z0-9-]{1,64}$/.test(attachmentId)) {
    throw new MlflowError(`Invalid attachment id ${JSON.stringify(attachmentId.slice(0, 80))}`, 'INVALID_PARAMETER_VALUE', 400);
  }
  return readArtifactFile(folder, `attachments/${attachmentId}`, `trace ${traceId}`, options);
}

/** Marks a trace whose store holds fewer spans than its size stats recorded (an interrupted export). */
export function withPartialFlag(trace: Trace): Trace {
  const stats = trace.info.metadata[TraceKeys.sizeStats];
  if (!stats) return trace;
  try {
    const numSpans = (JSON.parse(stats) as { num_spans?: unknown }).num_spans;
    if (typeof numSpans === 'number' && trace.spans.length < numSpans) return { ...trace, partial: true };
  } catch {
    // Unreadable stats say nothing about completeness.
  }
  return trace;
}

/** Orders decimal nanosecond strings without converting them to doubles. */
export function compareNanos(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
