import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { FrameLocator, Locator } from 'playwright-core';
import { PAYLOADS, PWNED_TITLE, hostileDataset } from '../support/hostile';
import { startMlflowServer, type MlflowServer } from '../support/mlflowServer/server';
import { demoWorkspace, Workbench } from './workbench';

/**
 * A tracking server whose every name, value and description is an attack (test/support/hostile.ts:
 * markup, script breakouts, javascript: and command: links, template injections, 10,000 characters,
 * control characters, right-to-left overrides, emoji), browsed in the real workbench: the Runs view
 * (labels, descriptions, hovers), the Models view, the charts panel (legend, metric picker, tooltips),
 * the compare table and, when serving is wired, the serve launcher and request panel. Any payload that
 * runs sets `window.__pwned`, retitles its document or opens a dialog; after every step each frame of
 * the page (the workbench and every webview, nested iframes included) is checked for all three and for
 * an `<img src=x>`, and every webview's Content-Security-Policy is read back and checked.
 */

const { dataset, ids } = hostileDataset();
/** Visible text that starts each hostile item's label (rows are found by text, never by aria-label). */
const ROW = {
  markupExperiment: 'x <img src=x',
  longExperiment: 'y long:0123456789',
  mixedExperiment: 'z rtl:',
  img: 'a <img src=x',
  script: 'b </script><script>',
  template: 'c {{constructor',
};
const FAKE_MLFLOW = path.resolve(process.cwd(), 'test', 'support', 'fake-venv', 'bin', 'mlflow');

