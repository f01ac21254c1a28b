import * as assert from 'node:assert';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { ThemeKind } from '../../src/charts/protocol';
import { createNonce, webviewHtml, type ResourceUri } from '../../src/vscode/webviewHtml';

/**
 * The webview page tier: a built webview bundle (dist/webview/<app>.js) in a page produced by the real
 * webviewHtml() with its real CSP, served from 127.0.0.1 and opened in Debian's Chromium. A stub
 * `acquireVsCodeApi` records what the page posts and lets a test post host messages, both through a
 * JSON round trip as in VS Code.
 */

const ROOT = path.resolve(__dirname, '../..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SERVED = [path.join(ROOT, 'dist', 'webview'), path.join(ROOT, 'media')];

/** Theme variables of VS Code's default themes, as much as the apps read. */
const FONT = { '--vscode-font-family': 'system-ui, sans-serif', '--vscode-font-size': '13px' };
const THEMES: Record<ThemeKind, Record<string, string>> = {
  dark: { ...FONT, '--vscode-foreground': '#cccccc', '--vscode-editor-background': '#1f1f1f', '--vscode-descriptionForeground': '#9d9d9d' },
  light: { ...FONT, '--vscode-foreground': '#3b3b3b', '--vscode-editor-background': '#ffffff', '--vscode-descriptionForeground': '#717171' },
  'high-contrast': { ...FONT, '--vscode-foreground': '#ffffff', '--vscode-editor-background': '#000000', '--vscode-contrastBorder': '#6fc3df' },
  'high-contrast-light': { ...FONT, '--vscode-foreground': '#292929', '--vscode-editor-background': '#ffffff', '--vscode-contrastBorder': '#0f4a85' },
};

export function themeClasses(kind: ThemeKind): string {
  return kind === 'high-contrast-light' ? 'vscode-high-contrast vscode-high-contrast-light' : `vscode-${kind}`;
}

class FakeUri implements ResourceUri {
  constructor(readonly path: string) {}
  with(change: { path: string }): FakeUri {
    return new FakeUri(change.path);
  }
}

export type WebviewApp = 'charts' | 'compare' | 'serve' | 'trace' | 'evaluation' | 'trace-compare' | 'session';
export type OpenOptions = { theme?: ThemeKind; viewport?: { width: number; height: number } };

export function isType(m: unknown, type: string): boolean {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type;
}

/**
 * A matcher factory for one app's page-to-host messages: `posted('ready')`,
 * `posted('viewState', (m) => m.state.xAxis === 'wall')`, typed by the app's protocol union.
 */
export function postedBy<M extends { type: string }>() {
  return <T extends M['type']>(type: T, test: (m: Extract<M, { type: T }>) => boolean = () => true) =>
    (m: unknown): m is Extract<M, { type: T }> =>
      isType(m, type) && test(m as Extract<M, { type: T }>);
}

export interface PageSuite {
  /** A fresh page of the suite's app that has said `ready` (its first message, before any host message). */
  open(options?: OpenOptions): Promise<WebviewPage>;
}

/**
 * The page-under-test set-up every webview suite shares, registered in the calling `describe`: one
 * harness (Chromium and the loopback page server) for the suite; and after each test, for every page
 * the test opened: no uncaught error, nothing the CSP had to block, no dialog (no host text ran as
 * script) and the suite's own `check`, then the page closed (also when a check fails).
 */
export function pageSuite(app: WebviewApp, options: { check?: (page: WebviewPage) => Promise<void> } = {}): PageSuite {
  let harness: WebviewHarness | undefined;
  const opened: WebviewPage[] = [];
  before(async () => {
    harness = await WebviewHarness.start();
  });
  after(async () => {
    await harness?.stop();
  });
  afterEach(async () => {
    const pages = opened.splice(0);
    try {
      for (const page of pages) {
        assert.deepStrictEqual(page.pageErrors, [], 'no uncaught errors in the page');
        assert.deepStrictEqual(page.cspViolations, [], 'nothing the CSP had to block');
        assert.deepStrictEqual(page.dialogs, [], 'no script ran from host text');
        await options.check?.(page);
      }
    } finally {
      for (const page of pages) await page.close();
    }
  });
  return {
    async open(options = {}) {
      if (!harness) throw new Error('pageSuite: open() is for tests (the harness starts in before())');
      const page = await harness.open(app, options);
      opened.push(page);
      await page.waitFor((m): m is { type: 'ready' } => isType(m, 'ready'), { what: 'ready' });
      return page;
    },
  };
}

export class WebviewHarness {
  private sequence = 0;

  private constructor(
    private readonly server: http.Server,
    private readonly browser: Browser,
    readonly origin: string,
    /** Pages by path; the server reads this map, open() adds to it. */
    private readonly pages: Map<string, string>,
  ) {}

  static async start(): Promise<WebviewHarness> {
    const pages = new Map<string, string>();
    const server = http.createServer((req, res) => serve(pages, req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    return new WebviewHarness(server, browser, origin, pages);
  }

  /** Opens a page of `app` in a fresh context; the theme is applied the way VS Code does (class + variables). */
  async open(app: WebviewApp, options: OpenOptions = {}): Promise<WebviewPage> {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'webview', `${app}.js`))) {
      throw new Error(`dist/webview/${app}.js is missing: run \`node scripts/build.mjs\` first`);
    }
    const nonce = createNonce();
    const html = webviewHtml({
      webview: { cspSource: this.origin, asWebviewUri: (uri) => `${this.origin}${uri.path}` },
      extensionUri: new FakeUri('/'),
      app,
      title: app,
      nonce,
    });
    const pagePath = `/page/${app}-${++this.sequence}.html`;
    this.pages.set(pagePath, html);
    const context = await this.browser.newContext({ viewport: options.viewport ?? { width: 1200, height: 900 } });
    const page = await context.newPage();
    const webviewPage = new WebviewPage(page, this.origin, nonce);
    await webviewPage.install(options.theme ?? 'dark');
    await page.goto(`${this.origin}${pagePath}`);
    return webviewPage;
  }

  async stop(): Promise<void> {
    await this.browser.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export class WebviewPage {
  /** Messages the page posted, JSON round-tripped, in order. */
  readonly received: unknown[] = [];
  readonly savedStates: unknown[] = [];
  readonly dialogs: string[] = [];
  readonly cspViolations: string[] = [];
  readonly pageErrors: string[] = [];
  private readonly listeners = new Set<() => void>();
  private closed = false;

  constructor(
    readonly page: Page,
    readonly cspSource: string,
    readonly nonce: string,
  ) {}

  async install(theme: ThemeKind): Promise<void> {
    this.page.on('dialog', (dialog) => {
      this.dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    this.page.on('pageerror', (error) => this.pageErrors.push(error.message));
    await this.page.exposeBinding('__toHost', (_source, message: string) => this.record(this.received, JSON.parse(message)));
    await this.page.exposeBinding('__setState', (_source, state: string) => this.record(this.savedStates, JSON.parse(state)));
    await this.page.exposeBinding('__cspViolation', (_source, text: string) => this.record(this.cspViolations, text));
    await this.page.addInitScript({ content: stubScript(themeClasses(theme), THEMES[theme]) });
  }

  /** Posts a host message the way VS Code delivers it: JSON-serialised, as a window message event. */
  async post(message: unknown): Promise<void> {
    // Typed without the DOM library (see applyTheme); the text is parsed in the page, as VS Code does.
    await this.page.evaluate(
      (text: string) => (globalThis as unknown as { postMessage(m: unknown, origin: string): void }).postMessage(JSON.parse(text), '*'),
      JSON.stringify(message),
    );
  }

  /** Switches theme the way VS Code does, which the apps notice through the body class. */
  async setTheme(kind: ThemeKind): Promise<void> {
    await this.page.evaluate(`(${applyTheme})(${JSON.stringify(themeClasses(kind))}, ${JSON.stringify(THEMES[kind])})`);
  }

  /** Index to pass as `since`, so a wait only looks at messages posted after this point. */
  mark(): number {
    return this.received.length;
  }

  /** The first message from `since` on that `accept` takes; waits for it, event-driven. */
  waitFor<T>(accept: (message: unknown) => message is T, options: { since?: number; timeoutMs?: number; what?: string } = {}): Promise<T> {
    const since = options.since ?? 0;
    const find = (): T | undefined => this.received.slice(since).find(accept);
    const found = find();
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        const last = this.received.at(-1);
        reject(new Error(`timed out waiting for ${options.what ?? 'a message'}; last received: ${JSON.stringify(last)?.slice(0, 2000)}; errors: ${this.pageErrors.join(' | ')}`));
      }, options.timeoutMs ?? 15_000);
      const check = (): void => {
        const match = find();
        if (match === undefined) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(match);
      };
      this.listeners.add(check);
    });
  }

  /** Closes the page's context; closing again (a test's own close, then the suite's) does nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.page.context().close();
  }

  private record<T>(list: T[], item: T): void {
    list.push(item);
    for (const listener of [...this.listeners]) listener();
  }
}

/**
 * In-page code is kept as source text: this file is also imported by the bench, which type-checks
 * without the DOM library.
 */
const applyTheme = `function (classes, vars) {
  for (const [name, value] of Object.entries(vars)) document.documentElement.style.setProperty(name, value);
  document.body.className = classes;
}`;

/** The stub VS Code API and the theme, installed before any page script runs. */
function stubScript(classes: string, vars: Record<string, string>): string {
  return `(() => {
  let acquired = false;
  let state;
  window.acquireVsCodeApi = () => {
    if (acquired) throw new Error('acquireVsCodeApi called twice');
    acquired = true;
    return {
      postMessage: (m) => window.__toHost(JSON.stringify(m)),
      getState: () => state,
      setState: (s) => { state = s; window.__setState(JSON.stringify(s)); },
    };
  };
  document.addEventListener('securitypolicyviolation', (e) => window.__cspViolation(e.violatedDirective + ' ' + e.blockedURI));
  // VS Code themes the page before its scripts run: body class plus variables on <html>.
  const observer = new MutationObserver(() => {
    if (!document.body) return;
    observer.disconnect();
    (${applyTheme})(${JSON.stringify(classes)}, ${JSON.stringify(vars)});
  });
  observer.observe(document, { childList: true, subtree: true });
})();`;
}

function serve(pages: ReadonlyMap<string, string>, req: http.IncomingMessage, res: http.ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const page = pages.get(url.pathname);
  if (page !== undefined) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(page);
    return;
  }
  const file = path.join(ROOT, decodeURIComponent(url.pathname));
  // Only the folders a real webview may load from (localResourceRoots); nothing else of the repo.
  if (!SERVED.some((dir) => file.startsWith(dir + path.sep)) || !fs.existsSync(file)) {
    res.writeHead(404).end();
    return;
  }
  const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.css') ? 'text/css' : file.endsWith('.svg') ? 'image/svg+xml' : 'application/octet-stream';
  res.writeHead(200, { 'Content-Type': type }).end(fs.readFileSync(file));
}
