/**
 * Entry-point commands are Python format strings: MLflow runs `command.format(**params)` with every
 * value already shell-quoted, then appends parameters the MLproject does not declare as `--name value`.
 * The scanner below follows CPython's format-string grammar so the extension reports exactly the
 * placeholders that would make `mlflow run` fail.
 */
import { shlexQuote } from './pythonValues';
import type { EntryPoint } from './types';

export interface FormatField {
  /** The parameter the field reads (`alpha` in `{alpha}`, `{alpha.real}`, `{alpha:>8}`). */
  name: string;
  /** Offsets of the whole `{…}` in the command string. */
  start: number;
  end: number;
  formatSpec?: string;
}

export interface FormatProblem {
  message: string;
  start: number;
  end: number;
}

export interface ScannedCommand {
  fields: FormatField[];
  problems: FormatProblem[];
}

// Format types that only numbers accept; MLflow substitutes strings, so these raise ValueError.
const NUMERIC_FORMAT_TYPES = new Set(['b', 'c', 'd', 'e', 'E', 'f', 'F', 'g', 'G', 'n', 'o', 'x', 'X', '%']);

export function scanCommand(command: string): ScannedCommand {
  const result: ScannedCommand = { fields: [], problems: [] };
  scanInto(command, 0, command.length, result);
  return result;
}

function scanInto(text: string, from: number, to: number, result: ScannedCommand): void {
  let i = from;
  while (i < to) {
    const ch = text[i];
    if (ch === '}') {
      if (text[i + 1] === '}' && i + 1 < to) {
        i += 2;
        continue;
      }
      result.problems.push({
        message: "Single '}' in the command: Python's str.format fails on it; write '}}' for a literal brace.",
        start: i,
        end: i + 1,
      });
      i += 1;
      continue;
    }
    if (ch !== '{') {
      i += 1;
      continue;
    }
    if (text[i + 1] === '{' && i + 1 < to) {
      i += 2;
      continue;
    }
    const close = matchingBrace(text, i, to);
    if (close < 0) {
      result.problems.push({
        message: "Unclosed '{' in the command: Python's str.format fails on it; write '{{' for a literal brace.",
        start: i,
        end: to,
      });
      return;
    }
    readField(text, i, close, result);
    i = close + 1;
  }
}

function matchingBrace(text: string, open: number, to: number): number {
  let depth = 0;
  for (let i = open; i < to; i++) {
    if (text[i] === '{') depth += 1;
    else if (text[i] === '}') {
      depth -= 1;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function readField(text: string, open: number, close: number, result: ScannedCommand): void {
  const body = text.slice(open + 1, close);
  let bracketDepth = 0;
  let nameEnd = body.length;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '[') bracketDepth += 1;
    else if (c === ']') bracketDepth -= 1;
    else if (bracketDepth === 0 && (c === ':' || c === '!')) {
      nameEnd = i;
      break;
    }
  }
  const fieldName = body.slice(0, nameEnd);
  const name = /^[^.[]*/.exec(fieldName)?.[0] ?? '';
  const placeholder = { start: open, end: close + 1 };
  if (name === '' || /^\d+$/.test(name)) {
    result.problems.push({
      ...placeholder,
      message: `Placeholder {${body}} is positional, but MLflow fills placeholders by parameter name only.`,
    });
    return;
  }
  let rest = body.slice(nameEnd);
  if (rest.startsWith('!')) {
    const conversion = rest[1];
    if (conversion === undefined || !'rsa'.includes(conversion) || (rest.length > 2 && rest[2] !== ':')) {
      result.problems.push({ ...placeholder, message: `Placeholder {${body}} has an invalid conversion; Python accepts !r, !s or !a.` });
      return;
    }
    rest = rest.slice(2);
  }
  const formatSpec = rest.startsWith(':') ? rest.slice(1) : undefined;
  result.fields.push({ name, ...placeholder, ...(formatSpec !== undefined ? { formatSpec } : {}) });
  if (formatSpec === undefined) return;
  // Nested fields ({alpha:{width}}) read parameters too.
  const specStart = close - formatSpec.length;
  scanInto(text, specStart, close, result);
  const typeChar = formatSpec.replace(/\{[^}]*\}/g, '').slice(-1);
  if (NUMERIC_FORMAT_TYPES.has(typeChar)) {
    result.problems.push({
      ...placeholder,
      message: `Placeholder {${body}} uses the numeric format '${typeChar}', but MLflow passes parameters as strings, so str.format fails.`,
    });
  }
}

export interface RenderedCommand {
  /** Undefined when the entry point has no command. */
  command?: string;
  /** Declared parameters with neither a value nor a default: MLflow refuses to start the run. */
  missing: string[];
}

/**
 * The shell line MLflow will run for these values (a preview; MLflow builds the real one). Declared
 * parameters fall back to their defaults; undeclared ones are appended as `--name value`.
 */
export function renderCommand(entryPoint: EntryPoint, values: Readonly<Record<string, string>>): RenderedCommand {
  const declared = new Map(entryPoint.parameters.map((p) => [p.name, p]));
  const missing: string[] = [];
  const resolved = new Map<string, string>();
  for (const parameter of entryPoint.parameters) {
    const value = Object.hasOwn(values, parameter.name) ? values[parameter.name] : parameter.default;
    if (value === undefined) missing.push(parameter.name);
    else resolved.set(parameter.name, shlexQuote(value));
  }
  if (entryPoint.command === undefined) return { missing };
  const extras = Object.entries(values)
    .filter(([name]) => !declared.has(name))
    .map(([name, value]) => `--${name} ${shlexQuote(value)}`);
  return { command: [substitute(entryPoint.command, resolved), ...extras].join(' '), missing };
}

function substitute(command: string, values: ReadonlyMap<string, string>): string {
  const { fields } = scanCommand(command);
  let out = '';
  let cursor = 0;
  for (const field of fields.filter((f, i, all) => !all.some((outer, j) => j !== i && outer.start < f.start && f.end <= outer.end))) {
    out += unescapeBraces(command.slice(cursor, field.start)) + (values.get(field.name) ?? command.slice(field.start, field.end));
    cursor = field.end;
  }
  return out + unescapeBraces(command.slice(cursor));
}

function unescapeBraces(literal: string): string {
  return literal.replace(/\{\{/g, '{').replace(/\}\}/g, '}');
}