describe('Hostile data in the real workbench: shown as text, never run (packaged extension)', () => {
  let server: MlflowServer;
  let workbench: Workbench;
  const dialogs: string[] = [];
  /** The serve panel, so a model server a failed step left running is stopped. */
  let serveView: FrameLocator | undefined;

  const page = () => workbench.page;
  const pane = (name: 'Runs' | 'Models'): Locator =>
    page().locator('.part.sidebar .pane').filter({ has: page().locator('.pane-header', { hasText: new RegExp(`^${name}`) }) });
  /** A tree row by its visible text at a depth (1: experiments or models, 2: runs or versions, …). */
  const row = (where: 'Runs' | 'Models', text: string, level: number): Locator =>
    pane(where).locator(`[role="treeitem"][aria-level="${level}"]`, { hasText: text }).first();

  before(async () => {
    server = await startMlflowServer({ dataset });
    const folder = demoWorkspace('hostile');
    fs.mkdirSync(path.join(folder, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(folder, '.vscode', 'settings.json'), JSON.stringify({ 'mlflow.trackingUri': server.baseUrl, 'mlflow.executablePath': FAKE_MLFLOW }, null, 2));
    workbench = await Workbench.open(folder);
    page().on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await workbench.openMlflowContainer();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await workbench.screenshot(`hostile-failed-${this.currentTest.title.replace(/\W+/g, '-').slice(0, 50)}`);
    await assertNothingRan(this.currentTest?.title ?? '');
  });

  after(async () => {
    const stop = serveView?.locator('#stop:not([disabled])');
    if (stop && (await stop.count().catch(() => 0)) > 0) {
      await stop.click().catch(() => undefined);
      await serveView?.locator('#server-status', { hasText: /^Stopped/ }).waitFor({ timeout: 15_000 }).catch(() => undefined);
    }
    await workbench?.close();
    await server?.close();
  });

  /** No dialog, and in every frame: no marker, no PWNED title, no element made from a payload. */
  async function assertNothingRan(where: string): Promise<void> {
    assert.deepStrictEqual(dialogs, [], `no dialog opened (${where})`);
    let frames = 0;
    for (const frame of page().frames()) {
      const state = await frame
        .evaluate(() => ({
          pwned: (window as unknown as { __pwned?: unknown }).__pwned ?? null,
          title: document.title,
          injected: document.querySelectorAll('img[src="x"], a[href*="__pwned"], a[href*="alert("]').length,
        }))
        .catch(() => undefined); // a frame that went away meanwhile
      if (!state) continue;
      frames++;
      assert.strictEqual(state.pwned, null, `window.__pwned in ${frame.url()} (${where})`);
      assert.notStrictEqual(state.title, PWNED_TITLE, `document.title in ${frame.url()} (${where})`);
      assert.strictEqual(state.injected, 0, `an element made from a payload in ${frame.url()} (${where})`);
    }
    assert.ok(frames >= 1, 'the workbench frame was checked');
  }

  /** Reads the policy of every webview app frame (the ones with `body[data-app]`); returns how many. */
  async function assertStrictCsp(): Promise<number> {
    let apps = 0;
    for (const frame of page().frames()) {
      const info = await frame
        .evaluate(() => ({
          app: document.body?.getAttribute('data-app') ?? null,
          csp: document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '',
          scripts: [...document.querySelectorAll('script')].map((s) => ({
            nonce: s.nonce ?? '',
            external: s.hasAttribute('src'),
            // VS Code's own bootstrap (acquireVsCodeApi), put into every webview document by the host.
            host: !s.hasAttribute('src') && (s.textContent ?? '').includes('acquireVsCodeApi'),
          })),
        }))
        .catch(() => undefined);
      if (!info?.app) continue;
      apps++;
      const directives = new Map(
        info.csp.split(';').map((d) => d.trim().split(/\s+/)).filter((parts) => parts[0]).map(([name, ...values]) => [name, values] as const),
      );
      const where = `the ${info.app} webview's policy "${info.csp}"`;
      assert.deepStrictEqual(directives.get('default-src'), ["'none'"], where);
      const scriptSrc = directives.get('script-src') ?? [];
      assert.strictEqual(scriptSrc.length, 1, `scripts only by nonce: ${where}`);
      assert.match(scriptSrc[0], /^'nonce-[A-Za-z0-9+/=]{16,}'$/, where);
      assert.doesNotMatch(info.csp, /unsafe-eval|unsafe-inline/, where);
      const ours = info.scripts.filter((s) => !s.host);
      assert.ok(ours.length === 1 && ours.every((s) => s.nonce && s.external), `one script, the app bundle with the nonce: ${JSON.stringify(info.scripts)}`);
    }
    return apps;
  }

  /** Clicks a collapsible row open (or closed) and waits for the tree to say so. */
  async function setExpanded(item: Locator, expanded: boolean): Promise<void> {
    await item.waitFor();
    if ((await item.getAttribute('aria-expanded')) !== String(expanded)) await item.click();
    await item.and(page().locator(`[aria-expanded="${expanded}"]`)).waitFor();
  }

  /** Opens or closes a view by its header's title (the middle of the header holds its action buttons). */
  async function setPaneExpanded(name: 'Runs' | 'Models', expanded: boolean): Promise<void> {
    const header = workbench.viewPane(name);
    await header.waitFor();
    if ((await header.getAttribute('aria-expanded')) !== String(expanded)) await header.locator('.title').click();
    await header.and(page().locator(`[aria-expanded="${expanded}"]`)).waitFor();
  }

  /**
   * Hovers a row until its tooltip shows, checks the tooltip holds `literal` as text and, given a
   * `title`, that its bold first line is exactly that (a name shown as stored, nothing decoded or
   * dropped), then moves away.
   */
  async function hover(item: Locator, literal: string, title?: string): Promise<void> {
    const tooltip = page().locator('.monaco-hover, .workbench-hover').filter({ visible: true }).first();
    // A tree that re-renders under a resting pointer (a refresh) drops the hover and shows none until
    // the pointer enters again: move away and back, waiting on the tooltip each time.
    for (let attempt = 1; ; attempt++) {
      await item.hover();
      try {
        await tooltip.waitFor({ timeout: attempt < 3 ? 15_000 : 60_000 });
        break;
      } catch (error) {
        if (attempt >= 3) throw error;
        await page().mouse.move(24, 620);
      }
    }
    // Markdown tooltips keep runs of spaces as no-break spaces.
    const text = ((await tooltip.textContent()) ?? '').replace(/\u00a0/g, ' ');
    assert.ok(text.includes(literal), `the tooltip shows ${JSON.stringify(literal)} as text: ${JSON.stringify(text.slice(0, 300))}`);
    if (title !== undefined) {
      const shown = ((await tooltip.locator('strong').first().textContent()) ?? '').replace(/\u00a0/g, ' ');
      assert.strictEqual(shown, title, 'the tooltip names the item exactly');
    }
    await page().mouse.move(24, 620);
    await tooltip.waitFor({ state: 'hidden' });
  }

  /** Right-click, then the menu entry, taken with Enter (a click racing the opening menu gets dropped). */
  async function contextMenu(item: Locator, entry: string): Promise<void> {
    await item.click({ button: 'right' });
    const menuItem = page().getByRole('menuitem', { name: entry, exact: true });
    await menuItem.hover();
    await page().locator('.monaco-menu .action-item.focused', { hasText: entry }).waitFor();
    await page().keyboard.press('Enter');
    await menuItem.waitFor({ state: 'detached' });
  }

  async function selectRuns(texts: readonly string[]): Promise<void> {
    await row('Runs', texts[0], 2).click();
    for (const text of texts.slice(1)) await row('Runs', text, 2).click({ modifiers: ['Control'] });
    for (const text of texts) await pane('Runs').locator('[role="treeitem"][aria-selected="true"]', { hasText: text }).first().waitFor();
  }

  /** Escape until no quick input is open (a click elsewhere would only close it). */
  async function closeQuickInput(): Promise<void> {
    const widget = page().locator('.quick-input-widget');
    while (await widget.isVisible()) await page().keyboard.press('Escape');
  }

  async function closeEditors(): Promise<void> {
    await workbench.runCommand('View: Close All Editors');
    await page().locator('iframe.webview').first().waitFor({ state: 'detached' });
  }

  it('Runs view: experiments, runs, params, tags and artifacts show their names literally, hovers included', async () => {
    await setPaneExpanded('Models', false);
    const experiment = row('Runs', ROW.markupExperiment, 1);
    await experiment.waitFor();
    assert.ok((await experiment.textContent())?.includes(`x ${PAYLOADS.img}`), 'the experiment label is the name, as text');
    await row('Runs', ROW.longExperiment, 1).waitFor();
    await row('Runs', ROW.mixedExperiment, 1).waitFor();
    await hover(experiment, '</script><script>window.__pwned=1', `x ${PAYLOADS.img}`);
    await setExpanded(experiment, true);

    const run = row('Runs', ROW.img, 2);
    await row('Runs', ROW.script, 2).waitFor();
    await row('Runs', ROW.template, 2).waitFor();
    await hover(run, '<img src=x onerror="window.__pwned=1', `a ${PAYLOADS.img}`);
    await setExpanded(run, true);
    // Rows leave bidi controls out (they would reorder the row): the tag reads `rtl:exe.txt`.
    for (const [section, literal] of [['Parameters', PAYLOADS.template], ['Tags', 'rtl:exe.txt'], ['Metrics', 'm <img src=x onerror=']] as const) {
      const header = row('Runs', section, 3);
      await setExpanded(header, true);
      await row('Runs', literal, 4).waitFor();
      if (section === 'Parameters') {
        await row('Runs', PAYLOADS.commandLink, 4).waitFor();
        await hover(row('Runs', 'angular', 4), "{{constructor.constructor('window.__pwned=1");
      }
      await setExpanded(header, false);
    }
    const artifacts = row('Runs', 'Artifacts', 3);
    await setExpanded(artifacts, true);
    await row('Runs', `${PAYLOADS.img}.txt`, 4).waitFor();
    await row('Runs', PAYLOADS.emoji, 4).waitFor();
    await setExpanded(row('Runs', `folder ${PAYLOADS.img}`, 4), true);
    await row('Runs', `inner ${PAYLOADS.template}.json`, 5).waitFor();
    await assertNothingRan('after expanding the artifacts');
    await setExpanded(artifacts, false);
    await setExpanded(run, false);

    const mixed = row('Runs', ROW.mixedExperiment, 1);
    await setExpanded(mixed, true);
    await row('Runs', 'e ctl:', 2).waitFor();
    await setExpanded(mixed, false);
    await workbench.screenshot('hostile-runs');
  });

  it('a server error carrying a command: link is shown as text in the notification, not as a link', async () => {
    server.faults = (r) =>
      r.path.endsWith('/runs/search') && (r.body as { max_results?: unknown } | null)?.max_results === 1
        ? { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: `Bad filter ${PAYLOADS.commandLink} ${PAYLOADS.img}` } }
        : undefined;
    try {
      await workbench.runCommand('MLflow: Filter Runs…');
      await page().locator('.quick-input-widget .quick-input-title', { hasText: 'Filter runs' }).waitFor();
      await page().locator('.quick-input-widget .quick-input-box input').fill('params.alpha = 1');
      await page().keyboard.press('Enter');
      const toast = page().locator('.notifications-toasts .notification-toast', { hasText: 'Filter not applied' });
      await toast.waitFor();
      // Read at once: a toast may hide itself while it is being read.
      const shown = await toast.evaluate((el) => ({
        text: (el.textContent ?? '').replace(/\u200b/g, ''),
        links: [...el.querySelectorAll('a')].map((a) => `${a.textContent} → ${a.getAttribute('href') ?? a.getAttribute('data-href') ?? ''}`),
      }));
      assert.deepStrictEqual(shown.links.filter((l) => /Run me|command:/.test(l)), [], 'no clickable command link made from server text');
      // The text reads as the server sent it (a zero-width space keeps `](` apart).
      assert.ok(shown.text.includes(PAYLOADS.commandLink), `the link syntax shows as text: ${shown.text}`);
      await workbench.screenshot('hostile-notification');
    } finally {
      server.faults = undefined;
      await closeQuickInput();
      await workbench.runCommand('Notifications: Clear All Notifications');
      await closeQuickInput();
    }
  });

  it('Models view: model names, aliases, descriptions and tags show literally, hovers included', async () => {
    await setPaneExpanded('Models', true);
    await setPaneExpanded('Runs', false);
    const model = row('Models', PAYLOADS.img, 1);
    await model.waitFor();
    await row('Models', `${PAYLOADS.angular} ${PAYLOADS.template}`, 1).waitFor();
    await hover(model, '<a href="javascript:window.__pwned=1');
    await setExpanded(model, true);
    await row('Models', `@${ids.alias}`, 2).waitFor();
    await hover(row('Models', 'Version 1', 2), "{{constructor.constructor('window.__pwned=1");
    await workbench.screenshot('hostile-models');
    await setExpanded(model, false);
    await setPaneExpanded('Runs', true);
  });

  it('charts panel: legend, metric picker and tooltips show names as text, under a strict CSP', async () => {
    await selectRuns([ROW.img, ROW.script, ROW.template]);
    await contextMenu(row('Runs', ROW.template, 2), 'Chart Metrics');
    await page().getByRole('tab', { name: /Charts: 3 runs/ }).waitFor();
    const view: FrameLocator = workbench.webview();
    await view.locator('figure.chart[data-loading="false"][data-datasets="3"]').nth(3).waitFor();
    const legend = await view.locator('.legend-list li').allTextContents();
    for (const id of [ids.runs.img, ids.runs.script, ids.runs.template]) {
      const name = dataset.runs.find((r) => r.info.runId === id)?.info.runName ?? '';
      assert.ok(legend.some((text) => text.includes(name)), `the legend shows ${JSON.stringify(name.slice(0, 30))} literally`);
    }
    const metrics = await view.locator('.metric-list vscode-checkbox').allTextContents();
    for (const key of ids.metricKeys) assert.ok(metrics.some((text) => text.includes(key)), `the picker lists ${JSON.stringify(key)}`);
    await view.locator('#metric-search').click();
    await page().keyboard.type('<img');
    await view.locator('.metric-list vscode-checkbox', { hasText: 'm <img src=x' }).waitFor();

    // A chart.js tooltip with the run names, drawn over the canvas: what it drew is reflected on the figure.
    const figure = view.locator('figure.chart').first();
    const canvas = figure.locator('canvas');
    const box = await canvas.boundingBox();
    assert.ok(box, 'a chart is on screen');
    await page().mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page().mouse.move(box.x + box.width / 2 + 5, box.y + box.height / 2);
    await view.locator('figure.chart[data-tooltip]').first().waitFor();
    const drawn = JSON.parse((await figure.getAttribute('data-tooltip')) ?? 'null') as { title: string[]; body: string[] };
    const names = [ids.runs.img, ids.runs.script, ids.runs.template].map((id) => dataset.runs.find((r) => r.info.runId === id)?.info.runName ?? '');
    assert.strictEqual(drawn.title.length, 1, JSON.stringify(drawn));
    assert.ok(names.includes(drawn.title[0] ?? ''), `the tooltip's title is one of the hostile run names, raw: ${JSON.stringify(drawn.title)}`);
    assert.strictEqual(await view.locator('img').count(), 0, 'no <img> made from a name');
    await workbench.screenshot('hostile-charts');
    assert.strictEqual(await assertStrictCsp(), 1, 'the charts webview was checked');
  });

  it('compare table: run names, params and tags show literally, under a strict CSP', async () => {
    await closeEditors();
    await selectRuns([ROW.img, ROW.script, ROW.template]);
    await contextMenu(row('Runs', ROW.template, 2), 'Compare Runs');
    await page().getByRole('tab', { name: /Compare: 3 runs/ }).waitFor();
    const view = workbench.webview();
    const header = view.locator(`th[data-run="${ids.runs.img}"]`);
    await header.waitFor();
    assert.ok((await header.textContent())?.includes(`a ${PAYLOADS.img}`), 'the header shows the run name literally');
    await view.locator('#only-differences').click();
    await view.locator('tr[data-param]', { hasText: PAYLOADS.angular }).first().waitFor();
    assert.ok(((await view.locator('table').first().textContent()) ?? '').includes(PAYLOADS.script));
    await workbench.screenshot('hostile-compare');
    assert.strictEqual(await assertStrictCsp(), 1, 'the compare webview was checked');
  });

  it('serve launcher and request panel show a hostile model name as text', async () => {
    await closeEditors();
    await setPaneExpanded('Models', true);
    await setPaneExpanded('Runs', false);
    await setExpanded(row('Models', PAYLOADS.img, 1), true);
    await contextMenu(row('Models', 'Version 1', 2), 'Serve Model Version');
    const modelUri = `models:/${PAYLOADS.img}/1`;
    const missing = page().locator('.notifications-toasts .notification-toast', { hasText: 'serving is not available in this installation' });
    const tab = page().getByRole('tab', { name: /^Serve models:\// });
    await missing.or(tab).first().waitFor();
    // Serving is part of the extension: a build without the mlflow.serveModel command is broken.
    assert.ok(!(await missing.isVisible()), 'the mlflow.serveModel command is registered (serving is wired)');
    const view = (serveView = workbench.webview());
    await view.locator('#model-uri').waitFor();
    assert.strictEqual(await view.locator('#model-uri').textContent(), modelUri);
    await view.locator('#command').filter({ hasText: '--model-uri' }).waitFor();
    // Shown shell-quoted, as one argument, exactly as it will be passed.
    const quoted = `'${modelUri.replace(/'/g, "'\\''")}'`;
    assert.ok((await view.locator('#command').textContent())?.includes(`--model-uri ${quoted} `), 'the command shows the URI as one quoted argument');
    assert.strictEqual(await assertStrictCsp(), 1, 'the serve webview was checked');
    await view.locator('#launch:not([disabled])').click();
    await view.locator('#server-status', { hasText: /^Healthy at / }).waitFor({ timeout: 60_000 });
    await view.getByRole('tab', { name: 'Request', selected: true }).waitFor();
    await view.locator('#body textarea').fill(JSON.stringify({ inputs: [PAYLOADS.img, PAYLOADS.script] }));
    await view.locator('#send').click();
    await view.locator('#response-status', { hasText: /^HTTP \d+/ }).waitFor();
    await assertNothingRan('after a request');
    assert.strictEqual(await assertStrictCsp(), 1);
    await view.locator('#stop').click();
    await view.locator('#server-status', { hasText: /^Stopped/ }).waitFor();
  });
});
