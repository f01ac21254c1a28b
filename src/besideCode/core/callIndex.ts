import type { Node as SyntaxNode } from '@vscode/tree-sitter-wasm';
import { descendantsOfType, findLogCallsIn, IMPORT_TYPES, namesOf, type LogCall, type RowWindow, type SourceRange } from './pythonCalls';

/** One edit in rows: what was rows `start`..`oldEnd` is now rows `start`..`newEnd`. */
export interface RowEdit {
  start: number;
  oldEnd: number;
  newEnd: number;
}

/** Statement kinds an edit's re-read widens to: a whole statement of a block or of the module. */
const CONTAINERS = new Set(['module', 'block']);

/**
 * A document's MLflow calls, kept up to date edit by edit. After one edit only the statement around it
 * (widened to whatever tree-sitter reports as structurally changed) is searched again; the calls below
 * it move by the rows the edit added or removed. An edit touching an import statement, several edits
 * at once, or none known, re-read the whole file. The answer is always what `findLogCalls` would give.
 */
export class CallIndex {
  private names = new Map<string, string>();
  private imports: RowWindow[] = [];
  private list: LogCall[] = [];

  get calls(): readonly LogCall[] {
    return this.list;
  }

  get importsMlflow(): boolean {
    return this.names.size > 0;
  }

  rebuild(root: SyntaxNode): void {
    const statements = descendantsOfType(root, IMPORT_TYPES);
    this.imports = statements.map(rowsOf);
    this.names = namesOf(statements);
    this.list = findLogCallsIn(root, this.names);
  }

  /**
   * Follows one edit. `changed` are the rows tree-sitter reports as parsed differently
   * (`oldTree.getChangedRanges(newTree)`, in the new tree's rows): an opened string or bracket can
   * change the meaning of lines far from the edit. `line` gives the new text of a row.
   */
  update(root: SyntaxNode, edit: RowEdit, changed: readonly RowWindow[], line: (row: number) => string): void {
    const delta = edit.newEnd - edit.oldEnd;
    let start = edit.start;
    let end = edit.newEnd;
    for (const range of changed) {
      start = Math.min(start, range.start);
      end = Math.max(end, range.end);
    }
    const window = enclosingStatementRows(root, { start, end }, line);
    // The same window in the old rows: nothing above `edit.start` moved, everything below `oldEnd` moved by delta.
    const oldWindow = { start: window.start, end: window.end - delta };
    const inWindow = (rows: RowWindow, w: RowWindow) => rows.start <= w.end && rows.end >= w.start;
    const newImports = root.descendantsOfType(IMPORT_TYPES, { row: window.start, column: 0 }, { row: window.end + 1, column: 0 })
      .filter((node): node is SyntaxNode => node !== null && inWindow(rowsOf(node), window));
    if (newImports.length || this.imports.some((rows) => inWindow(rows, oldWindow))) {
      this.rebuild(root);
      return;
    }
    const shift = (rows: RowWindow): RowWindow => (rows.start > oldWindow.end ? { start: rows.start + delta, end: rows.end + delta } : rows);
    this.imports = this.imports.map(shift);
    const before: LogCall[] = [];
    const after: LogCall[] = [];
    for (const call of this.list) {
      const row = call.call.start.row;
      if (row < oldWindow.start) before.push(call);
      else if (row > oldWindow.end) after.push(delta ? moved(call, delta) : call);
    }
    this.list = [...before, ...findLogCallsIn(root, this.names, window), ...after];
  }
}

/**
 * Rows of the smallest whole statements (children of a block or of the module) that hold all of `rows`:
 * the statement around the first row's text and the one around the last row's, and all in between.
 */
function enclosingStatementRows(root: SyntaxNode, rows: RowWindow, line: (row: number) => string): RowWindow {
  const first = statementAround(root, rows.start, line(rows.start));
  const last = rows.end === rows.start ? first : statementAround(root, rows.end, line(rows.end));
  return { start: Math.min(rows.start, first.start), end: Math.max(rows.end, last.end) };
}

/** The statement holding the text of one line (from its first non-blank character to its end). */
function statementAround(root: SyntaxNode, row: number, text: string): RowWindow {
  const indent = text.length - text.trimStart().length;
  const end = Math.max(indent, text.trimEnd().length);
  let node = root.descendantForPosition({ row, column: indent }, { row, column: end });
  while (node?.parent && !CONTAINERS.has(node.parent.type)) node = node.parent;
  return !node || CONTAINERS.has(node.type) ? { start: row, end: row } : rowsOf(node);
}

function rowsOf(node: SyntaxNode): RowWindow {
  return { start: node.startPosition.row, end: node.endPosition.row };
}

function movedRange(range: SourceRange, delta: number): SourceRange {
  return { start: { row: range.start.row + delta, column: range.start.column }, end: { row: range.end.row + delta, column: range.end.column } };
}

function moved(call: LogCall, delta: number): LogCall {
  return { ...call, range: movedRange(call.range, delta), call: movedRange(call.call, delta) };
}
