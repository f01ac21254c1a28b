/**
 * Server text (run, experiment, param, tag, artifact names and values) shown in VS Code's tree rows
 * and hovers. Both must show exactly what the server holds, and neither may let that text rearrange
 * what is shown around it.
 */

/**
 * Unicode's explicit bidirectional formatting characters: ALM, LRM, RLM, the embeddings and overrides
 * (LRE, RLE, PDF, LRO, RLO) and the isolates (LRI, RLI, FSI, PDI). An unterminated override in a
 * name (`\u202Egnp.exe`) reverses everything after it on the row, the description included.
 */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/**
 * For a tree label or description: the text without bidi controls, so it reads in its stored order
 * and cannot reorder the rest of the row. (The hover shows where they were, see hoverText.)
 */
export function rowText(text: string): string {
  return text.replace(BIDI_CONTROLS, '');
}

/** For a hover: bidi controls written as `\u202E`, so the reader sees them without being misled. */
export function hoverText(text: string): string {
  return text.replace(BIDI_CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`);
}

/**
 * Markdown source that renders as exactly `text` once VS Code's MarkdownString.appendText has escaped
 * Markdown's syntax characters: appendText leaves `&` and `<` alone, so `&amp;` would render as `&`
 * and `&lt;` as `<`. Character references for both make every entity and tag show as typed.
 */
export function entitySafe(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}
