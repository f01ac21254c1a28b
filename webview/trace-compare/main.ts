import type { TraceComparePanelState } from '../../src/traces/core/panelState';
import type {
  CompareSide,
  CompareTraceHeader,
  TraceCompareHostMessage,
  TraceCompareRenderSummary,
  TraceCompareView,
  TraceCompareWebviewMessage,
} from '../../src/traces/core/compareProtocol';
import baseStyles from '../shared/base.css';
import { element } from '../shared/dom';
import { StatusNotice } from '../shared/statusNotice';
import { adoptStyles } from '../shared/styles';
import tracePanelStyles from '../shared/tracePanels.css';
import { connectToHost, type HostConnection } from '../shared/vscodeApi';
import { formatMs, typeBadge } from '../shared/spans';
import styles from './compare.css';

/**
 * Compare Traces: two traces' span trees merged row by row (a span of A beside the span of B at the
 * same path), differences marked, and the selected row's inputs and outputs side by side. Every
 * string from the traces is set as text.
 */
class TraceCompareApp {
  private readonly host: HostConnection<TraceCompareWebviewMessage, TraceComparePanelState>;
  private readonly header = element('header', { className: 'compare-header', attributes: { id: 'compare-header' } });
  private readonly notice = new StatusNotice();
  private readonly onlyDiffs = element('input', { attributes: { id: 'only-differences', type: 'checkbox' } });
  private readonly table = element('table', { className: 'compare-table', attributes: { id: 'compare-rows' } });
  private readonly detail = element('section', { className: 'compare-detail', attributes: { id: 'compare-detail', 'aria-label': 'Selected row' } });
  private view: TraceCompareView | undefined;
  private selected: string | undefined;

  constructor(root: HTMLElement) {
    this.onlyDiffs.addEventListener('change', () => this.renderRows());
    root.append(
      this.header,
      this.notice.element,
      element('label', { className: 'only-differences', attributes: { for: 'only-differences' } }, this.onlyDiffs, ' Only rows that differ'),
      element('div', { className: 'compare-layout' }, element('div', { className: 'table-pane' }, this.table), this.detail),
    );
    this.host = connectToHost<TraceCompareHostMessage, TraceCompareWebviewMessage, TraceComparePanelState>((message) => this.handle(message));
    this.host.post({ type: 'ready' });
  }

  private handle(message: TraceCompareHostMessage): void {
    switch (message.type) {
      case 'persist':
        // The panel serializer gets this back after a window reload and re-opens the panel from it.
        this.host.saveState(message.state);
        return;
      case 'loading':
        this.notice.loading('Loading both traces…');
        return;
      case 'error':
        this.notice.fail(message.message);
        this.report();
        return;
      case 'compare':
        this.view = message.view;
        this.notice.loaded(`${message.view.differing} of ${message.view.rows.length} rows differ.`);
        if (!this.selected || !message.view.rows.some((r) => r.key === this.selected)) this.selected = message.view.rows[0]?.key;
        this.renderHeader(message.view);
        this.renderRows();
        this.renderDetail();
        this.report();
        return;
      default:
        assertNever(message);
    }
  }

  private card(label: 'A' | 'B', h: CompareTraceHeader): HTMLElement {
    const open = element('button', { text: 'Open', attributes: { id: `open-${label.toLowerCase()}`, 'aria-label': `Open trace ${label}` } });
    open.addEventListener('click', () => this.host.post({ type: 'openTrace', traceId: h.traceId }));
    const facts = [
      element('span', { className: `state state-${h.state.toLowerCase()}`, text: h.state }),
      element('span', { text: `${h.spans} spans` }),
    ];
    if (h.durationMs !== undefined) facts.push(element('span', { text: formatMs(h.durationMs) }));
    if (h.totalTokens !== undefined) facts.push(element('span', { text: `${h.totalTokens} tokens` }));
    return element(
      'div',
      { className: `trace-card side-${label.toLowerCase()}`, attributes: { id: `trace-${label.toLowerCase()}` } },
      element('span', { className: 'side-label', text: label }),
      element('strong', { className: 'trace-name', text: h.name }),
      element('code', { text: h.traceId }),
      ...facts,
      open,
    );
  }

