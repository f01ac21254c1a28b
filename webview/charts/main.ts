import type {
  ChartRun,
  ChartsHostMessage,
  ChartsRenderSummary,
  ChartsViewState,
  ChartsWebviewMessage,
  StepWindow,
  WireSeries,
  XRange,
} from '../../src/charts/protocol';
import { element } from '../shared/dom';
import '../shared/elements';
import { adoptStyles } from '../shared/styles';
import { readTheme, watchTheme, type Theme } from '../shared/theme';
import { connectToHost, type HostConnection } from '../shared/vscodeApi';
import baseStyles from '../shared/base.css';
import styles from './charts.css';
import { MetricChart, type ChartInputs } from './chartView';
import { MetricPicker, Toolbar, type AxisOptions } from './controls';
import { isLive, RunLegend } from './legend';
import { appendSeries, decodeSeries, mergeWindow, type RunSeries } from './series';

/**
 * The charts webview: one chart per chosen metric, sharing run colours, the legend and the axis
 * options. Data arrives from the host only; the page never fetches anything itself.
 */
class ChartsApp {
  private readonly host: HostConnection<ChartsWebviewMessage, ChartsViewState>;
  private readonly toolbar: Toolbar;
  private readonly picker: MetricPicker;
  private readonly legend: RunLegend;
  private readonly chartsArea: HTMLElement;
  private readonly empty: HTMLElement;
  private runs: ChartRun[] = [];
  private metricKeys: string[] = [];
  private state: ChartsViewState | undefined;
  /** metric key → run id → points held (overview, zoom windows and live points merged). */
  private readonly data = new Map<string, Map<string, RunSeries>>();
  private readonly charts = new Map<string, MetricChart>();
  private highlighted: string | undefined;
  private theme: Theme = readTheme();
  private renderedPending = false;

  constructor(root: HTMLElement) {
    this.toolbar = new Toolbar(
      (patch) => this.changeState(patch),
      () => this.state && this.host.post({ type: 'exportCsv', metricKeys: this.state.metricKeys }),
    );
    this.picker = new MetricPicker((metricKeys) => this.changeState({ metricKeys }));
    this.legend = new RunLegend({
      setHidden: (hidden) => this.changeState({ hiddenRunIds: [...hidden] }),
      highlight: (runId) => {
        if (runId === this.highlighted) return;
        this.highlighted = runId;
        this.redraw();
      },
    });
    this.empty = element('p', { className: 'charts-empty', attributes: { hidden: '' } });
    this.chartsArea = element('section', { className: 'charts', attributes: { 'aria-label': 'Charts' } }, this.empty);
    root.append(this.toolbar.element, element('div', { className: 'layout' }, element('aside', { className: 'sidebar' }, this.picker.element, this.legend.element), this.chartsArea));
    watchTheme((theme) => {
      this.theme = theme;
      this.legend.set(this.runs, new Set(this.state?.hiddenRunIds), theme.kind);
      this.redraw();
    });
    this.host = connectToHost<ChartsHostMessage, ChartsWebviewMessage, ChartsViewState>((message) => this.handle(message));
    this.host.post({ type: 'ready' });
  }

  private handle(message: ChartsHostMessage): void {
    switch (message.type) {
      case 'init':
        this.runs = message.runs;
        this.metricKeys = message.metricKeys;
        this.state = message.state;
        this.data.clear();
        for (const chart of this.charts.values()) chart.destroy();
        this.charts.clear();
        this.toolbar.set(message.state);
        this.toolbar.setNotice(message.notice ?? '');
        this.showRuns();
        this.syncCharts();
        this.host.saveState(message.state);
        return;
      case 'series':
        this.receiveSeries(message.metricKey, message.series, message.window);
        return;
      case 'append': {
        const runs = this.data.get(message.metricKey);
        if (!runs) return;
        for (const wire of message.series) {
          const held = runs.get(wire.runId) ?? { steps: [], timestamps: [], values: [] };
          runs.set(wire.runId, appendSeries(held, decodeSeries(wire)));
        }
        this.redraw(message.metricKey);
        return;
      }
      case 'runs': {
        this.runs = message.runs;
        this.metricKeys = message.metricKeys;
        const added = message.added.filter((key) => !this.state?.metricKeys.includes(key));
        // Through the same path as a pick in the metric list: saved with the panel state and told back
        // to the host, so a choice the user made meanwhile and the host's addition both hold.
        if (this.state && added.length > 0) this.changeState({ metricKeys: [...this.state.metricKeys, ...added] });
        this.showRuns();
        this.redraw();
        return;
      }
      case 'error':
        this.toolbar.setNotice(message.message);
        return;
      default:
        assertNever(message);
    }
  }

  private receiveSeries(metricKey: string, series: readonly WireSeries[], window: StepWindow | undefined): void {
    let runs = this.data.get(metricKey);
    if (window && !runs) return; // a zoom window for a chart since closed
    if (!runs || !window) {
      runs = new Map();
      this.data.set(metricKey, runs);
    }
    for (const wire of series) {
      const detail = decodeSeries(wire);
      const held = runs.get(wire.runId);
      runs.set(wire.runId, window && held ? mergeWindow(held, detail, window) : detail);
    }
    this.redraw(metricKey);
  }

