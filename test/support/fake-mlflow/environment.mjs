/**
 * What real MLflow takes from its environment under `--env-manager local`: it runs the entry point
 * (`python train.py …`) and the scoring server (`exec gunicorn …` on 2.x, `exec uvicorn …` on 3.x)
 * through `bash -c`, so both are looked up through the child's PATH — not next to the `mlflow` that
 * was started. A PATH without the environment's bin folder gets no gunicorn (bash: exit 127) or the
 * system python, which lacks the environment's packages (ModuleNotFoundError).
 */
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join } from 'node:path';
import { pythonException, pythonList, writeErr } from './logLines.mjs';

/** The first executable `name` on PATH, as bash finds it (empty and relative entries skipped). */
export function whichOnPath(name, env = process.env) {
  for (const folder of (env.PATH ?? '').split(delimiter)) {
    if (folder === '' || !isAbsolute(folder)) continue;
    const candidate = join(folder, name);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * `subprocess.Popen(["bash", "-c", "exec gunicorn …"])` in mlflow/pyfunc/backend.py: the server program
 * from PATH with the real argv. Undefined (after printing what bash and MLflow print) when it is not
 * there: bash exits 127 and MLflow raises `Exception: Command '[…]' returned non zero return code.
 * Return code = 127`.
 */
export function startScoringBackend(command) {
  const [program, ...args] = command.replace(/^exec /, '').replace(' ${GUNICORN_CMD_ARGS}', '').split(' ');
  const found = whichOnPath(program);
  if (!found) {
    writeErr(`bash: line 1: exec: ${program}: not found`);
    pythonException('Exception', `Command '${pythonList(['bash', '-c', command])}' returned non zero return code. Return code = 127`);
    return undefined;
  }
  // The stand-in program prints nothing (mlflow prints its lines); holding no pipe, it cannot delay 'close' for a test.
  return spawn(found, args, { stdio: 'ignore' });
}

/**
 * The entry point's interpreter under `--env-manager local`: `python` from PATH must be the
 * environment's (it has mlflow and the project's packages). Returns the exit code of that check, with
 * bash's and Python's own messages on stderr.
 */
export function checkEntryPointPython(command) {
  const program = /^\s*(python3?)\b/.exec(command)?.[1];
  if (!program) return 0;
  const found = whichOnPath(program);
  if (!found) {
    writeErr(`bash: line 1: ${program}: command not found`);
    return 127;
  }
  // What the entry point does first; the stand-in python of test/support/fake-venv succeeds, a system python fails.
  const result = spawnSync(found, ['-c', 'import mlflow'], { stdio: ['ignore', 'inherit', 'inherit'] });
  return result.status ?? 1;
}

/**
 * The interpreter `mlflow server` runs its server program with: MLflow starts
 * `[sys.executable, "-m", "gunicorn" | "uvicorn" | "waitress", …]` (mlflow/server/__init__.py), the
 * Python that runs mlflow itself. For the stand-in that is the `python` beside the invoked `mlflow`
 * (a venv's bin/, whose console scripts name their own interpreter), else the `python` on PATH.
 */
export function serverInterpreter(env = process.env) {
  const beside = join(dirname(process.argv[1] ?? ''), 'python');
  try {
    accessSync(beside, constants.X_OK);
    return beside;
  } catch {
    return whichOnPath('python', env);
  }
}

/** MLflow 3 refuses a legacy file store unless MLFLOW_ALLOW_FILE_STORE=true (mlflow-3.x/file-store/README.md). */
export function refusesFileStore(versionKey, storeUri) {
  if (versionKey === '2.17.2' || process.env.MLFLOW_ALLOW_FILE_STORE === 'true') return false;
  if (!storeUri || /^(sqlite|postgresql|postgres|mysql|mssql|https?|databricks)[:+]/i.test(storeUri)) return false;
  pythonException(
    'mlflow.exceptions.MlflowException',
    "The filesystem tracking backend (e.g., './mlruns') is no longer supported. Please migrate to a database backend (e.g., 'sqlite:///mlflow.db'). " +
      'See https://mlflow.org/docs/latest/self-hosting/migrate-from-file-store for migration guidance. ' +
      "Set the environment variable 'MLFLOW_ALLOW_FILE_STORE=true' to temporarily opt out of this error.",
  );
  return true;
}
