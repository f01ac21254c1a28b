import path from 'node:path';
import * as vscode from 'vscode';
import type { ChartsFeature } from '../charts/chartsFeature';
import type { ActiveStore } from '../connection/activeStore';
import { AutoRefresh } from '../explorer/autoRefresh';
import { describeError } from '../explorer/errorMessages';
import { formatMetricValue, formatRelativeTime } from '../explorer/format';
import type { Run } from '../mlflow/types';
import { entitySafe, hoverText } from '../vscode/core/untrustedText';
import { Disposer } from '../vscode/disposer';
import type { Log } from '../vscode/log';
import { settings } from '../vscode/settings';
import { BesideCodeCommand, besideCodeEnabled as enabled } from './besideCodeCommands';
import { runsViewFilter } from './core/fileRuns';
import { describePattern, literalKeysOf, resolveKey } from './core/keyResolution';
import type { LogCall, SourceRange } from './core/pythonCalls';
import { hintLabel, lensTitle, sparkline, valuesOf, type KeyValue } from './core/summary';
import { FileRunsModel, type FileRuns } from './fileRunsModel';
import { PythonDocuments, type DocumentCalls } from './pythonDocuments';

/** Runs charted by the lens's "Chart" action and listed in a hover. */
const CHART_RUNS = 10;
const HOVER_RUNS = 8;

/** Command links a hover may carry: its own, with arguments it built; nothing a server string can name. */
const HOVER_COMMANDS = ['mlflow.revealRun', BesideCodeCommand.chartMetric];

export interface BesideCodeDependencies {
  extensionPath: string;
  activeStore: ActiveStore;
  log: Log;
  charts: ChartsFeature;
  /** Filters the Runs view (MLflow search syntax) and shows it; false when the store refused the filter. */
  filterRunsView: (filter: string) => Promise<boolean>;
}

/**
 * What the runs beside the code are made of: the lenses, hints and hovers of a Python file that imports
 * mlflow, and the commands they carry. Thin over `core/` (finder, source matching, texts); the parser loads on
 * the first Python file asked about. Registered by {@link BesideCodeFeature}, which loads this (it is
 * dist/besideCode.js in the built extension) when a Python file is asked about while a store is connected.
 */
export class BesideCodeProviders implements vscode.Disposable {
  private readonly disposer = new Disposer();
  readonly documents: PythonDocuments;
  readonly runs: FileRunsModel;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when what a lens, hint or hover shows may have changed. */
  readonly onDidChange = this.changed.event;
  private readonly autoRefresh: AutoRefresh;

