/**
 * Reads an MLproject the way `mlflow.projects._project_spec.load_project` does and reports, with
 * positions, what would make `mlflow run` fail or misbehave. MLflow validates almost nothing up front
 * (a bad placeholder surfaces as a KeyError after the environment was built), which is why this exists.
 */
import type { Document, Node, Pair, Scalar, YAMLMap } from 'yaml';
import { yaml } from '../mlflow/yaml';
import { scanCommand } from './command';
import { checkParamValue } from './paramValues';
import { resolvePlainScalar, type PythonScalar } from './pythonValues';
import {
  isParamType,
  PARAM_TYPES,
  type Diagnostic,
  type DiagnosticCode,
  type EntryPoint,
  type MlProject,
  type ParameterSpec,
  type ParseResult,
  type ProjectEnvironment,
  type Range,
  type Severity,
} from './types';

export interface ParseOptions {
  /**
   * Whether a file exists, relative to the project directory. Injected so parsing stays pure; without it
   * missing environment files are not reported and no default environment file is detected.
   */
  exists?: (relativePath: string) => boolean;
}

const ENV_KEYS = ['python_env', 'conda_env', 'docker_env'] as const;
const TOP_LEVEL_KEYS = new Set<string>(['name', 'entry_points', ...ENV_KEYS, 'databricks_spark_job']);
const ENTRY_POINT_KEYS = new Set(['command', 'parameters']);
const PARAMETER_KEYS = new Set(['type', 'default']);
// What MLflow falls back to when the MLproject names no environment (in this order).
const DEFAULT_PYTHON_ENV_FILE = 'python_env.yaml';
const DEFAULT_CONDA_FILE = 'conda.yaml';

export function parseMlproject(text: string, options: ParseOptions = {}): ParseResult {
  return new MlprojectReader(text, options).read();
}

type NodeRange = [number, number, number];

class MlprojectReader {
  private readonly lineCounter = new (yaml().LineCounter)();
  private readonly diagnostics: Diagnostic[] = [];
  private document!: Document.Parsed;

  constructor(
    private readonly text: string,
    private readonly options: ParseOptions,
  ) {}

  read(): ParseResult {
    // YAML 1.1 because MLflow reads the file with PyYAML: `yes` is a boolean, `010` is octal.
    this.document = yaml().parseDocument(this.text, { lineCounter: this.lineCounter, version: '1.1', prettyErrors: false });
    const empty: MlProject = { entryPoints: [], environment: { kind: 'none' } };
    let fatal = false;
    for (const error of this.document.errors) {
      if (error.code === 'DUPLICATE_KEY') {
        const keyEnd = this.text.slice(error.pos[0]).search(/\s*:|\n|$/);
        const pos = [error.pos[0], error.pos[0] + Math.max(keyEnd, 1)] as const;
        this.report('warning', 'yaml-duplicate-key', 'Duplicate key: MLflow (PyYAML) silently keeps the last one.', pos);
      } else {
        fatal = true;
        this.report('error', 'yaml-syntax', `Invalid YAML: ${error.message}`, this.errorRange(error.code, error.pos));
      }
    }
    for (const warning of this.document.warnings) {
      this.report('warning', 'yaml-syntax', warning.message, warning.pos);
    }
    if (fatal) return this.result(empty);

    const root = this.deref(this.document.contents);
    if (!root) {
      this.report('error', 'not-a-mapping', 'The MLproject is empty: MLflow expects a mapping with entry_points.', [0, 0]);
      return this.result(empty);
    }
    if (!yaml().isMap(root)) {
      this.report('error', 'not-a-mapping', 'An MLproject must be a mapping (name, entry_points, python_env, …).', this.rangeOf(root));
      return this.result(empty);
    }
    return this.result(this.readRoot(root));
  }

  /**
   * An unclosed quote is detected at the end of the file; pointing at the string that never closed is
   * more useful than pointing past the last line.
   */
  private errorRange(code: string, pos: readonly [number, number]): readonly [number, number] {
    if (code !== 'MISSING_CHAR') return pos;
    let open: readonly [number, number] | undefined;
    yaml().visit(this.document, {
      Scalar: (_key, node) => {
        const range = node.range;
        if (range && node.type?.startsWith('QUOTE') && range[1] >= pos[0]) open = [range[0], range[1]];
      },
    });
    return open ?? pos;
  }

  private result(project: MlProject): ParseResult {
    const diagnostics = [...this.diagnostics].sort(
      (a, b) => a.range.start.line - b.range.start.line || a.range.start.column - b.range.start.column,
    );
    return { project, diagnostics };
  }

