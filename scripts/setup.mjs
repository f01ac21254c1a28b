// Makes a fresh clone ready: the project's npm dependencies, then the real-VS-Code harness (apt's
// Chromium, ripgrep and compiler, code-server from npm; apt through sudo when not root). Plain Node with no dependencies, so it can run first.
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

/**
 * The harness's own code-server, then the other VS Codes the tests run on (test/harness/vscodes.mjs):
 * all of them, or those whose ids are given (an empty list means all); `own` alone for the demo.
 * `browser: false` (the demo) leaves out the Chromium that only the tests drive.
 */
export async function ensureHarness(ids = [], { own = false, browser = true } = {}) {
  run('bash', [path.join(root, 'test/harness/install.sh'), ...(browser ? ['--browser'] : [])]);
  if (own) return;
  const { VSCODES } = await import('../test/harness/vscodes.mjs');
  for (const vscode of VSCODES.slice(1)) {
    if (ids.length && !ids.includes(vscode.id)) continue;
    run('node', [path.join(root, 'test/harness/installVscode.mjs'), vscode.dir]);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  ensureDependencies();
  if (!process.argv.includes('--no-harness')) await ensureHarness();
}
