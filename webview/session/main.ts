import type { SessionPanelState } from '../../src/traces/core/panelState';
import type { SessionHeader, SessionHostMessage, SessionRenderSummary, SessionWebviewMessage, TurnContent, TurnHeader } from '../../src/traces/core/sessionProtocol';
import baseStyles from '../shared/base.css';
import { element } from '../shared/dom';
import { formatMs } from '../shared/spans';
import { StatusNotice } from '../shared/statusNotice';
import { adoptStyles } from '../shared/styles';
import tracePanelStyles from '../shared/tracePanels.css';
import { connectToHost, type HostConnection } from '../shared/vscodeApi';
import { conversation } from '../trace/conversation';
import { JsonTree } from '../trace/jsonTree';
import traceStyles from '../trace/trace.css';
import styles from './session.css';

/**
 * A session as a conversation: one turn per trace, oldest first, the request as the user's turn and the
 * response as the assistant's, each with its assessments and a link to its trace panel. The turns are
 * drawn in batches; a turn first shows the list's previews and asks the host for its trace's content
 * when it scrolls into view. While the panel is visible the host re-reads the session: new turns are
 * appended below the ones drawn and changed ones are redrawn in place, so the reader keeps their place.
 * Every string from the traces is set as text.
 */

/** Turns drawn at once; "Show more turns" draws the next batch. */
const BATCH = 50;
/** Turns read as soon as they are drawn, before they scroll into view. */
const FIRST_READ = 5;
/** Longer texts show their start and a button for the rest. */
const TEXT_PREVIEW = 4_000;

interface TurnView {
  header: TurnHeader;
  element: HTMLElement;
  user: HTMLElement;
  assistant: HTMLElement;
  requested: boolean;
  kinds?: string;
  failed?: boolean;
}

class SessionApp {
  private readonly host: HostConnection<SessionWebviewMessage, SessionPanelState>;
  private readonly header = element('header', { className: 'toolbar session-header', attributes: { id: 'session-header' } });
  private readonly notice = new StatusNotice();
  private readonly list = element('ol', { className: 'turns', attributes: { id: 'turns', 'aria-label': 'Turns' } });
  private readonly more = element('button', { text: 'Show more turns', attributes: { id: 'more-turns' } });
  private readonly title = element('h1', { attributes: { id: 'session-name' } });
  private readonly facts = element('span', { className: 'session-facts' });
  private readonly copyButton = element('button', { text: 'Copy Session ID', attributes: { id: 'copy-session-id' } });
  private readonly refreshButton = element('button', { text: 'Refresh', attributes: { id: 'refresh' } });
  private session: SessionHeader | undefined;
  private turns: TurnHeader[] = [];
  private readonly views = new Map<string, TurnView>();
  private readonly wanted = new Set<string>();
  private flushScheduled = false;
  private readonly observer: IntersectionObserver;

  constructor(root: HTMLElement) {
    this.more.addEventListener('click', () => this.showBatch());
    this.copyButton.addEventListener('click', () => {
      if (this.session) this.host.post({ type: 'copy', text: this.session.session });
    });
    this.refreshButton.addEventListener('click', () => this.host.post({ type: 'refresh' }));
    this.more.hidden = true;
    root.append(this.header, this.notice.element, this.list, this.more);
    // A turn's content is read when it is (nearly) on screen: a session of hundreds reads what is looked at.
    this.observer = new IntersectionObserver((entries) => this.onVisible(entries), { rootMargin: '400px 0px' });
    this.host = connectToHost<SessionHostMessage, SessionWebviewMessage, SessionPanelState>((message) => this.handle(message));
    this.host.post({ type: 'ready' });
  }

  private handle(message: SessionHostMessage): void {
    switch (message.type) {
      case 'persist':
        // The panel serializer gets this back after a window reload and re-opens the panel from it.
        this.host.saveState(message.state);
        return;
      case 'loading':
        this.notice.loading('Loading the session…');
        return;
      case 'error':
        this.notice.fail(message.message);
        this.report();
        return;
      case 'turnsChanged':
        this.changeTurns(message.header, message.added, message.updated);
        return;
      case 'liveStatus':
        if (message.error) this.notice.fail(`Could not re-read the session (the turns shown are kept; it tries again): ${message.error}`);
        else this.notice.loaded(this.truncatedNote());
        this.report();
        return;
      case 'session':
        this.session = message.header;
        this.turns = message.turns;
        this.notice.loaded(this.truncatedNote());
        this.renderHeader(message.header, message.turns);
        this.observer.disconnect();
        this.views.clear();
        this.wanted.clear();
        this.list.replaceChildren();
        this.showBatch();
        return;
      case 'turn': {
        const view = this.views.get(message.traceId);
        if (!view) return;
        this.fill(view.user, message.request, 'user');
        this.fill(view.assistant, message.response, 'assistant');
        view.kinds = `${message.request.kind}/${message.response.kind}`;
        view.failed = false;
        view.element.classList.add('loaded');
        this.report();
        return;
      }
      case 'turnError': {
        const view = this.views.get(message.traceId);
        if (!view) return;
        view.requested = false;
        view.failed = true;
        view.assistant.querySelector('.turn-error')?.remove();
        view.assistant.append(element('p', { className: 'notice error turn-error', text: message.message }));
        this.report();
        return;
      }
      default:
        assertNever(message);
    }
  }

