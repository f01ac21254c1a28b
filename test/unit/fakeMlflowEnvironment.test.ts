import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, runFakeMlflow, startFakeMlflow, type FakeVersion } from '../support/fake-mlflow/fakeMlflow';

/**
 * The stand-in resolves python / gunicorn / uvicorn through PATH as real MLflow does under
 * `--env-manager local` (test/support/fake-venv/README.md), so tests of the extension's child
 * environment can fail the way real MLflow fails when the environment is not on PATH.
 */
const NODE_DIR = path.dirname(process.execPath);
/** A PATH without the stand-in venv: node (the stand-in's interpreter) and the system folders only. */
const BARE_PATH = [NODE_DIR, '/usr/bin', '/bin'].join(path.delimiter);
/** Debian's python3 (apt), without gunicorn or uvicorn. */
const SYSTEM_PYTHON = '/usr/bin/python3';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('stand-in mlflow: the environment on PATH', function () {
  this.timeout(30_000);
  let project: string;

  before(() => {
    project = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-env-project-'));
    fs.writeFileSync(path.join(project, 'MLproject'), 'name: p\nentry_points:\n  main:\n    command: "python train.py"\n');
  });
  after(() => fs.rmSync(project, { recursive: true, force: true }));

  for (const [version, program] of [['2.17.2', 'gunicorn'], ['3.x', 'uvicorn']] as [FakeVersion, string][]) {
    it(`${version}: models serve --env-manager local fails with 127 like MLflow when ${program} is not on PATH`, async () => {
      const port = await freePort();
      const result = await runFakeMlflow(['models', 'serve', '-m', 'runs:/x/model', '--port', String(port), '--env-manager', 'local'], {
        version, activated: false, env: { PATH: BARE_PATH },
      });
      assert.equal(result.code, 1);
      assert.match(result.stderr, new RegExp(`bash: line 1: exec: ${program}: not found`));
      assert.match(result.stderr, new RegExp(`^Exception: Command '\\['bash', '-c', 'exec ${program} .*'\\]' returned non zero return code\\. Return code = 127$`, 'm'));
    });
  }

  it('models serve finds gunicorn in the activated venv and runs it with its -w workers; stopping leaves nothing', async () => {
    const port = await freePort();
    const server = startFakeMlflow(['models', 'serve', '-m', 'runs:/x/model', '--port', String(port), '-w', '2', '--env-manager', 'local']);
    try {
      await server.waitForLine((line) => line.includes('Listening at:'));
      const tree = await waitFor(() => {
        const rows = execFileSync('ps', ['-o', 'pid=,ppid=,args=', '-A'], { encoding: 'utf8' }).split('\n').map((line) => line.trim().split(/\s+/));
        const program = rows.find((row) => Number(row[1]) === server.child.pid && row.join(' ').includes('fake-venv/bin/gunicorn'));
        const workers = program ? rows.filter((row) => row[1] === program[0] && row.includes('--fake-worker')) : [];
        return program && workers.length === 2 ? { program, workers } : undefined;
      }, 'gunicorn from the venv, a child of mlflow, with its two workers');
      assert.ok(tree.program.includes(`127.0.0.1:${port}`), tree.program.join(' '));
      const pids = [tree.program, ...tree.workers].map((row) => Number(row[0]));
      await server.stop();
      await waitFor(() => pids.every((pid) => !alive(pid)) || undefined, 'gunicorn and its workers to exit');
    } finally {
      await server.stop('SIGKILL');
    }
  });

  for (const [version, program, argv] of [
    ['2.17.2', 'gunicorn', (port: number) => ['-b', `127.0.0.1:${port}`, '-w', '3', 'mlflow.server:app']],
    ['3.x', 'uvicorn', (port: number) => ['--host', '127.0.0.1', '--port', String(port), '--workers', '3', 'mlflow.server.fastapi_app:app']],
  ] as [FakeVersion, string, (port: number) => string[]][]) {
    it(`${version}: mlflow server fails like MLflow when its Python has no ${program} (python -m ${program}: No module named ${program})`, async () => {
      // An mlflow whose Python is Debian's python3, which has no server program (pip never installed one there).
      const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-env-system-python-'));
      fs.symlinkSync(SYSTEM_PYTHON, path.join(bin, 'python'));
      try {
        const result = await runFakeMlflow(['server', '--backend-store-uri', 'sqlite:///mlflow.db', '--port', String(await freePort())], {
          version, activated: false, env: { PATH: [bin, BARE_PATH].join(path.delimiter) }, cwd: project,
        });
        assert.equal(result.code, 1);
        assert.match(result.stderr, new RegExp(`^${path.join(bin, 'python')}: No module named ${program}$`, 'm'), 'what python -m prints');
        assert.match(result.stderr, /^mlflow\.utils\.process\.ShellCommandException: Non-zero exit code: 1$/m);
        assert.doesNotMatch(result.stderr, /Listening at|Uvicorn running/, 'nothing served');
      } finally {
        fs.rmSync(bin, { recursive: true, force: true });
      }
    });

    it(`${version}: mlflow server runs ${program} as \`python -m ${program}\` with the venv's python, with its workers; stopping leaves nothing`, async () => {
      const port = await freePort();
      const server = startFakeMlflow(['server', '--backend-store-uri', 'sqlite:///mlflow.db', '--port', String(port), '--workers', '3'], { version, cwd: project });
      try {
        await server.waitForLine((line) => line.includes('Listening at:') || line.includes('Uvicorn running on'));
        const expected = ['-m', program, ...argv(port)].join(' ');
        const tree = await waitFor(() => {
          const rows = execFileSync('ps', ['-o', 'pid=,ppid=,args=', '-A'], { encoding: 'utf8' }).split('\n').map((line) => line.trim().split(/\s+/));
          const master = rows.find((row) => Number(row[1]) === server.child.pid && row.join(' ').includes(`fake-venv/bin/python ${expected}`));
          const workers = master ? rows.filter((row) => row[1] === master[0] && row.includes('--fake-worker')) : [];
          return master && workers.length === 3 ? { master, workers } : undefined;
        }, `python -m ${program} from the venv, a child of mlflow, with its three workers`);
        const pids = [tree.master, ...tree.workers].map((row) => Number(row[0]));
        await server.stop();
        await waitFor(() => pids.every((pid) => !alive(pid)) || undefined, `${program} and its workers to exit`);
      } finally {
        await server.stop('SIGKILL');
      }
    });
  }

  it('mlflow run --env-manager local: the system python lacks the packages (ModuleNotFoundError), the run fails', async () => {
    const result = await runFakeMlflow(['run', project, '--env-manager', 'local'], { activated: false, env: { PATH: BARE_PATH } });
    assert.equal(result.code, 1);
    // Whatever python PATH has (or none: bash's 127), it is not the environment's.
    assert.match(result.stderr, /ModuleNotFoundError: No module named 'mlflow'|bash: line 1: python: command not found/);
    assert.match(result.stderr, /ERROR mlflow\.cli: === Run \(ID '[0-9a-f]{32}'\) failed ===/);
  });

  it("mlflow run --env-manager local succeeds with the venv's python first on PATH", async () => {
    const result = await runFakeMlflow(['run', project, '--env-manager', 'local']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /=== Run \(ID '[0-9a-f]{32}'\) succeeded ===/);
  });

  it('3.x refuses a file store without MLFLOW_ALLOW_FILE_STORE=true, as MLflow 3 does', async () => {
    const store = `file://${project}/mlruns`;
    const refused = await runFakeMlflow(['run', project, '--env-manager', 'local'], { version: '3.x', env: { MLFLOW_TRACKING_URI: store } });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /MlflowException: The filesystem tracking backend \(e\.g\., '\.\/mlruns'\) is no longer supported\..*MLFLOW_ALLOW_FILE_STORE=true/);
    const allowed = await runFakeMlflow(['run', project, '--env-manager', 'local'], { version: '3.x', env: { MLFLOW_TRACKING_URI: store, MLFLOW_ALLOW_FILE_STORE: 'true' } });
    assert.equal(allowed.code, 0, allowed.stderr);
    const server = await runFakeMlflow(['server', '--backend-store-uri', `${project}/mlruns`, '--port', String(await freePort())], { version: '3.x' });
    assert.equal(server.code, 1);
    assert.match(server.stderr, /no longer supported/);
    // 2.17.2 reads file stores without being asked.
    const old = await runFakeMlflow(['run', project, '--env-manager', 'local'], { env: { MLFLOW_TRACKING_URI: store } });
    assert.equal(old.code, 0, old.stderr);
  });
});

/** Polls `probe` (a cheap ps or kill -0) until it answers; no fixed sleeps, a generous bound. */
async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
