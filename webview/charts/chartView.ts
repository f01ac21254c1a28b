import {
  Chart,
  LinearScale,
  LineController,
  LineElement,
  LogarithmicScale,
  PointElement,
  Tooltip,
  type ChartDataset,
  type Scale,
  type TooltipItem,
} from 'chart.js';
import zoomPlugin from 'chartjs-plugin-zoom';
import type { ChartRun, ChartSummary, StepWindow, XAxisKind, XRange, YScaleKind } from '../../src/charts/protocol';
import { spacingOf, tickLabels } from '../shared/axisTicks';
import { applyChartTheme } from '../shared/chartTheme';
import { element } from '../shared/dom';
import { formatDuration, formatTime, formatValue } from '../shared/format';
import { css, runColor } from '../shared/palette';
import type { Theme } from '../shared/theme';
import { linearTickLabel, logTickLabel } from '../shared/yTickLabels';
import { backgroundPlugin, nonFiniteMarkerPlugin, tooltipTextPlugin, type Marker } from './plugins';
import {
  linePoints,
  nonFinitePoints,
  smoothedPoints,
  stepWindowFor,
  timeOrigin,
  type ChartPoint,
  type RunSeries,
} from './series';
import { logTicks, loneValuePadding, xTickLabel, xTicks } from './ticks';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Tooltip, zoomPlugin);

export interface ChartInputs {
  runs: readonly ChartRun[];
  /** Undefined while the metric is loading. */
  data: ReadonlyMap<string, RunSeries> | undefined;
  xAxis: XAxisKind;
  yScale: YScaleKind;
  smoothing: number;
  hidden: ReadonlySet<string>;
  highlighted: string | undefined;
  theme: Theme;
}

export interface ChartCallbacks {
  /** The user zoomed or panned into a step range: fetch it at full resolution. */
  requestWindow(metricKey: string, window: StepWindow): void;
  exportPng(metricKey: string, dataUrl: string): void;
  /** Zoom changed or a redraw finished: report what is drawn. */
  changed(): void;
  /** The user zoomed, panned or reset: the x range shown now (undefined: all of it), to persist. */
  zoomed(metricKey: string, range: XRange | undefined): void;
}

interface DatasetInfo {
  run: ChartRun;
  kind: 'raw' | 'smoothed';
}

/** Room a tick label needs, in px: what decides how many ticks an axis gets. */
const X_LABEL_WIDTH = 80;
const X_LABEL_WIDTH_WITH_DATE = 130;
const Y_LABEL_HEIGHT = 28;

/** The full-resolution fetch waits for the zoom gesture to settle. */
const WINDOW_DEBOUNCE_MS = 250;

/** One metric's chart: a chart.js line chart with zoom/pan, tooltips and markers for NaN and ±∞. */
export class MetricChart {
  readonly element: HTMLElement;
  private readonly chart: Chart<'line', ChartPoint[]>;
  private readonly status: HTMLElement;
  private inputs: ChartInputs | undefined;
  private datasetInfo: DatasetInfo[] = [];
  private markers: Marker[] = [];
  private windowTimer: ReturnType<typeof setTimeout> | undefined;
  private lastWindow = '';
  /** A zoom to put back once there is data to zoom into (after a window reload). */
  private pendingZoom: XRange | undefined;
  /** The one x value every drawn point has (a metric logged once), else undefined. */
  private loneX: number | undefined;
  /** Distance between the x ticks last built, which decides how precise their labels are. */
  private xSpacing = 1;

