/**
 * Bench: activation time of the production-built extension (dist/extension.js of a
 * `scripts/build.mjs --production` build made in .tmp/bench/production/, see support/productionBuild.ts).
 *
 * Each sample is a fresh node process (support/activationProbe.ts, bundled with esbuild, run without
 * any TypeScript loader) that installs a minimal `vscode` stub, then times `require` of the bundle,
 * `activate(context)`, and the Workbench's `ready` (the first connection chosen; no network). Baseline:
 * the same probe requiring an empty CommonJS module, so process start-up and the stub are not counted
 * as the extension's.
 *
 *   node --import tsx bench/activation.ts [--samples 9]
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { ROOT } from './support/dataset';
import { loadNote, ms, reportFigure, summarise, table, type Samples } from './support/measure';
import { productionBuild } from './support/productionBuild';

const args = process.argv.slice(2);
const SAMPLES = args.includes('--samples') ? Number(args[args.indexOf('--samples') + 1]) : 9;
const WORK_DIR = path.join(ROOT, '.tmp', 'bench');
/** A folder holding an mlflow.db: the `workspaceContains:mlflow.db` activation. */
const STORE_FOLDER = path.join(ROOT, 'test', 'fixtures', 'mlflow-2.17.2', 'server-store');

interface Sample {
  requireMs: number;
  activateMs?: number;
  readyMs?: number;
  calls: Record<string, number>;
  unimplemented: string[];
}

interface Scenario {
  name: string;
  argv: string[];
}

function probe(probeFile: string, scenario: Scenario): Sample {
  const result = spawnSync(process.execPath, [probeFile, ...scenario.argv], { encoding: 'utf8', cwd: WORK_DIR });
  if (result.status !== 0) throw new Error(`activation probe failed (${scenario.name}):\n${result.stdout}\n${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as Sample;
}

function main(): void {
  const build = productionBuild();
  mkdirSync(WORK_DIR, { recursive: true });
  const probeFile = path.join(WORK_DIR, 'activation-probe.cjs');
  esbuild.buildSync({
    entryPoints: [path.join(__dirname, 'support', 'activationProbe.ts')],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: probeFile,
    logLevel: 'error',
  });
  const emptyModule = path.join(WORK_DIR, 'empty-module.cjs');
  writeFileSync(emptyModule, "'use strict';\n");
  const bundle = path.join(build.dist, 'extension.js');

  const scenarios: Scenario[] = [
    { name: 'empty CommonJS module', argv: [emptyModule, build.root] },
    { name: 'extension, no workspace folder', argv: [bundle, build.root] },
    { name: 'extension, folder with mlflow.db', argv: [bundle, build.root, STORE_FOLDER] },
  ];
  console.log(
    `activation bench: ${path.relative(ROOT, bundle)} (production build${build.buildMs ? `, built in ${ms(build.buildMs)}` : ''}), ` +
      `${SAMPLES} fresh processes per case, interleaved, medians; ${loadNote()}`,
  );
  // One untimed round so the files are in the page cache for every timed one.
  for (const scenario of scenarios) probe(probeFile, scenario);
  const samples = new Map<string, Sample[]>(scenarios.map((s) => [s.name, []]));
  for (let i = 0; i < SAMPLES; i++) for (const scenario of scenarios) samples.get(scenario.name)?.push(probe(probeFile, scenario));

  const stat = (name: string, pick: (s: Sample) => number | undefined): Samples =>
    summarise((samples.get(name) ?? []).map((s) => pick(s) ?? 0));
  const baseline = stat('empty CommonJS module', (s) => s.requireMs);
  const rows = scenarios.slice(1).map((scenario) => {
    const load = stat(scenario.name, (s) => s.requireMs);
    const activate = stat(scenario.name, (s) => s.activateMs);
    const ready = stat(scenario.name, (s) => s.readyMs);
    const total = stat(scenario.name, (s) => s.requireMs + (s.activateMs ?? 0));
    return { scenario: scenario.name, load, activate, ready, total };
  });
  console.log('');
  console.log(
    table(
      ['case', 'require bundle', 'activate()', 'require + activate()', '(min)', 'until ready', 'baseline: require empty module', 'over baseline'],
      rows.map((r) => [
        r.scenario,
        ms(r.load.median),
        ms(r.activate.median),
        ms(r.total.median),
        ms(r.total.min),
        ms(r.ready.median),
        ms(baseline.median),
        `+${ms(r.total.median - baseline.median)}`,
      ]),
    ),
  );
  const last = samples.get('extension, folder with mlflow.db')?.at(-1);
  if (last) {
    const calls = Object.entries(last.calls)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, n]) => `${name} ×${n}`)
      .join(', ');
    console.log('');
    console.log(`What activate() asked of VS Code: ${calls}.`);
    if (last.unimplemented.length) console.log(`Served by the stub's generic fallback: ${last.unimplemented.join(', ')}.`);
  }
  console.log('"until ready": activate() returned and the first connection was chosen (settings, environment, workspace store); nothing touches the network.');
  console.log(`(${loadNote()} at the end)`);
  for (const r of rows) {
    reportFigure({
      bench: 'activation',
      name: `require + activate(), ${r.scenario}`,
      value: r.total.median,
      unit: 'ms',
      baselineName: 'require an empty CJS module',
      baseline: baseline.median,
      note: `+${ms(r.total.median - baseline.median)}; activate() alone ${ms(r.activate.median)}`,
    });
  }
}

main();
