import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { ChartRun, ThemeKind } from '../../src/charts/protocol';
import { clear, element } from '../shared/dom';
import { css, runColor } from '../shared/palette';

export interface LegendCallbacks {
  setHidden(hidden: Set<string>): void;
  /** Pointer over or focus in a run's row; undefined when it leaves. */
  highlight(runId: string | undefined): void;
}

type RunStatus = ChartRun['status'];

/** A run that may still log (the host polls these); the same rule as the host's core/liveRuns.ts. */
export function isLive(status: RunStatus): boolean {
  return status === 'RUNNING' || status === 'SCHEDULED';
}

/** The badge beside a run's name: what it is doing, or how it ended when not simply finished. */
const BADGES: Partial<Record<RunStatus, string>> = { RUNNING: 'running', SCHEDULED: 'scheduled', FAILED: 'failed', KILLED: 'killed' };

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
      const row = element('li', { attributes: { 'data-run': run.runId, 'data-status': run.status } }, swatch, box);
      const badge = BADGES[run.status];
      if (badge) row.append(element('span', { className: 'badge', text: badge }));
      row.addEventListener('mouseenter', () => this.callbacks.highlight(run.runId));
      row.addEventListener('focusin', () => this.callbacks.highlight(run.runId));
      this.list.append(row);
    }
  }

  /** The badge text each row shows, by run id, as the rendered summary reports it. */
  badges(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const row of this.list.querySelectorAll<HTMLElement>('li[data-run]')) {
      const text = row.querySelector('.badge')?.textContent;
      const runId = row.dataset.run;
      if (text && runId) Object.defineProperty(out, runId, { value: text, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  private setAll(hide: boolean): void {
    this.hidden = hide ? new Set(this.runs.map((r) => r.runId)) : new Set();
    this.callbacks.setHidden(new Set(this.hidden));
  }
}
