/**
 * The MLmodel file of a logged model: which flavors it has (can it be served?), its signature (the columns
 * a request must carry), and where its input examples are. The signature's `inputs`/`outputs`/`params`
 * are JSON strings inside the YAML, as MLflow writes them.
 */
import { yaml } from '../mlflow/yaml';
import { isRecord } from '../mlflow/values';

export type SignatureItem =
  | { kind: 'column'; name?: string; type: string; required: boolean }
  | { kind: 'tensor'; name?: string; dtype: string; shape: number[] };

export interface SignatureParam {
  name: string;
  type: string;
  default: unknown;
  shape?: number[] | null;
}

export interface ModelSignature {
  inputs: SignatureItem[];
  outputs: SignatureItem[];
  params: SignatureParam[];
}

/** `saved_input_example_info`: `artifactPath` is the raw example, `servingInputPath` a ready request body. */
export interface InputExampleInfo {
  artifactPath: string;
  type: string;
  pandasOrient?: string;
  servingInputPath?: string;
}

export interface MlModel {
  artifactPath?: string;
  flavors: Record<string, Record<string, unknown>>;
  runId?: string;
  /** MLflow 3 LoggedModel id (`m-…`). */
  modelId?: string;
  modelUuid?: string;
  mlflowVersion?: string;
  utcTimeCreated?: string;
  signature?: ModelSignature;
  inputExample?: InputExampleInfo;
  metadata: Record<string, unknown>;
}

export interface MlModelParse {
  model?: MlModel;
  /** Parts that could not be read; the rest of the model is still returned. */
  problems: string[];
}

export function parseMlmodel(text: string): MlModelParse {
  const document = yaml().parseDocument(text);
  if (document.errors.length > 0) return { problems: document.errors.map((error) => `Invalid YAML: ${error.message}`) };
  if (!yaml().isMap(document.contents)) return { problems: ['An MLmodel file must be a YAML mapping.'] };
  const raw = document.toJS() as Record<string, unknown>;
  const problems: string[] = [];
  const model: MlModel = {
    flavors: readFlavors(raw.flavors),
    metadata: isRecord(raw.metadata) ? raw.metadata : {},
    ...optionalString('artifactPath', raw.artifact_path),
    ...optionalString('runId', raw.run_id),
    ...optionalString('modelId', raw.model_id),
    ...optionalString('modelUuid', raw.model_uuid),
    ...optionalString('mlflowVersion', raw.mlflow_version),
    ...optionalString('utcTimeCreated', raw.utc_time_created),
  };
  if (isRecord(raw.signature)) model.signature = readSignature(raw.signature, problems);
  const example = raw.saved_input_example_info;
  if (isRecord(example) && typeof example.artifact_path === 'string') {
    model.inputExample = {
      artifactPath: example.artifact_path,
      type: typeof example.type === 'string' ? example.type : 'json_object',
      ...(typeof example.pandas_orient === 'string' ? { pandasOrient: example.pandas_orient } : {}),
      ...(typeof example.serving_input_path === 'string' ? { servingInputPath: example.serving_input_path } : {}),
    };
  }
  return { model, problems };
}

/** `mlflow models serve` needs a pyfunc (or R crate) flavor; external models (`flavors: {}`) have none. */
export function isServable(model: MlModel): boolean {
  return 'python_function' in model.flavors || 'crate' in model.flavors;
}

/** Input column names in signature order, or undefined for tensor or unnamed signatures. */
export function signatureColumns(signature: ModelSignature | undefined): string[] | undefined {
  const inputs = signature?.inputs ?? [];
  if (inputs.length === 0) return undefined;
  const names = inputs.map((item) => (item.kind === 'column' ? item.name : undefined));
  return names.every((name): name is string => name !== undefined) ? names : undefined;
}

function readSignature(raw: Record<string, unknown>, problems: string[]): ModelSignature {
  return {
    inputs: readSpecs('inputs', raw.inputs, problems),
    outputs: readSpecs('outputs', raw.outputs, problems),
    params: readParams(raw.params, problems),
  };
}

function readSpecs(label: string, value: unknown, problems: string[]): SignatureItem[] {
  const list = readJsonList(label, value, problems);
  return list.flatMap((entry): SignatureItem[] => {
    if (!isRecord(entry) || typeof entry.type !== 'string') {
      problems.push(`Signature ${label} has an entry without a type.`);
      return [];
    }
    const name = typeof entry.name === 'string' ? entry.name : undefined;
    if (entry.type === 'tensor') {
      const spec = isRecord(entry['tensor-spec']) ? entry['tensor-spec'] : {};
      return [{ kind: 'tensor', ...(name ? { name } : {}), dtype: String(spec.dtype ?? 'unknown'), shape: Array.isArray(spec.shape) ? spec.shape.map(Number) : [] }];
    }
    return [{ kind: 'column', ...(name ? { name } : {}), type: entry.type, required: entry.required !== false }];
  });
}

function readParams(value: unknown, problems: string[]): SignatureParam[] {
  return readJsonList('params', value, problems).flatMap((entry) =>
    isRecord(entry) && typeof entry.name === 'string'
      ? [{ name: entry.name, type: String(entry.type ?? 'string'), default: entry.default ?? null, ...(Array.isArray(entry.shape) ? { shape: entry.shape.map(Number) } : {}) }]
      : [],
  );
}

function readJsonList(label: string, value: unknown, problems: string[]): unknown[] {
  if (value === null || value === undefined) return [];
  if (typeof value !== 'string') {
    problems.push(`Signature ${label} is not the JSON string MLflow writes.`);
    return [];
  }
  try {
    const parsed: unknown = JSON.parse(value);
    if (Array.isArray(parsed)) return parsed;
  } catch {
    // reported below
  }
  problems.push(`Signature ${label} is not a JSON list.`);
  return [];
}

function readFlavors(value: unknown): Record<string, Record<string, unknown>> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([name, config]) => [name, isRecord(config) ? config : {}]));
}

function optionalString<K extends string>(key: K, value: unknown): Partial<Record<K, string>> {
  return typeof value === 'string' ? ({ [key]: value } as Partial<Record<K, string>>) : {};
}

