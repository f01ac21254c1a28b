import * as fs from 'fs';
import Mocha from 'mocha';
import * as path from 'path';

/**
 * Loaded by the extension host as extensionTestsPath: runs every bundled *.test.js beside it and prints
 * the `N passed, N failed` line the runner reads.
 */
export function run(): Promise<void> {
  // TEST_GREP (passed through by test/run.mjs) narrows a developer's run to the matching tests.
  const grep = process.env.TEST_GREP;
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 120_000, reporter: 'spec', ...(grep ? { grep } : {}) });
  for (const file of fs.readdirSync(__dirname).filter((f: string) => f.endsWith('.test.js')).sort()) {
    mocha.addFile(path.join(__dirname, file));
  }
  return new Promise((resolve, reject) => {
    mocha.run((failures) => {
      const total = mocha.suite.total();
      console.log(`${total - failures} passed, ${failures} failed`);
      if (failures > 0) reject(new Error(`${failures} integration tests failed`));
      else resolve();
    });
  });
}
