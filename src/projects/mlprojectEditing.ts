import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Diagnostic as MlprojectDiagnostic, ParseResult, Range } from '../mlproject/types';
import { Disposer } from '../vscode/disposer';
import { isMlprojectDocument, MLPROJECT_FILE, parseProjectText } from './projectFiles';

export const RUN_PROJECT_COMMAND = 'mlflow.runProject';

/** What the CodeLenses (and an explorer context menu) pass to "Run MLproject…". */
export interface RunProjectArgs {
  /** The MLproject file, as a URI string (command arguments must survive JSON). */
  mlproject: string;
  entryPoint?: string;
  /** Run with the MLproject's defaults, without asking. */
  defaults?: boolean;
}

/** Typing fires a change per keystroke; parsing waits until the user pauses. */
const DIAGNOSTICS_DELAY_MS = 300;
const SELECTOR: vscode.DocumentSelector = { scheme: 'file', pattern: `**/${MLPROJECT_FILE}` };

/**
 * What an open MLproject shows: the parser's problems as diagnostics, "Run" / "Run with Parameters…"
 * above each entry point, and a parameter's type and default on hover. One parse per document
 * version serves all three.
 */
export class MlprojectEditing implements vscode.CodeLensProvider, vscode.HoverProvider, vscode.Disposable {
  private readonly disposer = new Disposer();
  private readonly diagnostics: vscode.DiagnosticCollection;
  private readonly pending = new Map<string, NodeJS.Timeout>();
  private readonly parsed = new Map<string, { version: number; result: ParseResult }>();

  constructor() {
    const track = <T extends vscode.Disposable>(item: T): T => this.disposer.track(item);
    this.diagnostics = track(vscode.languages.createDiagnosticCollection('mlproject'));
    track(vscode.languages.registerCodeLensProvider(SELECTOR, this));
    track(vscode.languages.registerHoverProvider(SELECTOR, this));
    track(vscode.workspace.onDidOpenTextDocument((document) => this.publish(document)));
    track(vscode.workspace.onDidSaveTextDocument((document) => this.publish(document)));
    track(vscode.workspace.onDidChangeTextDocument((event) => this.schedule(event.document)));
    track(vscode.workspace.onDidCloseTextDocument((document) => this.forget(document.uri)));
    for (const document of vscode.workspace.textDocuments) this.publish(document);
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!isMlprojectDocument(document)) return [];
    const mlproject = document.uri.toString();
    return this.parse(document).project.entryPoints.flatMap((entryPoint) => {
      if (!entryPoint.range) return [];
      const range = toRange(entryPoint.range);
      const args = (defaults: boolean): RunProjectArgs[] => [{ mlproject, entryPoint: entryPoint.name, defaults }];
      const required = entryPoint.parameters.filter((p) => p.default === undefined).map((p) => p.name);
      return [
        new vscode.CodeLens(range, {
          title: '$(play) Run',
          tooltip: required.length
            ? `Run ${entryPoint.name}; asks for ${required.join(', ')}, which have no default`
            : `mlflow run -e ${entryPoint.name} with the defaults`,
          command: RUN_PROJECT_COMMAND,
          arguments: args(true),
        }),
        new vscode.CodeLens(range, {
          title: 'Run with Parameters…',
          tooltip: `Choose the parameters, experiment and environment for ${entryPoint.name}`,
          command: RUN_PROJECT_COMMAND,
          arguments: args(false),
        }),
      ];
    });
  }

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    if (!isMlprojectDocument(document)) return undefined;
    for (const entryPoint of this.parse(document).project.entryPoints) {
      for (const parameter of entryPoint.parameters) {
        if (!parameter.range) continue;
        const range = toRange(parameter.range);
        if (!range.contains(position)) continue;
        const text = new vscode.MarkdownString();
        text.appendMarkdown(`**${escapeMarkdown(parameter.name)}**: parameter of entry point \`${escapeCode(entryPoint.name)}\`\n\n`);
        text.appendMarkdown(`Type: \`${escapeCode(parameter.type)}\`\n\n`);
        text.appendMarkdown(
          parameter.default === undefined ? 'No default: every run must give a value.' : `Default: \`${escapeCode(parameter.default)}\``,
        );
        return new vscode.Hover(text, range);
      }
    }
    return undefined;
  }

  dispose(): void {
    for (const timer of this.pending.values()) clearTimeout(timer);
    this.pending.clear();
    this.disposer.dispose();
  }

  private parse(document: vscode.TextDocument): ParseResult {
    const key = document.uri.toString();
    const cached = this.parsed.get(key);
    if (cached && cached.version === document.version) return cached.result;
    const result = parseProjectText(document.getText(), path.dirname(document.uri.fsPath));
    this.parsed.set(key, { version: document.version, result });
    return result;
  }

  private schedule(document: vscode.TextDocument): void {
    if (!isMlprojectDocument(document)) return;
    const key = document.uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.set(key, setTimeout(() => this.publish(document), DIAGNOSTICS_DELAY_MS));
  }

  private publish(document: vscode.TextDocument): void {
    if (!isMlprojectDocument(document) || document.isClosed) return;
    const key = document.uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.delete(key);
    this.diagnostics.set(document.uri, this.parse(document).diagnostics.map(toDiagnostic));
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    clearTimeout(this.pending.get(key));
    this.pending.delete(key);
    this.parsed.delete(key);
    this.diagnostics.delete(uri);
  }
}

function toDiagnostic(problem: MlprojectDiagnostic): vscode.Diagnostic {
  const severity =
    problem.severity === 'error' ? vscode.DiagnosticSeverity.Error : problem.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
  const diagnostic = new vscode.Diagnostic(toRange(problem.range), problem.message, severity);
  diagnostic.source = 'MLproject';
  diagnostic.code = problem.code;
  return diagnostic;
}

function toRange(range: Range): vscode.Range {
  return new vscode.Range(range.start.line, range.start.column, range.end.line, range.end.column);
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

/** Inline code cannot escape a backtick; a name with one is shown without it rather than breaking the span. */
function escapeCode(text: string): string {
  return text.replace(/`/g, "'");
}
