import type { KeyPattern, LogCall } from './pythonCalls';

/**
 * The logged key a call stands for, or undefined when the logged keys do not say it unambiguously.
 * A literal is itself. An f-string (`f"{split}_loss"`) stands for a logged key only when exactly one
 * logged key fits its shape and no literal call in the same file logs that key; with `train_loss` and
 * `val_loss` both logged it stays unresolved, never guessed. A variable never resolves.
 */
export function resolveKey(pattern: KeyPattern, loggedKeys: ReadonlySet<string>, literalKeys: ReadonlySet<string>): string | undefined {
  if (pattern.kind === 'literal') return pattern.key;
  if (pattern.kind === 'dynamic') return undefined;
  const shape = templateRegExp(pattern.parts);
  let found: string | undefined;
  for (const key of loggedKeys) {
    if (literalKeys.has(key) || !shape.test(key)) continue;
    if (found !== undefined) return undefined;
    found = key;
  }
  return found;
}

/** `['', null, '_loss']` → /^(.+)_loss$/s: each hole is at least one character (str() of a value). */
export function templateRegExp(parts: readonly (string | null)[]): RegExp {
  const body = parts.map((part) => (part === null ? '.+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('');
  return new RegExp(`^${body}$`, 's');
}

/** The keys the file logs literally, per kind: a template never claims one of these. */
export function literalKeysOf(calls: readonly LogCall[], kind: 'metric' | 'param'): Set<string> {
  const keys = new Set<string>();
  for (const call of calls) {
    if (call.kind === kind && call.key.kind === 'literal') keys.add(call.key.key);
  }
  return keys;
}

/** How a template reads in a hover: `{…}_loss`. */
export function describePattern(pattern: KeyPattern): string {
  if (pattern.kind === 'literal') return pattern.key;
  if (pattern.kind === 'dynamic') return '(computed at run time)';
  return pattern.parts.map((part) => part ?? '{…}').join('');
}
