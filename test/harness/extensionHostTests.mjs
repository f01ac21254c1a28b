// Runs the integration tier inside code-server's real Node extension host, the way VS Code's own browser
// integration harness does: the workbench opens with a payload naming extensionDevelopmentPath and
// extensionTestsPath, the test module's run() executes in the extension host, and the workbench calls
// window.codeAutomationExit(code) when it settles.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { CHROMIUM, CHROMIUM_ARGS, workbenchUrl } from './codeServer.mjs';

export async function runExtensionHostTests({ serverUrl, extensionPath, testsPath, folder, timeoutMs = 300_000 }) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-wb-chrome-'));
  const browser = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const lines = [];
  try {
    const page = browser.pages()[0] ?? await browser.newPage();
    let finish;
    const exited = new Promise((resolve) => (finish = resolve));
    await page.exposeFunction('codeAutomationLog', (_type, args) => {
      const line = util.format(...args);
      lines.push(line);
      console.log(line);
    });
    await page.exposeFunction('codeAutomationExit', (code) => finish(code));
    page.on('pageerror', (error) => console.log('[workbench pageerror]', error.message));
    await page.goto(workbenchUrl(serverUrl, folder, { extensionDevelopmentPath: extensionPath, extensionTestsPath: testsPath }));
    let timer;
    const code = await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs)))]);
    clearTimeout(timer);
    if (code === 'timeout') console.log(`integration tests did not finish within ${timeoutMs / 1000} s`);
    const summary = [...lines].reverse().map((l) => /^integration: (\d+) passing, (\d+) failing, (\d+) pending/.exec(l.trim())).find(Boolean);
    const output = lines.join('\n');
    return summary
      ? { passed: Number(summary[1]), failed: Number(summary[2]) + (code === 0 || Number(summary[2]) > 0 ? 0 : 1), skipped: Number(summary[3]), output }
      : { passed: 0, failed: 1, skipped: 0, output };
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}
