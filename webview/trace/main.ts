import type { TracePanelState } from '../../src/traces/core/panelState';
import type {
  AssessmentDraft,
  AssessmentEdit,
  AssessmentView,
  SpanDetail,
  TraceHostMessage,
  TraceRenderSummary,
  TraceView,
  TraceWebviewMessage,
} from '../../src/traces/core/protocol';
import baseStyles from '../shared/base.css';
import { element } from '../shared/dom';
import { StatusNotice } from '../shared/statusNotice';
import { adoptStyles } from '../shared/styles';
import tracePanelStyles from '../shared/tracePanels.css';
import { connectToHost, type HostConnection } from '../shared/vscodeApi';
import { conversation } from './conversation';
import { JsonTree } from './jsonTree';
import { MAX_MATCHES, SEARCHABLE, findMatches, highlight, unhighlight, type SearchMatch } from './search';
import { formatMs, typeBadge } from '../shared/spans';
import { SpanList } from './spanList';
import styles from './trace.css';

/**
 * The trace panel: header (name, state, duration, tokens, session), the span tree with its waterfall,
 * and the selected span's conversation / inputs / outputs / attributes / events, with the trace's and
 * the span's assessments and a form to add one. Every string from the trace is set as text.
 */
class TraceApp {
  private readonly host: HostConnection<TraceWebviewMessage, TracePanelState>;
  private readonly header = element('header', { className: 'toolbar trace-header' });
  private readonly notice = new StatusNotice();
  private readonly spans: SpanList;
  private readonly detail = element('section', { className: 'detail', attributes: { id: 'detail', 'aria-label': 'Selected span' } });
  private readonly assessments = element('section', { className: 'assessments', attributes: { id: 'assessments', 'aria-label': 'Assessments' } });
  private view: TraceView | undefined;
  private span: SpanDetail | undefined;
  private formMessage = '';
  private sourceMessage: string | undefined;
  private readonly search = new SpanSearch(() => this.report());

  constructor(root: HTMLElement) {
    this.spans = new SpanList((index) => this.host.post({ type: 'selectSpan', index }));
    root.append(
      this.header,
      this.notice.element,
      element('div', { className: 'layout' }, element('div', { className: 'tree-pane' }, this.spans.element), element('div', { className: 'side' }, this.detail, this.assessments)),
    );
    this.host = connectToHost<TraceHostMessage, TraceWebviewMessage, TracePanelState>((message) => this.handle(message));
    this.host.post({ type: 'ready' });
  }

  private handle(message: TraceHostMessage): void {
    switch (message.type) {
      case 'persist':
        // The panel serializer gets this back after a window reload and re-opens the panel from it.
        this.host.saveState(message.state);
        return;
      case 'loading':
        this.notice.loading('Loading trace…');
        return;
      case 'error':
        this.notice.fail(message.message);
        this.report();
        return;
      case 'trace':
        this.notice.loaded(message.view.partial ? 'Some spans of this trace were never exported; showing the spans that exist.' : '');
        this.view = message.view;
        this.renderHeader(message.view);
        this.spans.setRows(message.view.spans, message.view.extentMs);
        if (message.span) this.showSpan(message.span);
        this.renderAssessments();
        this.report();
        return;
      case 'span':
        this.showSpan(message.detail);
        this.renderAssessments();
        this.report();
        return;
      case 'sourceResult':
        this.sourceMessage = message.message;
        this.notice.show(message.message);
        this.report();
        return;
      case 'assessmentResult':
        this.formMessage = message.ok ? 'Saved.' : (message.message ?? 'Failed.');
        this.renderAssessments();
        this.report();
        return;
      default:
        assertNever(message);
    }
  }

  private showSpan(detail: SpanDetail): void {
    this.span = detail;
    this.spans.select(detail.index);
    this.renderDetail(detail);
  }

