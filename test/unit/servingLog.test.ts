import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LineSplitter, parseServerLogLine, type ServerLogEvent } from '../../src/serving/serverLog';

const CLI = join(__dirname, '..', 'fixtures', 'cli');
const events = (file: string): ServerLogEvent[] =>
  readFileSync(join(CLI, file), 'utf8')
    .split('\n')
    .map(parseServerLogLine)
    .filter((event): event is ServerLogEvent => event !== undefined);

describe('parseServerLogLine on real server logs', () => {
  it('2.17.2 models serve: the gunicorn command, then where gunicorn listens', () => {
    assert.deepEqual(events('mlflow-2.17.2/output-models-serve.log'), [
      { kind: 'backendCommand', command: 'exec gunicorn --timeout=60 -b 127.0.0.1:5056 -w 1 ${GUNICORN_CMD_ARGS} -- mlflow.pyfunc.scoring_server.wsgi:app' },
      { kind: 'listening', server: 'gunicorn', url: 'http://127.0.0.1:5056', host: '127.0.0.1', port: 5056 },
    ]);
  });

  it('3.x models serve and server: uvicorn, with and without a timestamp', () => {
    assert.deepEqual(events('mlflow-3.x/output-models-serve.log'), [
      { kind: 'backendCommand', command: 'exec uvicorn --host 127.0.0.1 --port 5066 --workers 1 mlflow.pyfunc.scoring_server.app:app' },
      { kind: 'listening', server: 'uvicorn', url: 'http://127.0.0.1:5066', host: '127.0.0.1', port: 5066 },
    ]);
    assert.deepEqual(events('mlflow-3.x/output-server.log'), [
      { kind: 'listening', server: 'uvicorn', url: 'http://127.0.0.1:5065', host: '127.0.0.1', port: 5065 },
    ]);
    assert.deepEqual(events('mlflow-2.17.2/output-server.log'), []);
  });

  it('recognises a taken port, waitress on Windows, IPv6 and shutdown', () => {
    assert.deepEqual(parseServerLogLine("[2026-11-26 12:08:48 +0000] [26352] [ERROR] Connection in use: ('127.0.0.1', 5000)"), {
      kind: 'portInUse',
      host: '127.0.0.1',
      port: 5000,
    });
    assert.deepEqual(
      parseServerLogLine("ERROR:    [Errno 98] error while attempting to bind on address ('127.0.0.1', 5066): address already in use"),
      { kind: 'portInUse', host: '127.0.0.1', port: 5066 },
    );
    assert.deepEqual(parseServerLogLine('INFO:waitress:Serving on http://127.0.0.1:5000\r'), {
      kind: 'listening',
      server: 'waitress',
      url: 'http://127.0.0.1:5000',
      host: '127.0.0.1',
      port: 5000,
    });
    assert.deepEqual(parseServerLogLine('INFO:     Uvicorn running on http://[::1]:8080 (Press CTRL+C to quit)'), {
      kind: 'listening',
      server: 'uvicorn',
      url: 'http://[::1]:8080',
      host: '::1',
      port: 8080,
    });
    assert.deepEqual(parseServerLogLine('[2026-11-26 12:09:48 +0000] [26352] [INFO] Shutting down: Master'), { kind: 'stopped', server: 'gunicorn' });
    assert.deepEqual(parseServerLogLine('INFO:     Finished server process [15015]'), { kind: 'stopped', server: 'uvicorn' });
    assert.equal(
      parseServerLogLine("2026/11/26 12:08:38 INFO mlflow.projects.backend.local: === Running command 'python train.py' in run with ID 'abc' === "),
      undefined,
    );
  });
});

describe('LineSplitter', () => {
  it('joins chunks split mid-line and drops CRs', () => {
    const splitter = new LineSplitter();
    assert.deepEqual(splitter.push('[INFO] Listen'), []);
    assert.deepEqual(splitter.push('ing at: http://127.0.0.1:5056 (1)\r\nnext'), ['[INFO] Listening at: http://127.0.0.1:5056 (1)']);
    assert.deepEqual(splitter.push(' line\n\n'), ['next line', '']);
    assert.deepEqual(splitter.push('tail\r'), []);
    assert.deepEqual(splitter.flush(), ['tail']);
    assert.deepEqual(splitter.flush(), []);
  });
});
