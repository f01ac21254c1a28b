import type { XAxisKind } from '../../src/charts/protocol';

/**
 * Where the charts put their axis ticks and what the ticks say. Pure (no DOM, no chart.js), so the
 * rules are unit-tested; chartView hands chart.js the values and labels this module picks.
 *
 * Chart.js spaces ticks by the axis's numbers, not by what the labels can tell apart: a run shorter
 * than a second on a time axis gets six ticks that all read "1s", and a log axis gets a tick at every
 * 1…9 × 10ⁿ, each labelled, so they overprint. Here ticks sit on whole units of what the label shows
 * (steps, seconds, minutes…), so no two labels on an axis read the same, and a log axis labels 1, 2, 5
 * (or only powers of ten when there are many decades).
 */

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Tick spacings of a relative-time axis, in seconds (its unit). */
const RELATIVE_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 432000, 864000];
/** Tick spacings of a wall-clock axis, in ms (its unit). */
const WALL_STEPS = [
  SECOND, 2 * SECOND, 5 * SECOND, 10 * SECOND, 15 * SECOND, 30 * SECOND,
  MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE,
  HOUR, 2 * HOUR, 3 * HOUR, 6 * HOUR, 12 * HOUR,
  DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY, 91 * DAY, 182 * DAY, 364 * DAY,
];

/** Ticks of an x axis: their values and the spacing, which decides how precise the labels are. */
export interface XTicks {
  values: number[];
  spacing: number;
}

/**
 * Tick values for an x axis showing [min, max], at most `maxTicks` of them, on whole units of what the
 * label shows: integer steps, whole seconds, whole minutes of the local clock, and so on.
 * `timezoneOffsetMs` (local time minus UTC) aligns wall-clock ticks to the user's clock.
 */
export function xTicks(kind: XAxisKind, min: number, max: number, maxTicks: number, timezoneOffsetMs = 0): XTicks {
  if (!Number.isFinite(min) || !Number.isFinite(max) || max < min) return { values: [], spacing: 1 };
  const count = Math.max(1, Math.floor(maxTicks));
  const range = max - min;
  let spacing: number;
  switch (kind) {
    case 'step':
      spacing = niceStep(range / count, 1);
      break;
    case 'relative':
      spacing = fromList(RELATIVE_STEPS, range / count) ?? niceStep(range / count, 86400);
      break;
    case 'wall':
      spacing = fromList(WALL_STEPS, range / count) ?? niceStep(range / count, 364 * DAY);
      break;
  }
  const offset = kind === 'wall' && spacing <= DAY ? timezoneOffsetMs : 0;
  const first = Math.ceil((min + offset) / spacing) * spacing - offset;
  const values: number[] = [];
  for (let value = first; value <= max + spacing * 1e-9 && values.length <= count + 1; value += spacing) {
    values.push(roundTo(value, spacing));
  }
  return { values, spacing };
}

/**
 * How far either side of a lone x value the axis reaches, when every point drawn shares that value (one
 * logged step). Chart.js would pad by 5 % of the value, which for a wall-clock time is years.
 */
export function loneValuePadding(kind: XAxisKind): number {
  switch (kind) {
    case 'step':
    case 'relative':
      // Half a unit: the axis holds the one whole step or second and nothing either side of it.
      return 0.5;
    case 'wall':
      return MINUTE;
  }
}

/** The label of an x tick; `spacing` is the distance between ticks, `spansDays` whether the axis does. */
export function xTickLabel(kind: XAxisKind, value: number, spacing: number, spansDays: boolean): string {
  switch (kind) {
    case 'step':
      return String(Math.round(value));
    case 'relative':
      return formatSeconds(Math.round(value));
    case 'wall':
      return formatClockTick(value, spacing, spansDays);
  }
}

/** "45s", "2m 30s", "1h 05m", "2d 03h", "3m": two parts at most, a trailing zero part left out. */
function formatSeconds(total: number): string {
  const sign = total < 0 ? '-' : '';
  let rest = Math.abs(total);
  const d = Math.floor(rest / 86400);
  rest -= d * 86400;
  const h = Math.floor(rest / 3600);
  rest -= h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  const pad = (n: number): string => String(n).padStart(2, '0');
  if (d > 0) return h === 0 ? `${sign}${d}d` : `${sign}${d}d ${pad(h)}h`;
  if (h > 0) return m === 0 ? `${sign}${h}h` : `${sign}${h}h ${pad(m)}m`;
  if (m > 0) return s === 0 ? `${sign}${m}m` : `${sign}${m}m ${pad(s)}s`;
  return `${sign}${s}s`;
}

function formatClockTick(timestamp: number, spacing: number, spansDays: boolean): string {
  const d = new Date(timestamp);
  const date = d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
  if (spacing >= DAY) return date;
  const time = d.toLocaleTimeString(undefined, spacing < MINUTE ? { hour: '2-digit', minute: '2-digit', second: '2-digit' } : { hour: '2-digit', minute: '2-digit' });
  return spansDays ? `${date} ${time}` : time;
}

/**
 * The ticks worth keeping on a log axis, from chart.js's 1…9 × 10ⁿ: those of mantissa 1, 2 and 5; only
 * the powers of ten when even those would crowd; every second (third…) power of ten past that. A range
 * inside one decade keeps what chart.js chose, thinned to `maxTicks`.
 */
export function logTicks(values: readonly number[], maxTicks: number): number[] {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  const limit = Math.max(2, Math.floor(maxTicks));
  const ofMantissa = (wanted: readonly number[]): number[] => positive.filter((v) => wanted.includes(mantissa(v)));
  for (const wanted of [[1, 2, 5], [1]]) {
    const kept = ofMantissa(wanted);
    if (kept.length >= 2 && kept.length <= limit) return kept;
  }
  const powers = ofMantissa([1]);
  if (powers.length >= 2) {
    const every = Math.ceil(powers.length / limit);
    return powers.filter((v) => Math.round(Math.log10(v)) % every === 0);
  }
  return thin(positive, limit);
}

/** The digit d of a d × 10ⁿ tick; NaN for a tick between those (chart.js also makes 1.5 × 10ⁿ). */
function mantissa(value: number): number {
  const exponent = Math.floor(Math.log10(value) + 1e-9);
  const m = value / 10 ** exponent;
  return Math.abs(m - Math.round(m)) < 1e-6 * m ? Math.round(m) : Number.NaN;
}

function thin(values: readonly number[], limit: number): number[] {
  if (values.length <= limit) return [...values];
  const every = Math.ceil(values.length / limit);
  return values.filter((_, i) => i % every === 0);
}

/** 1, 2 or 5 × 10ⁿ at least `raw` and at least `floor`. */
function niceStep(raw: number, floor: number): number {
  if (!(raw > floor)) return floor;
  const exponent = 10 ** Math.floor(Math.log10(raw));
  const fraction = raw / exponent;
  const nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10;
  return Math.max(floor, nice * exponent);
}

function fromList(list: readonly number[], raw: number): number | undefined {
  return list.find((step) => step >= raw);
}

/** Float noise off: a multiple of `spacing` rounded to the spacing's own precision. */
function roundTo(value: number, spacing: number): number {
  return Number(value.toPrecision(Math.max(12, Math.ceil(Math.log10(Math.abs(value) / spacing + 1)) + 3)));
}
