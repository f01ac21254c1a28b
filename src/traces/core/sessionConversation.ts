import type { TraceStore } from '../../mlflow/traceStore';
import { type TraceInfo, TraceKeys } from '../../mlflow/traceTypes';
import { NewestLoad } from '../../vscode/newestLoad';
import { WebviewSession } from '../../vscode/webviewSession';
import { describeMlflowError } from './errorText';
import type { SessionHeader, SessionHostMessage, SessionRenderSummary, SessionWebviewMessage, TurnContent, TurnHeader } from './sessionProtocol';
import { listSessionTraces, mergeSessionTraces, SESSION_PAGE_SIZE, type SessionMerge } from './sessionTraces';
import { turnHeaders, turnOf } from './sessionTurns';
import { unhandledMessage } from '../../vscode/unhandledMessage';
import type { SessionPanelState } from './panelState';
import { parseCopyMessage } from './copyMessage';

export interface SessionConversationHost {
  post(message: SessionHostMessage): void;
  copy(text: string): void;
  openTrace(traceId: string): void;
  setTitle(title: string): void;
  log: { error(message: string): void };
}

export interface SessionTarget {
  experimentId: string;
  session: string;
}

/** Traces read at once for the turns the page shows: enough to fill a screen, few enough for a busy server. */
const CONCURRENT_READS = 3;
/** The page asks for what it shows; a message naming more ids than this is cut (a page draws 50 at a time). */
const MAX_IDS_PER_REQUEST = 200;

type TurnResult = { ok: true; request: TurnContent; response: TurnContent } | { ok: false; message: string };

/**
 * The host side of one session conversation panel, free of VS Code: lists every trace of the session
 * (oldest first) and sends their headers at once, then reads a turn's trace (its root span's request and
 * response) only when the page says it shows that turn, a few at a time, and keeps what it read.
 */
export class SessionConversation extends WebviewSession<SessionHostMessage, SessionWebviewMessage, SessionRenderSummary> {
  private header: SessionHeader | undefined;
  /** The session's traces as listed, in turn order (what `turns` is made from). */
  private infos: TraceInfo[] = [];
  private turns: TurnHeader[] = [];
  private loadError: string | undefined;
  /** Why the last live re-read failed, while the turns shown are kept; cleared by the next that works. */
  private liveError: string | undefined;
  private readonly results = new Map<string, TurnResult>();
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private reading = 0;
  /** Bumped by every load: a turn read for an older listing is dropped. */
  private generation = 0;
  private disposed = false;
  private readonly loads = new NewestLoad();
  readonly loaded: Promise<void>;

  constructor(
    private readonly host: SessionConversationHost,
    readonly target: SessionTarget,
    private readonly store: () => TraceStore | undefined,
  ) {
    super((message) => host.post(message), 'Session conversation panel', host.log);
    this.loaded = this.load();
  }

  /** (Re)lists the session's traces and re-sends everything; turns are read again as the page asks. */
  async load(): Promise<void> {
    this.channel.post({ type: 'loading' });
    const outcome = await this.loads.run(async () => {
      const store = this.store();
      if (!store) throw new Error('Not connected to an MLflow tracking store.');
      return listSessionTraces(store, this.target.experimentId, this.target.session);
    });
    if (!outcome) return;
    this.liveError = undefined;
    if (outcome.ok) this.list(outcome.value.traces, outcome.value.truncated);
    else {
      this.forgetReads();
      this.loadError = describeMlflowError(outcome.error);
    }
    this.sendAll();
  }

  /** A new listing replaces the turns: what was read for the last one is dropped. */
  private list(traces: TraceInfo[], truncated: boolean): void {
    this.forgetReads();
    this.infos = traces;
    this.header = this.headerOf(traces, truncated);
    this.turns = turnHeaders(traces);
    this.loadError = traces.length === 0 ? `No traces of session ${this.target.session} in this experiment.` : undefined;
    this.host.setTitle(`Session ${this.target.session}`);
  }

  private forgetReads(): void {
    this.generation++;
    this.results.clear();
    this.queue.length = 0;
    this.queued.clear();
  }

  private headerOf(traces: readonly TraceInfo[], truncated: boolean): SessionHeader {
    const users = new Set(traces.map((t) => t.metadata[TraceKeys.user]).filter((u): u is string => !!u));
    return { session: this.target.session, experimentId: this.target.experimentId, users: [...users].sort(), truncated };
  }

