// `npm run test:desktop`: the integration tier on desktop VS Code through @vscode/test-electron, for
// contributors whose machines can download VS Code (it cannot work offline, so `npm test` uses code-server).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { copyWorkspace } from './harness/codeServer.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const built = spawnSync('node', ['scripts/build.mjs', '--tests'], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-wb-desktop-'));
const workspace = copyWorkspace(path.join(root, 'demo'), path.join(scratch, 'workspace'));
try {
  await runTests({
    version: process.env.VSCODE_VERSION ?? 'stable',
    extensionDevelopmentPath: root,
    extensionTestsPath: path.join(root, 'out/test/integration/index.js'),
    launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', `--user-data-dir=${path.join(scratch, 'user-data')}`],
    extensionTestsEnv: { PATH: `${path.join(root, 'test/support/fake-mlflow')}${path.delimiter}${process.env.PATH}` },
  });
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
