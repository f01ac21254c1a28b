// `npm run demo`: a real VS Code in the browser with MLflow Workbench installed from its .vsix and the
// demo workspace open (a real MLflow store, no server needed). Works as the first command on a fresh
// clone: it installs what is missing (but no browser: you open the URL in yours), builds, packages,
// starts code-server on 127.0.0.1 and prints the URL. Ctrl+C stops it (the whole process group).
//
// The test stand-in `mlflow` (test/support/fake-mlflow) is deliberately NOT on the demo's PATH: it answers
// /invocations with a fixed rule, and a demo user could not tell its predictions from a real model's. Run and
// Serve use a real `mlflow` when there is one (mlflow.executablePath, the selected Python environment, PATH).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { prepareDemoStore } from '../../scripts/demoStore.mjs';
import { ensureDependencies, ensureHarness } from '../../scripts/setup.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const state = path.join(root, '.test-state', 'demo');
const port = Number(process.env.PORT ?? 8080);

/** Whether something already listens on 127.0.0.1:`candidate` (the address code-server binds). */
function inUse(candidate) {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(true));
    probe.listen(candidate, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}

// Before anything slow: a busy port is the most common reason the demo cannot start.
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.error(`PORT=${process.env.PORT} is not a port number (1-65535).`);
  process.exit(2);
}
if (await inUse(port)) {
  let suggestion = port + 1;
  while (suggestion < Math.min(port + 50, 65536) && await inUse(suggestion)) suggestion++;
  console.error(`port ${port} is in use, try PORT=${suggestion} npm run demo`);
  process.exit(1);
}

ensureDependencies();
await ensureHarness([], { own: true, browser: false });
const packaged = spawnSync('npm', ['run', '-s', 'package'], { cwd: root, stdio: 'inherit' });
if (packaged.status !== 0) process.exit(packaged.status ?? 1);

const { copyWorkspace, installVsix, startCodeServer } = await import('./codeServer.mjs');
fs.rmSync(state, { recursive: true, force: true });
installVsix(state, path.join(root, 'dist-vsix/mlflow-workbench.vsix'));
const folder = copyWorkspace(path.join(root, 'demo'), path.join(state, 'workspace'));
await prepareDemoStore(folder);
let server;
try {
  server = await startCodeServer({
    stateDir: state,
    port,
    settings: {
      // Local servers unrelated to the demo would each pop up "available on port …".
      'remote.autoForwardPorts': false,
      'window.title': 'MLflow Workbench demo${separator}${activeEditorShort}',
    },
  });
} catch (error) {
  console.error(String(error instanceof Error ? error.message : error));
  if (await inUse(port)) console.error(`port ${port} is in use, try PORT=${port + 1} npm run demo`);
  process.exit(1);
}
const url = `${server.url}?folder=${encodeURIComponent(folder)}`;
console.log(`\nMLflow Workbench demo is running.\nOpen ${url}\n(the MLflow icon in the activity bar opens the Runs and Models views; Ctrl+C stops the demo)\n`);

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.stop();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// Keep the process alive until a signal arrives.
setInterval(() => undefined, 1 << 30);
