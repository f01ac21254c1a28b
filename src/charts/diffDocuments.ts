import * as vscode from 'vscode';

export const DIFF_SCHEME = 'mlflow-diff';
/** Diff documents are small; keeping the last few lets reopened diff tabs still resolve. */
const MAX_DOCUMENTS = 40;

/**
 * Read-only in-memory documents for VS Code's diff editor (`mlflow-diff:` URIs), so "Diff Params" needs
 * no temp files and leaves no dirty untitled editors behind.
 */
export class DiffDocuments implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly documents = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private sequence = 0;

  /** A new URI for `text`; `label` (a run name) becomes the tab's file name. */
  add(label: string, text: string): vscode.Uri {
    const name = label.replace(/[\\/:*?"<>|\s]+/g, '_').slice(0, 80) || 'run';
    const uri = vscode.Uri.from({ scheme: DIFF_SCHEME, path: `/${name}.params`, query: String(++this.sequence) });
    this.documents.set(uri.toString(), text);
    while (this.documents.size > MAX_DOCUMENTS) this.documents.delete(this.documents.keys().next().value as string);
    return uri;
  }

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.documents.get(uri.toString()) ?? '';
  }

  dispose(): void {
    this.changed.dispose();
    this.documents.clear();
  }
}