  private showRuns(): void {
    const hidden = new Set(this.state?.hiddenRunIds);
    this.legend.set(this.runs, hidden, this.theme.kind);
    this.picker.set(this.metricKeys, this.state?.metricKeys ?? []);
    this.toolbar.setLive(this.live());
    this.showEmpty();
    // Statuses are part of what the page reports, charts or none.
    this.scheduleRendered();
  }

  private live(): boolean {
    return this.runs.some((r) => isLive(r.status));
  }

  /** What an empty chart area says: a live run's charts are yet to come; otherwise, pick a metric. */
  private showEmpty(): void {
    const none = (this.state?.metricKeys.length ?? 0) === 0;
    this.empty.hidden = !none;
    this.empty.textContent = this.metricKeys.length > 0 ? 'Choose metrics to chart from the list.' : this.live() ? 'No metrics logged yet. Charts appear here as the run logs them.' : 'No metrics logged.';
  }

  private changeState(patch: Partial<AxisOptions> & Partial<Pick<ChartsViewState, 'metricKeys' | 'hiddenRunIds'>>): void {
    if (!this.state) return;
    const axisChanged = patch.xAxis !== undefined && patch.xAxis !== this.state.xAxis;
    this.state = { ...this.state, ...patch };
    // A zoom is a range of the x axis: with another axis it means nothing (the charts reset theirs).
    if (axisChanged) delete this.state.zoom;
    this.host.saveState(this.state);
    this.host.post({ type: 'viewState', state: this.state });
    if (patch.metricKeys) {
      this.syncCharts();
      this.showEmpty();
    }
    if (patch.hiddenRunIds) this.legend.set(this.runs, new Set(patch.hiddenRunIds), this.theme.kind);
    this.redraw();
  }

  /** One chart per chosen metric, in the order chosen. */
  private syncCharts(): void {
    const wanted = this.state?.metricKeys ?? [];
    for (const [key, chart] of this.charts) {
      if (wanted.includes(key)) continue;
      chart.destroy();
      this.charts.delete(key);
    }
    for (const key of wanted) {
      let chart = this.charts.get(key);
      if (!chart) {
        chart = new MetricChart(key, {
          requestWindow: (metricKey, window) => this.host.post({ type: 'requestWindow', metricKey, window }),
          exportPng: (metricKey, dataUrl) => this.host.post({ type: 'exportPng', metricKey, dataUrl }),
          changed: () => this.scheduleRendered(),
          zoomed: (metricKey, range) => this.saveZoom(metricKey, range),
        });
        const saved = this.state?.zoom?.[key];
        if (saved && Object.hasOwn(this.state?.zoom ?? {}, key)) chart.restoreZoom(saved);
        this.charts.set(key, chart);
        chart.update(this.inputs(key));
      }
      this.chartsArea.append(chart.element);
    }
    if (wanted.length === 0) this.scheduleRendered();
  }

  /** Persists a chart's zoom with the rest of the panel's state, so a window reload keeps it. */
  private saveZoom(metricKey: string, range: XRange | undefined): void {
    if (!this.state) return;
    const zoom: Record<string, XRange> = {};
    for (const [key, value] of Object.entries(this.state.zoom ?? {})) {
      if (key !== metricKey) Object.defineProperty(zoom, key, { value, enumerable: true, writable: true, configurable: true });
    }
    if (range) Object.defineProperty(zoom, metricKey, { value: { min: range.min, max: range.max }, enumerable: true, writable: true, configurable: true });
    const { zoom: _old, ...rest } = this.state;
    this.state = Object.keys(zoom).length > 0 ? { ...rest, zoom } : rest;
    this.host.saveState(this.state);
    this.host.post({ type: 'viewState', state: this.state });
  }

  private redraw(onlyMetric?: string): void {
    for (const [key, chart] of this.charts) {
      if (onlyMetric === undefined || key === onlyMetric) chart.update(this.inputs(key));
    }
  }

  private inputs(metricKey: string): ChartInputs {
    const state = this.state;
    return {
      runs: this.runs,
      data: this.data.get(metricKey),
      xAxis: state?.xAxis ?? 'step',
      yScale: state?.yScale ?? 'linear',
      smoothing: state?.smoothing ?? 0,
      hidden: new Set(state?.hiddenRunIds),
      highlighted: this.highlighted,
      theme: this.theme,
    };
  }

  /** One `rendered` report per frame, after chart.js has drawn it. */
  private scheduleRendered(): void {
    if (this.renderedPending) return;
    this.renderedPending = true;
    requestAnimationFrame(() => {
      this.renderedPending = false;
      const summary: ChartsRenderSummary = {
        charts: (this.state?.metricKeys ?? []).flatMap((key) => this.charts.get(key)?.report() ?? []),
        live: this.live(),
        badges: this.legend.badges(),
        hiddenRunIds: this.state?.hiddenRunIds ?? [],
        theme: this.theme.kind,
        foreground: this.theme.foreground,
        ...(this.highlighted ? { highlightedRunId: this.highlighted } : {}),
      };
      this.host.post({ type: 'rendered', summary });
    });
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled host message ${JSON.stringify(value)}`);
}

adoptStyles(baseStyles, styles);
const root = document.getElementById('app');
if (root) new ChartsApp(root);
