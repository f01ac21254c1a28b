import type {
  ChartSummary,
  ChartsRenderSummary,
  ChartsTarget,
  ChartsViewState,
  ChartsWebviewMessage,
  CompareRenderSummary,
  CompareViewState,
  CompareWebviewMessage,
  StepWindow,
  ThemeKind,
  XAxisKind,
  XRange,
  YScaleKind,
} from './protocol';
import { isRecord } from '../mlflow/values';

/**
 * Validation of everything that reaches the host from a webview or from persisted webview state.
 * A webview is a web page: whatever it posts is checked before the host acts on it, and anything of an
 * unknown shape is rejected whole (undefined), never half-used.
 */

/** Generous bounds that still stop a runaway page from making the host allocate without limit. */
const MAX_KEY = 1_000;
const MAX_LIST = 10_000;
/** A PNG of a large chart on a 4K screen stays well under this. */
const MAX_DATA_URL = 50 * 1024 * 1024;
export const MAX_SMOOTHING = 0.99;

export function parseChartsMessage(raw: unknown): ChartsWebviewMessage | undefined {
  if (!isRecord(raw)) return undefined;
  switch (raw.type) {
    case 'ready':
      return { type: 'ready' };
    case 'viewState': {
      const state = parseChartsState(raw.state);
      return state && { type: 'viewState', state };
    }
    case 'requestWindow': {
      const window = parseWindow(raw.window);
      return isKey(raw.metricKey) && window ? { type: 'requestWindow', metricKey: raw.metricKey, window } : undefined;
    }
    case 'exportPng':
      return isKey(raw.metricKey) && typeof raw.dataUrl === 'string' && raw.dataUrl.length <= MAX_DATA_URL &&
        raw.dataUrl.startsWith('data:image/png;base64,')
        ? { type: 'exportPng', metricKey: raw.metricKey, dataUrl: raw.dataUrl }
        : undefined;
    case 'exportCsv':
      return isKeyList(raw.metricKeys) ? { type: 'exportCsv', metricKeys: raw.metricKeys } : undefined;
    case 'rendered': {
      const summary = parseChartsSummary(raw.summary);
      return summary && { type: 'rendered', summary };
    }
    default:
      return undefined;
  }
}

export function parseCompareMessage(raw: unknown): CompareWebviewMessage | undefined {
  if (!isRecord(raw)) return undefined;
  switch (raw.type) {
    case 'ready':
      return { type: 'ready' };
    case 'viewState': {
      const state = parseCompareState(raw.state);
      return state && { type: 'viewState', state };
    }
    case 'diffParams':
      return isKey(raw.runIdA) && isKey(raw.runIdB) ? { type: 'diffParams', runIdA: raw.runIdA, runIdB: raw.runIdB } : undefined;
    case 'openCharts':
      return isKeyList(raw.runIds) && raw.runIds.length > 0 && isKeyList(raw.metricKeys)
        ? { type: 'openCharts', runIds: raw.runIds, metricKeys: raw.metricKeys }
        : undefined;
    case 'rendered': {
      const summary = parseCompareSummary(raw.summary);
      return summary && { type: 'rendered', summary };
    }
    default:
      return undefined;
  }
}

/** Also what the panel serializer receives after a window reload. */
export function parseChartsState(raw: unknown): ChartsViewState | undefined {
  if (!isRecord(raw)) return undefined;
  const target = parseTarget(raw.target);
  if (!target || !isKeyList(raw.metricKeys) || !isKeyList(raw.hiddenRunIds)) return undefined;
  if (!isXAxis(raw.xAxis) || !isYScale(raw.yScale)) return undefined;
  if (!isNumber(raw.smoothing) || raw.smoothing < 0 || raw.smoothing > MAX_SMOOTHING) return undefined;
  const zoom = raw.zoom === undefined ? undefined : parseZoom(raw.zoom);
  if (raw.zoom !== undefined && !zoom) return undefined;
  const state: ChartsViewState = {
    target,
    metricKeys: raw.metricKeys,
    xAxis: raw.xAxis,
    yScale: raw.yScale,
    smoothing: raw.smoothing,
    hiddenRunIds: raw.hiddenRunIds,
  };
  if (zoom && Object.keys(zoom).length > 0) state.zoom = zoom;
  return state;
}

