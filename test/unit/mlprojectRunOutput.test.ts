import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRunOutput, type RunOutputEvent } from '../../src/mlproject/runOutput';

const CLI = join(__dirname, '..', 'fixtures', 'cli');
const events = (file: string): RunOutputEvent[] =>
  readFileSync(join(CLI, file), 'utf8')
    .split('\n')
    .map(parseRunOutput)
    .filter((event): event is RunOutputEvent => event !== undefined);

describe('parseRunOutput on real `mlflow run` output', () => {
  it('reads the run id, the command and success from the succeeded log', () => {
    const runId = '2a56d7c06f4d49059c49661c5076ba6e';
    const view = { kind: 'viewRun', runName: 'redolent-flea-306', url: `http://127.0.0.1:5055/#/experiments/5/runs/${runId}` } as const;
    assert.deepEqual(events('mlflow-2.17.2/output-mlflow-run-succeeded.log'), [
      {
        kind: 'started',
        runId,
        command: 'python train.py --alpha 0.3 --l1-ratio 0.7 --max-iter 500 --run-label ref-test --data-path /srv/mlflow-ref/project/data.csv',
      },
      view,
      { kind: 'succeeded', runId },
      view,
    ]);
  });

  it('reads failure from the failed log', () => {
    const runId = '21906d9142894c62b7460131890ac1df';
    const parsed = events('mlflow-2.17.2/output-mlflow-run-failed.log');
    assert.deepEqual(parsed[0], {
      kind: 'started',
      runId,
      command: 'python train.py --alpha 0.5 --l1-ratio 0.1 --max-iter abc --run-label mlproject-run --data-path /srv/mlflow-ref/project/data.csv',
    });
    assert.deepEqual(parsed.at(-1), { kind: 'failed', runId });
  });

  it('keeps quotes inside the command and reads interruptions and CLI errors', () => {
    assert.deepEqual(
      parseRunOutput(`2026/11/26 12:08:38 INFO mlflow.projects.backend.local: === Running command 'python -c 'print(1)'' in run with ID 'abc' === \r`),
      { kind: 'started', runId: 'abc', command: "python -c 'print(1)'" },
    );
    assert.deepEqual(parseRunOutput("2026/11/26 12:10:00 ERROR mlflow.projects: === Run (ID 'abc') interrupted, cancelling run ==="), {
      kind: 'interrupted',
      runId: 'abc',
    });
    assert.deepEqual(parseRunOutput("2026/11/26 12:10:00 ERROR mlflow.cli: === No value given for missing parameters: 'alpha' ==="), {
      kind: 'error',
      message: "No value given for missing parameters: 'alpha'",
    });
  });

  it('still finds the run id when a newline in a value split the command line', () => {
    assert.equal(parseRunOutput("2026/11/26 12:08:38 INFO mlflow.projects.backend.local: === Running command 'python t.py --label 'line1"), undefined);
    assert.deepEqual(parseRunOutput("line2'' in run with ID '2a56d7c06f4d49059c49661c5076ba6e' === "), {
      kind: 'started',
      runId: '2a56d7c06f4d49059c49661c5076ba6e',
    });
  });

  it('ignores everything else, including the scoring server command line', () => {
    for (const line of readFileSync(join(CLI, 'mlflow-2.17.2', 'output-models-serve.log'), 'utf8').split('\n')) {
      assert.equal(parseRunOutput(line), undefined, line);
    }
    assert.equal(parseRunOutput('run_id 2a56d7c06f4d49059c49661c5076ba6e'), undefined);
  });
});
