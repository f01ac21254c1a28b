/**
 * The text of a request body, written so that MLflow reads each value as the model's signature types
 * it. JSON has one number type: `JSON.stringify(5.0)` is `5`, which pandas reads as an int64 column,
 * and MLflow's schema enforcement refuses int64 where the signature says `double` or `float` ("Can
 * not safely convert int64 to float64"). So numbers in floating-point places keep a fractional part
 * (`5.0`), as Python's `json.dumps` writes them in MLflow's own examples.
 */
import type { SignatureItem } from './mlmodel';
import type { InvocationBody } from './payload';
import { isRecord } from '../mlflow/values';

/** Pretty-printed like `JSON.stringify(body, null, 2)`, with floats written as floats. */
export function serializePayload(body: InvocationBody | Record<string, unknown>, inputs: readonly SignatureItem[] = []): string {
  return write(markFloats(body, floatPlaces(inputs)), '');
}

/** A number MLflow should read as floating point. */
class FloatValue {
  constructor(readonly value: number) {}
}

interface FloatPlaces {
  /** Named columns or named tensors of a floating-point type. */
  names: ReadonlySet<string>;
  /** Positions of such columns when the signature's columns have no names. */
  positions: ReadonlySet<number>;
  /** A single unnamed tensor of a floating-point type: every number is a float. */
  everywhere: boolean;
}

const FLOAT_COLUMN_TYPES = new Set(['double', 'float']);

function floatPlaces(inputs: readonly SignatureItem[]): FloatPlaces {
  const names = new Set<string>();
  const positions = new Set<number>();
  let everywhere = false;
  inputs.forEach((item, i) => {
    const isFloat = item.kind === 'column' ? FLOAT_COLUMN_TYPES.has(item.type) : /^float/.test(item.dtype);
    if (!isFloat) return;
    if (item.name !== undefined) names.add(item.name);
    else if (item.kind === 'column') positions.add(i);
    else everywhere = true;
  });
  return { names, positions, everywhere };
}

function markFloats(body: Record<string, unknown>, places: FloatPlaces): unknown {
  if (places.names.size === 0 && places.positions.size === 0 && !places.everywhere) return body;
  const out: Record<string, unknown> = { ...body };
  const split = body.dataframe_split;
  if (isRecord(split) && Array.isArray(split.data)) {
    const columns = Array.isArray(split.columns) ? split.columns : undefined;
    const floatAt = (i: number): boolean => (columns ? places.names.has(String(columns[i])) : places.positions.has(i));
    out.dataframe_split = {
      ...split,
      data: split.data.map((row: unknown) => (Array.isArray(row) ? row.map((cell, i) => (floatAt(i) ? allFloats(cell) : cell)) : row)),
    };
  }
  if (Array.isArray(body.dataframe_records)) out.dataframe_records = body.dataframe_records.map((row) => byName(row, places));
  for (const key of ['instances', 'inputs'] as const) {
    const value = body[key];
    if (value === undefined) continue;
    if (places.everywhere) out[key] = allFloats(value);
    else if (isRecord(value)) out[key] = byName(value, places);
    else if (Array.isArray(value)) out[key] = value.map((item) => byName(item, places));
  }
  return out;
}

/** A record's values under float names, every number in them marked; anything else as it is. */
function byName(value: unknown, places: FloatPlaces): unknown {
  if (!isRecord(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, places.names.has(key) ? allFloats(v) : v]));
}

function allFloats(value: unknown): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? new FloatValue(value) : value;
  if (Array.isArray(value)) return value.map(allFloats);
  return value;
}

/** JSON.stringify(value, null, 2) for parsed JSON, FloatValues written with a fractional part. */
function write(value: unknown, indent: string): string {
  if (value instanceof FloatValue) {
    const text = JSON.stringify(value.value);
    return /[.eE]/.test(text) ? text : `${text}.0`;
  }
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => inner + write(item, inner)).join(',\n')}\n${indent}]`;
  }
  if (isRecord(value)) {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([key, v]) => `${inner}${JSON.stringify(key)}: ${write(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

