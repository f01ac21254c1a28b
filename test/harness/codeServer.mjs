// A real VS Code for tests and the demo: code-server (VS Code's workbench + a real Node extension host)
// started on 127.0.0.1 in its own process group with all state in a scratch folder, and stopped by
// killing that whole group (killing the server pid alone leaves ptyHost, file watcher and shells behind).
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { codeServerBin, nodeBinDir } from './vscodes.mjs';

const HERE = path.dirname(new URL(import.meta.url).pathname);
export const CODE_SERVER = codeServerBin(HERE);
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Chromium flags for this closed network: without the background-networking ones it keeps dialling out. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync',
];

const DEFAULT_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'security.workspace.trust.enabled': false,
  'terminal.integrated.gpuAcceleration': 'off',
  'workbench.colorTheme': 'Default Dark Modern',
  'git.openRepositoryInParentFolders': 'never',
  'workbench.sideBar.location': 'left',
  'window.commandCenter': true,
};

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function stateDirs(stateDir) {
  const dirs = {
    config: path.join(stateDir, 'config'),
    data: path.join(stateDir, 'data'),
    cache: path.join(stateDir, 'cache'),
    userData: path.join(stateDir, 'user-data'),
    extensions: path.join(stateDir, 'extensions'),
    tmp: path.join(stateDir, 'tmp'),
  };
  for (const dir of Object.values(dirs)) fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(path.join(dirs.userData, 'User'), { recursive: true });
  return dirs;
}

function isolatedEnv(dirs, extra) {
  return {
    ...process.env,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    XDG_CACHE_HOME: dirs.cache,
    TMPDIR: dirs.tmp,
    ...extra,
  };
}

/** PATH for a code-server install: the Node it requires first when the machine's own is older. */
function installEnv(install, env) {
  const nodeDir = nodeBinDir(install);
  if (!nodeDir) return env;
  return { ...env, PATH: `${nodeDir}${path.delimiter}${env.PATH ?? process.env.PATH}` };
}

/**
 * Installs a packaged .vsix the way a user does, into the scratch extensions folder. `install` is the
 * code-server install folder (test/harness by default; see vscodes.mjs).
 */
export function installVsix(stateDir, vsixPath, install = HERE) {
  const dirs = stateDirs(stateDir);
  execFileSync(codeServerBin(install), ['--install-extension', vsixPath, '--extensions-dir', dirs.extensions,
    '--user-data-dir', dirs.userData, '--force'], { env: isolatedEnv(dirs, installEnv(install, {})), stdio: 'pipe' });
  return fs.readdirSync(dirs.extensions).filter((name) => !name.startsWith('.') && name !== 'extensions.json');
}

/**
 * Starts code-server and resolves once /healthz answers. `stop()` kills the whole process group and
 * waits for the server to exit.
 */
export async function startCodeServer({ stateDir, settings = {}, env = {}, port, logFile, install = HERE }) {
  const dirs = stateDirs(stateDir);
  fs.writeFileSync(path.join(dirs.userData, 'User/settings.json'),
    JSON.stringify({ ...DEFAULT_SETTINGS, ...settings }, null, 2));
  const actualPort = port ?? await freePort();
  const out = fs.openSync(logFile ?? path.join(stateDir, 'code-server.log'), 'a');
  const child = spawn(codeServerBin(install), [
    '--auth', 'none', '--bind-addr', `127.0.0.1:${actualPort}`,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
    '--user-data-dir', dirs.userData, '--extensions-dir', dirs.extensions,
    '--config', path.join(dirs.config, 'code-server.yaml'),
  ], { env: isolatedEnv(dirs, installEnv(install, env)), detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const stop = async () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return; // already gone
    }
    const timer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
    await exited;
    clearTimeout(timer);
    // Children that ignored SIGTERM (shells in terminals) go too.
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
  };
  const url = `http://127.0.0.1:${actualPort}/`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode}; see ${stateDir}/code-server.log`);
    try {
      const response = await fetch(`${url}healthz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error('code-server did not become healthy within 60 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return { url, port: actualPort, pid: child.pid, dirs, stop };
}

/** The workbench URL that opens `folder`, optionally loading an extension under development and its tests. */
export function workbenchUrl(serverUrl, folder, { extensionDevelopmentPath, extensionTestsPath } = {}) {
  const host = new URL(serverUrl).host;
  const remote = (p) => `vscode-remote://${host}${p}`;
  const payload = [['skipWelcome', 'true']];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  return `${serverUrl}?folder=${encodeURIComponent(folder)}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** A fresh copy of the demo workspace, so tests never change the committed one. */
export function copyWorkspace(source, target) {
  fs.rmSync(target, { recursive: true, force: true });
  fs.cpSync(source, target, { recursive: true });
  for (const entry of fs.readdirSync(target, { recursive: true })) {
    const file = path.join(target, entry);
    fs.chmodSync(file, fs.statSync(file).isDirectory() ? 0o755 : 0o644);
  }
  return target;
}
