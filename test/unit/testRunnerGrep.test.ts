import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Mocha from 'mocha';
import { REPO_ROOT } from '../support/repoRoot';

/** What test/run.mjs hands every tier's mocha as --grep for these arguments (test/harness/grep.mjs, run as a process: it is plain Node). */
function runnerGrep(args: string[]): { ok: true; grep: string | null } | { ok: false; error: string } {
  const script = `import { grepPattern, mochaGrep } from ${JSON.stringify(path.join(REPO_ROOT, 'test/harness/grep.mjs'))};
    try { const p = grepPattern(process.argv.slice(1)); process.stdout.write(JSON.stringify({ ok: true, grep: p === undefined ? null : mochaGrep(p) })); }
    catch (e) { process.stdout.write(JSON.stringify({ ok: false, error: e.message })); }`;
  const result = spawnSync(process.execPath, ['--input-type=module', '-e', script, '--', ...args], { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as ReturnType<typeof runnerGrep>;
}

function grepOf(args: string[]): string {
  const result = runnerGrep(args);
  assert.ok(result.ok && result.grep !== null, JSON.stringify(result));
  return result.grep;
}

/** The RegExp the extension host's Mocha (test/integration/index.ts: `new Mocha({ grep })`) filters titles with. */
function hostRegExp(grep: string): RegExp {
  const mocha = new Mocha({ grep });
  assert.ok(mocha.options.grep instanceof RegExp);
  return mocha.options.grep;
}

const TITLES = ['e2e Compare Traces: two traces side by side', 'Trace panel: spans', 'Registry: a/b aliases'];

/** The titles mocha's CLI (the unit, webview and e2e tiers) runs with this --grep, from a spec of TITLES. */
function cliRuns(grep: string): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runner-grep-'));
  try {
    const spec = path.join(dir, 'titles.spec.js');
    fs.writeFileSync(spec, TITLES.map((t) => `it(${JSON.stringify(t)}, () => {});`).join('\n'));
    const mocha = path.join(REPO_ROOT, 'node_modules/mocha/bin/mocha.js');
    const result = spawnSync(process.execPath, [mocha, '--no-config', '--reporter', 'json', '--grep', grep, spec], { encoding: 'utf8', cwd: dir });
    assert.equal(result.status, 0, result.stderr + result.stdout);
    return (JSON.parse(result.stdout) as { passes: { title: string }[] }).passes.map((p) => p.title);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('test/run.mjs --grep', () => {
  it('matches titles whatever their case, in mocha\'s CLI and in the extension host\'s Mocha', () => {
    const grep = grepOf(['--only', 'e2e', '--grep', 'compare traces']);
    assert.deepEqual(cliRuns(grep), [TITLES[0]]);
    assert.ok(hostRegExp(grep).test(TITLES[0]!));
    assert.ok(!hostRegExp(grep).test(TITLES[1]!));
  });

  it('skips a -i written as for grep(1), before or after the pattern (a -i handed to mocha would invert the match)', () => {
    assert.equal(grepOf(['--only', 'e2e', '--grep', '-i', 'compare traces']), grepOf(['--grep', 'compare traces']));
    assert.equal(grepOf(['--grep', 'compare traces', '-i', '--only', 'e2e']), grepOf(['--grep', 'compare traces']));
    assert.deepEqual(cliRuns(grepOf(['--grep', '-i', 'COMPARE traces'])), [TITLES[0]]);
  });

  it('keeps the pattern a regular expression, slashes included', () => {
    assert.deepEqual(cliRuns(grepOf(['--grep', 'trace(s)?[: ]'])), [TITLES[0], TITLES[1]]);
    assert.deepEqual(cliRuns(grepOf(['--grep', 'A/B'])), [TITLES[2]]);
    assert.ok(hostRegExp(grepOf(['--grep', 'A/B'])).test(TITLES[2]!));
  });

  it('without --grep runs everything; a --grep with no pattern is an error, not a pattern of "-i" or "--only"', () => {
    assert.deepEqual(runnerGrep(['--only', 'unit']), { ok: true, grep: null });
    for (const args of [['--grep'], ['--grep', '-i'], ['--grep', '--only', 'unit'], ['--grep', '']]) {
      const result = runnerGrep(args);
      assert.ok(!result.ok, `${JSON.stringify(args)} → ${JSON.stringify(result)}`);
      assert.match(result.error, /--grep needs a pattern/);
    }
  });
});