  constructor(
    readonly metricKey: string,
    private readonly callbacks: ChartCallbacks,
  ) {
    const canvas = element('canvas', {
      attributes: {
        tabindex: '0',
        role: 'img',
        'aria-label': `${metricKey} chart. Plus and minus zoom, arrow keys pan, 0 resets.`,
      },
    });
    canvas.addEventListener('keydown', (event) => this.onKey(event));
    canvas.addEventListener('dblclick', () => this.resetZoom());
    this.status = element('p', { className: 'chart-status', attributes: { role: 'status' } });
    const button = (text: string, label: string, action: () => void): HTMLElement => {
      const b = element('vscode-button', { text, attributes: { secondary: '', 'aria-label': label } });
      b.addEventListener('click', action);
      return b;
    };
    const tools = element(
      'div',
      { className: 'chart-tools' },
      button('+', `Zoom in on ${metricKey}`, () => this.zoomBy(1.5)),
      button('−', `Zoom out of ${metricKey}`, () => this.zoomBy(1 / 1.5)),
      button('Reset', `Reset zoom of ${metricKey}`, () => this.resetZoom()),
      button('PNG', `Export ${metricKey} as PNG`, () => callbacks.exportPng(metricKey, this.chart.toBase64Image('image/png'))),
    );
    const heading = element('h2', { text: metricKey });
    this.element = element(
      'figure',
      { className: 'chart', attributes: { 'data-metric': metricKey } },
      element('figcaption', {}, heading, tools),
      element('div', { className: 'canvas-box' }, canvas),
      this.status,
    );
    this.chart = new Chart(canvas, {
      type: 'line',
      data: { datasets: [] },
      options: this.baseOptions(),
      plugins: [
        backgroundPlugin(() => this.inputs?.theme.background),
        nonFiniteMarkerPlugin(() => this.markers),
        // The tooltip's text as data-tooltip on the figure, like the tick labels (see reflect).
        tooltipTextPlugin((text) => (text ? this.element.setAttribute('data-tooltip', JSON.stringify(text)) : this.element.removeAttribute('data-tooltip'))),
      ],
    });
  }

  /** Zooms to `range` as soon as data is drawn: how a reloaded panel comes back where the user was. */
  restoreZoom(range: XRange): void {
    this.pendingZoom = range;
  }

  /** Redraws with new inputs; the zoom stays unless the x axis changed its meaning. */
  update(inputs: ChartInputs): void {
    const axisChanged = this.inputs !== undefined && this.inputs.xAxis !== inputs.xAxis;
    const zoom = axisChanged ? undefined : this.zoomRange();
    this.inputs = inputs;
    this.buildDatasets(inputs);
    this.applyTheme(inputs);
    const scales = this.chart.options.scales ?? {};
    const y = scales.y;
    if (y) y.type = inputs.yScale === 'log' ? 'logarithmic' : 'linear';
    const x = scales.x;
    if (x && 'title' in x && x.title) x.title.text = axisTitle(inputs.xAxis);
    if (axisChanged) {
      this.pendingZoom = undefined;
      this.chart.resetZoom('none');
    }
    this.chart.update('none');
    // Chart.js recomputes the scales from the data on update; put a zoom back where the user left it.
    if (zoom && !sameRange(zoom, this.zoomRange())) this.chart.zoomScale('x', zoom, 'none');
    const restore = this.pendingZoom;
    if (restore && this.datasetInfo.length > 0) {
      this.pendingZoom = undefined;
      this.chart.zoomScale('x', restore, 'none');
      // As if the user had zoomed: the window is fetched at full resolution.
      this.zoomChanged();
    }
    this.status.textContent = inputs.data === undefined ? 'Loading…' : this.datasetInfo.length === 0 ? 'No data for the shown runs.' : '';
    this.callbacks.changed();
  }

