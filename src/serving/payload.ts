/**
 * Request bodies for `POST /invocations`. MLflow accepts exactly one of four top-level keys
 * (serve_invocations_* captures); the Serve panel lets the user switch between them, so everything goes
 * through one table shape. Starting points, best first: the model's `serving_input_example.json` (already
 * a request body), its `input_example.json`, or placeholder values from the signature.
 */
import type { InputExampleInfo, SignatureItem } from './mlmodel';
import { isRecord } from '../mlflow/values';

export const PAYLOAD_FORMATS = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'] as const;
export type PayloadFormat = (typeof PAYLOAD_FORMATS)[number];

export interface Table {
  columns: string[];
  rows: unknown[][];
}

export type InvocationBody =
  | { dataframe_split: { columns: string[]; data: unknown[][] } }
  | { dataframe_records: Record<string, unknown>[] }
  | { instances: unknown[] }
  | { inputs: unknown[] };

export type PayloadResult = { ok: true; format: PayloadFormat; body: InvocationBody } | { ok: false; message: string };

/** The format key of a body, or undefined unless it has exactly one (MLflow's own rule). */
export function payloadFormat(body: unknown): PayloadFormat | undefined {
  if (!isRecord(body)) return undefined;
  const present = PAYLOAD_FORMATS.filter((format) => Object.hasOwn(body, format));
  return present.length === 1 ? present[0] : undefined;
}

export function payloadFromTable(table: Table, format: PayloadFormat): InvocationBody {
  switch (format) {
    case 'dataframe_split':
      return { dataframe_split: { columns: [...table.columns], data: table.rows.map((row) => [...row]) } };
    case 'dataframe_records':
      return { dataframe_records: toRecords(table) };
    // For column data MLflow reads instances/inputs as records too (the captured `inputs` request is one).
    case 'instances':
      return { instances: toRecords(table) };
    case 'inputs':
      return { inputs: toRecords(table) };
  }
}

/** The rows of any of the four formats, or undefined when the value is not tabular (e.g. a raw tensor of tensors). */
export function tableFromPayload(body: unknown): Table | undefined {
  const format = payloadFormat(body);
  if (!format || !isRecord(body)) return undefined;
  const value = body[format];
  if (format === 'dataframe_split') {
    if (!isRecord(value) || !Array.isArray(value.data) || !value.data.every(Array.isArray)) return undefined;
    const data = value.data as unknown[][];
    const columns = Array.isArray(value.columns) ? value.columns.map(String) : (data[0] ?? []).map((_, i) => String(i));
    return { columns, rows: data.map((row) => [...row]) };
  }
  if (!Array.isArray(value)) {
    if (format === 'dataframe_records' || !isRecord(value)) return undefined;
    // Column-oriented instances/inputs: {"a": [1, 2], "b": [3, 4]}.
    const columns = Object.keys(value);
    const lists = columns.map((column) => (Array.isArray(value[column]) ? (value[column] as unknown[]) : [value[column]]));
    const length = Math.max(0, ...lists.map((list) => list.length));
    return { columns, rows: Array.from({ length }, (_, i) => lists.map((list) => list[i] ?? null)) };
  }
  if (value.every(isRecord)) {
    const records = value as Record<string, unknown>[];
    const columns = [...new Set(records.flatMap((record) => Object.keys(record)))];
    return { columns, rows: records.map((record) => columns.map((column) => record[column] ?? null)) };
  }
  if (format !== 'dataframe_records' && value.every(Array.isArray)) {
    const rows = value as unknown[][];
    return { columns: (rows[0] ?? []).map((_, i) => String(i)), rows: rows.map((row) => [...row]) };
  }
  return undefined;
}

/** Converts a body to another format, keeping its rows; undefined when the body is not tabular. */
export function convertPayload(body: unknown, format: PayloadFormat): InvocationBody | undefined {
  const table = tableFromPayload(body);
  return table ? payloadFromTable(table, format) : undefined;
}

