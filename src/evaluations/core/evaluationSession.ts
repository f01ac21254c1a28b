import type { TrackingStore } from '../../mlflow/store';
import type { TraceInfo } from '../../mlflow/traceTypes';
import type { CallOptions } from '../../mlflow/types';
import { describeMlflowError } from '../../traces/core/errorText';
import { NewestLoad } from '../../vscode/newestLoad';
import { WebviewSession } from '../../vscode/webviewSession';
import { compareEvaluations } from './compareEvaluations';
import { buildEvaluationTable, evaluationTracesFilter } from './evaluationTable';
import type { EvaluationHostMessage, EvaluationRenderSummary, EvaluationTable, EvaluationTarget, EvaluationView, EvaluationWebviewMessage } from './protocol';
import { unhandledMessage } from '../../vscode/unhandledMessage';

/** Traces read per page: what MLflow's evaluation page asks for. */
const PAGE_SIZE = 100;
/** 2,000 rows: more than anyone reads in a table; the page says when there were more. */
const MAX_PAGES = 20;

/** Reads one evaluation run's rows (its traces, with their assessments) and builds its table. */
export async function loadEvaluationTable(store: TrackingStore, runId: string, options?: CallOptions): Promise<EvaluationTable> {
  const traceStore = store.traces;
  if (!traceStore) throw new Error('This store holds no MLflow 3 traces, so it has no evaluation results.');
  const run = await store.getRun(runId, options);
  const filter = evaluationTracesFilter(runId);
  const traces: TraceInfo[] = [];
  let pageToken: string | undefined;
  let truncated = false;
  for (let page = 0; ; page++) {
    if (page === MAX_PAGES) {
      truncated = true;
      break;
    }
    const result = await traceStore.searchTraces({ experimentIds: [run.info.experimentId], filter, maxResults: PAGE_SIZE, ...(pageToken ? { pageToken } : {}) }, options);
    traces.push(...result.items);
    pageToken = result.nextPageToken;
    if (!pageToken) break;
  }
  return buildEvaluationTable(run, traces, truncated);
}

export type { EvaluationTarget };

export interface EvaluationSessionHost {
  post(message: EvaluationHostMessage): void;
  openTrace(traceId: string): void;
  setTitle(title: string): void;
  log: { error(message: string): void };
}

/**
 * The host side of one evaluation panel, free of VS Code: loads the run (or both runs), sends the
 * table or the comparison, and opens a row's trace when the page asks for one of the rows it was sent.
 */
export class EvaluationSession extends WebviewSession<EvaluationHostMessage, EvaluationWebviewMessage, EvaluationRenderSummary> {
  private view: EvaluationView | undefined;
  private loadError: string | undefined;
  private readonly loads = new NewestLoad();
  readonly loaded: Promise<void>;

  constructor(
    private readonly host: EvaluationSessionHost,
    readonly target: EvaluationTarget,
    private readonly store: () => TrackingStore | undefined,
  ) {
    super((message) => host.post(message), 'Evaluation panel', host.log);
    this.loaded = this.load();
  }

  async load(): Promise<void> {
    this.channel.post({ type: 'loading', title: 'Loading evaluation results…' });
    const outcome = await this.loads.run(async (): Promise<EvaluationView> => {
      const store = this.store();
      if (!store) throw new Error('Not connected to an MLflow tracking store.');
      if (this.target.mode === 'table') return { mode: 'table', table: await loadEvaluationTable(store, this.target.runId) };
      const [a, b] = await Promise.all(this.target.runIds.map((id) => loadEvaluationTable(store, id)));
      return { mode: 'compare', comparison: compareEvaluations(a!, b!) };
    });
    if (!outcome) return;
    if (outcome.ok) {
      const view = outcome.value;
      this.host.setTitle(view.mode === 'table' ? `Evaluation ${view.table.runName}` : `Evaluations ${view.comparison.a.runName} ↔ ${view.comparison.b.runName}`);
      this.view = view;
      this.loadError = undefined;
    } else {
      this.loadError = describeMlflowError(outcome.error);
    }
    this.sendAll();
  }

  /** What the panel shows now (for tests). */
  get current(): EvaluationView | undefined {
    return this.view;
  }

  protected parse(raw: unknown): EvaluationWebviewMessage | undefined {
    return parseEvaluationMessage(raw);
  }

  protected sendAll(): void {
    this.channel.post({ type: 'persist', state: this.target });
    if (this.loadError !== undefined) this.channel.post({ type: 'error', message: this.loadError });
    else if (this.view) this.channel.post({ type: 'view', view: this.view });
    else this.channel.post({ type: 'loading', title: 'Loading evaluation results…' });
  }

  protected handle(message: Exclude<EvaluationWebviewMessage, { type: 'ready' | 'rendered' }>): void {
    switch (message.type) {
      case 'openTrace':
        // Only a trace this panel listed may be opened: the id came back from the page.
        if (this.traceIds().has(message.traceId)) this.host.openTrace(message.traceId);
        else this.host.log.error('Evaluation panel: ignored a request to open a trace it does not list');
        return;
      case 'refresh':
        void this.load();
        return;
      default:
        unhandledMessage(message);
    }
  }

  private traceIds(): Set<string> {
    const view = this.view;
    if (!view) return new Set();
    if (view.mode === 'table') return new Set(view.table.rows.map((r) => r.traceId));
    return new Set(view.comparison.rows.flatMap((r) => [r.a?.traceId, r.b?.traceId]).filter((id): id is string => id !== undefined));
  }

  dispose(): void {
    this.loads.dispose();
  }
}

/** Checks a message from the webview; anything of another shape is dropped. */
export function parseEvaluationMessage(raw: unknown): EvaluationWebviewMessage | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const message = raw as Record<string, unknown>;
  switch (message.type) {
    case 'ready':
    case 'refresh':
      return { type: message.type };
    case 'rendered': {
      const summary = message.summary as Record<string, unknown> | undefined;
      return typeof summary === 'object' && summary !== null && typeof summary.mode === 'string' && Array.isArray(summary.scorers)
        ? { type: 'rendered', summary: summary as unknown as EvaluationRenderSummary }
        : undefined;
    }
    case 'openTrace':
      return typeof message.traceId === 'string' && /^tr-[0-9a-f]{32}$/.test(message.traceId) ? { type: 'openTrace', traceId: message.traceId } : undefined;
    default:
      return undefined;
  }
}

/** A run id as MLflow makes them (32 hex digits); other stores use short word ids. */
const RUN_ID = /^[A-Za-z0-9_-]{1,64}$/;

function isRunId(value: unknown): value is string {
  return typeof value === 'string' && RUN_ID.test(value);
}

/**
 * The state an evaluation page saved (`setState`), as the panel serializer receives it after a window
 * reload: the panel's target, checked like any message from a page; anything else is rejected whole.
 */
export function parseEvaluationState(raw: unknown): EvaluationTarget | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
  const state = raw as Record<string, unknown>;
  if (state.mode === 'table') return isRunId(state.runId) ? { mode: 'table', runId: state.runId } : undefined;
  if (state.mode !== 'compare' || !Array.isArray(state.runIds) || state.runIds.length !== 2) return undefined;
  const [baseline, candidate] = state.runIds as unknown[];
  return isRunId(baseline) && isRunId(candidate) && baseline !== candidate ? { mode: 'compare', runIds: [baseline, candidate] } : undefined;
}