  /** What this chart draws now, for the `rendered` report; also written onto the figure (see reflect). */
  report(): ChartSummary {
    const inputs = this.inputs;
    const points: Record<string, number> = {};
    const lastSteps: Record<string, number> = {};
    const colors: Record<string, string> = {};
    const nonFinite = { nan: 0, posInf: 0, negInf: 0 };
    this.datasetInfo.forEach((info, index) => {
      if (info.kind !== 'raw') return;
      // What chart.js holds and laid out at its last update, not the page's data model.
      const elements = this.chart.getDatasetMeta(index).data.length;
      points[info.run.runId] = elements;
      const last = this.chart.data.datasets[index]?.data[elements - 1];
      if (last) lastSteps[info.run.runId] = last.step;
      if (inputs) colors[info.run.runId] = css(runColor(info.run.colorSlot, inputs.theme.kind));
    });
    for (const marker of this.markers) nonFinite[marker.kind]++;
    const zoom = this.zoomRange();
    const y = this.chart.scales.y;
    const yRange = y && this.datasetInfo.length > 0 && Number.isFinite(y.min) && Number.isFinite(y.max) ? { min: y.min, max: y.max } : undefined;
    const summary: ChartSummary = {
      metricKey: this.metricKey,
      datasets: this.chart.data.datasets.length,
      xAxis: inputs?.xAxis ?? 'step',
      yScale: y?.type === 'logarithmic' ? 'logarithmic' : 'linear',
      smoothing: inputs?.smoothing ?? 0,
      ...(zoom ? { zoom } : {}),
      ...(yRange ? { yRange } : {}),
      points,
      lastSteps,
      colors,
      nonFinite,
      loading: inputs?.data === undefined,
    };
    this.reflect(summary);
    return summary;
  }

  /**
   * The summary again as data attributes of the chart's figure, so what the page reports drawing can
   * also be read from its DOM (the workbench tests drive the real UI and can't reach the host).
   */
  private reflect(summary: ChartSummary): void {
    const set = (name: string, value: string | undefined): void => {
      if (value === undefined) this.element.removeAttribute(name);
      else this.element.setAttribute(name, value);
    };
    const total = Object.values(summary.points).reduce((sum, n) => sum + n, 0);
    set('data-x-axis', summary.xAxis);
    set('data-y-scale', summary.yScale);
    set('data-smoothing', String(summary.smoothing));
    set('data-datasets', String(summary.datasets));
    set('data-points', String(total));
    const lastSteps = Object.values(summary.lastSteps ?? {});
    set('data-last-step', lastSteps.length > 0 ? String(Math.max(...lastSteps)) : undefined);
    set('data-loading', String(summary.loading));
    set('data-zoom', summary.zoom && `${summary.zoom.min}:${summary.zoom.max}`);
    set('data-y-range', summary.yRange && `${summary.yRange.min}:${summary.yRange.max}`);
    const { nan, posInf, negInf } = summary.nonFinite;
    set('data-non-finite', `${nan},${posInf},${negInf}`);
    // The labels chart.js drew on each axis (after its own skipping of overlapping ones).
    set('data-x-ticks', JSON.stringify(tickLabels(this.chart.scales.x)));
    set('data-y-ticks', JSON.stringify(tickLabels(this.chart.scales.y)));
  }

  resetZoom(): void {
    this.chart.resetZoom('none');
    this.callbacks.zoomed(this.metricKey, undefined);
    this.callbacks.changed();
  }

  destroy(): void {
    clearTimeout(this.windowTimer);
    this.chart.destroy();
    this.element.remove();
  }

