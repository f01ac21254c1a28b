// Makes a fresh clone ready: the project's npm dependencies, then the real-VS-Code harness (apt's
// Chromium and ripgrep, code-server from npm). Plain Node with no dependencies, so it can run first.
// Each step is skipped when its result is already present.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status})`);
}

export function ensureDependencies() {
  const lock = path.join(root, 'package-lock.json');
  const installed = path.join(root, 'node_modules/.package-lock.json');
  if (!fs.existsSync(installed) || fs.statSync(installed).mtimeMs < fs.statSync(lock).mtimeMs) {
    console.log('setup: npm ci');
    run('npm', ['ci', '--no-audit', '--no-fund', '--loglevel=error']);
  }
}

export function ensureHarness() {
  run('bash', [path.join(root, 'test/harness/install.sh')]);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  ensureDependencies();
  if (!process.argv.includes('--no-harness')) ensureHarness();
}
