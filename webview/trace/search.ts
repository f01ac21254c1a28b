import type { ChatMessage } from '../../src/traces/core/protocol';
import { element } from '../shared/dom';
import { shownText } from './jsonTree';

/**
 * Search in the selected span's conversation, inputs and outputs. Matches are found in the data (not
 * the DOM, which holds only what is open), in the order the panel shows them; the panel then opens
 * the path to the current one. Highlights split an element's text into text nodes and `<mark>`
 * elements: the text is never parsed as markup.
 */

export type SearchSection = 'conversation' | 'inputs' | 'outputs';

export interface SearchMatch {
  section: SearchSection;
  /** Conversation: the message index; inputs/outputs: keys from the top (array indexes as strings). */
  path: string[];
  /** Which text of the row matched: an object key or the value. */
  part: 'key' | 'value';
  /** Where in that text the first occurrence starts (to open a long string past its preview). */
  offset: number;
}

/** A cap so a one-letter search in a 200 KB input stays quick to list and to step through. */
export const MAX_MATCHES = 5_000;

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === 'object' && value !== null;
}

/** The text a chat message shows, in the order the bubble shows it. */
export function messageText(message: ChatMessage): string {
  return [message.name ? `${message.role} (${message.name})` : message.role, message.content, ...(message.toolCalls ?? []).flatMap((c) => [`→ ${c.name}`, c.arguments]), message.toolCallId ? `result of ${message.toolCallId}` : '']
    .filter((t) => t !== '')
    .join('\n');
}

function jsonMatches(section: SearchSection, value: unknown, needle: string, out: SearchMatch[]): void {
  // Iterative, in display order (object keys in order, then array items): deep inputs must not overflow.
  const stack: { path: string[]; value: unknown; key?: string }[] = [{ path: [], value }];
  while (stack.length > 0 && out.length < MAX_MATCHES) {
    const { path, value: current, key } = stack.pop()!;
    if (key !== undefined) {
      const at = key.toLowerCase().indexOf(needle);
      if (at >= 0) out.push({ section, path, part: 'key', offset: at });
    }
    if (isContainer(current)) {
      const entries: [string, unknown][] = Array.isArray(current) ? current.map((v, i) => [String(i), v]) : Object.entries(current);
      const isArray = Array.isArray(current);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [k, v] = entries[i]!;
        const child: { path: string[]; value: unknown; key?: string } = { path: [...path, k], value: v };
        if (!isArray) child.key = k;
        stack.push(child);
      }
    } else {
      const at = shownText(current).toLowerCase().indexOf(needle);
      if (at >= 0 && out.length < MAX_MATCHES) out.push({ section, path, part: 'value', offset: at });
    }
  }
}

/** Every match of `query` (case-insensitive) in what the span panel shows, in display order. */
export function findMatches(detail: { chat?: ChatMessage[]; inputs: unknown; outputs: unknown }, query: string): SearchMatch[] {
  const needle = query.toLowerCase();
  const out: SearchMatch[] = [];
  if (needle === '') return out;
  detail.chat?.forEach((message, i) => {
    const at = messageText(message).toLowerCase().indexOf(needle);
    if (at >= 0 && out.length < MAX_MATCHES) out.push({ section: 'conversation', path: [String(i)], part: 'value', offset: at });
  });
  jsonMatches('inputs', detail.inputs, needle, out);
  jsonMatches('outputs', detail.outputs, needle, out);
  return out;
}

/** Marks per text element: a one-letter search in a 200,000-character string must not make 10^5 nodes. */
const MAX_MARKS_PER_TEXT = 500;

const originals = new WeakMap<HTMLElement, string>();

/** Puts `el`'s text back as one text node (undoing {@link highlight}). */
export function unhighlight(el: HTMLElement): void {
  const original = originals.get(el);
  if (original === undefined) return;
  originals.delete(el);
  // Text replaced since (a long string shown whole) is newer than the original: keep it.
  if (el.querySelector('mark.search-hit')) el.textContent = original;
}

/** Wraps each occurrence of `query` in `el`'s text in a `<mark>`; returns the marks. */
export function highlight(el: HTMLElement, query: string): HTMLElement[] {
  const text = (el.querySelector('mark.search-hit') ? originals.get(el) : undefined) ?? el.textContent ?? '';
  const needle = query.toLowerCase();
  const lower = text.toLowerCase();
  if (needle === '' || !lower.includes(needle)) {
    unhighlight(el);
    return [];
  }
  originals.set(el, text);
  const parts: Node[] = [];
  const marks: HTMLElement[] = [];
  let from = 0;
  for (let at = lower.indexOf(needle); at >= 0 && marks.length < MAX_MARKS_PER_TEXT; at = lower.indexOf(needle, at + needle.length)) {
    if (at > from) parts.push(document.createTextNode(text.slice(from, at)));
    const mark = element('mark', { className: 'search-hit', text: text.slice(at, at + needle.length) });
    marks.push(mark);
    parts.push(mark);
    from = at + needle.length;
  }
  if (from < text.length) parts.push(document.createTextNode(text.slice(from)));
  el.replaceChildren(...parts);
  return marks;
}

/** The elements whose text search highlights inside a rendered section. */
export const SEARCHABLE = '.json-key, .json-string, .json-number, .json-boolean, .json-null, .message .role, .message .content, .tool-call .key, .tool-call code, .message .notice';
