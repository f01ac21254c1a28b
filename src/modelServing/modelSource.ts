/**
 * What the launcher shows about the model before it is served: its MLmodel (flavors, signature) and a
 * request body to start from. Read through the tracking store, so it works for local stores and servers
 * alike; no VS Code here, so it is unit-tested against the real fixtures.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TrackingStore } from '../mlflow/store';
import type { ModelVersion } from '../mlflow/types';
import { isServable, parseMlmodel, signatureColumns, type MlModel, type SignatureItem } from '../serving/mlmodel';
import { parseModelUri, type ModelUri } from '../serving/modelUri';
import { payloadFromInputExample, payloadFromServingInputExample, payloadFromSignature } from '../serving/payload';
import { serializePayload } from '../serving/payloadText';
import type { ModelView, PayloadView, SignatureRow } from './protocol';

/** Where a model's files can be read. */
export type ModelLocation =
  | { kind: 'run'; runId: string; path: string }
  | { kind: 'loggedModel'; modelId: string }
  | { kind: 'local'; dir: string };

export interface ModelDetails {
  model: ModelView;
  payload: PayloadView;
  /** The signature's inputs, so bodies written later (format changes) keep floats as floats. */
  inputs?: SignatureItem[];
}

const EMPTY_PAYLOAD: PayloadView = { format: 'dataframe_split', body: serializePayload({ dataframe_split: { columns: [], data: [] } }), source: 'none' };

/** Reading MLmodel and examples may not hold up the panel for long; a slow server gets this much. */
const READ_TIMEOUT_MS = 30_000;

export async function loadModelDetails(store: TrackingStore | undefined, modelUri: string, signal?: AbortSignal): Promise<ModelDetails> {
  const located = await locateModel(store, modelUri, signal);
  if (!located.ok) return { model: unavailable(located.message), payload: EMPTY_PAYLOAD };
  const read = reader(store, located.location, signal);
  let text: string | undefined;
  try {
    text = await read('MLmodel');
  } catch (error) {
    return { model: unavailable(`Could not read the MLmodel (${describe(located.location)}): ${errorText(error)}`), payload: EMPTY_PAYLOAD };
  }
  const { model, problems } = parseMlmodel(text);
  if (!model) return { model: unavailable(`The MLmodel (${describe(located.location)}) could not be read: ${problems.join(' ')}`), payload: EMPTY_PAYLOAD };
  const payload = await examplePayload(model, read, problems);
  const inputs = model.signature?.inputs ?? [];
  return { model: modelView(model, describe(located.location), payload.source, problems), payload, inputs };
}

/** Resolves a model URI to where its files are, following registered versions to their source. */
export async function locateModel(
  store: TrackingStore | undefined,
  modelUri: string,
  signal?: AbortSignal,
): Promise<{ ok: true; location: ModelLocation } | { ok: false; message: string }> {
  const parsed = parseModelUri(modelUri.trim());
  if (!parsed.ok) return { ok: false, message: parsed.message };
  const model = parsed.model;
  if (model.kind === 'local') return { ok: true, location: { kind: 'local', dir: localPath(model.path) } };
  if (model.kind === 'remote') return { ok: false, message: `The model files at ${model.uri} cannot be read from here; mlflow downloads them when it starts.` };
  if (model.kind === 'run') return { ok: true, location: { kind: 'run', runId: model.runId, path: model.artifactPath } };
  if (model.kind === 'loggedModel') return { ok: true, location: { kind: 'loggedModel', modelId: model.modelId } };
  if (!store) return { ok: false, message: 'Not connected to a tracking store, so the registered model cannot be looked up.' };
  try {
    const version = await registeredVersion(store, model, signal);
    if (!version) return { ok: false, message: `${modelUri} names no model version.` };
    const location = versionLocation(version);
    return location
      ? { ok: true, location }
      : { ok: false, message: `Version ${version.version} of ${version.name} comes from ${version.source}, which cannot be read from here.` };
  } catch (error) {
    return { ok: false, message: `Could not look up ${modelUri}: ${errorText(error)}` };
  }
}

async function registeredVersion(store: TrackingStore, model: ModelUri, signal?: AbortSignal): Promise<ModelVersion | undefined> {
  const options = { signal };
  switch (model.kind) {
    case 'registeredVersion':
      return store.getModelVersion(model.name, model.version, options);
    case 'registeredAlias':
      return store.getModelVersionByAlias(model.name, model.alias, options);
    case 'registeredLatest':
    case 'registeredStage': {
      const registered = await store.getRegisteredModel(model.name, options);
      const candidates = model.kind === 'registeredStage'
        ? registered.latestVersions.filter((v) => v.currentStage.toLowerCase() === model.stage.toLowerCase())
        : registered.latestVersions;
      return candidates.sort((a, b) => Number(b.version) - Number(a.version))[0];
    }
    default:
      return undefined;
  }
}

/**
 * A version's files: its logged model (MLflow 3), a `runs:/` source, or the run's own artifacts when the
 * source is the run's artifact folder on some machine (`…/<run id>/artifacts/model`), which is how
 * `register_model` records it; else a local folder that exists here.
 */
