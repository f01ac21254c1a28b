import type { Node as SyntaxNode, Point } from '@vscode/tree-sitter-wasm';

/**
 * A logged key as the source spells it: a literal ("accuracy"), an f-string with holes
 * (f"{split}_loss" → ['', null, '_loss']), or a value only known at run time (a variable, a call).
 */
export type KeyPattern =
  | { kind: 'literal'; key: string }
  | { kind: 'template'; parts: (string | null)[] }
  | { kind: 'dynamic' };

export interface SourceRange {
  start: Point;
  end: Point;
}

/** One place in a Python file that logs to MLflow. */
export type LogCall =
  | { kind: 'metric' | 'param'; key: KeyPattern; range: SourceRange; call: SourceRange; batch: boolean }
  | { kind: 'autolog'; flavor: string | undefined; range: SourceRange; call: SourceRange };

const SINGLE: Record<string, { kind: 'metric' | 'param'; keyword: string }> = {
  log_metric: { kind: 'metric', keyword: 'key' },
  log_param: { kind: 'param', keyword: 'key' },
};
const BATCH: Record<string, { kind: 'metric' | 'param'; keyword: string }> = {
  log_metrics: { kind: 'metric', keyword: 'metrics' },
  log_params: { kind: 'param', keyword: 'params' },
};

/**
 * The MLflow logging calls of a parsed Python module (a tree-sitter-python tree): `mlflow.log_metric`,
 * `log_metrics`, `log_param`, `log_params` and `mlflow[.<flavor>].autolog`, through whatever names the
 * file imported them under (`import mlflow as mf`, `from mlflow import log_metric as lm`,
 * `import mlflow.sklearn`). Comments and strings are syntax, not calls, so they never match. Names are
 * file-wide: an import inside a function counts for the whole file, which is how such scripts read.
 */
export function findLogCalls(root: SyntaxNode): LogCall[] {
  return findLogCallsIn(root, importedNames(root));
}

/** Rows `start`..`end` (inclusive), as a tree-sitter search window: whole lines. */
export interface RowWindow {
  start: number;
  end: number;
}

/**
 * The calls that start on the rows of `window` (all of them without one), given the file's imported
 * names. Searching a window visits only the nodes there: an edit re-reads its statement, not the file.
 */
export function findLogCallsIn(root: SyntaxNode, names: ReadonlyMap<string, string>, window?: RowWindow): LogCall[] {
  if (names.size === 0) return [];
  const calls: LogCall[] = [];
  const nodes = window
    ? root.descendantsOfType('call', { row: window.start, column: 0 }, { row: window.end + 1, column: 0 })
    : root.descendantsOfType('call');
  for (const call of nodes) {
    if (!call || (window && (call.startPosition.row < window.start || call.startPosition.row > window.end))) continue;
    const fn = call.childForFieldName('function');
    const qualified = fn ? qualifiedName(fn, names) : undefined;
    if (!qualified?.startsWith('mlflow.')) continue;
    const member = qualified.slice('mlflow.'.length);
    const args = call.childForFieldName('arguments');
    if (!args || args.type !== 'argument_list') continue;
    const callRange = rangeOf(call);
    const single = SINGLE[member];
    const batch = BATCH[member];
    if (single) {
      const keyNode = argument(args, 0, single.keyword);
      if (keyNode) calls.push({ kind: single.kind, key: keyPattern(keyNode), range: rangeOf(keyNode), call: callRange, batch: false });
    } else if (batch) {
      const dict = argument(args, 0, batch.keyword);
      if (dict?.type === 'dictionary') {
        for (const pair of dict.namedChildren) {
          const key = pair?.type === 'pair' ? pair.childForFieldName('key') : undefined;
          if (key) calls.push({ kind: batch.kind, key: keyPattern(key), range: rangeOf(key), call: callRange, batch: true });
        }
      } else if (dict) {
        calls.push({ kind: batch.kind, key: { kind: 'dynamic' }, range: rangeOf(dict), call: callRange, batch: true });
      }
    } else if (member === 'autolog' || /^[A-Za-z_][A-Za-z0-9_]*\.autolog$/.test(member)) {
      const flavor = member === 'autolog' ? undefined : member.slice(0, -'.autolog'.length);
      calls.push({ kind: 'autolog', flavor, range: rangeOf(fn ?? call), call: callRange });
    }
  }
  return calls;
}

export const IMPORT_TYPES = ['import_statement', 'import_from_statement'];

/** Local name → the mlflow dotted name it stands for (`mf` → `mlflow`, `lm` → `mlflow.log_metric`). */
export function importedNames(root: SyntaxNode): Map<string, string> {
  return namesOf(descendantsOfType(root, IMPORT_TYPES));
}