  private renderHeader(view: TraceCompareView): void {
    this.header.replaceChildren(this.card('A', view.a), this.card('B', view.b));
  }

  private renderRows(): void {
    const view = this.view;
    if (!view) return;
    const head = element('tr', {}, element('th', { text: 'Span' }), element('th', { text: 'A' }), element('th', { text: 'B' }), element('th', { text: 'Differs in' }));
    const body = element('tbody');
    for (const row of view.rows) {
      if (this.onlyDiffs.checked && row.differences.length === 0) continue;
      const tr = element('tr', {
        className: `compare-row${row.differences.length > 0 ? ' differs' : ''}${row.key === this.selected ? ' selected' : ''}`,
        attributes: { 'data-key': row.key, tabindex: '0' },
      });
      const name = element('td', { className: 'span-name' }, element('span', { className: 'indent', attributes: { 'data-depth': String(Math.min(row.depth, 30)) } }), element('span', { text: row.name }));
      name.querySelector<HTMLElement>('.indent')!.style.width = `${Math.min(row.depth, 30) * 12}px`;
      tr.append(name, sideCell(row.left), sideCell(row.right), element('td', { className: 'differences', text: row.differences.join(', ') }));
      const select = (): void => {
        this.selected = row.key;
        this.renderRows();
        this.renderDetail();
        this.report();
      };
      tr.addEventListener('click', select);
      tr.addEventListener('keydown', (event) => {
        if (event.key === 'Enter' || event.key === ' ') select();
      });
      body.append(tr);
    }
    this.table.replaceChildren(element('thead', {}, head), body);
  }

  private renderDetail(): void {
    const row = this.view?.rows.find((r) => r.key === this.selected);
    if (!row) {
      this.detail.replaceChildren();
      return;
    }
    const pane = (what: 'inputs' | 'outputs'): HTMLElement => {
      const differs = row.differences.includes(what) || row.differences.includes('only in A') || row.differences.includes('only in B');
      const text = (s: CompareSide | undefined): HTMLElement =>
        s ? element('pre', { className: `side-text${differs ? ' differs' : ''}`, text: s[what] === '' ? '(none)' : s[what] }) : element('p', { className: 'notice', text: 'No such span in this trace.' });
      return element(
        'div',
        { className: 'pair', attributes: { id: `pair-${what}` } },
        element('h3', { text: `${what === 'inputs' ? 'Inputs' : 'Outputs'}${differs ? ' (differ)' : ' (same)'}` }),
        element('div', { className: 'pair-columns' }, text(row.left), text(row.right)),
      );
    };
    const status = (s: CompareSide | undefined): string => (s ? `${s.status}${s.statusMessage ? `: ${s.statusMessage}` : ''}` : '—');
    this.detail.replaceChildren(
      element('h2', { text: row.name, attributes: { id: 'selected-name' } }),
      element('div', { className: 'pair-columns status' }, element('div', { text: `A: ${status(row.left)}` }), element('div', { text: `B: ${status(row.right)}` })),
      pane('outputs'),
      pane('inputs'),
    );
  }

  private report(): void {
    const summary: TraceCompareRenderSummary = { a: this.view?.a.traceId ?? '', b: this.view?.b.traceId ?? '', rows: this.view?.rows.length ?? 0, differing: this.view?.differing ?? 0 };
    if (this.selected) summary.selected = this.selected;
    if (this.notice.error) summary.error = this.notice.error;
    this.host.post({ type: 'rendered', summary });
  }
}

function sideCell(side: CompareSide | undefined): HTMLElement {
  if (!side) return element('td', { className: 'missing', text: '—' });
  return element('td', { className: side.status === 'ERROR' ? 'side error' : 'side' }, typeBadge(side.spanType), ` ${side.status} `, element('span', { className: 'duration', text: formatMs(side.durationMs) }));
}

function assertNever(value: never): never {
  throw new Error(`unhandled message ${JSON.stringify(value)}`);
}

adoptStyles(baseStyles, tracePanelStyles, styles);
const root = document.getElementById('app');
if (root) new TraceCompareApp(root);
