import type { TrackingStore } from '../mlflow/store';
import type { Metric, Run } from '../mlflow/types';
import { WebviewSession } from '../vscode/webviewSession';
import type { Logger } from './chartsSession';
import { buildCompareModel } from './compareModel';
import { parseCompareMessage } from './messages';
import type { CompareHostMessage, CompareModel, CompareRenderSummary, CompareViewState, CompareWebviewMessage } from './protocol';
import { mapLimit } from './series';
import { unhandledMessage } from '../vscode/unhandledMessage';

export interface CompareSessionHost {
  post(message: CompareHostMessage): void;
  diffParams(runIdA: string, runIdB: string): Promise<void>;
  openCharts(runIds: string[], metricKeys: string[]): void;
  setTitle(title: string): void;
  log: Logger;
}

/** Histories are read whole for exact min/max; a compare of many runs × metrics stays polite. */
const CONCURRENT_REQUESTS = 8;

/**
 * The compare panel without VS Code: loads the runs and their metric histories, builds the table model,
 * answers the webview. The panel wires it to a WebviewPanel; tests use a fake store.
 */
export class CompareSession extends WebviewSession<CompareHostMessage, CompareWebviewMessage, CompareRenderSummary> {
  private viewState: CompareViewState;
  private model: CompareModel | undefined;
  private error: string | undefined;
  private abort = new AbortController();
  private generation = 0;

  constructor(
    private readonly host: CompareSessionHost,
    state: CompareViewState,
    private readonly store: () => TrackingStore | undefined,
  ) {
    super((m) => host.post(m), 'Compare', host.log);
    this.viewState = state;
    void this.load();
  }

  get state(): CompareViewState {
    return this.viewState;
  }

  protected parse(raw: unknown): CompareWebviewMessage | undefined {
    return parseCompareMessage(raw);
  }

  protected handle(message: Exclude<CompareWebviewMessage, { type: 'ready' | 'rendered' }>): void {
    switch (message.type) {
      case 'viewState':
        this.viewState = { ...message.state, runIds: this.viewState.runIds };
        return;
      case 'diffParams':
        this.host.diffParams(message.runIdA, message.runIdB).catch((error: unknown) => {
          this.host.log.error('Compare: diff failed', error);
          this.channel.post({ type: 'error', message: `Could not diff: ${errorMessage(error)}` });
        });
        return;
      case 'openCharts':
        this.host.openCharts(message.runIds, message.metricKeys);
        return;
      default:
        unhandledMessage(message);
    }
  }

  reload(): void {
    void this.load();
  }

  dispose(): void {
    this.generation++;
    this.abort.abort();
  }

  private async load(): Promise<void> {
    const generation = ++this.generation;
    this.abort.abort();
    this.abort = new AbortController();
    this.model = undefined;
    this.error = undefined;
    const store = this.store();
    if (!store) {
      this.error = 'Not connected to an MLflow tracking store. Connect, and this panel loads.';
      this.sendAll();
      return;
    }
    try {
      const model = await loadCompareModel(store, this.viewState.runIds, this.abort.signal, this.host.log);
      if (generation !== this.generation) return;
      this.model = model;
      this.host.setTitle(model.runs.length === 2 ? `Compare: ${model.runs[0].runName} ↔ ${model.runs[1].runName}` : `Compare: ${model.runs.length} runs`);
    } catch (error) {
      if (generation !== this.generation) return;
      this.host.log.error('Compare: could not load the runs', error);
      this.error = `Could not load the runs: ${errorMessage(error)}`;
    }
    this.sendAll();
  }

  protected sendAll(): void {
    if (!this.channel.isReady) return;
    if (this.model) this.channel.post({ type: 'init', model: this.model, state: this.viewState });
    else if (this.error) this.channel.post({ type: 'error', message: this.error });
  }
}

/** Runs that can't be read are left out (and logged) rather than failing the whole table. */
export async function loadCompareModel(store: TrackingStore, runIds: readonly string[], signal: AbortSignal, log: Logger): Promise<CompareModel> {
  const runs = (
    await mapLimit([...new Set(runIds)], CONCURRENT_REQUESTS, (id) =>
      store.getRun(id, { signal }).catch((error: unknown) => {
        log.error(`Compare: run ${id} could not be read`, error);
        return undefined;
      }),
    )
  ).filter((r): r is Run => r !== undefined);
  if (runs.length === 0) throw new Error('none of the runs could be read');
  const jobs = runs.flatMap((run) => run.data.metrics.map((m) => ({ runId: run.info.runId, key: m.key })));
  const histories = await mapLimit(jobs, CONCURRENT_REQUESTS, (job) =>
    store.getMetricHistory(job.runId, job.key, { signal }).catch(() => [] as Metric[]),
  );
  const byRun = new Map<string, Map<string, Metric[]>>();
  jobs.forEach((job, i) => {
    const runMap = byRun.get(job.runId) ?? new Map<string, Metric[]>();
    runMap.set(job.key, histories[i]);
    byRun.set(job.runId, runMap);
  });
  return buildCompareModel(runs, byRun, Date.now());
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
