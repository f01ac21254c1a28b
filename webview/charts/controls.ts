import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/index.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { XAxisKind, YScaleKind } from '../../src/charts/protocol';
import { clear, element } from '../shared/dom';
import { select } from '../shared/elements';

export interface AxisOptions {
  xAxis: XAxisKind;
  yScale: YScaleKind;
  smoothing: number;
}

const X_AXES = [
  ['step', 'Step'],
  ['wall', 'Wall time'],
  ['relative', 'Relative time'],
] as const;
const Y_SCALES = [
  ['linear', 'Linear'],
  ['log', 'Log'],
] as const;

/** X axis, Y scale, smoothing and CSV export: the options shared by every chart of the panel. */
export class Toolbar {
  readonly element: HTMLElement;
  private readonly xAxis: VscodeSingleSelect;
  private readonly yScale: VscodeSingleSelect;
  private readonly smoothing: HTMLInputElement;
  private readonly smoothingValue: HTMLOutputElement;
  private readonly live: HTMLElement;
  private readonly notice: HTMLElement;

  constructor(onChange: (patch: Partial<AxisOptions>) => void, onExportCsv: () => void) {
    const x = select('x-axis', 'X axis', X_AXES, (v) => onChange({ xAxis: v as XAxisKind }));
    const y = select('y-scale', 'Y scale', Y_SCALES, (v) => onChange({ yScale: v as YScaleKind }));
    this.xAxis = x.control;
    this.yScale = y.control;
    // No range control in vscode-elements; a native slider is keyboard-accessible and themed in CSS.
    this.smoothing = element('input', {
      attributes: { id: 'smoothing', type: 'range', min: '0', max: '0.99', step: '0.01', value: '0', 'aria-label': 'Smoothing' },
    });
    this.smoothingValue = element('output', { attributes: { for: 'smoothing' }, text: '0' });
    this.smoothing.addEventListener('input', () => {
      const value = Number(this.smoothing.value);
      this.smoothingValue.textContent = value.toFixed(2);
      onChange({ smoothing: value });
    });
    const exportCsv = element('vscode-button', { text: 'Export CSV', attributes: { secondary: '', id: 'export-csv' } });
    exportCsv.addEventListener('click', onExportCsv);
    this.live = element('span', { className: 'live', text: '● Live', attributes: { hidden: '', title: 'Running runs update as they log' } });
    this.notice = element('p', { className: 'notice', attributes: { role: 'status', 'aria-live': 'polite' } });
    this.element = element(
      'header',
      { className: 'toolbar' },
      x.field,
      y.field,
      element('label', { className: 'field', attributes: { for: 'smoothing' } }, element('span', { text: 'Smoothing' }), this.smoothing, this.smoothingValue),
      exportCsv,
      this.live,
      this.notice,
    );
  }

  set(options: AxisOptions): void {
    this.xAxis.value = options.xAxis;
    this.yScale.value = options.yScale;
    this.smoothing.value = String(options.smoothing);
    this.smoothingValue.textContent = options.smoothing.toFixed(2);
  }

  setLive(live: boolean): void {
    this.live.hidden = !live;
  }

  setNotice(text: string): void {
    this.notice.textContent = text;
  }
}

/** Which metrics get a chart: a searchable list of checkboxes. */
export class MetricPicker {
  readonly element: HTMLElement;
  private readonly search: VscodeTextfield;
  private readonly list: HTMLElement;
  private all: string[] = [];
  private selected: string[] = [];

  constructor(private readonly onChange: (metricKeys: string[]) => void) {
    this.search = element('vscode-textfield', { attributes: { id: 'metric-search', placeholder: 'Search metrics', 'aria-label': 'Search metrics' } });
    this.search.addEventListener('input', () => this.renderList());
    this.list = element('ul', { className: 'metric-list', attributes: { 'aria-label': 'Metrics' } });
    this.element = element('section', { className: 'metric-picker' }, element('h2', { text: 'Metrics' }), this.search, this.list);
  }

  set(all: readonly string[], selected: readonly string[]): void {
    this.all = [...all];
    this.selected = [...selected];
    this.renderList();
  }

  private renderList(): void {
    const query = this.search.value.trim().toLowerCase();
    clear(this.list);
    // Chosen metrics stay listed (even when not matching) so they can always be unticked.
    const keys = [...new Set([...this.selected, ...this.all])].filter((k) => this.selected.includes(k) || k.toLowerCase().includes(query));
    for (const key of keys) {
      const box: VscodeCheckbox = element('vscode-checkbox', { text: key, attributes: { 'data-metric': key } });
      box.checked = this.selected.includes(key);
      box.addEventListener('change', () => {
        this.selected = box.checked ? [...this.selected, key] : this.selected.filter((k) => k !== key);
        this.onChange([...this.selected]);
      });
      this.list.append(element('li', {}, box));
    }
    if (keys.length === 0) this.list.append(element('li', { className: 'empty', text: query ? 'No metric matches.' : 'No metrics logged.' }));
  }
}