  private renderHeader(view: TraceView): void {
    const facts: (Node | string)[] = [
      element('span', { className: `state state-${view.state.toLowerCase()}`, text: view.state, attributes: { id: 'trace-state' } }),
    ];
    if (view.durationMs !== undefined) facts.push(element('span', { text: formatMs(view.durationMs), title: 'Duration' }));
    if (view.tokens?.total !== undefined) facts.push(element('span', { text: `${view.tokens.total} tokens (in ${view.tokens.input ?? '?'}, out ${view.tokens.output ?? '?'})` }));
    if (view.costUsd !== undefined) facts.push(element('span', { text: `$${view.costUsd.toPrecision(3)}` }));
    if (view.session) facts.push(element('span', { text: `session ${view.session}` }));
    if (view.user) facts.push(element('span', { text: `user ${view.user}` }));
    const copy = element('button', { text: 'Copy ID', attributes: { id: 'copy-trace-id' } });
    copy.addEventListener('click', () => this.host.post({ type: 'copy', text: view.traceId }));
    const refresh = element('button', { text: 'Refresh', attributes: { id: 'refresh' } });
    refresh.addEventListener('click', () => this.host.post({ type: 'refresh' }));
    this.header.replaceChildren(
      element('h1', { text: view.name, attributes: { id: 'trace-name' } }),
      element('code', { text: view.traceId, attributes: { id: 'trace-id' } }),
      ...facts,
      copy,
      refresh,
    );
  }

  private renderDetail(detail: SpanDetail): void {
    const row = this.view?.spans[detail.index];
    const heading = element('div', { className: 'detail-heading' }, typeBadge(detail.spanType), element('h2', { text: detail.name, attributes: { id: 'span-name' } }));
    const facts = element('div', { className: 'facts' });
    if (row) {
      facts.append(element('span', { text: `${formatMs(row.durationMs)} at +${formatMs(row.startMs)}` }));
      facts.append(element('span', { className: row.status === 'ERROR' ? 'state state-error' : 'state', text: row.status }));
    }
    if (detail.functionName) facts.append(element('code', { text: detail.functionName }));
    const source = element('button', { text: 'Open Source', attributes: { id: 'open-source', title: detail.functionName ? `Open ${detail.functionName} in the workspace` : 'Find this span’s function in the workspace' } });
    source.addEventListener('click', () => {
      this.sourceMessage = undefined;
      this.host.post({ type: 'openSource', index: detail.index });
    });
    facts.append(source);
    if (detail.model) facts.append(element('span', { text: detail.model }));
    if (detail.tokens) facts.append(element('span', { text: `${detail.tokens.total ?? '?'} tokens (in ${detail.tokens.input ?? '?'}, out ${detail.tokens.output ?? '?'})` }));
    if (detail.costUsd !== undefined) facts.append(element('span', { text: `$${detail.costUsd.toPrecision(3)}` }));
    const parts: HTMLElement[] = [heading, facts];
    if (row?.statusMessage) parts.push(element('pre', { className: 'status-message', text: row.statusMessage }));
    parts.push(this.search.element);
    if (detail.chat) parts.push(this.section('Conversation', conversation(detail.chat, (text) => this.host.post({ type: 'copy', text })), 'conversation', detail.chat));
    const inputs = new JsonTree(detail.inputs);
    const outputs = new JsonTree(detail.outputs);
    parts.push(this.section('Inputs', inputs.element, 'inputs', detail.inputs));
    parts.push(this.section('Outputs', outputs.element, 'outputs', detail.outputs));
    if (detail.attachments.length > 0) {
      const list = element('div', { className: 'attachments' });
      for (const attachment of detail.attachments) {
        const button = element('button', { text: `Open ${attachment.contentType} attachment${attachment.size !== undefined ? ` (${attachment.size} B)` : ''}` });
        button.addEventListener('click', () => this.host.post({ type: 'openAttachment', attachment }));
        list.append(button);
      }
      parts.push(this.section('Attachments', list, 'attachments'));
    }
    if (detail.events.length > 0) {
      const events = element('div', { className: 'events' });
      for (const event of detail.events) {
        const box = element('div', { className: event.isException ? 'event exception' : 'event' }, element('strong', { text: event.name }), ` +${formatMs(event.offsetMs)}`);
        for (const [key, value] of event.attributes) {
          box.append(key === 'exception.stacktrace' ? element('pre', { text: value }) : element('div', {}, element('span', { className: 'key', text: key }), ': ', element('span', { text: value })));
        }
        events.append(box);
      }
      parts.push(this.section(`Events (${detail.events.length})`, events, 'events'));
    }
    if (detail.attributes.length > 0) {
      const table = element('table', { className: 'attributes' });
      for (const [key, value] of detail.attributes) {
        table.append(element('tr', {}, element('th', { text: key }), element('td', { text: value.length > 2000 ? `${value.slice(0, 2000)}…` : value, title: value.length > 2000 ? `${value.length} characters` : '' })));
      }
      parts.push(this.section('Attributes', table, 'attributes'));
    }
    this.detail.replaceChildren(...parts);
    this.search.attach(detail, { inputs, outputs }, this.detail);
  }