/** `serving_input_example.json`: written by MLflow ≥ 2.17 as a complete request body. */
export function payloadFromServingInputExample(jsonText: string): PayloadResult {
  const parsed = parseJson(jsonText);
  if (!parsed.ok) return parsed;
  const format = payloadFormat(parsed.value);
  if (!format) return { ok: false, message: `The serving input example has no single ${PAYLOAD_FORMATS.join('/')} key.` };
  return { ok: true, format, body: parsed.value as InvocationBody };
}

/**
 * `input_example.json` as `saved_input_example_info` describes it: a pandas frame (`split` or `records`
 * orient) or an ndarray. The result uses `format` when given, else the frame's own orientation.
 */
export function payloadFromInputExample(jsonText: string, info: InputExampleInfo, format?: PayloadFormat): PayloadResult {
  const parsed = parseJson(jsonText);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  if (info.type === 'ndarray') {
    const data = isRecord(value) && 'inputs' in value ? value.inputs : value;
    if (!Array.isArray(data)) return { ok: false, message: 'The ndarray input example is not a list.' };
    return { ok: true, format: 'inputs', body: { inputs: data } };
  }
  if (info.type !== 'dataframe') return { ok: false, message: `Input examples of type '${info.type}' cannot be turned into a request here.` };
  let table: Table | undefined;
  if ((info.pandasOrient ?? 'split') === 'split') {
    table = tableFromPayload({ dataframe_split: value });
  } else if (info.pandasOrient === 'records') {
    table = tableFromPayload({ dataframe_records: value });
  }
  if (!table) return { ok: false, message: `The input example does not match its pandas orient '${info.pandasOrient ?? 'split'}'.` };
  const chosen = format ?? (info.pandasOrient === 'records' ? 'dataframe_records' : 'dataframe_split');
  return { ok: true, format: chosen, body: payloadFromTable(table, chosen) };
}

/**
 * A body with `rows` rows of placeholder values (0, false, "") for the signature's inputs, for models logged
 * without an example. Tensor signatures give nested zeros in the tensor's shape (-1 read as 1).
 */
export function payloadFromSignature(inputs: readonly SignatureItem[], format: PayloadFormat, rows = 1): InvocationBody {
  const columns = inputs.filter((item): item is Extract<SignatureItem, { kind: 'column' }> => item.kind === 'column');
  if (columns.length === inputs.length && columns.every((column) => column.name !== undefined)) {
    const table: Table = {
      columns: columns.map((column) => column.name ?? ''),
      rows: Array.from({ length: rows }, () => columns.map((column) => placeholder(column.type))),
    };
    return payloadFromTable(table, format);
  }
  const first = inputs[0];
  const sample = first?.kind === 'tensor' ? zeros(first.shape.slice(1)) : inputs.map((item) => (item.kind === 'column' ? placeholder(item.type) : 0));
  const data = Array.from({ length: rows }, () => structuredClone(sample));
  return format === 'instances' ? { instances: data } : { inputs: data };
}

/** MLflow's column types (mlflow.types.DataType). */
function placeholder(type: string): unknown {
  switch (type) {
    case 'double':
    case 'float':
    case 'long':
    case 'integer':
      return 0;
    case 'boolean':
      return false;
    case 'string':
    case 'binary':
      return '';
    case 'datetime':
      return '1970-01-01T00:00:00';
    default:
      return null;
  }
}

function zeros(shape: readonly number[]): unknown {
  if (shape.length === 0) return 0;
  const [size, ...rest] = shape;
  return Array.from({ length: size > 0 ? size : 1 }, () => zeros(rest));
}

function toRecords(table: Table): Record<string, unknown>[] {
  return table.rows.map((row) => Object.fromEntries(table.columns.map((column, i) => [column, row[i] ?? null])));
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: `Not valid JSON: ${(error as Error).message}` };
  }
}

