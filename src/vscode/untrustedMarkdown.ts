import * as vscode from 'vscode';

/**
 * A tooltip that quotes server text: built with appendText (which escapes Markdown), never trusted
 * (no command links), no HTML. Both tree views build their hovers through this.
 */
export function untrustedMarkdown(build: (md: vscode.MarkdownString) => void): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, false);
  md.isTrusted = false;
  md.supportHtml = false;
  build(md);
  return md;
}

export function sortedEntries(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
}
