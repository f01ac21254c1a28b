import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';

/**
 * Timing and reporting helpers shared by the benches. Benches print figures; nothing here asserts
 * on time.
 */

export interface Samples {
  median: number;
  min: number;
  max: number;
  all: number[];
}

/** Runs the garbage collector when node was started with --expose-gc (bench/run.mjs does). */
export function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

export function summarise(all: number[]): Samples {
  const sorted = [...all].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const median = sorted.length % 2 ? sorted[Math.floor(middle)] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], all };
}

export async function timeOnce(run: () => unknown, gc = true): Promise<number> {
  if (gc) collectGarbage();
  const t0 = performance.now();
  await run();
  return performance.now() - t0;
}

/** `times` timings of `run` one after the other (for steps that have no baseline of their own). */
export async function repeat(times: number, run: () => unknown): Promise<Samples> {
  const all: number[] = [];
  for (let i = 0; i < times; i++) all.push(await timeOnce(run));
  return summarise(all);
}

/**
 * A timed step with untimed preparation (its result is handed to `run`). Method syntax on purpose:
 * it lets a `Prepared<View>` stand where a `Prepared<unknown>` is expected.
 */
export interface Prepared<T> {
  setup(): T | Promise<T>;
  run(prepared: T): unknown;
}

type Variant = (() => unknown) | Prepared<unknown>;

async function timeVariant(variant: Variant, gc = true): Promise<number> {
  if (typeof variant === 'function') return timeOnce(variant, gc);
  const prepared: unknown = await variant.setup();
  return timeOnce(() => variant.run(prepared), gc);
}

/**
 * Each variant (the subject and its baselines) `warmup` untimed rounds, then `reps` timed rounds with
 * the variants' order rotated every round (so none always runs first, on a warmer or a more
 * fragmented heap) and a GC before each timing. Medians are what the benches report.
 */
export async function compare<K extends string>(options: {
  warmup: number;
  reps: number;
  variants: Record<K, Variant>;
  /**
   * `each` (the default): a full GC before every timing. `natural`: none forced; collections happen
   * where the allocations cause them, and the rotation spreads them over the variants. A forced full
   * GC also drops V8's optimized code for the functions a JavaScript-heavy variant runs (see
   * docs/PERFORMANCE.md, traces, third round), which no extension host does between two clicks.
   */
  gc?: 'each' | 'natural';
}): Promise<Record<K, Samples>> {
  const names = Object.keys(options.variants) as K[];
  const gc = options.gc !== 'natural';
  for (let i = 0; i < options.warmup; i++) for (const name of names) await timeVariant(options.variants[name], gc);
  const times = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<K, number[]>;
  for (let i = 0; i < options.reps; i++) {
    for (let j = 0; j < names.length; j++) {
      const name = names[(i + j) % names.length];
      times[name].push(await timeVariant(options.variants[name], gc));
    }
  }
  return Object.fromEntries(names.map((name) => [name, summarise(times[name])])) as Record<K, Samples>;
}

/** One figure for the summary table that bench/run.mjs prints at the end. */
export interface Figure {
  bench: string;
  /** What was measured, e.g. "SQLite: first page (100 runs)". */
  name: string;
  value: number;
  unit: 'ms' | 'bytes';
  /** What the baseline is, e.g. "same SQL via sql.js". */
  baselineName: string;
  baseline: number;
  /** Requests, bytes or anything else the reader needs beside the two numbers. */
  note?: string;
}

/** The marker bench/run.mjs collects figures by; the line itself is not shown. */
export const FIGURE_MARKER = '::bench-figure::';

export function reportFigure(figure: Figure): void {
  process.stdout.write(`${FIGURE_MARKER}${JSON.stringify(figure)}\n`);
}

export function ms(value: number): string {
  if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  if (value >= 100) return `${value.toFixed(0)} ms`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

export function bytes(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(1)} MB`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} kB`;
  return `${value} B`;
}

/** `+23%` / `−4%`: how much more the subject took than the baseline. */
export function overhead(subject: number, baseline: number): string {
  const percent = (subject / baseline - 1) * 100;
  const rounded = Math.abs(percent) < 10 ? percent.toFixed(1) : percent.toFixed(0);
  return `${percent >= 0 ? '+' : '−'}${rounded.replace('-', '')}%`;
}

/**
 * The cells every subject-against-baseline table of the benches starts a comparison with: the subject's
 * median and minimum, the baseline's median and minimum, what the baseline is, and the overhead.
 */
export function againstBaselineCells(subject: Samples, baseline: Samples, baselineName: string): string[] {
  return [ms(subject.median), ms(subject.min), ms(baseline.median), ms(baseline.min), baselineName, overhead(subject.median, baseline.median)];
}

/** A plain left-aligned text table (console.table quotes strings and adds an index column). */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]): string => cells.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), widths.map((w) => '─'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * The machine's 1-minute load average beside its core count: on a shared machine other work competes
 * for the cores, and the reader should know how busy it was while the figures were taken.
 */
export function loadNote(): string {
  return `load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`;
}
