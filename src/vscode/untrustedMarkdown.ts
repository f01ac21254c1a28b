import * as vscode from 'vscode';
import { entitySafe, hoverText } from './core/untrustedText';

/**
 * A MarkdownString whose appendText shows server text exactly as stored: Markdown syntax escaped (by
 * VS Code), entities and tags too (`&amp;` stays `&amp;`, not `&`), and bidi controls spelled out
 * (`\u202E`) instead of reordering the hover.
 */
class UntrustedMarkdownString extends vscode.MarkdownString {
  override appendText(value: string): vscode.MarkdownString {
    return super.appendText(entitySafe(hoverText(value)));
  }
}

/**
 * A tooltip that quotes server text: built with appendText (which escapes Markdown, entities and
 * bidi controls), never trusted (no command links), no HTML. Both tree views build their hovers
 * through this.
 */
export function untrustedMarkdown(build: (md: vscode.MarkdownString) => void): vscode.MarkdownString {
  const md = new UntrustedMarkdownString(undefined, false);
  md.isTrusted = false;
  md.supportHtml = false;
  build(md);
  return md;
}

export function sortedEntries(record: Record<string, string>): [string, string][] {
  return Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
}