  private section(title: string, body: HTMLElement, id: string, copyValue?: unknown): HTMLElement {
    const head = element('div', { className: 'section-head' }, element('h3', { text: title }));
    if (copyValue !== undefined) {
      const copy = element('button', { className: 'link', text: 'Copy', attributes: { 'aria-label': `Copy ${title}` } });
      copy.addEventListener('click', () => this.host.post({ type: 'copy', text: JSON.stringify(copyValue, null, 2) ?? 'null' }));
      head.append(copy);
    }
    return element('div', { className: 'section', attributes: { id: `section-${id}` } }, head, body);
  }

  private renderAssessments(): void {
    const view = this.view;
    if (!view) return;
    const spanId = this.span?.spanId;
    const rootSpanId = view.spans[0]?.spanId;
    const traceLevel = view.assessments.filter((a) => !a.spanId || a.spanId === rootSpanId);
    const spanLevel = spanId && spanId !== rootSpanId ? view.assessments.filter((a) => a.spanId === spanId) : [];
    const parts: HTMLElement[] = [element('h3', { text: `Assessments (${view.assessments.length})` })];
    const actions: AssessmentActions | undefined =
      view.readOnlyReason === undefined
        ? {
            remove: (id) => this.host.post({ type: 'deleteAssessment', assessmentId: id }),
            edit: (edit) => {
              this.formMessage = 'Saving…';
              this.host.post({ type: 'editAssessment', edit });
            },
            override: (edit) => {
              this.formMessage = 'Saving…';
              this.host.post({ type: 'overrideAssessment', edit });
            },
          }
        : undefined;
    parts.push(assessmentList(traceLevel, 'trace-assessments', view.assessments, actions));
    if (spanLevel.length > 0) {
      parts.push(element('h4', { text: 'On this span' }));
      parts.push(assessmentList(spanLevel, 'span-assessments', view.assessments, actions));
    }
    parts.push(this.form(view));
    this.assessments.replaceChildren(...parts);
  }

