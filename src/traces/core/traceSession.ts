import { describeMlflowError } from './errorText';
import type { AssessmentUpdate, TraceStore } from '../../mlflow/traceStore';
import type { Assessment, Span, Trace } from '../../mlflow/traceTypes';
import { NewestLoad } from '../../vscode/newestLoad';
import { WebviewSession } from '../../vscode/webviewSession';
import type { AssessmentDraft, AssessmentEdit, AttachmentRef, SpanDetail, TraceHostMessage, TraceRenderSummary, TraceView, TraceWebviewMessage } from './protocol';
import { type SourceQuery, sourceQuery } from './spanSource';
import { buildTraceView, parseAssessmentValue, parseDraft, spanDetail } from './traceView';
import { unhandledMessage } from '../../vscode/unhandledMessage';
import { parseCopyMessage } from './copyMessage';

export interface TraceSessionHost {
  post(message: TraceHostMessage): void;
  copy(text: string): void;
  openAttachment(traceId: string, attachment: AttachmentRef, bytes: Uint8Array): void;
  setTitle(title: string): void;
  /** Opens a span's function in the workspace; resolves with why not, or undefined when it did. */
  openSource(query: SourceQuery): Promise<string | undefined>;
  /** Tells the rest of the extension (the traces list) that the trace's assessments changed. */
  changed(traceId: string): void;
  log: { error(message: string): void };
}

export interface TraceSessionSource {
  store(): TraceStore | undefined;
  /** Who a new HUMAN assessment is from (MLflow's UI uses the signed-in user). */
  reviewer(): string;
}

/**
 * The host side of one trace panel, free of VS Code: loads the trace, sends its span tree, sends one
 * span's details when the page asks (so a 200 KB input or a 199-span trace never crosses at once), and
 * adds or deletes assessments against a writable store, then reloads.
 */
export class TraceSession extends WebviewSession<TraceHostMessage, TraceWebviewMessage, TraceRenderSummary> {
  private trace: Trace | undefined;
  private view: TraceView | undefined;
  private ordered: Span[] = [];
  /** The first span start: the zero of event offsets. */
  private originNs: string | undefined;
  private selected = 0;
  private loadError: string | undefined;
  private readonly loads = new NewestLoad();
  readonly loaded: Promise<void>;

  constructor(
    private readonly host: TraceSessionHost,
    readonly traceId: string,
    private readonly source: TraceSessionSource,
  ) {
    super((message) => host.post(message), 'Trace panel', host.log);
    this.loaded = this.load();
  }

  /** (Re)reads the trace from the store and re-sends everything. */
  async load(): Promise<void> {
    this.channel.post({ type: 'loading', traceId: this.traceId });
    const store = this.source.store();
    const outcome = await this.loads.run(async () => {
      if (!store) throw new Error('Not connected to an MLflow tracking store.');
      const trace = await store.getTrace(this.traceId);
      const readOnlyReason = store.readOnly ? 'This store is read directly from disk: start a tracking server for it to add assessments.' : undefined;
      return { trace, ...buildTraceView(trace, readOnlyReason) };
    });
    if (!outcome) return;
    if (outcome.ok) {
      const { trace, view, ordered, originNs } = outcome.value;
      this.trace = trace;
      this.view = view;
      this.ordered = ordered;
      this.originNs = originNs;
      this.loadError = undefined;
      if (this.selected >= ordered.length) this.selected = 0;
      this.host.setTitle(`Trace ${view.name}`);
    } else {
      this.loadError = describeMlflowError(outcome.error);
    }
    this.sendAll();
  }

  protected parse(raw: unknown): TraceWebviewMessage | undefined {
    return parseTraceMessage(raw);
  }

  protected sendAll(): void {
    this.channel.post({ type: 'persist', state: { traceId: this.traceId } });
    if (this.loadError !== undefined) {
      this.channel.post({ type: 'error', message: this.loadError });
      return;
    }
    if (!this.view) {
      this.channel.post({ type: 'loading', traceId: this.traceId });
      return;
    }
    const detail = this.detailOf(this.selected);
    this.channel.post(detail ? { type: 'trace', view: this.view, span: detail } : { type: 'trace', view: this.view });
  }

