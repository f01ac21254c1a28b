import { chromium, type BrowserContext, type FrameLocator, type Locator, type Page } from 'playwright-core';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/**
 * One real VS Code workbench (code-server, started by test/run.mjs with the packaged .vsix installed)
 * in Debian's Chromium. Selectors are the workbench's own ARIA roles and classes.
 */
export class Workbench {
  private constructor(
    readonly page: Page,
    private readonly context: BrowserContext,
    private readonly profile: string,
  ) {}

  static async open(folder: string, options: { theme?: 'dark' | 'light' | 'hc' } = {}): Promise<Workbench> {
    const url = process.env.VSC_URL;
    if (!url) throw new Error('VSC_URL is not set: run the e2e tier through `npm test`');
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-e2e-chrome-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      headless: true,
      viewport: { width: 1400, height: 860 },
      colorScheme: options.theme === 'light' ? 'light' : 'dark',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    // Generous bounds, not sleeps: a loaded CI machine can take long to open the first webview.
    page.setDefaultTimeout(60_000);
    await page.goto(`${url}?folder=${encodeURIComponent(folder)}`);
    await page.locator('.monaco-workbench').waitFor();
    await page.locator('.statusbar').waitFor();
    return new Workbench(page, context, profile);
  }

  async close(): Promise<void> {
    await this.context.close();
    fs.rmSync(this.profile, { recursive: true, force: true });
  }

  /**
   * Runs a command from the palette by its full title, e.g. "MLflow: Refresh". The palette is opened
   * afresh up to three times: a palette that opened while the workbench was still moving focus (a view
   * just revealed, a notification arriving) can come up without the typed filter applied.
   */
  async runCommand(title: string): Promise<void> {
    const input = this.page.locator('.quick-input-box input');
    // The row whose label is exactly `title`: the palette may rank a longer title that also matches
    // ("MLflow: Chart Runs of This File" for "MLflow: Chart Runs") above it, so Enter alone could run that one.
    const exact = new RegExp(`^${title.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    const row = this.page.locator('.quick-input-list .monaco-list-row')
      .filter({ has: this.page.locator('.label-name', { hasText: exact }) }).first();
    for (let attempt = 1; ; attempt++) {
      await this.page.keyboard.press('F1');
      try {
        await input.waitFor({ state: 'visible', timeout: attempt < 3 ? 10_000 : 60_000 });
      } catch (error) {
        // F1 went nowhere (focus left in a closing quick pick or a webview): give the workbench focus back
        // with a click on the activity bar's empty part, then press it again.
        if (attempt >= 3) throw error;
        await this.page.mouse.click(24, 620);
        continue;
      }
      await input.fill(`>${title}`);
      try {
        await row.waitFor({ timeout: attempt < 3 ? 15_000 : 60_000 });
        break;
      } catch (error) {
        if (attempt >= 3) throw error;
        await this.page.keyboard.press('Escape');
        await input.waitFor({ state: 'hidden' });
      }
    }
    await row.click();
  }

  /**
   * Clicks `item` once no tooltip is showing. A tree row's tooltip comes from the extension a moment
   * after the pointer rests on it, so the one of a row clicked just before can open late and cover
   * the rows under it, taking the click.
   */
  async clickWithoutHover(item: Locator): Promise<void> {
    await this.dismissHover();
    await item.click();
  }

  /** Moves the pointer off the side bar and waits until no tooltip shows (before a screenshot, a click). */
  async dismissHover(): Promise<void> {
    // The empty part of the activity bar, under its icons: nothing there has a tooltip (the status bar,
    // where this used to point, has items with hovers on VS Code 1.139).
    await this.page.mouse.move(24, 620);
    await this.page.locator('.monaco-hover, .workbench-hover').filter({ visible: true }).first().waitFor({ state: 'detached' });
  }

  async openMlflowContainer(): Promise<void> {
    await this.page.getByRole('tab', { name: /^MLflow/ }).click();
    await this.viewPane('Runs').waitFor();
  }

  /**
   * Collapses a view of the side bar by clicking its header's twistie. A click that lands while the side
   * bar is still laying out its views (one appearing when its context key is set) can be lost: the header
   * is clicked again until it reports collapsed.
   */
  async collapseView(name: string): Promise<void> {
    const header = this.viewPane(name);
    const collapsed = header.and(this.page.locator('[aria-expanded="false"]'));
    for (let attempt = 1; ; attempt++) {
      // On the twistie at the header's left: its middle can hold the view's title actions (Filter, Connect…)
      // when the side bar is narrow, and a click there runs an action instead.
      if (await header.and(this.page.locator('[aria-expanded="true"]')).count()) await header.click({ position: { x: 10, y: 11 } });
      try {
        await collapsed.waitFor({ timeout: attempt < 3 ? 10_000 : 60_000 });
        return;
      } catch (error) {
        if (attempt >= 3) {
          await this.screenshot(`failed-collapse-${name}`);
          throw error;
        }
      }
    }
  }

  /** The header of a view in the side bar, by its name. */
  viewPane(name: string): Locator {
    return this.page.locator('.part.sidebar .pane-header', { hasText: name });
  }

  treeItem(name: string | RegExp): Locator {
    return this.page.getByRole('treeitem', { name }).first();
  }

  /** The content of the active webview panel. */
  webview(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
  }

  async screenshot(name: string): Promise<void> {
    const dir = path.join(process.env.E2E_STATE_DIR ?? '.test-state/e2e', 'shots');
    fs.mkdirSync(dir, { recursive: true });
    await this.page.screenshot({ path: path.join(dir, `${name}.png`) });
  }
}

/** A fresh copy of the demo workspace for one suite. */
export function demoWorkspace(name: string): string {
  const source = process.env.E2E_DEMO_DIR ?? path.resolve('demo');
  const target = path.join(process.env.E2E_STATE_DIR ?? '.test-state/e2e', 'workspaces', name);
  fs.rmSync(target, { recursive: true, force: true });
  fs.cpSync(source, target, { recursive: true });
  for (const entry of fs.readdirSync(target, { recursive: true }) as string[]) {
    const file = path.join(target, entry);
    fs.chmodSync(file, fs.statSync(file).isDirectory() ? 0o755 : 0o644);
  }
  return target;
}
