/**
 * Reads the lines `mlflow run` logs (to stderr) so a launcher learns the run id as soon as MLflow has
 * created the run, and how it ended, without polling the tracking store. Shapes from
 * test/fixtures/cli/mlflow-2.17.2/output-mlflow-run-*.log and mlflow/projects/__init__.py.
 */

export type RunOutputEvent =
  /** `command` is missing when a parameter value held a newline and split MLflow's line in two. */
  | { kind: 'started'; runId: string; command?: string }
  | { kind: 'succeeded'; runId: string }
  | { kind: 'failed'; runId: string }
  /** Ctrl+C / SIGINT: MLflow cancels the entry point and marks the run FAILED. */
  | { kind: 'interrupted'; runId: string }
  /** An ExecutionException MLflow logged, e.g. a missing parameter; usually before any run exists. */
  | { kind: 'error'; message: string }
  | { kind: 'viewRun'; runName: string; url: string };

const STARTED = /=== Running command '([\s\S]*)' in run with ID '([^']+)' ===/;
const STARTED_TAIL = /' in run with ID '([^']+)' ===\s*$/;
const FINISHED = /=== Run \(ID '([^']+)'\) (succeeded|failed) ===/;
const INTERRUPTED = /=== Run \(ID '([^']+)'\) interrupted, cancelling run ===/;
const CLI_ERROR = /\bERROR mlflow\.cli: === ([\s\S]*) ===\s*$/;
const VIEW_RUN = /View run (.+) at: (\S+?)\.?\s*$/;

/** One line of `mlflow run` output (without its newline), or undefined for lines that carry nothing for us. */
export function parseRunOutput(line: string): RunOutputEvent | undefined {
  const text = line.replace(/\r$/, '');
  const started = STARTED.exec(text);
  if (started) return { kind: 'started', command: started[1], runId: started[2] };
  const startedTail = STARTED_TAIL.exec(text);
  if (startedTail) return { kind: 'started', runId: startedTail[1] };
  const finished = FINISHED.exec(text);
  if (finished) return { kind: finished[2] === 'succeeded' ? 'succeeded' : 'failed', runId: finished[1] };
  const interrupted = INTERRUPTED.exec(text);
  if (interrupted) return { kind: 'interrupted', runId: interrupted[1] };
  const cliError = CLI_ERROR.exec(text);
  if (cliError) return { kind: 'error', message: cliError[1] };
  const viewRun = VIEW_RUN.exec(text);
  if (viewRun) return { kind: 'viewRun', runName: viewRun[1], url: viewRun[2] };
  return undefined;
}