/** The names these import statements bind to mlflow things. */
export function namesOf(statements: readonly SyntaxNode[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const statement of statements) {
    if (statement.type !== 'import_statement') continue;
    for (const name of statement.childrenForFieldName('name')) {
      if (!name) continue;
      if (name.type === 'dotted_name' && isMlflow(name.text)) {
        // `import mlflow.sklearn` binds `mlflow`, through which mlflow.sklearn is reached.
        names.set('mlflow', 'mlflow');
      } else if (name.type === 'aliased_import') {
        const target = name.childForFieldName('name');
        const alias = name.childForFieldName('alias');
        if (target && alias && isMlflow(target.text)) names.set(alias.text, dotted(target.text));
      }
    }
  }
  for (const statement of statements) {
    if (statement.type !== 'import_from_statement') continue;
    const module = statement.childForFieldName('module_name');
    if (!module || module.type !== 'dotted_name' || !isMlflow(module.text)) continue;
    for (const name of statement.childrenForFieldName('name')) {
      if (!name) continue;
      if (name.type === 'dotted_name') {
        names.set(name.text, `${dotted(module.text)}.${name.text}`);
      } else if (name.type === 'aliased_import') {
        const target = name.childForFieldName('name');
        const alias = name.childForFieldName('alias');
        if (target && alias) names.set(alias.text, `${dotted(module.text)}.${dotted(target.text)}`);
      }
    }
  }
  return names;
}

const isMlflow = (name: string): boolean => {
  const text = dotted(name);
  return text === 'mlflow' || text.startsWith('mlflow.');
};

/** `mlflow . sklearn` (spaces are legal in a dotted name) → `mlflow.sklearn`. */
const dotted = (text: string): string => text.replace(/\s+/g, '');

/** `mf.sklearn.autolog` with `mf` → `mlflow` gives `mlflow.sklearn.autolog`; unknown roots give undefined. */
function qualifiedName(node: SyntaxNode, names: ReadonlyMap<string, string>): string | undefined {
  if (node.type === 'identifier') return names.get(node.text);
  if (node.type === 'attribute') {
    const object = node.childForFieldName('object');
    const attribute = node.childForFieldName('attribute');
    const base = object ? qualifiedName(object, names) : undefined;
    return base && attribute ? `${base}.${attribute.text}` : undefined;
  }
  return undefined;
}

/** The argument at `position` (positional) or passed as `keyword=`; undefined when absent or unpacked. */
function argument(args: SyntaxNode, position: number, keyword: string): SyntaxNode | undefined {
  let index = 0;
  for (const child of args.namedChildren) {
    if (!child || child.type === 'comment') continue;
    if (child.type === 'keyword_argument') {
      if (child.childForFieldName('name')?.text === keyword) return child.childForFieldName('value') ?? undefined;
      continue;
    }
    if (child.type === 'list_splat' || child.type === 'dictionary_splat') return undefined;
    if (index === position) return child;
    index++;
  }
  return undefined;
}

/** What a key expression says about the key: a literal, an f-string template, or nothing knowable. */
export function keyPattern(node: SyntaxNode): KeyPattern {
  const parts = stringParts(node);
  if (!parts) return { kind: 'dynamic' };
  // Adjacent literals merge, so ['a', 'b', null] reads as ['ab', null].
  const merged: (string | null)[] = [];
  for (const part of parts) {
    const last = merged.length - 1;
    if (part !== null && last >= 0 && merged[last] !== null) merged[last] += part;
    else merged.push(part);
  }
  if (merged.every((part) => part !== null)) return { kind: 'literal', key: merged.join('') };
  return { kind: 'template', parts: merged };
}

function stringParts(node: SyntaxNode): (string | null)[] | undefined {
  if (node.type === 'parenthesized_expression' && node.namedChildCount === 1) {
    const inner = node.namedChild(0);
    return inner ? stringParts(inner) : undefined;
  }
  if (node.type === 'concatenated_string') {
    const all: (string | null)[] = [];
    for (const child of node.namedChildren) {
      if (!child || child.type === 'comment') continue;
      const parts = stringParts(child);
      if (!parts) return undefined;
      all.push(...parts);
    }
    return all;
  }
  if (node.type !== 'string') return undefined;
  const start = node.children.find((child) => child?.type === 'string_start');
  const prefix = (start?.text ?? '').replace(/['"]+$/, '').toLowerCase();
  if (prefix.includes('b')) return undefined; // bytes are not keys
  const raw = prefix.includes('r');
  // In an f-string, `{{` and `}}` are literal braces (tree-sitter leaves them inside string_content).
  const braces = prefix.includes('f') ? (text: string) => text.replace(/\{\{/g, '{').replace(/\}\}/g, '}') : (text: string) => text;
  const parts: (string | null)[] = [];
  for (const child of node.children) {
    if (!child) continue;
    switch (child.type) {
      case 'string_content':
        parts.push(braces(raw ? child.text : unescape(child.text)));
        break;
      case 'escape_sequence':
        parts.push(raw ? child.text : unescape(child.text));
        break;
      case 'escape_interpolation':
        parts.push(child.text.slice(0, 1));
        break;
      case 'interpolation':
        parts.push(null);
        break;
      default:
        break;
    }
  }
  return parts;
}

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };

/** The simple escapes a metric name could hold; others stay as written. */
function unescape(text: string): string {
  return text.replace(/\\(.)/gs, (whole, c: string) => ESCAPES[c] ?? whole);
}

function rangeOf(node: SyntaxNode): SourceRange {
  return { start: node.startPosition, end: node.endPosition };
}

/** Every descendant of these types, in document order (one walk, inside tree-sitter). */
export function descendantsOfType(root: SyntaxNode, type: string | string[]): SyntaxNode[] {
  return root.descendantsOfType(type).filter((node): node is SyntaxNode => node !== null);
}
