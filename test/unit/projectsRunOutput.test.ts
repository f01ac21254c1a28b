import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { RunOutputEvent } from '../../src/mlproject/runOutput';
import { LineSplitter, RunOutputReader, toTerminalText } from '../../src/projects/runOutputReader';
import { startFakeMlflow } from '../support/fake-mlflow/fakeMlflow';

const TINY = join(__dirname, '..', 'fixtures', 'mlflow-2.17.2', 'mlproject-tiny');
const RUN_ID = '2a56d7c06f4d49059c49661c5076ba6e';

describe('projects: reading mlflow run output', () => {
  it('splits chunks into lines, holding a partial line until it ends', () => {
    const splitter = new LineSplitter();
    assert.deepEqual(splitter.push('a\r\nb'), ['a']);
    assert.deepEqual(splitter.push('c\n\nd'), ['bc', '']);
    assert.deepEqual(splitter.flush(), ['d']);
    assert.deepEqual(splitter.flush(), []);
  });

  it("reports the run id from MLflow's line even when it arrives in pieces, and keeps stdout and stderr apart", () => {
    const events: RunOutputEvent[] = [];
    const reader = new RunOutputReader((event) => events.push(event));
    const started = `2025/01/01 10:00:00 INFO mlflow.projects.backend.local: === Running command 'python train.py' in run with ID '${RUN_ID}' === \n`;
    reader.push('stderr', started.slice(0, 70));
    reader.push('stdout', 'run_id is printed by the script\n');
    assert.deepEqual(events, []);
    reader.push('stderr', started.slice(70));
    reader.push('stderr', `2025/01/01 10:00:01 INFO mlflow.projects: === Run (ID '${RUN_ID}') succeeded ===`);
    assert.equal(events.length, 1);
    reader.end();
    assert.deepEqual(events, [
      { kind: 'started', runId: RUN_ID, command: 'python train.py' },
      { kind: 'succeeded', runId: RUN_ID },
    ]);
  });

  it('turns bare line feeds into the CRLF a terminal needs, once', () => {
    assert.equal(toTerminalText('a\nb\r\nc'), 'a\r\nb\r\nc');
  });

  it('finds the run id in the stand-in mlflow, a value with a newline included (it splits the line)', async () => {
    const events: RunOutputEvent[] = [];
    const reader = new RunOutputReader((event) => events.push(event));
    const run = startFakeMlflow(['run', TINY, '-P', 'run_label=line1\nline2', '--env-manager', 'local'], { cwd: TINY, env: { FAKE_MLFLOW_RUN_ID: RUN_ID } });
    run.child.stderr?.on('data', (chunk: string) => reader.push('stderr', chunk));
    const exit = await run.exited;
    reader.end();
    assert.deepEqual(exit, { code: 0, signal: null }, run.stderr);
    assert.deepEqual(events, [
      { kind: 'started', runId: RUN_ID },
      { kind: 'succeeded', runId: RUN_ID },
    ]);
  });
});
