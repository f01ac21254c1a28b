import type { Span } from '../../mlflow/traceTypes';
import { TraceKeys } from '../../mlflow/traceTypes';

/**
 * "Open Source" on a span: what MLflow recorded about where the span's code lives, and finding the
 * function's definition in a file's text. MLflow records the function name (`mlflow.spanFunctionName`,
 * set by `@mlflow.trace` on decorated functions only) and, per trace, the script that ran
 * (`mlflow.source.name` in the trace metadata, e.g. `genai_populate.py` or an absolute path). Both are
 * untrusted text: the name must be an identifier before it goes into a pattern, and the file is only
 * ever looked up inside the workspace.
 */

export interface SourceQuery {
  spanName: string;
  /** The function to find; absent when the span records none (then "Open Source" says why). */
  functionName?: string;
  /** The entry script as MLflow recorded it, when the trace ran from a local file. */
  sourceFile?: string;
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,199}$/;

export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

export function sourceQuery(span: Span, traceMetadata: Record<string, string>): SourceQuery {
  const query: SourceQuery = { spanName: span.name };
  const fn = span.attributes[TraceKeys.spanFunctionName];
  if (typeof fn === 'string' && isIdentifier(fn)) query.functionName = fn;
  const source = traceMetadata['mlflow.source.name'];
  const type = traceMetadata['mlflow.source.type'];
  // LOCAL: a script on the machine that logged; NOTEBOOK / JOB sources are not files of a workspace.
  if (source && (type === undefined || type === 'LOCAL') && /\.(py|ipynb|ts|js|mjs|cjs)$/i.test(source) && source.length < 1024) query.sourceFile = source;
  return query;
}

/** The last part of a recorded path, `/`- or `\`-separated (the logging machine may be Windows). */
export function baseName(recorded: string): string {
  return recorded.split(/[\\/]/).filter((p) => p !== '').at(-1) ?? '';
}

export interface Definition {
  /** 0-based line and the column where the name starts. */
  line: number;
  character: number;
}

/**
 * Where `functionName` is defined in a source text: Python `def` / `async def` / `class`, and the
 * JavaScript/TypeScript forms (`function name`, `name = (…) =>`, a method `name(…) {`). The first
 * definition wins; a mere call does not count.
 */
export function findDefinition(text: string, functionName: string): Definition | undefined {
  if (!isIdentifier(functionName)) return undefined;
  const name = functionName;
  const patterns = [
    new RegExp(`^(\\s*(?:async\\s+)?def\\s+)${name}\\s*\\(`),
    new RegExp(`^(\\s*class\\s+)${name}\\b`),
    new RegExp(`^(\\s*(?:export\\s+)?(?:default\\s+)?(?:async\\s+)?function\\s*\\*?\\s*)${name}\\s*[(<]`),
    new RegExp(`^(\\s*(?:export\\s+)?(?:const|let|var)\\s+)${name}\\s*(?::[^=]+)?=\\s*(?:async\\s+)?(?:function\\b|\\(|[A-Za-z_$][\\w$]*\\s*=>)`),
    new RegExp(`^(\\s*(?:(?:public|private|protected|static|async|override)\\s+)*)${name}\\s*\\([^)]*\\)\\s*(?::[^{]+)?\\{\\s*$`),
  ];
  const lines = text.split(/\r?\n/);
  for (let line = 0; line < lines.length; line++) {
    const source = lines[line]!;
    if (!source.includes(name)) continue;
    for (const pattern of patterns) {
      const match = pattern.exec(source);
      if (match) return { line, character: match[1]!.length };
    }
  }
  return undefined;
}

/** Why a span's source cannot be opened, in the user's words. */
export function noFunctionReason(query: SourceQuery): string {
  return `Span “${query.spanName}” records no function name: MLflow sets mlflow.spanFunctionName only on spans of @mlflow.trace-decorated functions.`;
}

export function notFoundReason(query: SourceQuery & { functionName: string }): string {
  const where = query.sourceFile ? `in ${baseName(query.sourceFile)} (the trace’s source), the workspace symbols or the workspace’s source files` : 'in the workspace symbols or the workspace’s source files';
  return `Function ${query.functionName} of span “${query.spanName}” was not found ${where}.`;
}
