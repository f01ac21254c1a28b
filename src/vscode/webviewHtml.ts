import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import type * as vscode from 'vscode';

/**
 * The one place webview HTML and its Content Security Policy are written, so every panel gets the same
 * strict policy: nothing loads unless named here, scripts run only with this page's nonce, and styles,
 * images and fonts come only from the extension's own resources.
 *
 * Only `import type` from vscode: the HTML is plain string work, which lets the webview page tests
 * (plain Node + Chromium) render the exact page a panel would get and compare its policy.
 */

/** What this module needs of a `vscode.Uri`; `with` keeps the scheme and authority (remote, web). */
export interface ResourceUri {
  readonly path: string;
  with(change: { path: string }): ResourceUri;
}

/** What this module needs of a `vscode.Webview`. */
export interface WebviewResources {
  readonly cspSource: string;
  asWebviewUri(uri: ResourceUri): { toString(): string };
}

/** The folders a webview may load from: the built apps and the shared media. Nothing else on disk. */
export function localResourceRoots(extensionUri: ResourceUri): ResourceUri[] {
  return [joinPath(extensionUri, 'dist', 'webview'), joinPath(extensionUri, 'media')];
}

/** Webview options for every panel: scripts on, resources limited to {@link localResourceRoots}. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: localResourceRoots(extensionUri) as vscode.Uri[] };
}

/**
 * The policy, as one string. No `'unsafe-inline'` and no `'unsafe-eval'` anywhere: apps style themselves
 * through constructable stylesheets (`document.adoptedStyleSheets`), which `style-src` does not gate, and
 * set element styles through the CSSOM, so no inline `<style>` needs an exception.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    `default-src 'none'`,
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

/** 128 random bits: a nonce must not be guessable by content that ends up in the page. */
export function createNonce(): string {
  return randomBytes(16).toString('base64');
}

export interface WebviewHtmlOptions {
  webview: WebviewResources;
  extensionUri: ResourceUri;
  /** The folder name under webview/, built to dist/webview/<app>.js. */
  app: string;
  /** The document title; may carry a run name, so it is escaped. */
  title: string;
  /** Tests pass one to compare the policy; panels let a fresh one be made per render. */
  nonce?: string;
}

export function webviewHtml(options: WebviewHtmlOptions): string {
  const { webview, extensionUri, app } = options;
  if (!/^[a-z][a-z0-9-]*$/.test(app)) throw new Error(`not a webview app name: ${app}`);
  const nonce = options.nonce ?? createNonce();
  const script = webview.asWebviewUri(joinPath(extensionUri, 'dist', 'webview', `${app}.js`)).toString();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(contentSecurityPolicy(webview.cspSource, nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(options.title)}</title>
</head>
<body data-app="${app}">
<main id="app"></main>
<script nonce="${escapeHtml(nonce)}" src="${escapeHtml(script)}"></script>
</body>
</html>`;
}

function joinPath(base: ResourceUri, ...segments: string[]): ResourceUri {
  return base.with({ path: posix.join(base.path, ...segments) });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