  private truncatedNote(): string {
    return this.session?.truncated ? `Showing the newest ${this.turns.length} turns of this session.` : '';
  }

  /**
   * A live re-read: the new turns go after the ones drawn (drawn now if every turn was, else counted
   * in "Show more"), and a changed turn is redrawn where it is. Nothing above moves away or is read again.
   */
  private changeTurns(header: SessionHeader, added: TurnHeader[], updated: TurnHeader[]): void {
    const allDrawn = this.views.size === this.turns.length;
    const changed = new Map(updated.map((t) => [t.traceId, t]));
    this.session = header;
    this.turns = [...this.turns.map((t) => changed.get(t.traceId) ?? t), ...added];
    for (const turn of updated) {
      const view = this.views.get(turn.traceId);
      if (view) this.redrawTurn(view, turn);
    }
    this.renderHeader(header, this.turns);
    if (allDrawn) this.showBatch();
    else {
      this.updateMore();
      this.report();
    }
  }

  /** A turn whose listing changed: new facts; its content stays unless the trace's state changed (then it is read again). */
  private redrawTurn(old: TurnView, header: TurnHeader): void {
    const view = this.turnView(header);
    if (old.header.state === header.state && old.requested) {
      view.user.replaceWith(old.user);
      view.assistant.replaceWith(old.assistant);
      view.user = old.user;
      view.assistant = old.assistant;
      view.requested = true;
      if (old.kinds !== undefined) view.kinds = old.kinds;
      if (old.failed !== undefined) view.failed = old.failed;
      if (old.element.classList.contains('loaded')) view.element.classList.add('loaded');
    }
    this.observer.unobserve(old.element);
    old.element.replaceWith(view.element);
    this.views.set(header.traceId, view);
    // Observed again: a turn on screen whose state changed asks for its content at once.
    this.observer.observe(view.element);
  }

  /**
   * The session's name and facts; the buttons are made once, so a live update of the facts leaves the
   * keyboard focus where it was.
   */
  private renderHeader(header: SessionHeader, turns: TurnHeader[]): void {
    const facts: (Node | string)[] = [element('span', { text: `${turns.length} turn${turns.length === 1 ? '' : 's'}`, attributes: { id: 'turn-count' } })];
    if (header.users.length > 0) facts.push(element('span', { text: `user ${header.users.join(', ')}` }));
    const first = turns[0];
    const last = turns.at(-1);
    if (first && last) facts.push(element('span', { text: `${new Date(first.requestTime).toLocaleString()} – ${new Date(last.requestTime).toLocaleTimeString()}` }));
    this.facts.replaceChildren(...facts);
    this.title.textContent = `Session ${header.session}`;
    if (this.header.childElementCount === 0) this.header.append(this.title, this.facts, this.copyButton, this.refreshButton);
  }

  private showBatch(): void {
    const from = this.views.size;
    for (const header of this.turns.slice(from, from + BATCH)) {
      const view = this.turnView(header);
      this.views.set(header.traceId, view);
      this.list.append(view.element);
      this.observer.observe(view.element);
      // The first turns are read at once, whatever the panel's height: a short panel still opens on content.
      if (header.index < FIRST_READ) this.want(view);
    }
    this.updateMore();
    this.report();
  }

  private updateMore(): void {
    const left = this.turns.length - this.views.size;
    this.more.hidden = left <= 0;
    this.more.textContent = `Show ${Math.min(BATCH, left)} more turns (${left} left)`;
  }

