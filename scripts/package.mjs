// Packages the production build into dist-vsix/mlflow-workbench.vsix with vsce (only what .vscodeignore lets
// through), with a README whose images are embedded (scripts/vsixReadme.mjs says why).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { embedReadmeImages } from './vsixReadme.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
fs.mkdirSync(path.join(root, 'dist-vsix'), { recursive: true });
const readme = path.join(root, 'dist-vsix/README.md');
const { markdown, images } = embedReadmeImages(fs.readFileSync(path.join(root, 'README.md'), 'utf8'), root);
fs.writeFileSync(readme, markdown);
console.log(`README: ${images.length} images embedded`);
const vsce = path.join(root, 'node_modules/.bin/vsce');
const result = spawnSync(vsce, ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--no-rewrite-relative-links',
  '--readme-path', path.relative(root, readme), '-o', path.join(root, 'dist-vsix/mlflow-workbench.vsix')], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
