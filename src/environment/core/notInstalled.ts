/**
 * What Run MLproject, Serve Model and Start Tracking Server say when no `mlflow` was found (setting,
 * selected Python environment, PATH), and the install command they offer. Pure, for the unit tests.
 */

/** The Python that "Install MLflow" installs into: the selected interpreter, else the first on PATH. */
export interface TargetPython {
  /** Absolute path of the interpreter; undefined when there is no Python at all. */
  readonly path?: string;
  readonly source: 'selected' | 'path' | 'none';
}

export function notInstalledMessage(action: string, python: TargetPython): string {
  switch (python.source) {
    case 'selected':
      return `${action}: MLflow is not installed for the selected Python (${python.path}). ` +
        `Install it there with \`${python.path} -m pip install mlflow\`, select another interpreter, or set mlflow.executablePath.`;
    case 'path':
      return `${action}: MLflow is not installed for the selected Python (${python.path}, the first on PATH). ` +
        `Install it there with \`${python.path} -m pip install mlflow\`, select another interpreter, or set mlflow.executablePath.`;
    case 'none':
      return `${action}: MLflow is not installed, and no Python was found (no python3 or python on PATH). ` +
        'Install Python 3 and then MLflow (`python -m pip install mlflow`), or set mlflow.executablePath.';
  }
}

/** The install as an argv for that interpreter: run directly (a terminal whose process is python), never a shell line. */
export function installArgv(python: string): { executable: string; args: string[] } {
  return { executable: python, args: ['-m', 'pip', 'install', 'mlflow'] };
}
