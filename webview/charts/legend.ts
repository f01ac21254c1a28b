import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { ChartRun, ThemeKind } from '../../src/charts/protocol';
import { clear, element } from '../shared/dom';
import { css, runColor } from '../shared/palette';

export interface LegendCallbacks {
  setHidden(hidden: Set<string>): void;
  /** Pointer over or focus in a run's row; undefined when it leaves. */
  highlight(runId: string | undefined): void;
}

/**
 * The one legend of the panel (the charts share colours, so one list serves all): a checkbox per run
 * to show or hide it, and hovering or focusing a run highlights it in every chart.
 */
export class RunLegend {
  readonly element: HTMLElement;
  private readonly list: HTMLElement;
  private runs: readonly ChartRun[] = [];
  private hidden = new Set<string>();

  constructor(private readonly callbacks: LegendCallbacks) {
    const button = (text: string, action: () => void): HTMLElement => {
      const b = element('vscode-button', { text, attributes: { secondary: '' } });
      b.addEventListener('click', action);
      return b;
    };
    this.list = element('ul', { className: 'legend-list', attributes: { 'aria-label': 'Runs' } });
    this.element = element(
      'section',
      { className: 'legend' },
      element('h2', { text: 'Runs' }),
      element(
        'div',
        { className: 'legend-tools' },
        button('Show all', () => this.setAll(false)),
        button('Hide all', () => this.setAll(true)),
      ),
      this.list,
    );
    this.list.addEventListener('mouseleave', () => callbacks.highlight(undefined));
    this.list.addEventListener('focusout', (event) => {
      if (!this.list.contains(event.relatedTarget as Node | null)) callbacks.highlight(undefined);
    });
  }

  set(runs: readonly ChartRun[], hidden: ReadonlySet<string>, theme: ThemeKind): void {
    this.runs = runs;
    this.hidden = new Set(hidden);
    clear(this.list);
    for (const run of runs) {
      const swatch = element('span', { className: 'swatch', attributes: { 'aria-hidden': 'true' } });
      swatch.style.backgroundColor = css(runColor(run.colorSlot, theme));
      const box: VscodeCheckbox = element('vscode-checkbox', { text: run.runName, title: run.runId, attributes: { 'data-run': run.runId } });
      box.checked = !this.hidden.has(run.runId);
      box.addEventListener('change', () => {
        if (box.checked) this.hidden.delete(run.runId);
        else this.hidden.add(run.runId);
        this.callbacks.setHidden(new Set(this.hidden));
      });
      const row = element('li', { attributes: { 'data-run': run.runId } }, swatch, box);
      if (run.status === 'RUNNING') row.append(element('span', { className: 'badge', text: 'running' }));
      row.addEventListener('mouseenter', () => this.callbacks.highlight(run.runId));
      row.addEventListener('focusin', () => this.callbacks.highlight(run.runId));
      this.list.append(row);
    }
  }

  private setAll(hide: boolean): void {
    this.hidden = hide ? new Set(this.runs.map((r) => r.runId)) : new Set();
    this.callbacks.setHidden(new Set(this.hidden));
  }
}
