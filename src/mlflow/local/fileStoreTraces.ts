import { readdir } from 'node:fs/promises';
import * as path from 'node:path';
import { MlflowError } from '../errors';
import { type SpanSearchRow, needsSpans, searchTraceInfos } from '../traceSearch';
import type { TraceStore } from '../traceStore';
import type { Assessment, Trace, TraceInfo, TraceQuery } from '../traceTypes';
import { toAssessment, toTraceInfo } from '../traceValues';
import type { CallOptions, Page } from '../types';
import { throwIfAborted } from './artifactFiles';
import { listDirs, mapLimit, readKeyValues, readMetaOrSkip } from './fileStoreFiles';
import { experimentDirs } from './fileStoreTracking';
import { ReadOnlyAssessments, spansFromTraceData, traceAttachment, traceDataFile, withPartialFlag } from './localTraces';

/** How many trace folders are read at once. */
const PARALLEL_READS = 32;

/**
 * Traces of a legacy file store (MLflow 3 with MLFLOW_ALLOW_FILE_STORE): `<exp>/traces/<tr-id>/` with
 * `trace_info.yaml`, `request_metadata/<key>`, `tags/<key>`, `assessments/<a-id>.yaml` and the spans
 * in `artifacts/traces.json`. Read-only.
 */
export class FileTraceStore extends ReadOnlyAssessments implements TraceStore {
  constructor(
    private readonly root: string,
    readonly description: string,
  ) {
    super();
  }

  async available(options?: CallOptions): Promise<boolean> {
    throwIfAborted(options);
    for (const experiment of await experimentDirs(this.root)) {
      if ((await listDirs(path.join(experiment.dir, 'traces'))).length > 0) return true;
    }
    return false;
  }

  private async traceDirs(experimentIds: readonly string[]): Promise<string[]> {
    const wanted = new Set(experimentIds);
    const dirs: string[] = [];
    for (const experiment of await experimentDirs(this.root)) {
      if (!wanted.has(experiment.id)) continue;
      const tracesDir = path.join(experiment.dir, 'traces');
      for (const id of await listDirs(tracesDir)) if (/^tr-[0-9a-f]+$/.test(id)) dirs.push(path.join(tracesDir, id));
    }
    return dirs;
  }

  /** The folder of one trace: its id names it, under some experiment. */
  private async traceDir(traceId: string): Promise<string> {
    if (/^tr-[0-9a-f]+$/.test(traceId)) {
      for (const experiment of await experimentDirs(this.root)) {
        const dir = path.join(experiment.dir, 'traces', traceId);
        if ((await listDirs(path.join(experiment.dir, 'traces'))).includes(traceId)) return dir;
      }
    }
    throw new MlflowError(`Trace with ID ${traceId} is not found.`, 'RESOURCE_DOES_NOT_EXIST', 404);
  }

  async searchTraces(query: TraceQuery, options?: CallOptions): Promise<Page<TraceInfo>> {
    throwIfAborted(options);
    // Parsed before anything is read: a filter MLflow's FileStore refuses (span, assessment) fails at once.
    const withSpans = needsSpans(query.filter, 'file');
    const dirs = await this.traceDirs(query.experimentIds);
    const infos = (await mapLimit(dirs, PARALLEL_READS, readTraceInfo)).filter((i): i is TraceInfo => i !== undefined);
    const spans = new Map<string, SpanSearchRow[]>();
    if (withSpans) {
      await mapLimit(infos, PARALLEL_READS, async (info) => {
        const rows = await spansFromTraceData(traceDataFile(path.join(dirs.find((d) => path.basename(d) === info.traceId)!, 'artifacts')), info.traceId).catch(() => []);
        spans.set(
          info.traceId,
          rows.map((s) => ({ name: s.name, type: s.spanType, status: s.status.code, content: JSON.stringify(s) })),
        );
      });
    }
    return searchTraceInfos(infos, query, (id) => spans.get(id) ?? [], 'file');
  }

  async getTraceInfo(traceId: string, options?: CallOptions): Promise<TraceInfo> {
    throwIfAborted(options);
    const info = await readTraceInfo(await this.traceDir(traceId));
    if (!info) throw new MlflowError(`Trace with ID ${traceId} is not found.`, 'RESOURCE_DOES_NOT_EXIST', 404);
    return info;
  }

  async getTrace(traceId: string, options?: CallOptions): Promise<Trace> {
    const dir = await this.traceDir(traceId);
    const info = await this.getTraceInfo(traceId, options);
    return withPartialFlag({ info, spans: await spansFromTraceData(traceDataFile(path.join(dir, 'artifacts')), traceId, options) });
  }

  async readAttachment(traceId: string, attachmentId: string, options?: CallOptions): Promise<Uint8Array> {
    return traceAttachment(path.join(await this.traceDir(traceId), 'artifacts'), attachmentId, traceId, options);
  }
}

async function readTraceInfo(dir: string): Promise<TraceInfo | undefined> {
  const meta = await readMetaOrSkip(path.join(dir, 'trace_info.yaml'));
  if (!meta) return undefined;
  const [metadata, tags, assessments] = await Promise.all([
    readKeyValues(path.join(dir, 'request_metadata')),
    readKeyValues(path.join(dir, 'tags')),
    readAssessments(path.join(dir, 'assessments')),
  ]);
  const info = toTraceInfo({ ...meta, execution_duration: meta.execution_duration_ms ?? meta.execution_duration, trace_metadata: metadata, tags });
  info.assessments = assessments;
  return info;
}

async function readAssessments(dir: string): Promise<Assessment[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.yaml')).sort();
  } catch {
    return [];
  }
  const docs = await Promise.all(names.map((n) => readMetaOrSkip(path.join(dir, n))));
  return docs
    .filter((d) => d !== undefined)
    .map(toAssessment)
    .sort((a, b) => a.createTime - b.createTime);
}
