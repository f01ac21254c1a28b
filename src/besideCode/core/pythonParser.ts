import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TreeSitter from '@vscode/tree-sitter-wasm';
import type { RowEdit } from './callIndex';
import type { RowWindow } from './pythonCalls';

/** The tree-sitter runtime (tree-sitter.js + tree-sitter.wasm) and the Python grammar, from one folder. */
export interface PythonParser {
  /** Parses `text`; with `previous` (already `edit`ed to match), only the changed region is re-parsed. */
  parse(text: string, previous?: TreeSitter.Tree): TreeSitter.Tree;
}

const loaded = new Map<string, Promise<PythonParser>>();

/**
 * Loads tree-sitter and its Python grammar (WebAssembly) from `wasmDir`: `dist/treeSitter/` in the
 * extension (scripts/build.mjs copies it there), the package's `wasm/` folder in tests and benches.
 * Once per folder and process, on first use: never at activation.
 */
export function loadPythonParser(wasmDir: string): Promise<PythonParser> {
  let parser = loaded.get(wasmDir);
  if (!parser) {
    parser = instantiate(wasmDir);
    parser.catch(() => loaded.delete(wasmDir));
    loaded.set(wasmDir, parser);
  }
  return parser;
}

async function instantiate(wasmDir: string): Promise<PythonParser> {
  const runtimeFile = path.join(wasmDir, 'tree-sitter.js');
  // Required at run time from its own file, not bundled: it locates tree-sitter.wasm beside itself.
  const runtime = createRequire(runtimeFile)(runtimeFile) as typeof TreeSitter;
  await runtime.Parser.init({ locateFile: (name: string) => path.join(wasmDir, name) });
  const python = await runtime.Language.load(path.join(wasmDir, 'tree-sitter-python.wasm'));
  const parser = new runtime.Parser();
  parser.setLanguage(python);
  return {
    parse(text, previous) {
      const tree = parser.parse(text, previous ?? null);
      if (!tree) throw new Error('tree-sitter returned no tree');
      return tree;
    },
  };
}

/** Where the package keeps its files (tests, benches). */
export function packageWasmDir(repoRoot: string): string {
  return path.join(repoRoot, 'node_modules', '@vscode', 'tree-sitter-wasm', 'wasm');
}

/** An edit as VS Code reports it (TextDocumentContentChangeEvent): offsets in UTF-16 code units. */
export interface TextChange {
  rangeOffset: number;
  rangeLength: number;
  text: string;
}

/**
 * A document's text and its syntax tree, kept in step edit by edit: each change is applied to the old
 * tree (`tree.edit`) so the next parse reuses everything outside the edited region.
 */
export class ParsedDocument {
  private current: TreeSitter.Tree | undefined;
  private source = '';
  /**
   * What the last `update` changed, for a CallIndex to follow: the edit in rows and the rows tree-sitter
   * parsed differently; undefined after a full parse or several edits at once.
   */
  lastChange: { edit: RowEdit; changed: RowWindow[] } | undefined;

  constructor(private readonly parser: PythonParser) {}

  get tree(): TreeSitter.Tree | undefined {
    return this.current;
  }

  /** Parses `text` from scratch (first open, or when the edits in between are unknown). */
  reset(text: string): TreeSitter.Tree {
    this.lastChange = undefined;
    this.current?.delete();
    this.source = text;
    this.current = this.parser.parse(text);
    return this.current;
  }

  /** Applies `changes` (in the order VS Code lists them, each against the text before it) and re-parses. */
  update(text: string, changes: readonly TextChange[]): TreeSitter.Tree {
    const old = this.current;
    if (!old) return this.reset(text);
    let source = this.source;
    let edit: RowEdit | undefined;
    for (const change of changes) {
      const start = change.rangeOffset;
      const oldEnd = start + change.rangeLength;
      const newEnd = start + change.text.length;
      const startPosition = pointAt(source, start);
      const oldEndPosition = pointAt(source, oldEnd);
      source = source.slice(0, start) + change.text + source.slice(oldEnd);
      const newEndPosition = pointAt(source, newEnd);
      old.edit({ startIndex: start, oldEndIndex: oldEnd, newEndIndex: newEnd, startPosition, oldEndPosition, newEndPosition });
      edit = { start: startPosition.row, oldEnd: oldEndPosition.row, newEnd: newEndPosition.row };
    }
    if (source !== text) return this.reset(text);
    this.source = text;
    this.current = this.parser.parse(text, old);
    this.lastChange = changes.length === 1 && edit
      ? { edit, changed: old.getChangedRanges(this.current).map((r) => ({ start: r.startPosition.row, end: r.endPosition.row })) }
      : undefined;
    old.delete();
    return this.current;
  }

  dispose(): void {
    this.current?.delete();
    this.current = undefined;
  }

  /** The text of one row of the current source (for CallIndex). */
  line(row: number): string {
    return lineAt(this.source, row);
  }
}

/** The text of row `row` of `text`, without its line break. */
export function lineAt(text: string, row: number): string {
  let start = 0;
  for (let r = 0; r < row; r++) {
    const next = text.indexOf('\n', start);
    if (next === -1) return '';
    start = next + 1;
  }
  const end = text.indexOf('\n', start);
  return text.slice(start, end === -1 ? text.length : end).replace(/\r$/, '');
}

/** Row and column (UTF-16 code units, as web-tree-sitter counts for JS strings) of an offset. */
export function pointAt(text: string, offset: number): TreeSitter.Point {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: offset - lineStart };
}
