import * as fs from 'fs';
import Mocha from 'mocha';
import * as path from 'path';

/**
 * Loaded by the extension host as extensionTestsPath: runs every bundled *.test.js beside it and prints
 * the `integration: N passing, N failing, N pending` line the runner reads (worded unlike the runner's
 * own final `N passed, N failed, N skipped` line, so that a log has only one such line, at its end).
 */
export function run(): Promise<void> {
  // TEST_GREP (passed through by test/run.mjs) narrows a developer's run to the matching tests.
  const grep = process.env.TEST_GREP;
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000, reporter: 'spec', ...(grep ? { grep } : {}) });
  // vscodeClosing runs the extension's deactivate(), after which the extension is gone: it goes last.
  const last = (f: string): number => (f === 'vscodeClosing.test.js' ? 1 : 0);
  const files = fs.readdirSync(__dirname).filter((f: string) => f.endsWith('.test.js')).sort();
  for (const file of files.sort((a, b) => last(a) - last(b))) {
    mocha.addFile(path.join(__dirname, file));
  }
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      // Skipped tests are pending, not passed.
      const { passes = 0, pending = 0 } = runner.stats ?? {};
      console.log(`integration: ${passes} passing, ${failures} failing, ${pending} pending`);
      if (failures > 0) reject(new Error(`${failures} integration tests failed`));
      else resolve();
    });
  });
}
