/**
 * The labels of a value (y) axis's ticks, shared by the charts and the compare panel's scatter: pure (no
 * DOM, no chart.js), so the rules are unit-tested; chart.js calls them from each axis's tick callback.
 */

/**
 * The label of a y tick on a linear axis: as many decimals as the spacing between ticks needs (so
 * neighbours never read the same and no float noise like 0.30000000000000004 shows), exponent form only
 * for very small or large numbers and without padding zeros ("5e-5", not "5.0000e-5").
 */
export function linearTickLabel(value: number, spacing: number): string {
  if (value === 0 || Math.abs(value) < Math.abs(spacing) * 1e-9) return '0';
  const abs = Math.abs(value);
  if (abs < 1e-4 || abs >= 1e7) return compactExponential(value, significantFor(value, spacing));
  return value.toFixed(decimalsOf(spacing));
}

/** The label of a y tick on a log axis (a 1…9 × 10ⁿ value): short, exponent form past 10⁻⁴…10⁷. */
export function logTickLabel(value: number): string {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e7)) return compactExponential(value, 3);
  return String(Number(value.toPrecision(3)));
}

/** `value` in exponent form with at most `digits` significant digits and no trailing zeros. */
export function compactExponential(value: number, digits: number): string {
  const [mantissaText, exponent] = value.toExponential(Math.max(0, Math.min(20, digits - 1))).split('e');
  const trimmed = mantissaText.includes('.') ? mantissaText.replace(/\.?0+$/, '') : mantissaText;
  return `${trimmed}e${exponent.replace(/^\+/, '')}`;
}

/** Decimals that tell ticks `spacing` apart: 0.25 → 2, 0.1 → 1, 5 → 0. */
function decimalsOf(spacing: number): number {
  const abs = Math.abs(spacing);
  if (!Number.isFinite(abs) || abs === 0 || abs >= 1) return 0;
  // Through toPrecision, so a spacing computed as 0.30000000000000004 counts as 0.3.
  const text = Number(abs.toPrecision(6)).toExponential();
  const [m, e] = text.split('e');
  const fraction = m.split('.')[1]?.length ?? 0;
  return Math.min(20, Math.max(0, fraction - Number(e)));
}

function significantFor(value: number, spacing: number): number {
  if (!Number.isFinite(spacing) || spacing === 0) return 3;
  const digits = Math.floor(Math.log10(Math.abs(value))) - Math.floor(Math.log10(Math.abs(spacing))) + 1;
  return Math.max(1, Math.min(6, digits + 1));
}
