/**
 * `mlflow server` / `mlflow ui` without Python: the startup lines of each version, /health and /version,
 * and on 3.x the default security middleware's Host and Origin checks (rest-captures/security_*). The
 * tracking REST API itself is not emulated: its routes answer Flask's 404 page.
 */
import { FLASK_404, serve } from './httpHost.mjs';
import { logMlflow, pythonException, writeErr } from './logLines.mjs';
import { refusesFileStore, serverInterpreter } from './environment.mjs';
import { spawn, spawnSync } from 'node:child_process';

export async function serveTracking({ values, versionKey, version }) {
  const host = values.get('host') ?? '127.0.0.1';
  const port = Number(values.get('port') ?? 5000);
  const backendStoreUri = values.get('backend_store_uri') ?? '';
  const sqlStore = /^(sqlite|postgresql|mysql|mssql)/.test(backendStoreUri) || (versionKey !== '2.17.2' && backendStoreUri === '');
  const v3 = versionKey !== '2.17.2';
  if (refusesFileStore(versionKey, backendStoreUri)) return 1;

  if (v3 && values.get('registry_store_uri') === undefined) writeErr('Registry store URI not provided. Using backend store URI.');
  if (sqlStore) {
    logMlflow('INFO', 'mlflow.store.db.utils', 'Creating initial MLflow database tables...');
    logMlflow('INFO', 'mlflow.store.db.utils', 'Updating database tables');
  }
  const security = v3 && !values.get('disable_security_middleware') ? securityPolicy(values) : undefined;
  if (security?.defaults) {
    writeErr(
      '[MLflow] Security middleware enabled with default settings (localhost-only). To allow connections from other hosts, use --host 0.0.0.0 and configure --allowed-hosts and --cors-allowed-origins.',
    );
  }
  const command = serverCommand({ values, v3, host, port });
  const backend = startServerProgram(command);
  if (!backend) return 1;
  const code = await serve({
    host,
    port,
    server: command.module === 'uvicorn' ? 'uvicorn' : 'gunicorn',
    ignoreFirstSigterm: process.env.FAKE_MLFLOW_STUBBORN === '1',
    timestampedUvicorn: true,
    uvicornParent: true,
    handle: (request) => {
      const blocked = security && security.check(request);
      if (blocked) return blocked;
      const path = new URL(request.url, 'http://fake').pathname;
      if (request.method === 'GET' && path === '/health') return { status: 200, contentType: 'text/html; charset=utf-8', body: 'OK' };
      if (request.method === 'GET' && path === '/version') return { status: 200, contentType: 'text/html; charset=utf-8', body: version };
      if (v3 && request.method === 'GET' && path === '/api/3.0/mlflow/server-info') {
        return { status: 200, contentType: 'application/json', body: JSON.stringify({ store_type: sqlStore ? 'SqlStore' : 'FileStore', workspaces_enabled: false }) };
      }
      return { status: 404, contentType: 'text/html; charset=utf-8', body: FLASK_404 };
    },
  });
  if (backend.exitCode === null) {
    backend.kill('SIGTERM');
    backend.unref();
  }
  return code;
}

/**
 * `_run_server` in mlflow/server/__init__.py: 2.x runs gunicorn (waitress on Windows; `--dev` is
 * gunicorn with `--log-level debug --reload`, mlflow/cli.py); 3.x runs uvicorn unless `--gunicorn-opts`
 * or `--waitress-opts` asks for another. Always as `python -m <program>` with the server's own argv.
 */
function serverCommand({ values, v3, host, port }) {
  const split = (text) => (text ?? '').split(/\s+/).filter(Boolean);
  const workers = String(values.get('workers') ?? 4);
  const gunicornOpts = values.get('dev') && !v3 ? '--log-level debug --reload' : values.get('gunicorn_opts');
  const waitress = v3 ? values.get('waitress_opts') !== undefined : process.platform === 'win32';
  if (waitress) {
    return { module: 'waitress', args: [...split(values.get('waitress_opts')), `--host=${host}`, `--port=${port}`, '--ident=mlflow', 'mlflow.server:app'] };
  }
  if (!v3 || gunicornOpts !== undefined) {
    return { module: 'gunicorn', args: [...split(gunicornOpts), '-b', `${host}:${port}`, '-w', workers, 'mlflow.server:app'] };
  }
  return { module: 'uvicorn', args: [...split(values.get('uvicorn_opts')), '--host', host, '--port', String(port), '--workers', workers, 'mlflow.server.fastapi_app:app'] };
}

/**
 * Starts the server program's process tree (the stand-in answers HTTP itself), or fails as MLflow does
 * when its Python has no such module: `python -m gunicorn` prints `No module named gunicorn` and exits
 * 1, and MLflow's `_exec_cmd` raises ShellCommandException (mlflow/utils/process.py), whose `Command:`
 * line is the repr of the `map` it ran. Checked first with `--version`, so no failure depends on timing.
 */
function startServerProgram({ module, args }) {
  const python = serverInterpreter();
  const argv = ['-m', module, ...args];
  if (!python) {
    pythonException('FileNotFoundError', "[Errno 2] No such file or directory: 'python'");
    return undefined;
  }
  const probe = spawnSync(python, ['-m', module, '--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (probe.status !== 0) {
    process.stderr.write(probe.stderr ?? '');
    pythonException('mlflow.utils.process.ShellCommandException', `Non-zero exit code: ${probe.status ?? 1}\nCommand: <map object at 0x7f3a1c2b9f60>`);
    return undefined;
  }
  return spawn(python, argv, { stdio: 'ignore' });
}

const PRIVATE_HOST = /^(localhost|127\.0\.0\.1|\[::1\]|10\.\d+\.\d+\.\d+|192\.168\.\d+\.\d+|172\.(1[6-9]|2\d|3[01])\.\d+\.\d+)(:\d+)?$/;
const LOCAL_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

function securityPolicy(values) {
  const allowedHosts = splitList(values.get('allowed_hosts'));
  const allowedOrigins = splitList(values.get('cors_allowed_origins'));
  const hostAllowed = (hostHeader) =>
    allowedHosts.length > 0 ? allowedHosts.some((pattern) => wildcard(pattern).test(hostHeader)) : PRIVATE_HOST.test(hostHeader);
  const originAllowed = (origin) => LOCAL_ORIGIN.test(origin) || allowedOrigins.some((pattern) => wildcard(pattern).test(origin));
  return {
    defaults: allowedHosts.length === 0 && allowedOrigins.length === 0,
    check(request) {
      if (!hostAllowed(request.headers.host ?? '')) {
        return { status: 403, contentType: 'text/plain', body: 'Invalid Host header - possible DNS rebinding attack detected' };
      }
      const origin = request.headers.origin;
      if (origin === undefined || originAllowed(origin)) return undefined;
      if (request.method === 'OPTIONS') return { status: 400, contentType: 'text/plain; charset=utf-8', body: 'Disallowed CORS origin' };
      if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(request.method)) {
        return { status: 403, contentType: 'text/plain', body: 'Cross-origin request blocked' };
      }
      return undefined;
    },
  };
}

function splitList(value) {
  return (value ?? '').split(',').map((item) => item.trim()).filter(Boolean);
}

function wildcard(pattern) {
  return new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}
