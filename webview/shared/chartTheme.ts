import type { ChartOptions } from 'chart.js';
import type { Theme } from './theme';

/** VS Code's theme colours and font on a chart's text, axes, grid and tooltip (charts and compare panels). */
export function applyChartTheme(options: ChartOptions<'line'> | ChartOptions<'scatter'>, theme: Theme): void {
  options.color = theme.foreground;
  options.font = { family: theme.fontFamily, size: theme.fontSize };
  for (const scale of [options.scales?.x, options.scales?.y]) {
    if (!scale) continue;
    if (scale.ticks) scale.ticks.color = theme.foreground;
    if (scale.grid) scale.grid.color = theme.grid;
    if ('title' in scale && scale.title) scale.title.color = theme.foreground;
  }
  const tooltip = options.plugins?.tooltip;
  if (tooltip) {
    tooltip.backgroundColor = theme.hoverBackground;
    tooltip.titleColor = theme.hoverForeground;
    tooltip.bodyColor = theme.hoverForeground;
    tooltip.borderColor = theme.hoverBorder;
    tooltip.borderWidth = 1;
  }
}
