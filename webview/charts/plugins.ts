import type { Plugin } from 'chart.js';
import type { NonFiniteKind } from './series';

/** Where a non-finite value was logged, in the colour of its run. */
export interface Marker {
  x: number;
  kind: NonFiniteKind;
  color: string;
}

/** Fills the canvas with the editor background, so an exported PNG looks like the panel. */
export function backgroundPlugin(background: () => string | undefined): Plugin<'line'> {
  return {
    id: 'themeBackground',
    beforeDraw: (chart) => {
      const { ctx, width, height } = chart;
      ctx.save();
      ctx.fillStyle = background() ?? 'transparent';
      ctx.fillRect(0, 0, width, height);
      ctx.restore();
    },
  };
}

/**
 * NaN and ±∞ can't sit on a y axis; the line has a gap there and this marks why: ▲ on the top edge for
 * +∞, ▼ on the bottom edge for −∞, ✕ on the bottom edge for NaN.
 */
export function nonFiniteMarkerPlugin(markers: () => readonly Marker[]): Plugin<'line'> {
  return {
    id: 'nonFiniteMarkers',
    afterDatasetsDraw: (chart) => {
      const x = chart.scales.x;
      const { top, bottom, left, right } = chart.chartArea;
      const { ctx } = chart;
      ctx.save();
      for (const marker of markers()) {
        const px = x?.getPixelForValue(marker.x);
        if (px === undefined || px < left || px > right) continue;
        ctx.fillStyle = marker.color;
        ctx.strokeStyle = marker.color;
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        if (marker.kind === 'posInf') {
          ctx.moveTo(px, top);
          ctx.lineTo(px - 4, top + 7);
          ctx.lineTo(px + 4, top + 7);
          ctx.fill();
        } else if (marker.kind === 'negInf') {
          ctx.moveTo(px, bottom);
          ctx.lineTo(px - 4, bottom - 7);
          ctx.lineTo(px + 4, bottom - 7);
          ctx.fill();
        } else {
          ctx.moveTo(px - 3, bottom - 8);
          ctx.lineTo(px + 3, bottom - 2);
          ctx.moveTo(px + 3, bottom - 8);
          ctx.lineTo(px - 3, bottom - 2);
          ctx.stroke();
        }
      }
      ctx.restore();
    },
  };
}

/** What a drawn tooltip said: chart.js's tooltip model, its title and body lines as plain strings. */
export interface TooltipText {
  title: string[];
  body: string[];
}

/**
 * Reports the text of each tooltip chart.js draws (it paints it on the canvas, so the DOM never holds
 * it): the page reflects it on the chart's figure, where the page tests check that a run named like
 * markup reads as that very text and that nothing was made from it.
 */
export function tooltipTextPlugin(drawn: (text: TooltipText | undefined) => void): Plugin<'line'> {
  return {
    id: 'tooltipText',
    afterTooltipDraw: (_chart, { tooltip }) => {
      drawn(tooltip.opacity > 0 ? { title: [...tooltip.title], body: tooltip.body.flatMap((b) => [...b.before, ...b.lines, ...b.after]) } : undefined);
    },
  };
}
