// `npm run demo`: a real VS Code in the browser with MLflow Workbench installed from its .vsix and the
// demo workspace open (a real MLflow store, no server needed). Works as the first command on a fresh
// clone: it installs what is missing, builds, packages, starts code-server on 127.0.0.1 and prints the URL.
// Ctrl+C stops it (the whole process group).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureDependencies, ensureHarness } from '../../scripts/setup.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const state = path.join(root, '.test-state', 'demo');
const port = Number(process.env.PORT ?? 8080);

ensureDependencies();
await ensureHarness([], { own: true });
const packaged = spawnSync('npm', ['run', '-s', 'package'], { cwd: root, stdio: 'inherit' });
if (packaged.status !== 0) process.exit(packaged.status ?? 1);

const { copyWorkspace, installVsix, startCodeServer } = await import('./codeServer.mjs');
fs.rmSync(state, { recursive: true, force: true });
installVsix(state, path.join(root, 'dist-vsix/mlflow-workbench.vsix'));
const folder = copyWorkspace(path.join(root, 'demo'), path.join(state, 'workspace'));
const server = await startCodeServer({
  stateDir: state,
  port,
  // A real `mlflow` on PATH wins; the stand-in at the end only lets MLproject and serving demos run without one.
  env: { PATH: `${process.env.PATH}:${path.join(root, 'test/support/fake-mlflow')}` },
});
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
