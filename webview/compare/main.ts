import type { VscodeCheckbox } from '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/index.js';
import type { CompareHostMessage, CompareModel, CompareViewState, CompareWebviewMessage } from '../../src/charts/protocol';
import { clear, element } from '../shared/dom';
import { select, setOptions } from '../shared/elements';
import baseStyles from '../shared/base.css';
import { adoptStyles } from '../shared/styles';
import { readTheme, watchTheme, type Theme } from '../shared/theme';
import { connectToHost, type HostConnection } from '../shared/vscodeApi';
import styles from './compare.css';
import { ParallelChart, ScatterChart } from './compareCharts';
import { parallelData, scatterData } from './plots';
import { renderTable } from './table';

/** The compare webview: the runs side by side, a parallel-coordinates plot and a scatter. */
class CompareApp {
  private readonly host: HostConnection<CompareWebviewMessage, CompareViewState>;
  private readonly onlyDifferences: VscodeCheckbox;
  private readonly runA: VscodeSingleSelect;
  private readonly runB: VscodeSingleSelect;
  private readonly parallelMetric: VscodeSingleSelect;
  private readonly scatterParam: VscodeSingleSelect;
  private readonly scatterMetric: VscodeSingleSelect;
  private readonly notice: HTMLElement;
  private readonly tableBox: HTMLElement;
  private readonly parallel = new ParallelChart();
  private readonly scatter = new ScatterChart();
  private model: CompareModel | undefined;
  private state: CompareViewState | undefined;
  private theme: Theme = readTheme();

  constructor(root: HTMLElement) {
    this.onlyDifferences = element('vscode-checkbox', { text: 'Only differences', attributes: { id: 'only-differences' } });
    this.onlyDifferences.addEventListener('change', () => this.changeState({ onlyDifferences: this.onlyDifferences.checked }));
    const runA = select('run-a', 'Diff', [], () => undefined);
    const runB = select('run-b', 'with', [], () => undefined);
    this.runA = runA.control;
    this.runB = runB.control;
    const diff = element('vscode-button', { text: 'Diff Params', attributes: { id: 'diff-params' } });
    diff.addEventListener('click', () => {
      if (this.runA.value && this.runB.value) this.host.post({ type: 'diffParams', runIdA: this.runA.value, runIdB: this.runB.value });
    });
    const charts = element('vscode-button', { text: 'Chart Metrics', attributes: { id: 'open-charts', secondary: '' } });
    charts.addEventListener('click', () => {
      if (!this.model) return;
      const metricKeys = this.state?.parallelMetric ? [this.state.parallelMetric] : [];
      this.host.post({ type: 'openCharts', runIds: this.model.runs.map((r) => r.runId), metricKeys });
    });
    this.notice = element('p', { className: 'notice', attributes: { role: 'status', 'aria-live': 'polite' } });
    const parallelMetric = select('parallel-metric', 'Metric', [], (v) => this.changeState({ parallelMetric: v }));
    const scatterParam = select('scatter-param', 'Param', [], (v) => this.changeState({ scatterParam: v }));
    const scatterMetric = select('scatter-metric', 'Metric', [], (v) => this.changeState({ scatterMetric: v }));
    this.parallelMetric = parallelMetric.control;
    this.scatterParam = scatterParam.control;
    this.scatterMetric = scatterMetric.control;
    this.tableBox = element('section', { className: 'table-box', attributes: { 'aria-label': 'Runs compared' } });
    root.append(
      element('header', { className: 'toolbar' }, this.onlyDifferences, runA.field, runB.field, diff, charts, this.notice),
      this.tableBox,
      element(
        'section',
        { className: 'plots' },
        element('figure', { className: 'plot' }, element('figcaption', {}, element('h2', { text: 'Parallel coordinates' }), parallelMetric.field), this.parallel.element),
        element('figure', { className: 'plot' }, element('figcaption', {}, element('h2', { text: 'Scatter' }), scatterParam.field, scatterMetric.field), this.scatter.element),
      ),
    );
    watchTheme((theme) => {
      this.theme = theme;
      this.render();
    });
    this.host = connectToHost<CompareHostMessage, CompareWebviewMessage, CompareViewState>((message) => this.handle(message));
    this.host.post({ type: 'ready' });
  }

  private handle(message: CompareHostMessage): void {
    switch (message.type) {
      case 'init': {
        const { model } = message;
        this.model = model;
        this.state = withDefaults(message.state, model);
        this.host.saveState(this.state);
        const runs = model.runs.map((r) => [r.runId, r.runName || r.runId] as const);
        setOptions(this.runA, runs, model.runs[0]?.runId);
        setOptions(this.runB, runs, model.runs[1]?.runId ?? model.runs[0]?.runId);
        const metrics = model.metrics.map((m) => [m.key, m.key] as const);
        setOptions(this.parallelMetric, metrics, this.state.parallelMetric);
        setOptions(this.scatterMetric, metrics, this.state.scatterMetric);
        setOptions(this.scatterParam, model.params.map((p) => [p.key, p.key] as const), this.state.scatterParam);
        this.notice.textContent = '';
        this.render();
        return;
      }
      case 'error':
        this.notice.textContent = message.message;
        return;
      default:
        assertNever(message);
    }
  }

  private changeState(patch: Partial<CompareViewState>): void {
    if (!this.state) return;
    this.state = { ...this.state, ...patch };
    this.host.saveState(this.state);
    this.host.post({ type: 'viewState', state: this.state });
    this.render();
  }

  private render(): void {
    const { model, state } = this;
    if (!model || !state) return;
    this.onlyDifferences.checked = state.onlyDifferences;
    const { table, counts } = renderTable(model, state.onlyDifferences, this.theme.kind);
    clear(this.tableBox);
    this.tableBox.append(table);
    const parallel = parallelData(model, state.parallelMetric);
    this.parallel.update(model, parallel, this.theme);
    const scatter = scatterData(model, state.scatterParam, state.scatterMetric);
    this.scatter.update(model, scatter, state.scatterMetric, this.theme);
    requestAnimationFrame(() =>
      this.host.post({
        type: 'rendered',
        summary: {
          runs: model.runs.length,
          onlyDifferences: state.onlyDifferences,
          ...counts,
          parallel: { metric: state.parallelMetric, dimensions: parallel.dimensions.map((d) => d.key), lines: parallel.lines.length },
          scatter: { param: state.scatterParam, metric: state.scatterMetric, points: scatter.points.length },
          theme: this.theme.kind,
        },
      }),
    );
  }
}

/** First metric for both plots, and the first param that differs (else the first) for the scatter. */
function withDefaults(state: CompareViewState, model: CompareModel): CompareViewState {
  const has = (keys: { key: string }[], key: string | undefined): boolean => key !== undefined && keys.some((k) => k.key === key);
  const firstMetric = model.metrics[0]?.key;
  const firstParam = (model.params.find((p) => p.differs) ?? model.params[0])?.key;
  return {
    ...state,
    parallelMetric: has(model.metrics, state.parallelMetric) ? state.parallelMetric : firstMetric,
    scatterMetric: has(model.metrics, state.scatterMetric) ? state.scatterMetric : firstMetric,
    scatterParam: has(model.params, state.scatterParam) ? state.scatterParam : firstParam,
  };
}

function assertNever(value: never): never {
  throw new Error(`unhandled host message ${JSON.stringify(value)}`);
}

adoptStyles(baseStyles, styles);
const root = document.getElementById('app');
if (root) new CompareApp(root);