  private turnView(header: TurnHeader): TurnView {
    const facts = element('div', { className: 'turn-facts' });
    facts.append(element('span', { className: 'turn-number', text: `#${header.index + 1}` }));
    facts.append(element('span', { text: new Date(header.requestTime).toLocaleTimeString() }));
    facts.append(element('span', { className: `state state-${header.state.toLowerCase()}`, text: header.state }));
    facts.append(element('span', { className: 'turn-name', text: header.name }));
    if (header.durationMs !== undefined) facts.append(element('span', { text: formatMs(header.durationMs) }));
    if (header.totalTokens !== undefined) facts.append(element('span', { text: `${header.totalTokens} tok` }));
    if (header.user) facts.append(element('span', { text: header.user }));
    const open = element('button', { className: 'link open-trace', text: 'Open trace', attributes: { 'aria-label': `Open trace of turn ${header.index + 1}` } });
    open.addEventListener('click', () => this.host.post({ type: 'openTrace', traceId: header.traceId }));
    facts.append(open);

    const assessments = element('ul', { className: 'turn-assessments', attributes: { 'aria-label': 'Assessments' } });
    for (const line of header.assessments) assessments.append(element('li', { className: 'assessment-chip', text: line }));
    if (header.assessmentErrors > 0) assessments.append(element('li', { className: 'assessment-chip failed', text: `${header.assessmentErrors} failed` }));

    const user = element('div', { className: 'turn-side side-user' });
    const assistant = element('div', { className: 'turn-side side-assistant' });
    this.fillPreview(user, header.requestPreview, 'user');
    this.fillPreview(assistant, header.responsePreview, header.state === 'ERROR' ? 'error' : 'assistant');
    const item = element('li', { className: 'turn', attributes: { 'data-trace-id': header.traceId } }, facts);
    if (header.assessments.length > 0 || header.assessmentErrors > 0) item.append(assessments);
    item.append(user, assistant);
    return { header, element: item, user, assistant, requested: false };
  }

  private fillPreview(side: HTMLElement, text: string | undefined, role: string): void {
    side.replaceChildren(element('div', { className: 'role', text: role }));
    side.append(text ? this.longText(text, 'content preview') : element('div', { className: 'notice', text: role === 'error' ? 'No response (the trace failed).' : '(none)' }));
  }

  private fill(side: HTMLElement, content: TurnContent, role: 'user' | 'assistant'): void {
    const copy = (text: string): void => this.host.post({ type: 'copy', text });
    switch (content.kind) {
      case 'chat':
        side.replaceChildren(conversation(content.messages, copy));
        return;
      case 'text':
        side.replaceChildren(element('div', { className: 'role', text: content.label ? `${role} · ${content.label}` : role }), this.longText(content.text, 'content'));
        return;
      case 'json':
        side.replaceChildren(element('div', { className: 'role', text: role }), new JsonTree(content.value).element);
        return;
      case 'none':
        side.replaceChildren(element('div', { className: 'role', text: role }), element('div', { className: 'notice', text: '(none)' }));
        return;
      default:
        assertNever(content);
    }
  }

  private longText(text: string, className: string): HTMLElement {
    if (text.length <= TEXT_PREVIEW) return element('div', { className, text });
    const box = element('div', { className, text: `${text.slice(0, TEXT_PREVIEW)}…` });
    const all = element('button', { className: 'link', text: `Show all ${text.length.toLocaleString()} characters` });
    all.addEventListener('click', () => {
      box.textContent = text;
    });
    return element('div', {}, box, all);
  }

  private onVisible(entries: IntersectionObserverEntry[]): void {
    for (const entry of entries) {
      if (!entry.isIntersecting) continue;
      const traceId = (entry.target as HTMLElement).dataset.traceId;
      const view = traceId ? this.views.get(traceId) : undefined;
      if (view) this.want(view);
    }
  }

  /** Asks the host for a turn's content once; the asks of one task go in one message. */
  private want(view: TurnView): void {
    if (view.requested) return;
    view.requested = true;
    this.wanted.add(view.header.traceId);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => {
        this.flushScheduled = false;
        const traceIds = [...this.wanted];
        this.wanted.clear();
        if (traceIds.length > 0) this.host.post({ type: 'needTurns', traceIds });
      });
    }
  }

  private report(): void {
    const loaded = [...this.views.values()].filter((v) => v.kinds !== undefined);
    const summary: SessionRenderSummary = {
      session: this.session?.session ?? '',
      turns: this.turns.length,
      shown: this.views.size,
      loaded: loaded.length,
      kinds: loaded.sort((a, b) => a.header.index - b.header.index).map((v) => v.kinds!),
      failed: [...this.views.values()].filter((v) => v.failed === true).length,
    };
    if (this.notice.error) summary.error = this.notice.error;
    this.host.post({ type: 'rendered', summary });
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled message ${JSON.stringify(value)}`);
}

adoptStyles(baseStyles, tracePanelStyles, traceStyles, styles);
const root = document.getElementById('app');
if (root) new SessionApp(root);
