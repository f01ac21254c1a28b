import path from 'node:path';
import * as vscode from 'vscode';
import { Disposer } from '../vscode/disposer';
import { findLogCalls, importedNames, type LogCall } from './core/pythonCalls';
import { loadPythonParser, ParsedDocument, type PythonParser } from './core/pythonParser';

/** What the finder says about one document version. */
export interface DocumentCalls {
  version: number;
  /** The file imports mlflow somewhere: only then are its runs looked up. */
  importsMlflow: boolean;
  calls: LogCall[];
}

/**
 * The Python documents the providers have been asked about, each kept parsed edit by edit (incremental
 * tree-sitter), with its MLflow calls per version. The grammar loads on the first request, never at
 * activation; a closed document drops its tree. Documents nobody asks about (not visible) cost nothing
 * but the change events VS Code sends anyway.
 */
export class PythonDocuments implements vscode.Disposable {
  private readonly disposer = new Disposer();
  private parser: Promise<PythonParser> | undefined;
  private readonly documents = new Map<string, { parsed: ParsedDocument; calls: DocumentCalls | undefined; pending: vscode.TextDocumentContentChangeEvent[] | undefined }>();

  constructor(private readonly extensionPath: string) {
    this.disposer.track(vscode.workspace.onDidChangeTextDocument((event) => this.onChange(event)));
    this.disposer.track(vscode.workspace.onDidCloseTextDocument((document) => this.forget(document.uri)));
  }

  /** The calls of the document as it is now (parsing, incrementally where possible, if it changed). */
  async callsOf(document: vscode.TextDocument): Promise<DocumentCalls> {
    const parser = await this.loadParser();
    const key = document.uri.toString();
    let entry = this.documents.get(key);
    if (!entry) {
      entry = { parsed: new ParsedDocument(parser), calls: undefined, pending: undefined };
      this.documents.set(key, entry);
    }
    if (entry.calls?.version === document.version) return entry.calls;
    const text = document.getText();
    const tree = entry.parsed.tree && entry.pending ? entry.parsed.update(text, entry.pending) : entry.parsed.reset(text);
    entry.pending = [];
    entry.calls = { version: document.version, importsMlflow: importedNames(tree.rootNode).size > 0, calls: findLogCalls(tree.rootNode) };
    return entry.calls;
  }

  private loadParser(): Promise<PythonParser> {
    this.parser ??= loadPythonParser(path.join(this.extensionPath, 'dist', 'treeSitter'));
    this.parser.catch(() => (this.parser = undefined));
    return this.parser;
  }

  /** Edits are queued against the last parse and applied to its tree on the next request. */
  private onChange(event: vscode.TextDocumentChangeEvent): void {
    const entry = this.documents.get(event.document.uri.toString());
    if (!entry || !event.contentChanges.length) return;
    entry.pending = entry.pending ? [...entry.pending, ...event.contentChanges] : undefined;
  }

  private forget(uri: vscode.Uri): void {
    const key = uri.toString();
    this.documents.get(key)?.parsed.dispose();
    this.documents.delete(key);
  }

  dispose(): void {
    for (const entry of this.documents.values()) entry.parsed.dispose();
    this.documents.clear();
    this.disposer.dispose();
  }
}
