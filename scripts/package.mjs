// Packages the production build into dist-vsix/mlflow-workbench.vsix with vsce (only what .vscodeignore lets through).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
fs.mkdirSync(path.join(root, 'dist-vsix'), { recursive: true });
const vsce = path.join(root, 'node_modules/.bin/vsce');
const result = spawnSync(vsce, ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links',
  '-o', path.join(root, 'dist-vsix/mlflow-workbench.vsix')], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
