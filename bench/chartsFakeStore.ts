import { sampleHistories, validateSampleWindow } from '../src/mlflow/sampling';
import type { TrackingStore } from '../src/mlflow/store';
import type { CallOptions, Metric, Page, Run, RunMetric, RunQuery, RunStatus, SampledHistoryQuery } from '../src/mlflow/types';

/**
 * An in-memory tracking store for the charts unit tests and bench: runs and metric histories held
 * in maps, sampled with MLflow's real sampling rule, and every request counted with the bytes a
 * tracking server's JSON answer would have taken (optionally round-tripping through JSON, as the REST
 * client would parse it).
 */
type Used = 'getRun' | 'searchRuns' | 'getMetricHistory' | 'getSampledHistories';

export interface StoreCall {
  method: Used;
  runIds: string[];
  metricKey?: string;
  startStep?: number;
  endStep?: number;
  maxResults?: number;
}

export class FakeTrackingStore implements Pick<TrackingStore, Used> {
  readonly calls: StoreCall[] = [];
  bytes = 0;
  readonly runs = new Map<string, Run>();
  /** runId → metric key → history in step order. */
  readonly histories = new Map<string, Map<string, Metric[]>>();

  constructor(private readonly options: { wire?: boolean } = {}) {}

  /** The store as the feature sees it; methods the charts never call throw. */
  get store(): TrackingStore {
    return new Proxy(this, {
      get: (target, prop) => {
        if (prop in target) {
          const value = Reflect.get(target, prop) as unknown;
          return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
        }
        if (prop === 'description') return 'fake store';
        if (prop === 'dispose') return () => undefined;
        return () => Promise.reject(new Error(`FakeTrackingStore.${String(prop)} is not implemented`));
      },
    }) as unknown as TrackingStore;
  }

  addRun(runId: string, options: { name?: string; status?: RunStatus; startTime?: number; experimentId?: string; params?: Record<string, string> } = {}): Run {
    const run: Run = {
      info: {
        runId,
        experimentId: options.experimentId ?? '1',
        runName: options.name ?? runId,
        userId: 'tester',
        status: options.status ?? 'FINISHED',
        startTime: options.startTime ?? 1_700_000_000_000,
        artifactUri: '',
        lifecycleStage: 'active',
      },
      data: { metrics: [], params: options.params ?? {}, tags: {} },
      inputs: { datasets: [], modelInputs: [] },
      outputs: { modelOutputs: [] },
    };
    this.runs.set(runId, run);
    this.histories.set(runId, new Map());
    return run;
  }

  /** Logs points (in step order) and updates the run's latest-value list, as MLflow does. */
  log(runId: string, key: string, points: readonly { step: number; value: number; timestamp?: number }[]): void {
    const run = this.runs.get(runId);
    const histories = this.histories.get(runId);
    if (!run || !histories) throw new Error(`no run ${runId}`);
    const history = histories.get(key) ?? [];
    const start = run.info.startTime ?? 0;
    for (const p of points) history.push({ key, step: p.step, value: p.value, timestamp: p.timestamp ?? start + p.step * 1000 });
    histories.set(key, history);
    const latest = history[history.length - 1];
    run.data.metrics = [...run.data.metrics.filter((m) => m.key !== key), latest];
  }

  setStatus(runId: string, status: RunStatus): void {
    const run = this.runs.get(runId);
    if (run) run.info.status = status;
  }

  count(method: Used): number {
    return this.calls.filter((c) => c.method === method).length;
  }

  async getRun(runId: string, _options?: CallOptions): Promise<Run> {
    this.calls.push({ method: 'getRun', runIds: [runId] });
    const run = this.runs.get(runId);
    if (!run) throw new Error(`Run '${runId}' not found`);
    return this.wire(structuredClone(run));
  }

  async searchRuns(query: RunQuery, _options?: CallOptions): Promise<Page<Run>> {
    this.calls.push({ method: 'searchRuns', runIds: [] });
    const items = [...this.runs.values()]
      .filter((r) => query.experimentIds.includes(r.info.experimentId))
      .sort((a, b) => (b.info.startTime ?? 0) - (a.info.startTime ?? 0))
      .slice(0, query.maxResults ?? 1000);
    return this.wire({ items: structuredClone(items) });
  }

  async getMetricHistory(runId: string, metricKey: string, _options?: CallOptions): Promise<Metric[]> {
    this.calls.push({ method: 'getMetricHistory', runIds: [runId], metricKey });
    const history = this.histories.get(runId)?.get(metricKey) ?? [];
    return this.wireMetrics(history.map((m) => ({ ...m, runId }))).map(({ key, value, timestamp, step }) => ({ key, value, timestamp, step }));
  }

  async getSampledHistories(query: SampledHistoryQuery, _options?: CallOptions): Promise<RunMetric[]> {
    const { runIds, metricKey, maxResults, startStep, endStep } = query;
    this.calls.push({ method: 'getSampledHistories', runIds: [...runIds], metricKey, maxResults, startStep, endStep });
    validateSampleWindow({ maxResults, startStep, endStep }, runIds.length);
    const histories = new Map(runIds.map((id) => [id, this.histories.get(id)?.get(metricKey) ?? []]));
    return this.wireMetrics(sampleHistories(histories, { maxResults, startStep, endStep }));
  }

  /** Counts the bytes MLflow's JSON would take; in wire mode the caller also pays for parsing it. */
  private wireMetrics(points: RunMetric[]): RunMetric[] {
    const body = JSON.stringify({
      metrics: points.map((p) => ({ run_id: p.runId, key: p.key, value: Number.isFinite(p.value) ? p.value : String(p.value), timestamp: p.timestamp, step: p.step })),
    });
    this.bytes += body.length;
    if (!this.options.wire) return points;
    const parsed = JSON.parse(body) as { metrics: { run_id: string; key: string; value: number | string; timestamp: number; step: number }[] };
    return parsed.metrics.map((m) => ({ runId: m.run_id, key: m.key, value: Number(m.value), timestamp: m.timestamp, step: m.step }));
  }

  private wire<T>(value: T): T {
    this.bytes += JSON.stringify(value).length;
    return value;
  }
}
