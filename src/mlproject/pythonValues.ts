/**
 * MLflow loads an MLproject with PyYAML (YAML 1.1) and substitutes `str(value)` into the command, so a
 * default of `0.10` reaches the script as `0.1`, `yes` as `True` and `1e3` as the string `1e3`. These
 * helpers reproduce that text so what the extension shows and passes is what MLflow would pass.
 */

export type PythonScalar =
  | { kind: 'null' }
  | { kind: 'bool' | 'int' | 'float' | 'str'; text: string };

// PyYAML's implicit resolvers (resolver.py); they differ from YAML 1.2 (e.g. an exponent needs a dot and a sign).
const NULL = /^(?:~|null|Null|NULL|)$/;
const BOOL = /^(?:yes|Yes|YES|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$/;
const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/;
const FLOAT =
  /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const TRUTHY = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;

/** Resolves an unquoted YAML scalar the way PyYAML's SafeLoader does, returning Python's `str()` of it. */
export function resolvePlainScalar(source: string): PythonScalar {
  if (NULL.test(source)) return { kind: 'null' };
  if (BOOL.test(source)) return { kind: 'bool', text: TRUTHY.test(source) ? 'True' : 'False' };
  if (INT.test(source)) return { kind: 'int', text: pythonIntText(source) };
  if (FLOAT.test(source)) return { kind: 'float', text: pythonFloatText(source) };
  return { kind: 'str', text: source };
}

function splitSign(text: string): { negative: boolean; digits: string } {
  const cleaned = text.replace(/_/g, '');
  if (cleaned.startsWith('-')) return { negative: true, digits: cleaned.slice(1) };
  if (cleaned.startsWith('+')) return { negative: false, digits: cleaned.slice(1) };
  return { negative: false, digits: cleaned };
}

function sexagesimal(digits: string): number {
  return digits.split(':').reduce((total, part) => total * 60 + Number(part), 0);
}

function pythonIntText(source: string): string {
  const { negative, digits } = splitSign(source);
  let value: bigint;
  if (digits === '0') value = 0n;
  else if (digits.startsWith('0b')) value = BigInt(digits);
  else if (digits.startsWith('0x')) value = BigInt(digits);
  else if (digits.startsWith('0')) value = BigInt(`0o${digits.slice(1)}`);
  else if (digits.includes(':')) value = BigInt(sexagesimal(digits));
  else value = BigInt(digits);
  return (negative ? -value : value).toString();
}

function pythonFloatText(source: string): string {
  const { negative, digits } = splitSign(source.toLowerCase());
  let value: number;
  if (digits === '.inf') value = Infinity;
  else if (digits === '.nan') return 'nan';
  else if (digits.includes(':')) value = sexagesimal(digits);
  else value = Number(digits);
  return pythonFloatRepr(negative ? -value : value);
}

/**
 * Python's `repr(float)`: the shortest round-tripping digits (as JS), but scientific notation outside
 * 1e-4 ≤ |x| < 1e16, a two-digit exponent, and always a fractional part (`1.0`, not `1`).
 */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const sign = value < 0 ? '-' : '';
  const [mantissa, exponentText] = Math.abs(value).toExponential().split('e');
  const exponent = Number(exponentText);
  const digits = mantissa.replace('.', '');
  if (exponent < -4 || exponent >= 16) {
    const fraction = digits.length > 1 ? `.${digits.slice(1)}` : '';
    const exponentSign = exponent < 0 ? '-' : '+';
    return `${sign}${digits[0]}${fraction}e${exponentSign}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent < 0) return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
  const whole = digits.slice(0, exponent + 1).padEnd(exponent + 1, '0');
  const fraction = digits.slice(exponent + 1) || '0';
  return `${sign}${whole}.${fraction}`;
}

// Python's shlex.quote: the ASCII "safe" set is left bare, everything else is single-quoted.
const SHELL_UNSAFE = /[^A-Za-z0-9_@%+=:,./-]/;

/** Python's `shlex.quote`, which MLflow applies to every parameter value before substituting it. */
export function shlexQuote(value: string): string {
  if (value === '') return "''";
  if (!SHELL_UNSAFE.test(value)) return value;
  return `'${value.replace(/'/g, `'"'"'`)}'`;
}