  private form(view: TraceView): HTMLElement {
    if (view.readOnlyReason) return element('p', { className: 'notice', text: view.readOnlyReason, attributes: { id: 'assessment-readonly' } });
    const kind = element('select', { attributes: { id: 'assessment-kind', 'aria-label': 'Kind' } }, element('option', { text: 'Feedback', attributes: { value: 'feedback' } }), element('option', { text: 'Expectation', attributes: { value: 'expectation' } }));
    const name = element('input', { attributes: { id: 'assessment-name', type: 'text', placeholder: 'name (e.g. helpful)', 'aria-label': 'Name' } });
    const value = element('input', { attributes: { id: 'assessment-value', type: 'text', placeholder: 'value: true, 0.8, text or JSON', 'aria-label': 'Value' } });
    const rationale = element('textarea', { attributes: { id: 'assessment-rationale', rows: '2', placeholder: 'rationale (optional)', 'aria-label': 'Rationale' } });
    const onSpan = element('input', { attributes: { id: 'assessment-on-span', type: 'checkbox' } });
    const spanLabel = element('label', { attributes: { for: 'assessment-on-span' } }, onSpan, ` on span “${this.span?.name ?? ''}”`);
    const submit = (draftValue?: string): void => {
      const draft: AssessmentDraft = { kind: kind.value === 'expectation' ? 'expectation' : 'feedback', name: name.value, value: draftValue ?? value.value };
      if (rationale.value.trim()) draft.rationale = rationale.value;
      if (onSpan.checked && this.span) draft.spanId = this.span.spanId;
      this.formMessage = 'Saving…';
      this.host.post({ type: 'addAssessment', draft });
    };
    const up = element('button', { text: '👍', title: 'Feedback: true', attributes: { id: 'assessment-thumbs-up', 'aria-label': 'Thumbs up' } });
    up.addEventListener('click', () => {
      kind.value = 'feedback';
      submit('true');
    });
    const down = element('button', { text: '👎', title: 'Feedback: false', attributes: { id: 'assessment-thumbs-down', 'aria-label': 'Thumbs down' } });
    down.addEventListener('click', () => {
      kind.value = 'feedback';
      submit('false');
    });
    const add = element('button', { text: 'Add', attributes: { id: 'assessment-add' } });
    add.addEventListener('click', () => submit());
    return element(
      'div',
      { className: 'assessment-form', attributes: { id: 'assessment-form' } },
      element('h4', { text: 'Add assessment' }),
      element('div', { className: 'row' }, kind, name),
      element('div', { className: 'row' }, value, up, down),
      rationale,
      spanLabel,
      element('div', { className: 'row' }, add, element('span', { className: 'notice', text: this.formMessage, attributes: { id: 'assessment-message', role: 'status' } })),
    );
  }

  private report(): void {
    const summary: TraceRenderSummary = {
      traceId: this.view?.traceId ?? '',
      spans: this.view?.spans.length ?? 0,
      errorSpans: this.view?.spans.filter((s) => s.status === 'ERROR').length ?? 0,
      assessments: this.view?.assessments.length ?? 0,
    };
    if (this.span) {
      summary.selectedSpan = this.span.name;
      summary.inputsAs = this.span.chat ? 'chat' : this.span.inputs === null ? 'none' : 'json';
    }
    if (this.notice.error) summary.error = this.notice.error;
    if (this.sourceMessage) summary.sourceMessage = this.sourceMessage;
    const search = this.search.state();
    if (search) summary.search = search;
    this.host.post({ type: 'rendered', summary });
  }
}

interface AssessmentActions {
  remove(assessmentId: string): void;
  edit(edit: AssessmentEdit): void;
  override(edit: AssessmentEdit): void;
}