export function versionLocation(version: ModelVersion): ModelLocation | undefined {
  const source = parseModelUri(version.source);
  if (source.ok && source.model.kind === 'run') return { kind: 'run', runId: source.model.runId, path: source.model.artifactPath };
  if (source.ok && source.model.kind === 'loggedModel') return { kind: 'loggedModel', modelId: source.model.modelId };
  if (version.modelId) return { kind: 'loggedModel', modelId: version.modelId };
  if (version.runId) {
    const marker = `/${version.runId}/artifacts/`;
    const posix = version.source.replace(/\\/g, '/');
    const at = posix.indexOf(marker);
    const artifactPath = at >= 0 ? posix.slice(at + marker.length).replace(/\/+$/, '') : '';
    if (artifactPath !== '') return { kind: 'run', runId: version.runId, path: artifactPath };
  }
  if (source.ok && source.model.kind === 'local') return { kind: 'local', dir: localPath(source.model.path) };
  return undefined;
}

function reader(store: TrackingStore | undefined, location: ModelLocation, signal?: AbortSignal): (file: string) => Promise<string> {
  const decode = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
  const options = { signal: signal ? AbortSignal.any([signal, AbortSignal.timeout(READ_TIMEOUT_MS)]) : AbortSignal.timeout(READ_TIMEOUT_MS) };
  switch (location.kind) {
    case 'local':
      return (file) => fs.readFile(path.join(location.dir, file), { encoding: 'utf8', signal: options.signal });
    case 'run':
      return async (file) => decode(await requireStore(store).readArtifact(location.runId, `${location.path}/${file}`, options));
    case 'loggedModel':
      return async (file) => decode(await requireStore(store).readLoggedModelArtifact(location.modelId, file, options));
  }
}

/** Best first: a ready request body, the raw example converted, placeholders from the signature. */
async function examplePayload(model: MlModel, read: (file: string) => Promise<string>, problems: string[]): Promise<PayloadView> {
  const info = model.inputExample;
  const inputs = model.signature?.inputs ?? [];
  if (info?.servingInputPath) {
    // MLflow wrote this one as a request body: its own text is shown, floats and all.
    const result = await readAndBuild(() => read(info.servingInputPath as string), payloadFromServingInputExample, problems, info.servingInputPath, 'asRead');
    if (result) return { ...result, source: 'serving_input_example.json' };
  }
  if (info) {
    const result = await readAndBuild(() => read(info.artifactPath), (text) => payloadFromInputExample(text, info), problems, info.artifactPath, inputs);
    if (result) return { ...result, source: 'input_example.json' };
  }
  if (inputs.length > 0) {
    const format = signatureColumns(model.signature) ? 'dataframe_split' : 'inputs';
    return { format, body: serializePayload(payloadFromSignature(inputs, format), inputs), source: 'signature' };
  }
  return EMPTY_PAYLOAD;
}

/** Reads an example and builds a body from it; `asRead` keeps the file's text as the body. */
async function readAndBuild(
  read: () => Promise<string>,
  build: (text: string) => ReturnType<typeof payloadFromServingInputExample>,
  problems: string[],
  file: string,
  write: 'asRead' | readonly SignatureItem[],
): Promise<Omit<PayloadView, 'source'> | undefined> {
  try {
    const text = await read();
    const result = build(text);
    if (result.ok) return { format: result.format, body: write === 'asRead' ? text.trim() : serializePayload(result.body, write) };
    problems.push(`${file}: ${result.message}`);
  } catch (error) {
    problems.push(`${file} could not be read: ${errorText(error)}`);
  }
  return undefined;
}

function modelView(model: MlModel, detail: string, exampleSource: PayloadView['source'], problems: string[]): ModelView {
  return {
    status: 'loaded',
    detail,
    flavors: Object.keys(model.flavors),
    servable: isServable(model),
    inputs: (model.signature?.inputs ?? []).map(signatureRow),
    outputs: (model.signature?.outputs ?? []).map(signatureRow),
    params: (model.signature?.params ?? []).map((p) => ({ name: p.name, type: p.type, default: JSON.stringify(p.default) ?? 'null' })),
    exampleSource,
    ...(model.mlflowVersion ? { mlflowVersion: model.mlflowVersion } : {}),
    problems,
  };
}

function signatureRow(item: SignatureItem): SignatureRow {
  if (item.kind === 'tensor') return { name: item.name ?? '', type: `tensor ${item.dtype} [${item.shape.join(', ')}]`, required: true };
  return { name: item.name ?? '', type: item.type, required: item.required };
}

function unavailable(detail: string): ModelView {
  return { status: 'unavailable', detail, flavors: [], servable: false, inputs: [], outputs: [], params: [], exampleSource: 'none', problems: [] };
}

function describe(location: ModelLocation): string {
  switch (location.kind) {
    case 'run':
      return `run ${location.runId}, artifact path ${location.path}`;
    case 'loggedModel':
      return `logged model ${location.modelId}`;
    case 'local':
      return location.dir;
  }
}

function localPath(uriOrPath: string): string {
  return uriOrPath.startsWith('file:') ? fileURLToPath(uriOrPath) : uriOrPath;
}

function requireStore(store: TrackingStore | undefined): TrackingStore {
  if (!store) throw new Error('not connected to a tracking store');
  return store;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