  private readRoot(root: YAMLMap): MlProject {
    const project: MlProject = { entryPoints: [], environment: { kind: 'none' } };
    const envPairs: Pair[] = [];
    for (const pair of root.items) {
      const key = this.keyText(pair);
      if (key === 'name') {
        const value = this.scalarOf(this.deref(pair.value));
        if (value && value.kind !== 'null') project.name = value.text;
      } else if (key === 'entry_points') {
        project.entryPoints = this.readEntryPoints(pair);
      } else if ((ENV_KEYS as readonly string[]).includes(key)) {
        envPairs.push(pair);
      } else if (!TOP_LEVEL_KEYS.has(key)) {
        this.report('warning', 'unknown-key', `Unknown key '${key}': MLflow ignores it.`, this.keyRange(pair));
      }
    }
    if (envPairs.length > 1) {
      const names = envPairs.map((pair) => this.keyText(pair)).join(', ');
      for (const pair of envPairs.slice(1)) {
        this.report('error', 'multiple-environments', `MLflow allows one environment per project, but this one has ${names}.`, this.keyRange(pair));
      }
    }
    project.environment = this.readEnvironment(envPairs[0]);
    return project;
  }

  private readEnvironment(pair: Pair | undefined): ProjectEnvironment {
    const exists = this.options.exists;
    if (!pair) {
      if (exists?.(DEFAULT_PYTHON_ENV_FILE)) return { kind: 'python_env', file: DEFAULT_PYTHON_ENV_FILE, declared: false };
      if (exists?.(DEFAULT_CONDA_FILE)) return { kind: 'conda_env', file: DEFAULT_CONDA_FILE, declared: false };
      return { kind: 'none' };
    }
    const key = this.keyText(pair);
    const node = this.deref(pair.value);
    if (key === 'docker_env') return this.readDockerEnvironment(pair, node);
    const kind = key === 'python_env' ? 'python_env' : 'conda_env';
    const value = this.scalarOf(node);
    if (!value || value.kind === 'null' || value.text === '') {
      // MLflow tests `if python_env:`, so an empty value falls through to the default files.
      return this.readEnvironment(undefined);
    }
    if (value.kind !== 'str') {
      this.report('error', 'bad-environment', `${key} must be the path of a file in the project, not ${value.text}.`, this.rangeOf(node));
      return { kind: 'none' };
    }
    if (exists && !exists(value.text)) {
      this.report('error', 'missing-env-file', `${key} file '${value.text}' does not exist in the project directory.`, this.rangeOf(node));
    }
    return { kind, file: value.text, declared: true };
  }

  private readDockerEnvironment(pair: Pair, node: Node | null): ProjectEnvironment {
    if (!yaml().isMap(node)) {
      this.report('error', 'bad-environment', 'docker_env must be a mapping with an image.', this.keyRange(pair));
      return { kind: 'docker_env', volumes: [] };
    }
    const imageNode = this.deref(node.get('image', true) as Node | undefined);
    const image = this.scalarOf(imageNode);
    if (!image || image.kind === 'null' || image.text === '') {
      this.report('error', 'bad-environment', 'docker_env has no image: MLflow refuses to run the project.', this.keyRange(pair));
    }
    const volumesNode = this.deref(node.get('volumes', true) as Node | undefined);
    const volumes: string[] = [];
    if (volumesNode) {
      const items = yaml().isSeq(volumesNode) ? volumesNode.items.map((item) => this.scalarOf(this.deref(item as Node))) : [];
      if (!yaml().isSeq(volumesNode) || items.some((item) => item?.kind !== 'str')) {
        this.report('error', 'bad-environment', 'docker_env volumes must be a list of strings ("/host/path:/container/path").', this.rangeOf(volumesNode));
      }
      for (const item of items) if (item && item.kind !== 'null') volumes.push(item.text);
    }
    return { kind: 'docker_env', ...(image && image.kind !== 'null' ? { image: image.text } : {}), volumes };
  }

  private readEntryPoints(pair: Pair): EntryPoint[] {
    const node = this.deref(pair.value);
    if (node === null || (yaml().isScalar(node) && node.value === null)) return [];
    if (!yaml().isMap(node)) {
      this.report('error', 'entry-points-not-mapping', 'entry_points must be a mapping from entry point names to {command, parameters}.', this.rangeOf(node));
      return [];
    }
    return node.items.flatMap((entryPair) => this.readEntryPoint(entryPair) ?? []);
  }

