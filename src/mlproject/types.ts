/** An MLproject as MLflow reads it, plus where each piece sits in the file (for diagnostics and code lenses). */

/** Zero-based, like VS Code's `Position` (line, character). */
export interface Position {
  line: number;
  column: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning' | 'info';

/**
 * `error`: `mlflow run` will fail (or the file is not YAML). `warning`: MLflow runs it, but probably not as
 * the author meant (MLflow itself validates almost nothing in an MLproject).
 */
export interface Diagnostic {
  message: string;
  severity: Severity;
  range: Range;
  code: DiagnosticCode;
}

export type DiagnosticCode =
  | 'yaml-syntax'
  | 'yaml-duplicate-key'
  | 'not-a-mapping'
  | 'unknown-key'
  | 'multiple-environments'
  | 'missing-env-file'
  | 'bad-environment'
  | 'entry-points-not-mapping'
  | 'bad-entry-point'
  | 'missing-command'
  | 'unknown-placeholder'
  | 'bad-placeholder'
  | 'unused-parameter'
  | 'bad-parameter'
  | 'unknown-parameter-type'
  | 'unknown-parameter-key'
  | 'default-type-mismatch';

/** The types MLflow documents, plus `int`, which MLflow passes through unchecked but projects use widely. */
export const PARAM_TYPES = ['float', 'int', 'string', 'path', 'uri'] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

export function isParamType(value: string): value is ParamType {
  return (PARAM_TYPES as readonly string[]).includes(value);
}

export interface ParameterSpec {
  name: string;
  /** As written; MLflow defaults a long-form parameter without `type` to `string`. */
  type: string;
  /**
   * The default as the text MLflow substitutes (Python's `str()` of the YAML value: `0.5`, `1000`, `True`),
   * or undefined when the parameter has none and must be given.
   */
  default?: string;
  range?: Range;
}

export interface EntryPoint {
  name: string;
  /** Undefined when the MLproject forgot it (a diagnostic says so). */
  command?: string;
  parameters: ParameterSpec[];
  /** A `.py` / `.sh` / `.R` file run without an MLproject entry (`mlflow run -e train.py`). */
  implicit: boolean;
  /** The entry point's key in the file. */
  range?: Range;
  commandRange?: Range;
}

export type ProjectEnvironment =
  | { kind: 'python_env'; file: string; declared: boolean }
  | { kind: 'conda_env'; file: string; declared: boolean }
  | { kind: 'docker_env'; image?: string; volumes: string[] }
  /** No environment file: MLflow runs in a plain virtualenv (or the local environment with `--env-manager local`). */
  | { kind: 'none' };

export interface MlProject {
  name?: string;
  entryPoints: EntryPoint[];
  environment: ProjectEnvironment;
}

export interface ParseResult {
  project: MlProject;
  diagnostics: Diagnostic[];
}
