import * as assert from 'node:assert';
import { logTicks, loneValuePadding, xTickLabel, xTicks } from '../../webview/charts/ticks';
import { formatValue } from '../../webview/shared/format';
import { compactExponential, linearTickLabel, logTickLabel } from '../../webview/shared/yTickLabels';
import type { XAxisKind } from '../../src/charts/protocol';

/** The labels an x axis over [min, max] shows with room for `maxTicks`. */
function labels(kind: XAxisKind, min: number, max: number, maxTicks = 8, spansDays = false): string[] {
  const { values, spacing } = xTicks(kind, min, max, maxTicks);
  return values.map((v) => xTickLabel(kind, v, spacing, spansDays));
}

function assertDistinct(list: readonly string[], what: string): void {
  assert.strictEqual(new Set(list).size, list.length, `${what}: no label twice in ${JSON.stringify(list)}`);
}

describe('chart ticks: where they go and what they say', () => {
  it('a run shorter than a second on a relative axis gets whole seconds, each once (not "1s 1s 1s")', () => {
    // What chart.js makes of one point at 1.2 s: a range of ±5 % around it.
    const shown = labels('relative', 1.14, 1.26);
    assert.deepStrictEqual(shown, [], 'no whole second inside: no label rather than the same one six times');
    const padded = labels('relative', 1.2 - loneValuePadding('relative'), 1.2 + loneValuePadding('relative'));
    assert.deepStrictEqual(padded, ['1s']);
    assertDistinct(labels('relative', 0, 0.9, 8), 'under a second');
  });

  it('a relative axis steps in whole units and names no part that is zero', () => {
    assert.deepStrictEqual(labels('relative', 0, 10, 6), ['0s', '2s', '4s', '6s', '8s', '10s']);
    assert.deepStrictEqual(labels('relative', 0, 600, 6), ['0s', '2m', '4m', '6m', '8m', '10m']);
    assert.deepStrictEqual(labels('relative', 0, 3 * 3600, 4), ['0s', '1h', '2h', '3h']);
    assert.deepStrictEqual(labels('relative', 50, 100, 4), ['1m', '1m 15s', '1m 30s']);
    for (const [min, max] of [[0, 3.5], [0, 59], [10, 7000], [0, 1e6]]) {
      const shown = labels('relative', min, max, 8);
      assert.ok(shown.length >= 2 && shown.length <= 9, `${min}..${max}: ${JSON.stringify(shown)}`);
      assertDistinct(shown, `${min}..${max}`);
    }
  });

  it('a wall-clock axis over a few seconds shows seconds, never "09:19 AM" six times', () => {
    const start = Date.UTC(2025, 0, 1, 9, 19, 3);
    const shown = labels('wall', start, start + 12_000, 6);
    assert.ok(shown.length >= 2, JSON.stringify(shown));
    assertDistinct(shown, 'twelve seconds');
    const { spacing } = xTicks('wall', start, start + 12_000, 6);
    assert.ok(spacing >= 1000 && spacing % 1000 === 0, `whole seconds apart: ${spacing}`);
    // One logged point: the axis spans a minute either side of it and says each tick once.
    const lone = labels('wall', start - loneValuePadding('wall'), start + loneValuePadding('wall'), 8);
    assert.ok(lone.length >= 2, JSON.stringify(lone));
    assertDistinct(lone, 'a lone point');
    for (const [span, what] of [[90 * 60_000, 'ninety minutes'], [3 * 86_400_000, 'three days'], [400 * 86_400_000, 'over a year']] as const) {
      const days = span > 86_400_000;
      const list = labels('wall', start, start + span, 8, days);
      assert.ok(list.length >= 2 && list.length <= 9, `${what}: ${JSON.stringify(list)}`);
      assertDistinct(list, what);
    }
  });

  it('puts wall-clock ticks on whole minutes of the local clock', () => {
    const start = Date.UTC(2025, 0, 1, 9, 0, 17);
    const halfHourAhead = 30 * 60_000; // e.g. UTC+05:30 has a half hour in its offset
    const { values } = xTicks('wall', start, start + 20 * 60_000, 5, halfHourAhead);
    assert.ok(values.length >= 2);
    for (const v of values) assert.strictEqual((v + halfHourAhead) % 60_000, 0, `on a whole local minute: ${new Date(v).toISOString()}`);
  });

  it('a step axis has integer ticks only, at most as many as there is room for', () => {
    assert.deepStrictEqual(labels('step', 0, 3, 10), ['0', '1', '2', '3']);
    assert.deepStrictEqual(labels('step', 0, 1000, 5), ['0', '200', '400', '600', '800', '1000']);
    assert.deepStrictEqual(labels('step', 5 - loneValuePadding('step'), 5 + loneValuePadding('step'), 10), ['5']);
    const big = xTicks('step', 0, 1_234_567, 7);
    assert.ok(big.values.length <= 8);
    assert.ok(big.values.every(Number.isInteger));
  });

  it('a log axis labels 1, 2 and 5 of each decade, only powers of ten when they would crowd', () => {
    // chart.js's log ticks over 0.01..10: every 1..9 × 10^n.
    const all = [1e-2, 2e-2, 3e-2, 4e-2, 5e-2, 6e-2, 7e-2, 8e-2, 9e-2, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    assert.deepStrictEqual(logTicks(all, 10), [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10]);
    assert.deepStrictEqual(logTicks(all, 5), [0.01, 0.1, 1, 10]);
    const decades = Array.from({ length: 13 }, (_, i) => 10 ** (i - 6));
    const thinned = logTicks(decades, 5);
    assert.ok(thinned.length <= 5 && thinned.length >= 2, JSON.stringify(thinned));
    // Inside one decade chart.js's own choice stays (thinned to the room).
    assert.deepStrictEqual(logTicks([0.3, 0.4, 0.5, 0.6, 0.7], 10), [0.3, 0.4, 0.5, 0.6, 0.7]);
    assert.deepStrictEqual(logTicks([0.3, 0.4, 0.5, 0.6, 0.7], 3), [0.3, 0.5, 0.7]);
    assert.deepStrictEqual(logTicks([0, -1, 1, 10], 10), [1, 10], 'no tick at or below zero');
    assert.deepStrictEqual(logTicks([1e-4, 1.5e-4, 2e-4, 3e-4, 5e-4, 1e-3, 1.5e-3, 2e-3], 10), [1e-4, 2e-4, 5e-4, 1e-3, 2e-3], 'not the 1.5 × 10ⁿ chart.js adds');
  });

  it('labels log ticks short, in exponent form without padding zeros', () => {
    assert.deepStrictEqual([1e-5, 5e-5, 2e-3, 0.5, 20, 5e7].map(logTickLabel), ['1e-5', '5e-5', '0.002', '0.5', '20', '5e7']);
  });

  it('labels linear ticks with the decimals the spacing needs, never float noise or "5.0000e-5"', () => {
    assert.deepStrictEqual([0, 0.1, 0.2, 0.30000000000000004].map((v) => linearTickLabel(v, 0.1)), ['0', '0.1', '0.2', '0.3']);
    assert.deepStrictEqual([0.25, 0.5, 0.75].map((v) => linearTickLabel(v, 0.25)), ['0.25', '0.50', '0.75']);
    assert.deepStrictEqual([1000, 2000].map((v) => linearTickLabel(v, 1000)), ['1000', '2000']);
    assert.strictEqual(linearTickLabel(5e-5, 1e-5), '5e-5');
    assert.strictEqual(linearTickLabel(5.5e-5, 5e-6), '5.5e-5');
    assert.strictEqual(linearTickLabel(1.5e8, 5e7), '1.5e8');
    // Neighbouring ticks close together on a large value still read differently.
    const ticks = [0.9512, 0.9514, 0.9516].map((v) => linearTickLabel(v, 0.0002));
    assertDistinct(ticks, 'close ticks');
  });

  it('writes exponent forms without trailing zeros, in tooltips too', () => {
    assert.strictEqual(compactExponential(5e-5, 5), '5e-5');
    assert.strictEqual(compactExponential(1.25e-7, 5), '1.25e-7');
    assert.strictEqual(formatValue(5e-5), '5e-5');
    assert.strictEqual(formatValue(1.23456e-5), '1.2346e-5');
    assert.strictEqual(formatValue(0.5), '0.5');
  });
});