  private readEntryPoint(pair: Pair): EntryPoint | undefined {
    const name = this.keyText(pair);
    const range = this.keyRange(pair);
    const node = this.deref(pair.value);
    if (!yaml().isMap(node)) {
      this.report('error', 'bad-entry-point', `Entry point '${name}' must be a mapping with a command (and optional parameters).`, range);
      return undefined;
    }
    const entryPoint: EntryPoint = { name, parameters: [], implicit: false, range };
    let commandNode: Node | null = null;
    // Names of parameters that are declared but malformed: reported once, not again as unknown placeholders.
    const malformed = new Set<string>();
    for (const item of node.items) {
      const key = this.keyText(item);
      if (key === 'command') commandNode = this.deref(item.value);
      else if (key === 'parameters') entryPoint.parameters = this.readParameters(name, item, malformed);
      else if (!ENTRY_POINT_KEYS.has(key)) {
        this.report('warning', 'unknown-key', `Unknown key '${key}' in entry point '${name}': MLflow ignores it.`, this.keyRange(item));
      }
    }
    const command = this.scalarOf(commandNode);
    if (!command || command.kind === 'null') {
      this.report('error', 'missing-command', `Entry point '${name}' has no command.`, range);
      return entryPoint;
    }
    if (command.kind !== 'str' || !yaml().isScalar(commandNode)) {
      this.report('error', 'missing-command', `The command of entry point '${name}' must be a string.`, this.rangeOf(commandNode));
      return entryPoint;
    }
    entryPoint.command = command.text;
    entryPoint.commandRange = this.rangeOf(commandNode);
    this.checkCommand(entryPoint, commandNode, malformed);
    return entryPoint;
  }

  private readParameters(entryName: string, pair: Pair, malformed: Set<string>): ParameterSpec[] {
    const node = this.deref(pair.value);
    if (node === null || (yaml().isScalar(node) && node.value === null)) return [];
    if (!yaml().isMap(node)) {
      this.report('error', 'bad-parameter', `parameters of entry point '${entryName}' must be a mapping from names to types.`, this.rangeOf(node));
      return [];
    }
    return node.items.flatMap((item) => {
      const spec = this.readParameter(item);
      if (!spec) malformed.add(this.keyText(item));
      return spec ?? [];
    });
  }

  private readParameter(pair: Pair): ParameterSpec | undefined {
    const name = this.keyText(pair);
    const range = this.keyRange(pair);
    const node = this.deref(pair.value);
    const shorthand = this.scalarOf(node);
    if (shorthand?.kind === 'str') {
      this.checkType(shorthand.text, node);
      return { name, type: shorthand.text, range };
    }
    if (!yaml().isMap(node)) {
      const written = shorthand && shorthand.kind !== 'null' ? shorthand.text : 'empty';
      this.report(
        'error',
        'bad-parameter',
        `Parameter '${name}' must be a type (${name}: float) or a mapping ({type: float, default: 0.5}); MLflow fails on ${written}.`,
        node ? this.rangeOf(node) : range,
      );
      return undefined;
    }
    const spec: ParameterSpec = { name, type: 'string', range };
    let defaultNode: Node | null = null;
    for (const item of node.items) {
      const key = this.keyText(item);
      if (key === 'type') {
        const typeNode = this.deref(item.value);
        const type = this.scalarOf(typeNode);
        if (type && type.kind !== 'null') {
          spec.type = type.text;
          this.checkType(type.text, typeNode);
        }
      } else if (key === 'default') {
        defaultNode = this.deref(item.value);
      } else if (!PARAMETER_KEYS.has(key)) {
        this.report('warning', 'unknown-parameter-key', `Unknown key '${key}' in parameter '${name}': MLflow reads only type and default.`, this.keyRange(item));
      }
    }
    if (defaultNode !== null) {
      const value = this.scalarOf(defaultNode);
      if (!value) {
        this.report('warning', 'default-type-mismatch', `The default of '${name}' is a collection; MLflow would pass its Python repr.`, this.rangeOf(defaultNode));
      } else if (value.kind !== 'null') {
        spec.default = value.text;
        this.checkDefault(spec, value, defaultNode);
      }
    }
    return spec;
  }

  private checkType(type: string, node: Node | null): void {
    if (isParamType(type)) return;
    this.report(
      'warning',
      'unknown-parameter-type',
      `Unknown parameter type '${type}': MLflow passes the value as a plain string. Known types: ${PARAM_TYPES.join(', ')}.`,
      this.rangeOf(node),
    );
  }

  private checkDefault(spec: ParameterSpec, value: PythonScalar & { text: string }, node: Node): void {
    const source = this.sourceOf(node);
    if (value.kind === 'bool' && !/^(?:true|false)$/i.test(source)) {
      this.report(
        'warning',
        'default-type-mismatch',
        `MLflow reads the default '${source}' of '${spec.name}' as the boolean ${value.text} (YAML 1.1); quote it to pass the text.`,
        this.rangeOf(node),
      );
      return;
    }
    const problem = checkParamValue(spec.type, value.text);
    if (!problem || spec.type === 'path') return;
    // MLflow rejects a uri default when the run starts; int/float defaults only fail inside the script.
    const severity: Severity = spec.type === 'uri' ? 'error' : 'warning';
    this.report(severity, 'default-type-mismatch', `Default of '${spec.name}' does not fit type ${spec.type}: ${problem}`, this.rangeOf(node));
  }

