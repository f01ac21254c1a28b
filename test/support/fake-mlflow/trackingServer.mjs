/**
 * `mlflow server` / `mlflow ui` without Python: the startup lines of each version, /health and /version,
 * and on 3.x the default security middleware's Host and Origin checks (rest-captures/security_*). The
 * tracking REST API itself is not emulated: its routes answer Flask's 404 page.
 */
import { FLASK_404, serve } from './httpHost.mjs';
import { logMlflow, writeErr } from './logLines.mjs';
import { refusesFileStore, whichOnPath } from './environment.mjs';
import { spawn } from 'node:child_process';

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
  // Like `mlflow server`, run the server program with its workers when the environment has one on PATH.
  const program = whichOnPath(v3 ? 'uvicorn' : 'gunicorn');
  const backend = program ? spawn(program, ['--workers', String(values.get('workers') ?? 4)], { stdio: 'ignore' }) : undefined;
  const code = await serve({
    host,
    port,
    server: v3 ? 'uvicorn' : 'gunicorn',
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
  if (backend && backend.exitCode === null) {
    backend.kill('SIGTERM');
    backend.unref();
  }
  return code;
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
