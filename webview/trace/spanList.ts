import type { SpanRow } from '../../src/traces/core/protocol';
import { element } from '../shared/dom';
import { formatMs, typeBadge } from '../shared/spans';

/** Row height in px: fixed, so the list can draw only the rows in view. */
export const ROW_HEIGHT = 24;
const OVERSCAN = 10;

/**
 * The span tree beside its waterfall, virtualised: only the rows in view (plus a margin) exist in the
 * DOM. Subtrees collapse; arrow keys move the selection.
 */
export class SpanList {
  readonly element: HTMLElement;
  private readonly spacer: HTMLElement;
  private rows: SpanRow[] = [];
  private visible: SpanRow[] = [];
  private readonly collapsed = new Set<number>();
  private extentMs = 1;
  private selected = 0;
  private frame = 0;

  constructor(private readonly onSelect: (index: number) => void) {
    this.spacer = element('div', { className: 'span-spacer' });
    this.element = element('div', { className: 'span-list', attributes: { id: 'spans', role: 'tree', tabindex: '0', 'aria-label': 'Spans' } }, this.spacer);
    this.element.addEventListener('scroll', () => this.schedule());
    this.element.addEventListener('keydown', (event) => this.key(event));
  }

  setRows(rows: SpanRow[], extentMs: number): void {
    this.rows = rows;
    this.extentMs = Math.max(extentMs, 0.001);
    this.collapsed.clear();
    this.refreshVisible();
  }

  select(index: number): void {
    this.selected = index;
    // Reveal: expand collapsed ancestors, then scroll the row into view.
    let parent = this.rows[index]?.parentIndex;
    while (parent !== undefined) {
      this.collapsed.delete(parent);
      parent = this.rows[parent]?.parentIndex;
    }
    this.refreshVisible();
    const position = this.visible.findIndex((r) => r.index === index);
    if (position >= 0) {
      const top = position * ROW_HEIGHT;
      if (top < this.element.scrollTop || top + ROW_HEIGHT > this.element.scrollTop + this.element.clientHeight) {
        this.element.scrollTop = Math.max(0, top - this.element.clientHeight / 2);
      }
    }
    this.draw();
  }

  /** How many row elements exist right now (the page test checks the virtualisation). */
  get drawnRows(): number {
    return this.spacer.querySelectorAll('.span-row').length;
  }

  private refreshVisible(): void {
    const hidden = new Set<number>();
    this.visible = this.rows.filter((row) => {
      if (row.parentIndex !== undefined && (hidden.has(row.parentIndex) || this.collapsed.has(row.parentIndex))) {
        hidden.add(row.index);
        return false;
      }
      return true;
    });
    this.spacer.style.height = `${this.visible.length * ROW_HEIGHT}px`;
    this.draw();
  }

  private schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private draw(): void {
    const height = this.element.clientHeight || 600;
    const first = Math.max(0, Math.floor(this.element.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(this.visible.length, Math.ceil((this.element.scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
    const nodes: HTMLElement[] = [];
    for (let i = first; i < last; i++) nodes.push(this.rowElement(this.visible[i]!, i));
    this.spacer.replaceChildren(...nodes);
  }

  private rowElement(row: SpanRow, position: number): HTMLElement {
    const classes = ['span-row'];
    if (row.status === 'ERROR') classes.push('error');
    if (row.index === this.selected) classes.push('selected');
    const toggle = element('span', { className: 'toggle', text: row.childCount === 0 ? '' : this.collapsed.has(row.index) ? '▸' : '▾' });
    toggle.addEventListener('click', (event) => {
      event.stopPropagation();
      if (row.childCount === 0) return;
      if (this.collapsed.has(row.index)) this.collapsed.delete(row.index);
      else this.collapsed.add(row.index);
      this.refreshVisible();
    });
    const name = element('span', { className: 'span-name', text: row.name, title: row.name });
    const label = element('span', { className: 'span-label' }, toggle, typeBadge(row.spanType), name);
    label.style.paddingLeft = `${row.depth * 14}px`;
    if (row.hasException) label.append(element('span', { className: 'exception-mark', text: '⚠', title: 'exception event' }));
    const bar = element('span', { className: 'bar' });
    bar.style.left = `${(row.startMs / this.extentMs) * 100}%`;
    bar.style.width = `${Math.max((row.durationMs / this.extentMs) * 100, 0.3)}%`;
    const timeline = element('span', { className: 'timeline' }, bar);
    const duration = element('span', { className: 'duration', text: formatMs(row.durationMs) });
    const item = element(
      'div',
      {
        className: classes.join(' '),
        attributes: {
          role: 'treeitem',
          'aria-level': String(row.depth + 1),
          'aria-selected': String(row.index === this.selected),
          'data-index': String(row.index),
        },
      },
      label,
      timeline,
      duration,
    );
    item.style.top = `${position * ROW_HEIGHT}px`;
    item.addEventListener('click', () => this.onSelect(row.index));
    return item;
  }

  private key(event: KeyboardEvent): void {
    const position = this.visible.findIndex((r) => r.index === this.selected);
    let next: SpanRow | undefined;
    if (event.key === 'ArrowDown') next = this.visible[Math.min(this.visible.length - 1, position + 1)];
    else if (event.key === 'ArrowUp') next = this.visible[Math.max(0, position - 1)];
    else return;
    event.preventDefault();
    if (next) this.onSelect(next.index);
  }
}