/** Zoom ranges by metric key (a metric someone named `__proto__` is stored as a key like any other). */
function parseZoom(raw: unknown): Record<string, XRange> | undefined {
  if (!isRecord(raw)) return undefined;
  const entries = Object.entries(raw);
  if (entries.length > MAX_LIST) return undefined;
  const zoom: Record<string, XRange> = {};
  for (const [key, range] of entries) {
    if (!isKey(key) || !isRange(range) || !(range.min < range.max)) return undefined;
    Object.defineProperty(zoom, key, { value: { min: range.min, max: range.max }, enumerable: true, writable: true, configurable: true });
  }
  return zoom;
}

export function parseCompareState(raw: unknown): CompareViewState | undefined {
  if (!isRecord(raw) || !isKeyList(raw.runIds) || typeof raw.onlyDifferences !== 'boolean') return undefined;
  const optional = ['parallelMetric', 'scatterParam', 'scatterMetric'] as const;
  if (optional.some((k) => raw[k] !== undefined && !isKey(raw[k]))) return undefined;
  const state: CompareViewState = { runIds: raw.runIds, onlyDifferences: raw.onlyDifferences };
  for (const k of optional) if (isKey(raw[k])) state[k] = raw[k];
  return state;
}

function parseTarget(raw: unknown): ChartsTarget | undefined {
  if (!isRecord(raw) || !isKeyList(raw.runIds)) return undefined;
  if (raw.experimentId !== undefined && !isKey(raw.experimentId)) return undefined;
  if (raw.title !== undefined && !isKey(raw.title)) return undefined;
  if (raw.runIds.length === 0 && raw.experimentId === undefined) return undefined;
  const target: ChartsTarget = { runIds: raw.runIds };
  if (isKey(raw.experimentId)) target.experimentId = raw.experimentId;
  if (isKey(raw.title)) target.title = raw.title;
  return target;
}

function parseWindow(raw: unknown): StepWindow | undefined {
  if (!isRecord(raw) || !Number.isSafeInteger(raw.startStep) || !Number.isSafeInteger(raw.endStep)) return undefined;
  const startStep = raw.startStep as number;
  const endStep = raw.endStep as number;
  return startStep <= endStep ? { startStep, endStep } : undefined;
}

function parseChartsSummary(raw: unknown): ChartsRenderSummary | undefined {
  if (!isRecord(raw) || !Array.isArray(raw.charts) || raw.charts.length > MAX_LIST) return undefined;
  const charts = raw.charts.map(parseChartSummary);
  if (charts.some((c) => c === undefined) || !isKeyList(raw.hiddenRunIds)) return undefined;
  if (!isTheme(raw.theme) || typeof raw.foreground !== 'string' || raw.foreground.length > MAX_KEY) return undefined;
  if (raw.highlightedRunId !== undefined && !isKey(raw.highlightedRunId)) return undefined;
  if (typeof raw.live !== 'boolean' || !isKeyRecord(raw.badges)) return undefined;
  const summary: ChartsRenderSummary = {
    charts: charts as ChartSummary[],
    live: raw.live,
    badges: raw.badges,
    hiddenRunIds: raw.hiddenRunIds,
    theme: raw.theme,
    foreground: raw.foreground,
  };
  if (isKey(raw.highlightedRunId)) summary.highlightedRunId = raw.highlightedRunId;
  return summary;
}

