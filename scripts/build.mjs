// Two kinds of bundle: the extension (Node, CommonJS, `vscode` external) and one browser bundle per
// webview app. Type checking is separate (`npm run typecheck`); esbuild only strips types.
import * as esbuild from 'esbuild';
import fs from 'node:fs';
import { createRequire } from 'node:module';
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
  // Release maps are written beside the bundles (bench/bundles.ts reads them to say what takes the space) but
  // not linked from them and not packaged (.vscodeignore): 5 MB that no user's VS Code reads.
  sourcemap: production ? 'external' : 'inline',
  logLevel: 'warning',
  absWorkingDir: root,
};

/**
 * What activation does not need is a file of its own beside dist/extension.js, required on first use:
 * - dist/localStores.js: the SQLite and file-store backends, when a local store is opened
 *   (src/connection/storeFactory.ts);
 * - dist/yaml.js: the `yaml` package, when an MLproject, MLmodel or meta.yaml is first parsed (src/mlflow/yaml.ts);
 * - dist/panels.js: the webview panels (charts, compare, trace, evaluation, serve) and their sessions, when the
 *   first panel opens or is restored (src/vscode/lazyPanels.ts);
 * - dist/besideCode.js: the lenses, hints and hovers on Python files, when VS Code first asks about a Python
 *   file while a store is connected (src/besideCode/besideCodeFeature.ts);
 * - dist/onDemand.js: the Run wizard and the artifact download, when a command first starts one
 *   (src/vscode/lazyOnDemand.ts);
 * - dist/spanValues.js: span decoding, when the REST store first reads a trace's spans (src/mlflow/lazySpanValues.ts).
 * The requires stay lazy in the source; this plugin points them at those files instead of inlining them.
 */
const lazyChunks = {
  name: 'lazy-chunks',
  setup(build) {
    build.onResolve({ filter: /^yaml$/ }, () => ({ path: './yaml.js', external: true }));
    build.onResolve({ filter: /^\.\/localStores$/ }, (args) =>
      args.importer.endsWith(path.join('src', 'connection', 'storeFactory.ts')) ? { path: './localStores.js', external: true } : undefined);
    build.onResolve({ filter: /^\.\/panels$/ }, (args) =>
      args.importer.endsWith(path.join('src', 'vscode', 'lazyPanels.ts')) ? { path: './panels.js', external: true } : undefined);
    build.onResolve({ filter: /^\.\/onDemand$/ }, (args) =>
      args.importer.endsWith(path.join('src', 'vscode', 'lazyOnDemand.ts')) ? { path: './onDemand.js', external: true } : undefined);
    build.onResolve({ filter: /^\.\/spanValues$/ }, (args) =>
      args.importer.endsWith(path.join('src', 'mlflow', 'lazySpanValues.ts')) ? { path: './spanValues.js', external: true } : undefined);
    build.onResolve({ filter: /^\.\/besideCodeProviders$/ }, (args) =>
      args.importer.endsWith(path.join('src', 'besideCode', 'besideCodeFeature.ts')) ? { path: './besideCode.js', external: true } : undefined);
  },
};

const builds = [
  {
    ...common,
    entryPoints: { extension: 'src/extension.ts', localStores: 'src/connection/localStores.ts', panels: 'src/vscode/panels.ts', besideCode: 'src/besideCode/besideCodeProviders.ts', onDemand: 'src/vscode/onDemand.ts', spanValues: 'src/mlflow/spanValues.ts' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    plugins: [lazyChunks],
    // The SQLite engine (node-sqlite3-wasm) is loaded at run time from dist/sqlite/, copied below.
  },
  {
    ...common,
    entryPoints: { yaml: 'yaml' },
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
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
  // tree-sitter and its Python grammar (WebAssembly), loaded from dist/treeSitter/ on the first Python file
  // (src/besideCode/core/pythonParser.ts); the runtime finds tree-sitter.wasm beside itself.
  fs.mkdirSync(path.join(root, 'dist/treeSitter'), { recursive: true });
  for (const file of ['tree-sitter.js', 'tree-sitter.wasm', 'tree-sitter-python.wasm']) {
    fs.copyFileSync(path.join(root, 'node_modules/@vscode/tree-sitter-wasm/wasm', file), path.join(root, 'dist/treeSitter', file));
  }
  fs.copyFileSync(path.join(root, 'node_modules/@vscode/tree-sitter-wasm/LICENSE'), path.join(root, 'dist/treeSitter/LICENSE'));
}

/**
 * The engine's VFS patches (src/mlflow/local/sqliteEngine.ts) must apply to the engine just copied: a
 * bumped node-sqlite3-wasm fails the build here, naming the patch that no longer applies, instead of a
 * user's first SQLite store failing to open.
 */
async function checkEnginePatches() {
  const { outputFiles } = await esbuild.build({
    entryPoints: ['src/mlflow/local/sqliteEngine.ts'],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    absWorkingDir: root,
    logLevel: 'warning',
  });
  const module = { exports: {} };
  new Function('module', 'exports', 'require', outputFiles[0].text)(module, module.exports, createRequire(import.meta.url));
  try {
    module.exports.patchEngineSource(fs.readFileSync(path.join(root, 'dist/sqlite/node-sqlite3-wasm.js'), 'utf8'));
  } catch (error) {
    console.error(`build: ${error.message}`);
    process.exit(1);
  }
}

if (watch) {
  copyAssets();
  await checkEnginePatches();
  for (const options of builds) await (await esbuild.context(options)).watch();
} else {
  // Only a release build starts from an empty dist/ (so no stale file reaches the .vsix); development
  // builds overwrite in place, so a build running beside a test run never pulls files from under it.
  if (production) fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
  copyAssets();
  await checkEnginePatches();
  await Promise.all(builds.map((options) => esbuild.build(options)));
}
