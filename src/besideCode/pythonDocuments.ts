import path from 'node:path';
import * as vscode from 'vscode';
import { Disposer } from '../vscode/disposer';
import { CallIndex } from './core/callIndex';
import type { LogCall } from './core/pythonCalls';
import { loadPythonParser, ParsedDocument, type PythonParser } from './core/pythonParser';

/** What the finder says about one document version. */
export interface DocumentCalls {
  version: number;
  /** The file imports mlflow somewhere: only then are its runs looked up. */
  importsMlflow: boolean;
  calls: readonly LogCall[];
}

interface Entry {
  parsed: ParsedDocument;
  index: CallIndex;
  /** The document version the tree and index describe; undefined when an edit could not be followed. */
  version: number | undefined;
}

/**
 * The Python documents the providers have been asked about (visible ones: VS Code asks for lenses,
 * hints and hovers only there), each kept parsed edit by edit: an edit re-parses incrementally and the
 * call index re-reads only the statement it touched. The grammar loads on the first request, never at
 * activation; a closed document drops its tree.
 */
export class PythonDocuments implements vscode.Disposable {
  private readonly disposer = new Disposer();
  private parser: Promise<PythonParser> | undefined;
  private loadedParser: PythonParser | undefined;
  private readonly documents = new Map<string, Entry>();

  constructor(private readonly extensionPath: string) {
    this.disposer.track(vscode.workspace.onDidChangeTextDocument((event) => this.onChange(event)));
    this.disposer.track(vscode.workspace.onDidCloseTextDocument((document) => this.forget(document.uri)));
  }

  /** The calls of the document as it is now (read in full only when edits could not be followed). */
  async callsOf(document: vscode.TextDocument): Promise<DocumentCalls> {
    const parser = await this.loadParser();
    const key = document.uri.toString();
    let entry = this.documents.get(key);
    if (!entry) {
      entry = { parsed: new ParsedDocument(parser), index: new CallIndex(), version: undefined };
      this.documents.set(key, entry);
    }
    if (entry.version !== document.version) {
      entry.index.rebuild(entry.parsed.reset(document.getText()).rootNode);
      entry.version = document.version;
    }
    return { version: entry.version, importsMlflow: entry.index.importsMlflow, calls: entry.index.calls };
  }

  private loadParser(): Promise<PythonParser> {
    if (!this.parser) {
      const loading = loadPythonParser(path.join(this.extensionPath, 'dist', 'treeSitter'));
      this.parser = loading;
      loading.then((parser) => (this.loadedParser = parser), () => (this.parser = undefined));
    }
    return this.parser;
  }

  /** Follows each edit as it happens (one incremental parse, one statement re-read). */
  private onChange(event: vscode.TextDocumentChangeEvent): void {
    const entry = this.documents.get(event.document.uri.toString());
    if (!entry || !event.contentChanges.length || !this.loadedParser) return;
    const followable = entry.version !== undefined && entry.version + 1 === event.document.version && event.contentChanges.length === 1;
    if (!followable) {
      entry.version = undefined;
      return;
    }
    const tree = entry.parsed.update(event.document.getText(), event.contentChanges);
    const change = entry.parsed.lastChange;
    if (change) entry.index.update(tree.rootNode, change.edit, change.changed, (row) => entry.parsed.line(row));
    else entry.index.rebuild(tree.rootNode);
    entry.version = event.document.version;
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
