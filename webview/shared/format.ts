/** Number and time formatting shared by the apps; the locale is the webview's (VS Code's display language). */

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+∞';
  if (value === Number.NEGATIVE_INFINITY) return '−∞';
  const abs = Math.abs(value);
  // Exponent form without padding zeros: "5e-5", not "5.0000e-5".
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e7)) return value.toExponential(4).replace(/\.?0+e/, 'e');
  return Number(value.toPrecision(6)).toString();
}

export function formatDuration(ms: number): string {
  const totalSeconds = Math.round(ms / 1000);
  const sign = totalSeconds < 0 ? '-' : '';
  let rest = Math.abs(totalSeconds);
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  if (h > 0) return `${sign}${h}h ${String(m).padStart(2, '0')}m ${String(s).padStart(2, '0')}s`;
  if (m > 0) return `${sign}${m}m ${String(s).padStart(2, '0')}s`;
  return `${sign}${s}s`;
}

export function formatTime(timestamp: number): string {
  return new Date(timestamp).toLocaleString();
}
