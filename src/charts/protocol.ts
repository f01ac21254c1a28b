import type { RunStatus } from '../mlflow/types';

/**
 * The messages between the extension host and the two webviews of this feature (charts, compare).
 * Both sides import these with `import type`: this file holds no code, so nothing of the host reaches a
 * webview bundle. Each direction is a discriminated union on `type`, handled by an exhaustive switch.
 *
 * Messages cross `postMessage` as JSON, which has no NaN or ±Infinity (they would arrive as null), so
 * metric values travel as {@link WireValue}.
 */

/** A metric value on the wire: finite numbers as numbers, the three non-finite values spelled out. */
export type WireValue = number | 'NaN' | 'Infinity' | '-Infinity';

export type XAxisKind = 'step' | 'wall' | 'relative';
export type YScaleKind = 'linear' | 'log';
/** The body classes VS Code sets on a webview (`vscode-<kind>`); high-contrast-light also sets high-contrast. */
export type ThemeKind = 'light' | 'dark' | 'high-contrast' | 'high-contrast-light';

/** What a charts panel shows: explicit runs, or the first runs of an experiment. */
export interface ChartsTarget {
  runIds: string[];
  experimentId?: string;
  title?: string;
}

export interface ChartRun {
  runId: string;
  runName: string;
  status: RunStatus;
  startTime?: number;
  /** Index into the theme palette; the same run set gets the same slots everywhere (see colors.ts). */
  colorSlot: number;
}

/** One run's points of one metric, columnar: a third of the bytes of an array of objects. */
export interface WireSeries {
  runId: string;
  steps: number[];
  timestamps: number[];
  values: WireValue[];
}

/** An inclusive step range, MLflow's start_step/end_step. */
export interface StepWindow {
  startStep: number;
  endStep: number;
}

/**
 * Everything needed to rebuild a charts panel: the webview persists it with `setState`, VS Code hands it
 * to the panel serializer after a reload, and the host keeps the latest copy.
 */
export interface ChartsViewState {
  target: ChartsTarget;
  metricKeys: string[];
  xAxis: XAxisKind;
  yScale: YScaleKind;
  /** EMA weight in [0, 0.99]; 0 draws the raw lines only. */
  smoothing: number;
  hiddenRunIds: string[];
  /** The x range each zoomed chart shows, by metric key, in the units of `xAxis`; absent: not zoomed. */
  zoom?: Record<string, XRange>;
}

/** A range of the x axis, min < max. */
export interface XRange {
  min: number;
  max: number;
}

export type ChartsHostMessage =
  | { type: 'init'; runs: ChartRun[]; metricKeys: string[]; state: ChartsViewState; notice?: string }
  /** Sampled history of one metric; with `window`, full resolution inside that step window only. */
  | { type: 'series'; metricKey: string; series: WireSeries[]; window?: StepWindow }
  /** Live points after the last step the webview has of each run. */
  | { type: 'append'; metricKey: string; series: WireSeries[] }
  /**
   * Run statuses, names or metric keys changed while polling; `added` are keys a live run logged for the
   * first time that the host charts from now on (their series follow).
   */
  | { type: 'runs'; runs: ChartRun[]; metricKeys: string[]; added: string[] }
  | { type: 'error'; message: string; metricKey?: string };

export type ChartsWebviewMessage =
  | { type: 'ready' }
  | { type: 'viewState'; state: ChartsViewState }
  | { type: 'requestWindow'; metricKey: string; window: StepWindow }
  | { type: 'exportPng'; metricKey: string; dataUrl: string }
  | { type: 'exportCsv'; metricKeys: string[] }
  | { type: 'rendered'; summary: ChartsRenderSummary };

/** What one chart draws, reported after every render so tests can assert on the picture. */
export interface ChartSummary {
  metricKey: string;
  /** Datasets chart.js draws: per visible run one raw line, plus one smoothed line when smoothing. */
  datasets: number;
  xAxis: XAxisKind;
  /** chart.js's scale type of the y axis. */
  yScale: 'linear' | 'logarithmic';
  smoothing: number;
  /** The visible x range while zoomed or panned. */
  zoom?: { min: number; max: number };
  /**
   * Points chart.js laid out per visible run's raw line (its point elements after the last update), so
   * what was drawn is reported, not what the page's data model holds.
   */
  points: Record<string, number>;
  /** The step of the last point chart.js laid out per visible run's raw line. */
  lastSteps?: Record<string, number>;
  /** The CSS colour of each visible run's line (before any highlight dimming). */
  colors?: Record<string, string>;
  /** The y axis range drawn; a value plotted at ±1.8e308 (MLflow's stored ±∞) would show here. */
  yRange?: { min: number; max: number };
  /** Non-finite values drawn as gaps with edge markers. */
  nonFinite: { nan: number; posInf: number; negInf: number };
  loading: boolean;
}

export interface ChartsRenderSummary {
  charts: ChartSummary[];
  /** Whether the toolbar's "Live" mark shows (some run is RUNNING or SCHEDULED). */
  live: boolean;
  /** The status badge each legend row shows, by run id (rows without one are absent). */
  badges: Record<string, string>;
  hiddenRunIds: string[];
  highlightedRunId?: string;
  theme: ThemeKind;
  /** The foreground colour the charts were drawn with, read from the theme at render time. */
  foreground: string;
}

// Compare panel

export interface CompareRun {
  runId: string;
  runName: string;
  experimentId: string;
  status: RunStatus;
  startTime?: number;
  /** End minus start; for a running run, up to when the table was built. */
  durationMs?: number;
  colorSlot: number;
}

/** One key across the runs; null where a run lacks the key. */
export interface CompareRow {
  key: string;
  values: (string | null)[];
  /** False when every run has the same value (absent counts as a value). */
  differs: boolean;
}

export interface MetricStats {
  last: WireValue;
  min: WireValue;
  max: WireValue;
}

export interface CompareMetricRow {
  key: string;
  lowerIsBetter: boolean;
  stats: (MetricStats | null)[];
  /** Indexes of the runs holding the best value (ties share it); NaN and ±∞ never win. */
  best: { last: number[]; min: number[]; max: number[] };
}

export interface CompareModel {
  runs: CompareRun[];
  params: CompareRow[];
  metrics: CompareMetricRow[];
  tags: CompareRow[];
}

export interface CompareViewState {
  runIds: string[];
  onlyDifferences: boolean;
  parallelMetric?: string;
  scatterParam?: string;
  scatterMetric?: string;
}

export type CompareHostMessage =
  | { type: 'init'; model: CompareModel; state: CompareViewState }
  | { type: 'error'; message: string };

export type CompareWebviewMessage =
  | { type: 'ready' }
  | { type: 'viewState'; state: CompareViewState }
  | { type: 'diffParams'; runIdA: string; runIdB: string }
  | { type: 'openCharts'; runIds: string[]; metricKeys: string[] }
  | { type: 'rendered'; summary: CompareRenderSummary };

export interface CompareRenderSummary {
  runs: number;
  onlyDifferences: boolean;
  paramRows: number;
  hiddenEqualParams: number;
  tagRows: number;
  metricRows: number;
  bestCells: number;
  parallel: { metric?: string; dimensions: string[]; lines: number };
  scatter: { param?: string; metric?: string; points: number };
  theme: ThemeKind;
}