  constructor(private readonly deps: BesideCodeDependencies) {
    const track = <T extends { dispose(): unknown }>(item: T): T => this.disposer.track(item);
    this.documents = track(new PythonDocuments(deps.extensionPath));
    this.runs = track(new FileRunsModel({ activeStore: deps.activeStore, log: deps.log }));
    track(this.changed);
    track(this.runs.onDidChange(() => this.changed.fire()));
    this.autoRefresh = track(new AutoRefresh(
      () => this.runs.refresh(this.visibleFiles()),
      () => enabled() && this.runs.connected && this.visibleFiles().length > 0,
      settings.refreshIntervalSeconds() * 1000,
      undefined,
      (error, next) => deps.log.warn(`Refreshing the runs beside the code failed (next try in ${Math.round(next / 1000)} s): ${describeError(error).message}`),
    ));
    track(this.runs.onDidChange(() => this.autoRefresh.kick()));
    track(vscode.window.onDidChangeVisibleTextEditors(() => this.autoRefresh.kick()));
    track(vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('mlflow.runs.refreshInterval')) this.autoRefresh.setInterval(settings.refreshIntervalSeconds() * 1000);
    }));
  }

  /** Python files in visible editors whose runs have been asked for: what the timer keeps fresh. */
  private visibleFiles(): vscode.Uri[] {
    const uris = new Map<string, vscode.Uri>();
    for (const editor of vscode.window.visibleTextEditors) {
      const uri = editor.document.uri;
      if (editor.document.languageId === 'python' && uri.scheme === 'file' && this.runs.peek(uri)) uris.set(uri.toString(), uri);
    }
    return [...uris.values()];
  }

  /** The document's calls and runs, or undefined when there is nothing to show (off, not connected, no mlflow). */
  private async context(document: vscode.TextDocument): Promise<{ calls: DocumentCalls; runs: FileRuns } | undefined> {
    if (!enabled() || !this.runs.connected) return undefined;
    const calls = await this.documents.callsOf(document);
    if (!calls.importsMlflow) return undefined;
    const runs = await this.runs.get(document.uri);
    if (!runs) return undefined;
    this.autoRefresh.kick();
    return { calls, runs };
  }

  async chartRuns(uri: vscode.Uri | undefined): Promise<void> {
    const { runs, target } = await this.runsOf(uri);
    this.deps.charts.openCharts({ runIds: runs.slice(0, CHART_RUNS).map((run) => run.info.runId), title: `Charts: ${path.basename(target.fsPath)}` });
  }

  async compareLastTwo(uri: vscode.Uri | undefined): Promise<void> {
    const { runs } = await this.runsOf(uri);
    if (runs.length < 2) throw new Error('This file has fewer than two runs to compare.');
    this.deps.charts.compareRuns(runs.slice(0, 2).map((run) => run.info.runId));
  }

  chartMetric(runIds: unknown, key: unknown): void {
    if (!Array.isArray(runIds) || !runIds.length || runIds.some((id) => typeof id !== 'string')) throw new Error('No runs to chart.');
    this.deps.charts.openCharts({ runIds: runIds as string[] }, { metricKeys: typeof key === 'string' ? [key] : [] });
  }

  async codeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const context = await this.context(document);
    if (!context) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    const { runs } = context;
    if (runs.state === 'failed') {
      return [new vscode.CodeLens(top, { title: `MLflow: runs of this file unavailable — ${runs.message}`, command: 'mlflow.showOutput' })];
    }
    const title = lensTitle(runs.runs, {
      now: Date.now(),
      head: runs.head,
      keyMetric: settings.keyMetric(),
      fileOrder: metricOrder(context.calls.calls),
      more: runs.more,
    });
    if (!runs.runs.length) return [new vscode.CodeLens(top, { title, command: '' })];
    const lenses = [
      new vscode.CodeLens(top, { title, command: BesideCodeCommand.showRuns, arguments: [document.uri], tooltip: 'Show these runs in the Runs view' }),
      new vscode.CodeLens(top, { title: 'Chart', command: BesideCodeCommand.chartRuns, arguments: [document.uri], tooltip: `Chart the last ${Math.min(CHART_RUNS, runs.runs.length)} runs of this file` }),
    ];
    if (runs.runs.length >= 2) {
      lenses.push(new vscode.CodeLens(top, { title: 'Compare last two', command: BesideCodeCommand.compareLastTwo, arguments: [document.uri], tooltip: 'Compare the two latest runs of this file' }));
    }
    return lenses;
  }

  async inlayHints(document: vscode.TextDocument, range: vscode.Range): Promise<vscode.InlayHint[]> {
    const context = await this.context(document);
    if (!context || context.runs.state !== 'loaded' || !context.runs.runs.length) return [];
    const { calls } = context.calls;
    const { runs, head } = context.runs;
    const hints: vscode.InlayHint[] = [];
    for (const call of calls) {
      const at = toRange(call.range);
      if (!range.intersection(at) && !range.contains(at)) continue;
      if (call.kind === 'autolog') {
        const latest = runs[0]!;
        const label = `= ${latest.data.metrics.length} metrics, ${Object.keys(latest.data.params).length} params in the latest run`;
        hints.push(hint(toRange(call.call).end, label));
        continue;
      }
      const key = resolvedKey(call, calls, runs);
      if (key === undefined) continue;
      const label = hintLabel(valuesOf(runs, call.kind, key, 1, head));
      // A resolved template says which key it stood for.
      if (label) hints.push(hint(at.end, call.key.kind === 'literal' ? label : `${key} ${label}`));
    }
    return hints;
  }

  async hover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const context = await this.context(document);
    if (!context || context.runs.state !== 'loaded') return undefined;
    const { calls } = context.calls;
    const { runs, head } = context.runs;
    // The innermost call under the cursor; in a batch call, the key under the cursor.
    const call = calls.find((c) => c.kind !== 'autolog' && c.batch && toRange(c.range).contains(position))
      ?? calls.find((c) => c.kind !== 'autolog' && !c.batch && toRange(c.call).contains(position));
    if (!call || call.kind === 'autolog') return undefined;
    const key = resolvedKey(call, calls, runs);
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = { enabledCommands: HOVER_COMMANDS };
    md.supportHtml = false;
    const text = (value: string) => md.appendText(entitySafe(hoverText(value)));
    md.appendMarkdown(`**MLflow ${call.kind}** `);
    if (key === undefined) {
      text(describePattern(call.key));
      md.appendMarkdown('\n\n');
      text(call.key.kind === 'template'
        ? 'Built at run time: the logged keys do not say which one this is, so no value is shown.'
        : 'Computed at run time: no value is shown.');
      return new vscode.Hover(md, toRange(call.range));
    }
    text(key);
    const values = valuesOf(runs, call.kind, key, HOVER_RUNS, head);
    if (!values.length) {
      md.appendMarkdown('\n\n');
      text(`Not logged by the last ${runs.length} run${runs.length === 1 ? '' : 's'} of this file.`);
      return new vscode.Hover(md, toRange(call.range));
    }
    text(` — last ${values.length} run${values.length === 1 ? '' : 's'} of this file`);
    if (call.kind === 'metric') {
      const line = sparkline(values.map((v) => v.value as number).reverse());
      if (line) {
        md.appendMarkdown('\n\n');
        text(`${line}  (oldest → newest)`);
      }
    }
    md.appendMarkdown('\n');
    const now = Date.now();
    for (const value of values) {
      md.appendMarkdown('\n- ');
      md.appendMarkdown(`[$(go-to-file)](${commandUri('mlflow.revealRun', [value.runId])} "Reveal in the Runs view") `);
      text(`${shown(value)} · ${value.runName || value.runId}${value.startTime !== undefined ? ` · ${formatRelativeTime(value.startTime, now)}` : ''}${value.otherCommit ? ' · other commit' : ''}`);
    }
    if (call.kind === 'metric') {
      md.appendMarkdown(`\n\n[$(graph-line) Chart this metric over these runs](${commandUri(BesideCodeCommand.chartMetric, [values.map((v) => v.runId).reverse(), key])})`);
    }
    return new vscode.Hover(md, toRange(call.range));
  }

  private async runsOf(uri: vscode.Uri | undefined): Promise<{ runs: Run[]; target: vscode.Uri }> {
    const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
    if (!target) throw new Error('Open a Python file first.');
    const runs = await this.runs.get(target);
    if (!runs) throw new Error('Not connected to an MLflow tracking store.');
    if (runs.state === 'failed') throw new Error(runs.message);
    if (!runs.runs.length) throw new Error(`No runs of ${path.basename(target.fsPath)} in this store.`);
    return { runs: runs.runs, target };
  }

  async showRuns(uri: vscode.Uri | undefined): Promise<void> {
    const { runs } = await this.runsOf(uri);
    const filter = runsViewFilter(runs);
    if (filter && await this.deps.filterRunsView(filter)) await vscode.commands.executeCommand('mlflow.runs.focus');
  }

  dispose(): void {
    this.disposer.dispose();
  }
}