  private detailOf(index: number): SpanDetail | undefined {
    const span = this.ordered[index];
    if (!span) return undefined;
    this.selected = index;
    return spanDetail(span, index, this.originNs);
  }

  private sendSpan(index: number): void {
    const detail = this.detailOf(index);
    if (detail) this.channel.post({ type: 'span', detail });
  }

  protected handle(message: Exclude<TraceWebviewMessage, { type: 'ready' | 'rendered' }>): void {
    switch (message.type) {
      case 'selectSpan':
        this.sendSpan(message.index);
        return;
      case 'addAssessment':
        void this.addAssessment(message.draft);
        return;
      case 'deleteAssessment':
        void this.deleteAssessment(message.assessmentId);
        return;
      case 'editAssessment':
        void this.editAssessment(message.edit);
        return;
      case 'overrideAssessment':
        void this.overrideAssessment(message.edit);
        return;
      case 'copy':
        this.host.copy(message.text);
        return;
      case 'openAttachment':
        void this.openAttachment(message.attachment);
        return;
      case 'refresh':
        void this.load();
        return;
      case 'openSource':
        void this.openSource(message.index);
        return;
      default:
        unhandledMessage(message);
    }
  }

  async addAssessment(draft: AssessmentDraft): Promise<void> {
    await this.write(async (store) => {
      await store.createAssessment({ ...parseDraft(draft), traceId: this.traceId, source: { type: 'HUMAN', id: this.source.reviewer() } });
    });
  }

  /** Changes an assessment's value and rationale in place (PATCH with update_mask). */
  async editAssessment(edit: AssessmentEdit): Promise<void> {
    await this.write(async (store) => {
      const old = this.assessmentOnTrace(edit.assessmentId);
      const update: AssessmentUpdate = { kind: old.kind, value: parseAssessmentValue(edit.value) };
      const rationale = edit.rationale?.trim();
      if (rationale && rationale !== old.rationale) update.rationale = rationale;
      await store.updateAssessment(this.traceId, old.assessmentId, update);
    });
  }

  /**
   * MLflow's override: a new HUMAN feedback of the same name (and span) whose `overrides` names the old
   * one; the server then marks the old one `valid: false` and keeps it.
   */
  async overrideAssessment(edit: AssessmentEdit): Promise<void> {
    await this.write(async (store) => {
      const old = this.assessmentOnTrace(edit.assessmentId);
      if (old.kind !== 'feedback') throw new Error('Only feedback can be overridden; edit an expectation instead.');
      const draft: AssessmentDraft = { kind: 'feedback', name: old.name, value: edit.value, overrides: old.assessmentId };
      if (old.spanId) draft.spanId = old.spanId;
      if (edit.rationale?.trim()) draft.rationale = edit.rationale;
      await store.createAssessment({ ...parseDraft(draft), traceId: this.traceId, source: { type: 'HUMAN', id: this.source.reviewer() } });
    });
  }

  private assessmentOnTrace(assessmentId: string): Assessment {
    const found = this.trace?.info.assessments.find((a) => a.assessmentId === assessmentId);
    if (!found) throw new Error('That assessment is not on this trace.');
    return found;
  }

  /** One assessment write: the result to the page, the list told, the trace reloaded. */
  private async write(action: (store: TraceStore) => Promise<void>): Promise<void> {
    const store = this.source.store();
    try {
      if (!store) throw new Error('Not connected to an MLflow tracking store.');
      await action(store);
      this.channel.post({ type: 'assessmentResult', ok: true });
      this.host.changed(this.traceId);
      await this.load();
    } catch (error) {
      this.channel.post({ type: 'assessmentResult', ok: false, message: describeMlflowError(error) });
    }
  }

  async deleteAssessment(assessmentId: string): Promise<void> {
    await this.write(async (store) => {
      await store.deleteAssessment(this.traceId, this.assessmentOnTrace(assessmentId).assessmentId);
    });
  }

