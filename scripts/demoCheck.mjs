// `node scripts/demoCheck.mjs`: `npm run demo` end to end, as a new user meets it, checked in a browser.
//
// Run it in a fresh clone (`git clone <repo> /tmp/demo-clone && cd /tmp/demo-clone && node scripts/demoCheck.mjs`):
// it starts `npm run demo` (which installs what it needs), waits for the URL, opens it in Debian's Chromium
// with Playwright and checks that the Runs view opens on the curated experiments, that Chart Runs draws
// charts, that Serve Model… and Run MLproject… say MLflow is not installed (the demo has no stand-in
// `mlflow`), and that the window title names the demo. Then it stops the demo (its whole process group) and
// checks that `git status --porcelain` is empty. Not part of `npm test`: on a fresh clone the first run
// installs code-server (minutes); afterwards it takes about a minute.
//
// PORT picks the demo's port (default: a free one). Exit status 0 when every check passed.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SHOWCASE } from './demoStore.mjs';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
/** Generous: on a fresh clone `npm run demo` installs dependencies and code-server first. */
const DEMO_START_TIMEOUT_MS = 30 * 60_000;
const UI_TIMEOUT_MS = 120_000;

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

const results = [];
function check(name, ok, detail = '') {
  results.push({ name, ok });
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${name}${detail ? ` — ${detail}` : ''}`);
}

/** Starts `npm run demo` in its own process group and resolves with its URL once it prints it. */
function startDemo(port) {
  const child = spawn('npm', ['run', 'demo'], { cwd: root, env: { ...process.env, PORT: String(port) }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = fs.createWriteStream(path.join(os.tmpdir(), `demo-check-${port}.log`));
  const url = new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no demo URL within ${DEMO_START_TIMEOUT_MS / 60_000} min (log: ${log.path})`)), DEMO_START_TIMEOUT_MS);
    const onData = (chunk) => {
      log.write(chunk);
      seen += chunk.toString();
      const match = /Open (http:\/\/127\.0\.0\.1:\d+\/\S+)/.exec(seen);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => log.write(chunk));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`npm run demo exited with ${code} before printing its URL (log: ${log.path})`));
    });
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { child, url, exited, logPath: log.path };
}

async function stopDemo(demo) {
  if (demo.child.exitCode !== null) return;
  try {
    process.kill(-demo.child.pid, 'SIGINT');
  } catch {
    return;
  }
  const stopped = await Promise.race([demo.exited.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 30_000))]);
  if (!stopped) {
    try {
      process.kill(-demo.child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
    await demo.exited;
  }
}

async function runCommand(page, title) {
  const input = page.locator('.quick-input-box input');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  for (let attempt = 1; ; attempt++) {
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible' });
    await input.fill(`>${title}`);
    try {
      await row.waitFor({ timeout: 20_000 });
      break;
    } catch (error) {
      if (attempt >= 3) throw error;
      await page.keyboard.press('Escape');
    }
  }
  await page.keyboard.press('Enter');
}

async function notificationText(page, prefix) {
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: prefix }).first();
  await toast.waitFor();
  return (await toast.locator('.notification-list-item-message').textContent()) ?? '';
}

async function checkWorkbench(url) {
  const { chromium } = await import('playwright-core');
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-check-chrome-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 860 },
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    await page.goto(url);
    await page.locator('.monaco-workbench').waitFor();
    await page.waitForFunction(() => document.title.includes('MLflow Workbench demo'));
    check('the window title names the demo', true, await page.title());

    await page.getByRole('tab', { name: /^MLflow/ }).click();
    const rows = page.locator('.part.sidebar [role="treeitem"][aria-level="1"]');
    await rows.filter({ hasText: SHOWCASE[0] }).first().waitFor();
    const names = (await rows.allTextContents()).map((t) => t.trim());
    const first = SHOWCASE.map((name) => names.findIndex((n) => n.startsWith(name)));
    check('the Runs view opens on the curated experiments, in order', first.every((i, k) => i === k), names.slice(0, 6).join(' | '));

    await runCommand(page, 'MLflow: Chart Runs');
    const pickInput = page.locator('.quick-input-widget input');
    await pickInput.fill('iris');
    await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: 'iris-classification' }).waitFor();
    await page.keyboard.press('Enter');
    await page.getByRole('tab', { name: /Charts: iris-classification/ }).waitFor();
    const chart = page.frameLocator('iframe.webview.ready').frameLocator('#active-frame').locator('figure.chart[data-loading="false"]').first();
    await chart.waitFor();
    check('Chart Runs draws the charts of iris-classification', true);
    await runCommand(page, 'View: Close All Editors');

    await runCommand(page, 'MLflow: Serve Model…');
    await pickInput.waitFor({ state: 'visible' });
    await pickInput.fill('models:/iris-classifier/1');
    await page.keyboard.press('Enter');
    const serve = await notificationText(page, "Can't serve the model");
    check('Serve Model… says MLflow is not installed', /MLflow is not installed/.test(serve), serve);
    await runCommand(page, 'Notifications: Clear All Notifications');
    await runCommand(page, 'View: Close All Editors');

    await runCommand(page, 'MLflow: Run MLproject…');
    const run = await notificationText(page, "Can't run the MLproject");
    check('Run MLproject… says MLflow is not installed', /MLflow is not installed/.test(run), run);
  } finally {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

const port = process.env.PORT ? Number(process.env.PORT) : await freePort();
const statusBefore = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' });
if (statusBefore) console.log(`note: the tree was not clean before the demo:\n${statusBefore}`);
const demo = startDemo(port);
const stopOnSignal = () => void stopDemo(demo).then(() => process.exit(130));
process.on('SIGINT', stopOnSignal);
process.on('SIGTERM', stopOnSignal);
const started = Date.now();
try {
  const url = await demo.url;
  check('npm run demo printed its URL', true, `${Math.round((Date.now() - started) / 1000)} s`);
  await checkWorkbench(url);
} catch (error) {
  check('the demo', false, error instanceof Error ? error.message : String(error));
} finally {
  await stopDemo(demo);
}
const status = execFileSync('git', ['status', '--porcelain'], { cwd: root, encoding: 'utf8' });
check('git status is clean after the demo', status === statusBefore, status.trim().split('\n').join(', '));
const failed = results.filter((r) => !r.ok).length;
console.log(`\ndemo check: ${results.length - failed} passed, ${failed} failed (demo log: ${demo.logPath})`);
process.exit(failed ? 1 : 0);