  private buildDatasets(inputs: ChartInputs): void {
    const { runs, data, xAxis, yScale, smoothing, hidden, highlighted, theme } = inputs;
    const datasets: ChartDataset<'line', ChartPoint[]>[] = [];
    this.datasetInfo = [];
    this.markers = [];
    for (const run of runs) {
      const series = data?.get(run.runId);
      if (hidden.has(run.runId) || !series || series.steps.length === 0) continue;
      const origin = timeOrigin(series, run.startTime);
      const color = runColor(run.colorSlot, theme.kind);
      // A highlighted run stands out by dimming the others, which works for any number of runs.
      const dim = highlighted !== undefined && highlighted !== run.runId ? 0.2 : 1;
      const width = highlighted === run.runId ? 2.5 : 1.5;
      const single = series.steps.length === 1 ? 3 : 0;
      const common = { label: run.runName, pointRadius: single, pointHitRadius: 6, spanGaps: false, parsing: false as const };
      datasets.push({ ...common, data: linePoints(series, xAxis, origin, yScale), borderColor: css(color, (smoothing > 0 ? 0.3 : 1) * dim), backgroundColor: css(color, dim), borderWidth: smoothing > 0 ? 1 : width });
      this.datasetInfo.push({ run, kind: 'raw' });
      if (smoothing > 0) {
        datasets.push({ ...common, data: smoothedPoints(series, xAxis, origin, yScale, smoothing), borderColor: css(color, dim), backgroundColor: css(color, dim), borderWidth: width });
        this.datasetInfo.push({ run, kind: 'smoothed' });
      }
      for (const m of nonFinitePoints(series, xAxis, origin)) this.markers.push({ ...m, color: css(color, dim) });
    }
    this.chart.data.datasets = datasets;
    const xs = new Set(datasets.flatMap((d) => d.data.map((p) => p.x)));
    this.loneX = xs.size === 1 ? [...xs][0] : undefined;
  }

  private baseOptions(): NonNullable<Chart<'line', ChartPoint[]>['options']> {
    return {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      normalized: true,
      parsing: false,
      interaction: { mode: 'nearest', intersect: false },
      scales: {
        x: {
          type: 'linear',
          title: { display: true, text: 'Step' },
          afterDataLimits: (scale) => this.padLoneX(scale),
          afterBuildTicks: (scale) => this.buildXTicks(scale),
          ticks: { maxRotation: 0, callback: (v) => this.formatX(Number(v)) },
        },
        y: {
          type: 'linear',
          afterBuildTicks: (scale) => {
            if (scale.type === 'logarithmic') scale.ticks = logTicks(scale.ticks.map((t) => t.value), scale.height / Y_LABEL_HEIGHT).map((value) => ({ value }));
          },
          ticks: { callback: (v, index, ticks) => (this.chart.scales.y?.type === 'logarithmic' ? logTickLabel(Number(v)) : linearTickLabel(Number(v), spacingOf(ticks))) },
        },
      },
      plugins: {
        tooltip: {
          filter: (item) => this.datasetInfo[item.datasetIndex]?.kind === ((this.inputs?.smoothing ?? 0) > 0 ? 'smoothed' : 'raw'),
          callbacks: {
            title: (items) => this.datasetInfo[items[0]?.datasetIndex ?? -1]?.run.runName ?? '',
            label: (item) => this.tooltipLines(item),
          },
        },
        zoom: {
          zoom: {
            wheel: { enabled: true },
            pinch: { enabled: true },
            drag: { enabled: true, threshold: 5 },
            mode: 'x',
            onZoomComplete: () => this.zoomChanged(),
          },
          pan: { enabled: true, mode: 'x', modifierKey: 'shift', onPanComplete: () => this.zoomChanged() },
        },
      },
    };
  }

  private applyTheme({ theme }: ChartInputs): void {
    const options = this.chart.options;
    applyChartTheme(options, theme);
    const drag = options.plugins?.zoom?.zoom?.drag;
    if (drag) {
      drag.backgroundColor = theme.grid;
      drag.borderColor = theme.foreground;
      drag.borderWidth = 1;
    }
  }

  private tooltipLines(item: TooltipItem<'line'>): string[] {
    const point = item.raw as ChartPoint;
    const info = this.datasetInfo[item.datasetIndex];
    const lines = [`step ${point.step}`, `value ${formatValue(point.value)}`];
    if (info?.kind === 'smoothed' && point.y !== null) lines.push(`smoothed ${formatValue(point.y)}`);
    lines.push(`time ${formatTime(point.time)}`);
    const start = info?.run.startTime;
    if (start !== undefined) lines.push(`since start ${formatDuration(point.time - start)}`);
    return lines;
  }