  /** "Open Source" on a span: its function, found from what MLflow recorded (see spanSource.ts). */
  async openSource(index: number): Promise<string | undefined> {
    const span = this.ordered[index];
    if (!span || !this.trace) return undefined;
    let reason: string | undefined;
    try {
      reason = await this.host.openSource(sourceQuery(span, this.trace.info.metadata));
    } catch (error) {
      reason = describeMlflowError(error);
    }
    if (reason) this.channel.post({ type: 'sourceResult', message: reason });
    return reason;
  }

  private async openAttachment(attachment: AttachmentRef): Promise<void> {
    const store = this.source.store();
    try {
      if (!store) throw new Error('Not connected to an MLflow tracking store.');
      // Only attachments this trace references may be fetched.
      const known = this.ordered.some((span) => JSON.stringify([span.attributes['mlflow.spanInputs'], span.attributes['mlflow.spanOutputs']]).includes(`mlflow-attachment://${attachment.id}`));
      if (!known) throw new Error('That attachment is not referenced by this trace.');
      this.host.openAttachment(this.traceId, attachment, await store.readAttachment(this.traceId, attachment.id));
    } catch (error) {
      this.channel.post({ type: 'error', message: describeMlflowError(error) });
    }
  }

  dispose(): void {
    this.loads.dispose();
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optionalString(v: unknown): v is string | undefined {
  return v === undefined || typeof v === 'string';
}

/** Checks a message from the webview; anything of another shape is dropped. */
export function parseTraceMessage(raw: unknown): TraceWebviewMessage | undefined {
  if (!isRecord(raw)) return undefined;
  switch (raw.type) {
    case 'ready':
    case 'refresh':
      return { type: raw.type };
    case 'rendered':
      return isRecord(raw.summary) && typeof raw.summary.traceId === 'string' ? { type: 'rendered', summary: raw.summary as unknown as TraceRenderSummary } : undefined;
    case 'openSource':
      return Number.isInteger(raw.index) && (raw.index as number) >= 0 ? { type: 'openSource', index: raw.index as number } : undefined;
    case 'selectSpan':
      return Number.isInteger(raw.index) && (raw.index as number) >= 0 ? { type: 'selectSpan', index: raw.index as number } : undefined;
    case 'copy':
      return parseCopyMessage(raw);
    case 'deleteAssessment':
      return typeof raw.assessmentId === 'string' ? { type: 'deleteAssessment', assessmentId: raw.assessmentId } : undefined;
    case 'editAssessment':
    case 'overrideAssessment': {
      const e = raw.edit;
      if (!isRecord(e) || typeof e.assessmentId !== 'string' || typeof e.value !== 'string' || !optionalString(e.rationale)) return undefined;
      const edit: AssessmentEdit = { assessmentId: e.assessmentId, value: e.value };
      if (e.rationale !== undefined) edit.rationale = e.rationale;
      return { type: raw.type, edit };
    }
    case 'openAttachment': {
      const a = raw.attachment;
      return isRecord(a) && typeof a.id === 'string' && /^[A-Za-z0-9-]{1,64}$/.test(a.id) && typeof a.contentType === 'string'
        ? { type: 'openAttachment', attachment: { id: a.id, contentType: a.contentType, ...(typeof a.size === 'number' ? { size: a.size } : {}) } }
        : undefined;
    }
    case 'addAssessment': {
      const d = raw.draft;
      if (!isRecord(d) || (d.kind !== 'feedback' && d.kind !== 'expectation') || typeof d.name !== 'string' || typeof d.value !== 'string') return undefined;
      if (!optionalString(d.rationale) || !optionalString(d.spanId) || !optionalString(d.overrides)) return undefined;
      const draft: AssessmentDraft = { kind: d.kind, name: d.name, value: d.value };
      if (d.rationale !== undefined) draft.rationale = d.rationale;
      if (d.spanId !== undefined) draft.spanId = d.spanId;
      if (d.overrides !== undefined) draft.overrides = d.overrides;
      return { type: 'addAssessment', draft };
    }
    default:
      return undefined;
  }
}