function parseChartSummary(raw: unknown): ChartSummary | undefined {
  if (!isRecord(raw) || !isKey(raw.metricKey) || !isCount(raw.datasets) || !isXAxis(raw.xAxis)) return undefined;
  if (raw.yScale !== 'linear' && raw.yScale !== 'logarithmic') return undefined;
  if (!isNumber(raw.smoothing) || typeof raw.loading !== 'boolean') return undefined;
  if (!isRecord(raw.points) || !Object.values(raw.points).every(isCount)) return undefined;
  const nonFinite = raw.nonFinite;
  if (!isRecord(nonFinite) || !isCount(nonFinite.nan) || !isCount(nonFinite.posInf) || !isCount(nonFinite.negInf)) return undefined;
  const zoom = raw.zoom;
  if (zoom !== undefined && !isRange(zoom)) return undefined;
  const yRange = raw.yRange;
  if (yRange !== undefined && !isRange(yRange)) return undefined;
  const colors = raw.colors;
  if (colors !== undefined && !(isRecord(colors) && Object.values(colors).every(isKey))) return undefined;
  const lastSteps = raw.lastSteps;
  if (lastSteps !== undefined && !(isRecord(lastSteps) && Object.values(lastSteps).every(isNumber))) return undefined;
  const summary: ChartSummary = {
    metricKey: raw.metricKey,
    datasets: raw.datasets,
    xAxis: raw.xAxis,
    yScale: raw.yScale,
    smoothing: raw.smoothing,
    points: raw.points as Record<string, number>,
    nonFinite: { nan: nonFinite.nan, posInf: nonFinite.posInf, negInf: nonFinite.negInf },
    loading: raw.loading,
  };
  if (isRange(zoom)) summary.zoom = { min: zoom.min, max: zoom.max };
  if (isRange(yRange)) summary.yRange = { min: yRange.min, max: yRange.max };
  if (isRecord(colors)) summary.colors = colors as Record<string, string>;
  if (isRecord(lastSteps)) summary.lastSteps = lastSteps as Record<string, number>;
  return summary;
}

function parseCompareSummary(raw: unknown): CompareRenderSummary | undefined {
  if (!isRecord(raw) || !isTheme(raw.theme) || typeof raw.onlyDifferences !== 'boolean') return undefined;
  const counts = ['runs', 'paramRows', 'hiddenEqualParams', 'tagRows', 'metricRows', 'bestCells'] as const;
  if (!counts.every((k) => isCount(raw[k]))) return undefined;
  const { parallel, scatter } = raw;
  if (!isRecord(parallel) || !isKeyList(parallel.dimensions) || !isCount(parallel.lines) || !isOptionalKey(parallel.metric)) return undefined;
  if (!isRecord(scatter) || !isCount(scatter.points) || !isOptionalKey(scatter.param) || !isOptionalKey(scatter.metric)) return undefined;
  return {
    runs: raw.runs as number,
    onlyDifferences: raw.onlyDifferences,
    paramRows: raw.paramRows as number,
    hiddenEqualParams: raw.hiddenEqualParams as number,
    tagRows: raw.tagRows as number,
    metricRows: raw.metricRows as number,
    bestCells: raw.bestCells as number,
    parallel: { metric: parallel.metric, dimensions: parallel.dimensions, lines: parallel.lines },
    scatter: { param: scatter.param, metric: scatter.metric, points: scatter.points },
    theme: raw.theme,
  };
}


function isRange(v: unknown): v is { min: number; max: number } {
  return isRecord(v) && isNumber(v.min) && isNumber(v.max);
}

function isKey(v: unknown): v is string {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_KEY;
}

/** A record of short strings by run id, checked like the rest (a run id like `__proto__` is a key too). */
function isKeyRecord(v: unknown): v is Record<string, string> {
  if (!isRecord(v)) return false;
  const entries = Object.entries(v);
  return entries.length <= MAX_LIST && entries.every(([key, value]) => isKey(key) && isKey(value));
}

function isOptionalKey(v: unknown): v is string | undefined {
  return v === undefined || isKey(v);
}

function isKeyList(v: unknown): v is string[] {
  return Array.isArray(v) && v.length <= MAX_LIST && v.every(isKey);
}

function isNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function isCount(v: unknown): v is number {
  return Number.isSafeInteger(v) && (v as number) >= 0;
}

function isXAxis(v: unknown): v is XAxisKind {
  return v === 'step' || v === 'wall' || v === 'relative';
}

function isYScale(v: unknown): v is YScaleKind {
  return v === 'linear' || v === 'log';
}

function isTheme(v: unknown): v is ThemeKind {
  return v === 'light' || v === 'dark' || v === 'high-contrast' || v === 'high-contrast-light';
}