  private formatX(value: number): string {
    return xTickLabel(this.inputs?.xAxis ?? 'step', value, this.xSpacing, this.xSpansDays());
  }

  private xSpansDays(): boolean {
    const x = this.chart.scales.x;
    return this.inputs?.xAxis === 'wall' && x !== undefined && x.max - x.min > 86_400_000;
  }

  /** A metric logged once: a narrow axis around its one x value instead of chart.js's 5 % of the value. */
  private padLoneX(scale: Scale): void {
    if (this.loneX === undefined || scale.options.min !== undefined || scale.options.max !== undefined) return;
    const pad = loneValuePadding(this.inputs?.xAxis ?? 'step');
    scale.min = this.loneX - pad;
    scale.max = this.loneX + pad;
  }

  /** Ticks on whole units of what the labels show, so no two read the same. */
  private buildXTicks(scale: Scale): void {
    const kind = this.inputs?.xAxis ?? 'step';
    const labelWidth = kind === 'wall' && this.xSpansDays() ? X_LABEL_WIDTH_WITH_DATE : X_LABEL_WIDTH;
    const timezoneOffsetMs = -new Date(scale.min).getTimezoneOffset() * 60_000;
    const ticks = xTicks(kind, scale.min, scale.max, Math.max(2, scale.width / labelWidth), timezoneOffsetMs);
    this.xSpacing = ticks.spacing;
    scale.ticks = ticks.values.map((value) => ({ value }));
  }

  private zoomRange(): { min: number; max: number } | undefined {
    if (!this.chart.isZoomedOrPanned()) return undefined;
    const x = this.chart.scales.x;
    return x ? { min: x.min, max: x.max } : undefined;
  }

  private zoomBy(factor: number): void {
    this.chart.zoom({ x: factor }, 'none');
    this.zoomChanged();
  }

  private onKey(event: KeyboardEvent): void {
    const width = this.chart.chartArea.right - this.chart.chartArea.left;
    const actions: Record<string, () => void> = {
      '+': () => this.zoomBy(1.5),
      '=': () => this.zoomBy(1.5),
      '-': () => this.zoomBy(1 / 1.5),
      '0': () => this.resetZoom(),
      Escape: () => this.resetZoom(),
      ArrowLeft: () => this.panBy(width / 5),
      ArrowRight: () => this.panBy(-width / 5),
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  }

  private panBy(pixels: number): void {
    this.chart.pan({ x: pixels }, undefined, 'none');
    this.zoomChanged();
  }

  /** Report the new range now; fetch full resolution for it once the gesture settles. */
  private zoomChanged(): void {
    this.callbacks.zoomed(this.metricKey, this.zoomRange());
    this.callbacks.changed();
    clearTimeout(this.windowTimer);
    this.windowTimer = setTimeout(() => this.requestWindow(), WINDOW_DEBOUNCE_MS);
  }

  private requestWindow(): void {
    const range = this.zoomRange();
    const inputs = this.inputs;
    if (!range || !inputs?.data) return;
    const data = inputs.data;
    const runs = inputs.runs.flatMap((run) => {
      const series = data.get(run.runId);
      return series && !inputs.hidden.has(run.runId) ? [{ series, origin: timeOrigin(series, run.startTime) }] : [];
    });
    const window = stepWindowFor(runs, inputs.xAxis, range.min, range.max);
    const key = window ? `${window.startStep}:${window.endStep}` : '';
    if (!window || key === this.lastWindow) return;
    this.lastWindow = key;
    this.callbacks.requestWindow(this.metricKey, window);
  }
}

function axisTitle(axis: XAxisKind): string {
  switch (axis) {
    case 'step':
      return 'Step';
    case 'wall':
      return 'Wall time';
    case 'relative':
      return 'Relative time';
  }
}


function sameRange(a: { min: number; max: number }, b: { min: number; max: number } | undefined): boolean {
  return b !== undefined && a.min === b.min && a.max === b.max;
}
