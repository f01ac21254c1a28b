import type { Plugin, Scale, Tick } from 'chart.js';

/** The labels an axis shows (chart.js leaves a skipped or empty label as ''). */
export function tickLabels(scale: Scale | undefined): string[] {
  return (scale?.ticks ?? []).flatMap((t) => {
    const label = Array.isArray(t.label) ? t.label.join(' ') : (t.label ?? '');
    return label === '' ? [] : [label];
  });
}

/** The distance between neighbouring ticks, which decides how many decimals their labels need. */
export function spacingOf(ticks: readonly Tick[]): number {
  return ticks.length >= 2 ? Math.abs(ticks[1].value - ticks[0].value) : 1;
}

/**
 * Writes the labels chart.js laid out on each axis as `data-x-ticks` / `data-y-ticks` on `element`
 * after every layout, so what a plot's axes read can be checked from its DOM (as the charts' figures do).
 */
export function tickLabelsPlugin<T extends 'line' | 'scatter'>(element: HTMLElement): Plugin<T> {
  return {
    id: 'tickLabels',
    afterLayout: (chart) => {
      element.setAttribute('data-x-ticks', JSON.stringify(tickLabels(chart.scales.x)));
      element.setAttribute('data-y-ticks', JSON.stringify(tickLabels(chart.scales.y)));
    },
  };
}
