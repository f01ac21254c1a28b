// Two kinds of bundle: the extension (Node, CommonJS, `vscode` external) and one browser bundle per
// webview app. Type checking is separate (`npm run typecheck`); esbuild only strips types.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
/** Also bundle the integration tests, which run inside the extension host next to the extension. */
const tests = process.argv.includes('--tests');
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

/** Every folder in webview/ with a main.ts is one webview app. */
const webviewApps = fs.readdirSync(path.join(root, 'webview'), { withFileTypes: true })
  .filter((d) => d.isDirectory() && fs.existsSync(path.join(root, 'webview', d.name, 'main.ts')))
  .map((d) => d.name);

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? 'linked' : 'inline',
  logLevel: 'warning',
  absWorkingDir: root,
};

const builds = [
  {
    ...common,
    entryPoints: { extension: 'src/extension.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    // The SQLite engine (node-sqlite3-wasm) is loaded at run time from dist/sqlite/, copied below.
  },
  {
    ...common,
    entryPoints: Object.fromEntries(webviewApps.map((app) => [app, `webview/${app}/main.ts`])),
    outdir: 'dist/webview',
    platform: 'browser',
    format: 'iife',
    target: 'chrome120',
    loader: { '.css': 'text' },
  },
];

if (tests) {
  const testFiles = fs.readdirSync(path.join(root, 'test/integration')).filter((f) => f.endsWith('.ts'));
  builds.push({
    ...common,
    entryPoints: testFiles.map((f) => `test/integration/${f}`),
    outdir: 'out/test/integration',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode', 'mocha'],
  });
}

function copyAssets() {
  fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
  // The SQLite engine stays a separate file: src/mlflow/local/sqliteEngine.ts loads it with its VFS locks
  // turned off (and its wasm from beside it), so esbuild must not bundle or rename it.
  fs.mkdirSync(path.join(root, 'dist/sqlite'), { recursive: true });
  for (const file of ['node-sqlite3-wasm.js', 'node-sqlite3-wasm.wasm']) {
    fs.copyFileSync(path.join(root, 'node_modules/node-sqlite3-wasm/dist', file), path.join(root, 'dist/sqlite', file));
  }
  // Its MIT notice travels with it.
  fs.copyFileSync(path.join(root, 'node_modules/node-sqlite3-wasm/LICENSE'), path.join(root, 'dist/sqlite/LICENSE'));
}

if (watch) {
  copyAssets();
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  // Only a release build starts from an empty dist/ (so no stale file reaches the .vsix); development
  // builds overwrite in place, so a build running beside a test run never pulls files from under it.
  if (production) fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  copyAssets();
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