  /**
   * One live re-read, on the panel's timer while it is visible: lists the session's newest traces and
   * sends only what changed (new turns to append after those shown, turns that finished or were
   * assessed), so the page keeps its scroll position and the turns it read. A failure shows as a notice
   * over the turns and is thrown, so the timer backs off as the Traces view's does.
   */
  async refreshLive(): Promise<void> {
    const store = this.store();
    if (!store || this.disposed) return;
    const generation = this.generation;
    const known = this.infos;
    let merge: SessionMerge;
    let truncated = this.header?.truncated ?? false;
    try {
      const newest = await listSessionTraces(store, this.target.experimentId, this.target.session, { max: SESSION_PAGE_SIZE });
      merge = mergeSessionTraces(known, newest.traces, newest.truncated);
      if (merge.gap) {
        // More new turns than one page holds: read them all (as a first load would), still merged in place.
        const all = await listSessionTraces(store, this.target.experimentId, this.target.session);
        merge = mergeSessionTraces(known, all.traces, false);
        truncated = all.truncated;
      }
    } catch (error) {
      if (this.disposed || generation !== this.generation) return;
      this.liveError = describeMlflowError(error);
      this.channel.post({ type: 'liveStatus', error: this.liveError });
      throw error;
    }
    // A load (Refresh, another store) landed meanwhile: its listing is newer than this one.
    if (this.disposed || generation !== this.generation) return;
    if (this.liveError !== undefined) {
      this.liveError = undefined;
      this.channel.post({ type: 'liveStatus' });
    }
    if (this.loadError !== undefined || !this.header) {
      // Nothing was shown (no turns yet, or the first load failed): this is the first listing, sent when
      // it says something new (the first turns, or "no traces" after a failure).
      const previous = this.loadError;
      this.list(merge.traces, truncated);
      if (merge.traces.length > 0 || this.loadError !== previous) this.sendAll();
      return;
    }
    if (merge.added.length === 0 && merge.updated.length === 0) return;
    const before = this.turns.length;
    const states = new Map(known.map((t) => [t.traceId, t.state]));
    for (const trace of merge.updated) {
      // A turn read while its trace was still running may lack its response: read it again when shown.
      if (states.get(trace.traceId) !== trace.state) this.results.delete(trace.traceId);
    }
    this.infos = merge.traces;
    this.header = this.headerOf(merge.traces, truncated);
    this.turns = turnHeaders(merge.traces);
    const updated = new Set(merge.updated.map((t) => t.traceId));
    this.channel.post({ type: 'turnsChanged', header: this.header, added: this.turns.slice(before), updated: this.turns.filter((t) => updated.has(t.traceId)) });
  }

  /** What the page saves so the panel comes back after a window reload. */
  get persistedState(): SessionPanelState {
    return { experimentId: this.target.experimentId, session: this.target.session };
  }

  /** The trace ids of the session, oldest first (for tests). */
  get traceIds(): string[] {
    return this.turns.map((t) => t.traceId);
  }

  protected parse(raw: unknown): SessionWebviewMessage | undefined {
    return parseSessionMessage(raw);
  }

  protected sendAll(): void {
    this.channel.post({ type: 'persist', state: this.persistedState });
    if (this.loadError !== undefined) {
      this.channel.post({ type: 'error', message: this.loadError });
      return;
    }
    if (!this.header) {
      this.channel.post({ type: 'loading' });
      return;
    }
    this.channel.post({ type: 'session', header: this.header, turns: this.turns });
    for (const [traceId, result] of this.results) this.sendTurn(traceId, result);
    if (this.liveError !== undefined) this.channel.post({ type: 'liveStatus', error: this.liveError });
  }

  protected handle(message: Exclude<SessionWebviewMessage, { type: 'ready' | 'rendered' }>): void {
    switch (message.type) {
      case 'needTurns':
        this.need(message.traceIds);
        return;
      case 'openTrace':
        // Only a trace of this session: the page must not name arbitrary ids.
        if (this.turns.some((t) => t.traceId === message.traceId)) this.host.openTrace(message.traceId);
        return;
      case 'copy':
        this.host.copy(message.text);
        return;
      case 'refresh':
        void this.load();
        return;
      default:
        unhandledMessage(message);
    }
  }

  private need(traceIds: readonly string[]): void {
    const known = new Set(this.turns.map((t) => t.traceId));
    for (const id of traceIds.slice(0, MAX_IDS_PER_REQUEST)) {
      if (!known.has(id) || this.queued.has(id)) continue;
      const done = this.results.get(id);
      if (done) {
        this.sendTurn(id, done);
        continue;
      }
      this.queued.add(id);
      this.queue.push(id);
    }
    this.pump();
  }

  private pump(): void {
    while (!this.disposed && this.reading < CONCURRENT_READS && this.queue.length > 0) {
      const traceId = this.queue.shift()!;
      this.reading++;
      void this.read(traceId, this.generation).finally(() => {
        this.reading--;
        this.pump();
      });
    }
  }

  private async read(traceId: string, generation: number): Promise<void> {
    let result: TurnResult;
    try {
      const store = this.store();
      if (!store) throw new Error('Not connected to an MLflow tracking store.');
      result = { ok: true, ...turnOf(await store.getTrace(traceId)) };
    } catch (error) {
      result = { ok: false, message: describeMlflowError(error) };
    }
    if (this.disposed || generation !== this.generation) return;
    this.queued.delete(traceId);
    // A failed read is not kept: the page asks again when the turn is shown again (or on Refresh).
    if (result.ok) this.results.set(traceId, result);
    this.sendTurn(traceId, result);
  }

  private sendTurn(traceId: string, result: TurnResult): void {
    if (result.ok) this.channel.post({ type: 'turn', traceId, request: result.request, response: result.response });
    else this.channel.post({ type: 'turnError', traceId, message: result.message });
  }

  dispose(): void {
    this.disposed = true;
    this.loads.dispose();
  }
}

/** Checks a message from the webview; anything of another shape is dropped. */
export function parseSessionMessage(raw: unknown): SessionWebviewMessage | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const m = raw as Record<string, unknown>;
  switch (m.type) {
    case 'ready':
      return { type: 'ready' };
    case 'refresh':
      return { type: 'refresh' };
    case 'rendered': {
      const s = m.summary as Record<string, unknown> | undefined;
      return typeof s === 'object' && s !== null && typeof s.session === 'string' && typeof s.turns === 'number' ? { type: 'rendered', summary: s as unknown as SessionRenderSummary } : undefined;
    }
    case 'needTurns':
      return Array.isArray(m.traceIds) && m.traceIds.every((id) => typeof id === 'string') ? { type: 'needTurns', traceIds: m.traceIds as string[] } : undefined;
    case 'openTrace':
      return typeof m.traceId === 'string' ? { type: 'openTrace', traceId: m.traceId } : undefined;
    case 'copy':
      return parseCopyMessage(m);
    default:
      return undefined;
  }
}
