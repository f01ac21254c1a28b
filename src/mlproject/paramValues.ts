/**
 * Checks of parameter values typed by the user before `mlflow run` starts. MLflow itself only checks
 * `uri` (needs a scheme) and `path` (must exist locally); it passes `int` and `float` through, so a typo
 * costs a whole environment build before the script's argparse rejects it. We check those up front.
 */
import type { EntryPoint } from './types';

const INTEGER = /^[+-]?\d+$/;
// No inf/nan, no underscores, no surrounding spaces: Python's float() accepts them, a training script rarely means them.
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Python's `urlparse(value).scheme != ''`, which is MLflow's test for a `uri` parameter. */
export function hasUriScheme(value: string): boolean {
  // urlsplit strips leading C0 controls and spaces before it looks for the scheme.
  const stripped = value.replace(/^[\u0000-\u0020]+/, '');
  return /^[A-Za-z][A-Za-z0-9+.-]*:/.test(stripped);
}

/** Why `value` does not fit `type`, or undefined when it does (unknown types accept anything, as MLflow does). */
export function checkParamValue(type: string, value: string): string | undefined {
  switch (type) {
    case 'int':
      return INTEGER.test(value) ? undefined : `'${value}' is not an integer.`;
    case 'float':
      return NUMBER.test(value) ? undefined : `'${value}' is not a number.`;
    case 'uri':
      return hasUriScheme(value) ? undefined : `'${value}' is not a URI: MLflow needs a scheme such as file:, s3: or https:.`;
    case 'path':
      return value === '' ? 'A path cannot be empty.' : undefined;
    default:
      return undefined;
  }
}

/**
 * MLflow splits `-P name=value` at the first `=` and appends undeclared names as `--name value` to a shell
 * line, so a name with `=` or whitespace would be split or re-parsed.
 */
export function checkParamName(name: string): string | undefined {
  if (name === '') return 'A parameter name cannot be empty.';
  if (/[=\s]/.test(name)) return `Parameter name '${name}' cannot contain '=' or whitespace.`;
  if (name.includes('\0')) return `Parameter name '${name}' cannot contain a NUL character.`;
  return undefined;
}

export interface ParamValueProblem {
  name: string;
  message: string;
}

/**
 * Everything wrong with `values` for this entry point, one problem per parameter: missing required
 * values (MLflow: "No value given for missing parameters"), values that do not fit their type, bad names.
 * Undeclared names are allowed: MLflow passes them to the command as `--name value`.
 */
export function validateRunValues(entryPoint: EntryPoint, values: Readonly<Record<string, string>>): ParamValueProblem[] {
  const problems: ParamValueProblem[] = [];
  for (const parameter of entryPoint.parameters) {
    const given = Object.hasOwn(values, parameter.name) ? values[parameter.name] : undefined;
    if (given === undefined) {
      if (parameter.default === undefined) {
        problems.push({ name: parameter.name, message: `'${parameter.name}' has no default; enter a value.` });
      }
      continue;
    }
    const message = checkParamValue(parameter.type, given);
    if (message) problems.push({ name: parameter.name, message });
  }
  const declared = new Set(entryPoint.parameters.map((p) => p.name));
  for (const name of Object.keys(values)) {
    if (declared.has(name)) continue;
    const message = checkParamName(name);
    if (message) problems.push({ name, message });
  }
  return problems;
}