/** The order the file logs its literal metric keys in (the lens's tie-breaker). */
function metricOrder(calls: readonly LogCall[]): string[] {
  return calls.flatMap((call) => (call.kind === 'metric' && call.key.kind === 'literal' ? [call.key.key] : []));
}

function resolvedKey(call: Extract<LogCall, { kind: 'metric' | 'param' }>, calls: readonly LogCall[], runs: readonly Run[]): string | undefined {
  const logged = new Set<string>();
  for (const run of runs) {
    if (call.kind === 'metric') for (const metric of run.data.metrics) logged.add(metric.key);
    else for (const key of Object.keys(run.data.params)) logged.add(key);
  }
  return resolveKey(call.key, logged, literalKeysOf(calls, call.kind));
}

function shown(value: KeyValue): string {
  return typeof value.value === 'number' ? formatMetricValue(value.value) : JSON.stringify(value.value);
}

function hint(position: vscode.Position, label: string): vscode.InlayHint {
  const item = new vscode.InlayHint(position, label);
  item.paddingLeft = true;
  return item;
}

function toRange(range: SourceRange): vscode.Range {
  return new vscode.Range(range.start.row, range.start.column, range.end.row, range.end.column);
}

function commandUri(command: string, args: unknown[]): string {
  return `command:${command}?${encodeURIComponent(JSON.stringify(args))}`;
}
