/**
 * The web-server part shared by `models serve` and `server`/`ui`: bind, print the startup and shutdown
 * lines of gunicorn (2.x) or uvicorn (3.x), log requests as uvicorn does, stop cleanly on SIGTERM/SIGINT.
 */
import { createServer } from 'node:http';
import { logGunicorn, logUvicorn } from './logLines.mjs';

// The stand-in never listens beyond loopback, whatever --host says; the printed address is the requested one.
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/**
 * Resolves with the exit code once the server has stopped (0 after a signal, 1 when the port is taken).
 * `handle(request, body) => { status, contentType, body }`.
 */
export function serve({ host, port, server: kind, timestampedUvicorn = false, uvicornParent = false, ignoreFirstSigterm = false, handle }) {
  const pid = process.pid;
  const workerPid = pid + 1;
  const http = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const answer = handle(request, Buffer.concat(chunks).toString('utf8'));
      response.writeHead(answer.status, { 'Content-Type': answer.contentType });
      response.end(answer.body);
      if (kind === 'uvicorn') {
        const client = `${request.socket.remoteAddress?.replace(/^::ffff:/, '')}:${request.socket.remotePort}`;
        logUvicorn('INFO', `${client} - "${request.method} ${request.url} HTTP/${request.httpVersion}" ${answer.status} ${statusText(answer.status)}`, { timestamped: timestampedUvicorn });
      }
    });
  });

  return new Promise((done) => {
    http.once('error', (error) => {
      if (error.code !== 'EADDRINUSE') throw error;
      if (kind === 'gunicorn') {
        logGunicorn(pid, 'INFO', 'Starting gunicorn 20.1.0');
        logGunicorn(pid, 'ERROR', `Connection in use: ('${host}', ${port})`);
        logGunicorn(pid, 'ERROR', 'Retrying in 1 second.');
        logGunicorn(pid, 'ERROR', `Can't connect to ('${host}', ${port})`);
      } else {
        logUvicorn('ERROR', `[Errno 98] error while attempting to bind on address ('${host}', ${port}): address already in use`, { timestamped: timestampedUvicorn });
      }
      done(1);
    });
    http.listen(port, LOOPBACK.has(host) ? host : '127.0.0.1', () => {
      const actualPort = http.address().port;
      const url = `http://${host}:${actualPort}`;
      if (kind === 'gunicorn') {
        logGunicorn(pid, 'INFO', 'Starting gunicorn 20.1.0');
        logGunicorn(pid, 'INFO', `Listening at: ${url} (${pid})`);
        logGunicorn(pid, 'INFO', 'Using worker: sync');
        logGunicorn(workerPid, 'INFO', `Booting worker with pid: ${workerPid}`);
      } else if (uvicornParent) {
        // `mlflow server` runs uvicorn with a supervising parent, which announces the address first.
        const options = { timestamped: timestampedUvicorn };
        logUvicorn('INFO', `Uvicorn running on ${url} (Press CTRL+C to quit)`, options);
        logUvicorn('INFO', `Started parent process [${pid}]`, options);
        logUvicorn('INFO', `Started server process [${workerPid}]`, options);
        logUvicorn('INFO', 'Waiting for application startup.', options);
        logUvicorn('INFO', 'Application startup complete.', options);
      } else {
        const options = { timestamped: timestampedUvicorn };
        logUvicorn('INFO', `Started server process [${pid}]`, options);
        logUvicorn('INFO', 'Waiting for application startup.', options);
        logUvicorn('INFO', 'Application startup complete.', options);
        logUvicorn('INFO', `Uvicorn running on ${url} (Press CTRL+C to quit)`, options);
      }
    });
    const stop = (signal) => {
      if (kind === 'gunicorn') {
        logGunicorn(pid, 'INFO', `Handling signal: ${signal === 'SIGINT' ? 'int' : 'term'}`);
        logGunicorn(workerPid, 'INFO', `Worker exiting (pid: ${workerPid})`);
        logGunicorn(pid, 'INFO', 'Shutting down: Master');
      } else {
        const options = { timestamped: timestampedUvicorn };
        logUvicorn('INFO', 'Shutting down', options);
        logUvicorn('INFO', 'Waiting for application shutdown.', options);
        logUvicorn('INFO', 'Application shutdown complete.', options);
        logUvicorn('INFO', `Finished server process [${pid}]`, options);
      }
      http.close(() => done(0));
      http.closeAllConnections();
    };
    // FAKE_MLFLOW_STUBBORN=1: a server busy with requests lets the first SIGTERM pass; only SIGKILL (or a second SIGTERM) ends it.
    if (ignoreFirstSigterm) process.once('SIGTERM', () => process.once('SIGTERM', () => stop('SIGTERM')));
    else process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}

function statusText(status) {
  return { 200: 'OK', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 415: 'Unsupported Media Type' }[status] ?? '';
}

/** Flask's 404 page, which both versions return for unknown routes (rest-captures/unknown_endpoint_404.json). */
export const FLASK_404 =
  '<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n';