function assessmentList(items: AssessmentView[], id: string, all: AssessmentView[], actions?: AssessmentActions): HTMLElement {
  const list = element('ul', { className: 'assessment-list', attributes: { id } });
  if (items.length === 0) list.append(element('li', { className: 'notice', text: 'None.' }));
  const byId = new Map(all.map((a) => [a.assessmentId, a]));
  for (const a of items) {
    const item = element('li', { className: `assessment ${a.valid ? '' : 'overridden'} ${a.error ? 'failed' : ''}`, attributes: { 'data-assessment-id': a.assessmentId } });
    item.append(element('span', { className: `kind kind-${a.kind}`, text: a.kind === 'feedback' ? 'F' : 'E', title: a.kind }));
    item.append(element('strong', { text: a.name || '(unnamed)' }), ': ');
    item.append(element('span', { className: 'value', text: a.error ? `error ${a.error.code ?? ''} ${a.error.message ?? ''}`.trim() : a.valueText }));
    item.append(element('span', { className: 'source', text: ` — ${a.sourceType}${a.sourceId ? ` ${a.sourceId}` : ''}` }));
    const by = a.overriddenBy ? byId.get(a.overriddenBy) : undefined;
    if (!a.valid || by) {
      item.append(' ', element('span', { className: 'badge-overridden', text: by ? `overridden by ${by.sourceType}${by.sourceId ? ` ${by.sourceId}` : ''}: ${by.valueText}` : 'overridden' }));
    }
    const replaced = a.overrides ? byId.get(a.overrides) : undefined;
    if (a.overrides) item.append(' ', element('span', { className: 'badge-overrides', text: replaced ? `overrides ${replaced.sourceType}${replaced.sourceId ? ` ${replaced.sourceId}` : ''}: ${replaced.valueText}` : `overrides ${a.overrides}` }));
    if (a.rationale) item.append(element('div', { className: 'rationale', text: a.rationale }));
    if (actions) {
      const buttons: HTMLElement[] = [];
      const button = (label: string, onClick: () => void): void => {
        const b = element('button', { className: `link assessment-${label.toLowerCase()}`, text: label, attributes: { 'aria-label': `${label} assessment ${a.name}` } });
        b.addEventListener('click', onClick);
        buttons.push(b);
      };
      button('Edit', () => item.append(editForm(a, 'edit', actions.edit)));
      if (a.kind === 'feedback' && a.valid) button('Override', () => item.append(editForm(a, 'override', actions.override)));
      button('Delete', () => actions.remove(a.assessmentId));
      item.append(' ', ...buttons);
    }
    list.append(item);
  }
  return list;
}

/** The inline form of Edit (the same assessment, changed) and Override (a new HUMAN feedback replacing it). */
function editForm(a: AssessmentView, mode: 'edit' | 'override', submit: (edit: AssessmentEdit) => void): HTMLElement {
  const existing = document.querySelector(`.assessment-edit-form`);
  existing?.remove();
  const value = element('input', { attributes: { type: 'text', class: 'edit-value', 'aria-label': 'New value' } });
  value.value = mode === 'edit' ? a.valueText : '';
  const rationale = element('textarea', { attributes: { rows: '2', class: 'edit-rationale', 'aria-label': 'Rationale', placeholder: mode === 'override' ? 'why (optional)' : 'rationale (optional)' } });
  rationale.value = mode === 'edit' ? (a.rationale ?? '') : '';
  const save = element('button', { className: 'edit-save', text: mode === 'edit' ? 'Save' : 'Override' });
  const cancel = element('button', { className: 'edit-cancel', text: 'Cancel' });
  const form = element('div', { className: `assessment-edit-form mode-${mode}` }, element('div', { className: 'row' }, value, save, cancel), rationale);
  save.addEventListener('click', () => {
    const edit: AssessmentEdit = { assessmentId: a.assessmentId, value: value.value };
    if (rationale.value.trim()) edit.rationale = rationale.value;
    submit(edit);
  });
  cancel.addEventListener('click', () => form.remove());
  queueMicrotask(() => value.focus());
  return form;
}

/**
 * The search box over the selected span's conversation, inputs and outputs: every match highlighted
 * where it is drawn, the current one opened (its JSON path expanded, a long string shown whole) and
 * scrolled to; Enter / Shift+Enter and the arrows step through them. The query stays across spans.
 */
class SpanSearch {
  readonly element: HTMLElement;
  private readonly input: HTMLInputElement;
  private readonly count: HTMLElement;
  private detail: SpanDetail | undefined;
  private trees: Partial<Record<'inputs' | 'outputs', JsonTree>> = {};
  private container: HTMLElement | undefined;
  private matches: SearchMatch[] = [];
  private current = -1;
  private highlighted: HTMLElement[] = [];
  /** The element holding the current match's text. */
  private target: HTMLElement | undefined;

