import {
  CategoryScale,
  Chart,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Tooltip,
  type Plugin,
} from 'chart.js';
import type { CompareModel } from '../../src/charts/protocol';
import { spacingOf, tickLabelsPlugin } from '../shared/axisTicks';
import { applyChartTheme } from '../shared/chartTheme';
import { element } from '../shared/dom';
import { formatValue } from '../shared/format';
import { css, runColor } from '../shared/palette';
import type { Theme } from '../shared/theme';
import { linearTickLabel } from '../shared/yTickLabels';
import type { Dimension, ParallelLine, ScatterPoint } from './plots';

Chart.register(LineController, ScatterController, LineElement, PointElement, LinearScale, CategoryScale, Tooltip);

/** Parallel coordinates on a chart.js line chart: one category tick per axis, values scaled to [0, 1]. */
export class ParallelChart {
  readonly element: HTMLElement;
  private readonly chart: Chart<'line', (number | null)[], string>;
  private dimensions: Dimension[] = [];
  private lines: ParallelLine[] = [];
  private model: CompareModel | undefined;
  private theme: Theme | undefined;

  constructor() {
    const canvas = element('canvas', { attributes: { role: 'img', 'aria-label': 'Parallel coordinates of params and the chosen metric' } });
    this.element = element('div', { className: 'plot-box' }, canvas);
    this.chart = new Chart(canvas, {
      type: 'line',
      data: { labels: [], datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        layout: { padding: { top: 18, bottom: 4, left: 8, right: 40 } },
        scales: {
          x: { type: 'category', offset: false, ticks: { autoSkip: false } },
          y: { type: 'linear', min: -0.02, max: 1.02, display: false },
        },
        interaction: { mode: 'nearest', intersect: false },
        plugins: {
          tooltip: {
            callbacks: {
              title: (items) => this.runName(items[0]?.datasetIndex),
              label: (item) => `${this.dimensions[item.dataIndex]?.key ?? ''} = ${this.lines[item.datasetIndex]?.labels[item.dataIndex] ?? ''}`,
            },
          },
        },
      },
      plugins: [this.axisLabels(), tickLabelsPlugin(this.element)],
    });
  }

  update(model: CompareModel, data: { dimensions: Dimension[]; lines: ParallelLine[] }, theme: Theme): void {
    this.model = model;
    this.theme = theme;
    this.dimensions = data.dimensions;
    this.lines = data.lines;
    this.chart.data.labels = data.dimensions.map((d) => d.key);
    this.chart.data.datasets = data.lines.map((line) => {
      const color = css(runColor(model.runs[line.runIndex].colorSlot, theme.kind));
      return { label: this.runName(line.runIndex), data: line.positions, borderColor: color, backgroundColor: color, pointRadius: 3, borderWidth: 1.5, spanGaps: false };
    });
    applyChartTheme(this.chart.options, theme);
    this.chart.update('none');
  }

  destroy(): void {
    this.chart.destroy();
  }

  private runName(index: number | undefined): string {
    const run = index === undefined ? undefined : this.model?.runs[index];
    return run ? run.runName || run.runId : '';
  }

  /** Each axis's own scale: its range (numeric) or its categories, drawn beside the axis line. */
  private axisLabels(): Plugin<'line'> {
    return {
      id: 'parallelAxisLabels',
      afterDraw: (chart) => {
        const x = chart.scales.x;
        const y = chart.scales.y;
        if (!x || !y || !this.theme) return;
        const { ctx } = chart;
        ctx.save();
        ctx.fillStyle = this.theme.foreground;
        ctx.font = `${Math.max(10, this.theme.fontSize - 2)}px ${this.theme.fontFamily}`;
        ctx.textAlign = 'left';
        ctx.textBaseline = 'middle';
        this.dimensions.forEach((d, i) => {
          const px = x.getPixelForTick(i) + 4;
          const labels: [number, string][] =
            d.kind === 'numeric'
              ? [[1, formatValue(d.max)], [0, formatValue(d.min)]]
              : d.categories.length <= 8
                ? d.categories.map((c, j) => [d.categories.length === 1 ? 0.5 : j / (d.categories.length - 1), c])
                : [[0, d.categories[0]], [1, d.categories[d.categories.length - 1]]];
          for (const [pos, text] of labels) ctx.fillText(text.length > 18 ? `${text.slice(0, 17)}…` : text, px, y.getPixelForValue(pos));
        });
        ctx.restore();
      },
    };
  }
}

/** A metric against a param, one dataset per run so each point carries its run's colour and name. */
export class ScatterChart {
  readonly element: HTMLElement;
  private readonly chart: Chart<'scatter', { x: number; y: number }[]>;
  private x: Dimension | undefined;

  constructor() {
    const canvas = element('canvas', { attributes: { role: 'img', 'aria-label': 'Scatter of the chosen metric against the chosen param' } });
    this.element = element('div', { className: 'plot-box' }, canvas);
    this.chart = new Chart(canvas, {
      type: 'scatter',
      data: { datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        scales: {
          // Numeric ticks read as the charts' do: as many decimals as the spacing needs, so no two read alike.
          x: { type: 'linear', title: { display: true, text: '' }, ticks: { callback: (v, _i, ticks) => this.xLabel(Number(v), spacingOf(ticks)) } },
          y: { type: 'linear', title: { display: true, text: '' }, ticks: { callback: (v, _i, ticks) => linearTickLabel(Number(v), spacingOf(ticks)) } },
        },
        plugins: {
          tooltip: {
            callbacks: {
              title: (items) => String(items[0]?.dataset.label ?? ''),
              label: (item) => `${this.x?.key ?? ''} = ${this.xLabel(item.parsed.x ?? Number.NaN)}, ${formatValue(item.parsed.y ?? Number.NaN)}`,
            },
          },
        },
      },
      plugins: [tickLabelsPlugin(this.element)],
    });
  }

  update(model: CompareModel, data: { x: Dimension | undefined; points: ScatterPoint[] }, metricKey: string | undefined, theme: Theme): void {
    this.x = data.x;
    this.chart.data.datasets = data.points.map((p) => {
      const run = model.runs[p.runIndex];
      const color = css(runColor(run.colorSlot, theme.kind));
      return { label: run.runName || run.runId, data: [{ x: p.x, y: p.y }], backgroundColor: color, borderColor: color, pointRadius: 5, pointHoverRadius: 7 };
    });
    const scales = this.chart.options.scales;
    const xScale = scales?.x;
    if (xScale && 'title' in xScale && xScale.title) xScale.title.text = data.x?.key ?? '';
    if (xScale && xScale.ticks && 'stepSize' in xScale.ticks) xScale.ticks.stepSize = data.x?.kind === 'categorical' ? 1 : undefined;
    const yScale = scales?.y;
    if (yScale && 'title' in yScale && yScale.title) yScale.title.text = metricKey ? `${metricKey} (last)` : '';
    applyChartTheme(this.chart.options, theme);
    this.chart.update('none');
  }

  destroy(): void {
    this.chart.destroy();
  }

  private xLabel(value: number, spacing?: number): string {
    if (this.x?.kind !== 'categorical') return spacing === undefined ? formatValue(value) : linearTickLabel(value, spacing);
    return Number.isInteger(value) ? (this.x.categories[value] ?? '') : '';
  }
}