  private checkCommand(entryPoint: EntryPoint, node: Scalar, malformed: ReadonlySet<string>): void {
    const command = entryPoint.command ?? '';
    const { fields, problems } = scanCommand(command);
    for (const problem of problems) {
      this.report('error', 'bad-placeholder', problem.message, this.commandRange(node, command, problem.start, problem.end));
    }
    const declared = new Set(entryPoint.parameters.map((p) => p.name));
    for (const field of fields) {
      if (declared.has(field.name) || malformed.has(field.name)) continue;
      this.report(
        'error',
        'unknown-placeholder',
        `The command uses {${field.name}}, but entry point '${entryPoint.name}' has no parameter '${field.name}'.`,
        this.commandRange(node, command, field.start, field.end),
      );
    }
    const used = new Set(fields.map((f) => f.name));
    for (const parameter of entryPoint.parameters) {
      if (used.has(parameter.name) || !parameter.range) continue;
      this.diagnostics.push({
        severity: 'warning',
        code: 'unused-parameter',
        message: `Parameter '${parameter.name}' is not used in the command, so MLflow never passes it to the script.`,
        range: parameter.range,
      });
    }
  }

  /**
   * Maps a slice of the command's value back to the file. Escapes and line folding make value offsets
   * differ from source offsets, so the slice is looked up in the raw source (its n-th occurrence, as in
   * the value); if it is not there verbatim the whole command is reported.
   */
  private commandRange(node: Scalar, value: string, start: number, end: number): Range {
    const [nodeStart, nodeEnd] = node.range as NodeRange;
    const raw = this.text.slice(nodeStart, nodeEnd);
    const needle = value.slice(start, end);
    let occurrence = 0;
    for (let i = value.indexOf(needle); i >= 0 && i < start; i = value.indexOf(needle, i + 1)) occurrence += 1;
    let at = -1;
    for (let n = 0; n <= occurrence; n++) {
      at = raw.indexOf(needle, at + 1);
      if (at < 0) return this.toRange([nodeStart, nodeEnd]);
    }
    return this.toRange([nodeStart + at, nodeStart + at + needle.length]);
  }

  private sourceOf(node: Node): string {
    const range = node.range;
    return range ? this.text.slice(range[0], range[1]) : '';
  }

  /** Python's `str()` of a scalar as PyYAML loads it; undefined for collections. */
  private scalarOf(node: Node | null | undefined): PythonScalar | undefined {
    if (node === null || node === undefined) return { kind: 'null' };
    if (!yaml().isScalar(node)) return undefined;
    if (node.type === 'PLAIN') {
      const [start, end] = node.range as NodeRange;
      const raw = this.text.slice(start, end);
      if (!raw.includes('\n')) return resolvePlainScalar(raw);
    }
    return { kind: 'str', text: String(node.value) };
  }

  private keyText(pair: Pair): string {
    const key = this.deref(pair.key as Node | null);
    const scalar = this.scalarOf(key);
    if (!scalar) return String(key);
    return scalar.kind === 'null' ? 'None' : scalar.text;
  }

  private deref(node: unknown): Node | null {
    if (node === null || node === undefined) return null;
    if (yaml().isAlias(node)) return (node.resolve(this.document) as Node | undefined) ?? null;
    return node as Node;
  }

  private keyRange(pair: Pair): Range {
    return this.rangeOf(pair.key as Node | null);
  }

  private rangeOf(node: Node | null | undefined): Range {
    const range = node?.range;
    return range ? this.toRange([range[0], range[1]]) : this.toRange([0, 0]);
  }

  private toRange([start, end]: readonly [number, number]): Range {
    return { start: this.position(start), end: this.position(end) };
  }

  private position(offset: number): { line: number; column: number } {
    const { line, col } = this.lineCounter.linePos(offset);
    return { line: line - 1, column: col - 1 };
  }

  private report(severity: Severity, code: DiagnosticCode, message: string, pos: readonly [number, number]): void;
  private report(severity: Severity, code: DiagnosticCode, message: string, range: Range): void;
  private report(severity: Severity, code: DiagnosticCode, message: string, where: Range | readonly [number, number]): void {
    const range = 'start' in where ? where : this.toRange(where);
    this.diagnostics.push({ message, severity, range, code });
  }
}