  constructor(private readonly changed: () => void) {
    this.input = element('input', { attributes: { id: 'span-search', type: 'search', placeholder: 'Search inputs and outputs', 'aria-label': 'Search inputs and outputs' } });
    this.count = element('span', { className: 'notice', attributes: { id: 'search-count', role: 'status' } });
    const previous = element('button', { text: '↑', title: 'Previous match (Shift+Enter)', attributes: { id: 'search-previous', 'aria-label': 'Previous match' } });
    const next = element('button', { text: '↓', title: 'Next match (Enter)', attributes: { id: 'search-next', 'aria-label': 'Next match' } });
    previous.addEventListener('click', () => this.step(-1));
    next.addEventListener('click', () => this.step(1));
    this.input.addEventListener('input', () => this.run());
    this.input.addEventListener('keydown', (event) => {
      if (event.key !== 'Enter') return;
      event.preventDefault();
      this.step(event.shiftKey ? -1 : 1);
    });
    this.element = element('div', { className: 'span-search row', attributes: { id: 'span-search-bar' } }, this.input, previous, next, this.count);
  }

  /** A new span was drawn: search it for the current query. */
  attach(detail: SpanDetail, trees: Record<'inputs' | 'outputs', JsonTree>, container: HTMLElement): void {
    this.detail = detail;
    this.trees = trees;
    this.target = undefined;
    if (this.container !== container) {
      // A node the user opens later gets its highlights too (toggle does not bubble: capture it).
      container.addEventListener('toggle', () => this.paint(this.input.value), true);
      container.addEventListener('click', (event) => {
        if (event.target instanceof HTMLButtonElement && /^Show /.test(event.target.textContent ?? '')) queueMicrotask(() => this.paint(this.input.value));
      });
    }
    this.container = container;
    this.highlighted = [];
    this.run();
  }

  state(): { query: string; matches: number; current: number } | undefined {
    const query = this.input.value;
    return query === '' ? undefined : { query, matches: this.matches.length, current: this.current };
  }

  private run(): void {
    const query = this.input.value;
    this.matches = this.detail ? findMatches(this.detail, query) : [];
    this.current = this.matches.length > 0 ? 0 : -1;
    this.show();
  }

  private step(by: number): void {
    if (this.matches.length === 0) return;
    this.current = (this.current + by + this.matches.length) % this.matches.length;
    this.show();
  }

  private show(): void {
    const query = this.input.value;
    const match = this.matches[this.current];
    this.target = match && this.container ? this.open(match) : undefined;
    this.paint(query);
    this.target?.querySelector('mark.search-hit.current')?.scrollIntoView({ block: 'center' });
    this.count.textContent = query === '' ? '' : this.matches.length === 0 ? 'No matches' : `${this.current + 1} of ${this.matches.length}${this.matches.length >= MAX_MATCHES ? '+' : ''}`;
    this.changed();
  }

  /** Opens the path to a match and returns the element holding its text. */
  private open(match: SearchMatch): HTMLElement | undefined {
    if (match.section === 'conversation') {
      return this.container?.querySelectorAll<HTMLElement>('#section-conversation .message')[Number(match.path[0])];
    }
    const found = this.trees[match.section]?.reveal(match.path);
    if (!found) return undefined;
    if (match.part === 'value') {
      // A long string shows its first 2,000 characters: a match past them needs the whole string.
      if (match.offset > 1_900) found.showAll();
      return found.value;
    }
    return found.key;
  }

  /** Highlights every occurrence in what is drawn (a few hundred elements at most: the tree is lazy). */
  private paint(query: string): void {
    for (const el of this.highlighted) unhighlight(el);
    this.highlighted = [];
    if (query === '' || !this.container) return;
    for (const el of this.container.querySelectorAll<HTMLElement>(SEARCHABLE)) {
      if (el.closest('#section-attributes, #section-events, #span-search-bar')) continue;
      if (highlight(el, query).length > 0) this.highlighted.push(el);
    }
    this.target?.querySelector('mark.search-hit')?.classList.add('current');
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled message ${JSON.stringify(value)}`);
}

adoptStyles(baseStyles, tracePanelStyles, styles);
const root = document.getElementById('app');
if (root) new TraceApp(root);
