import * as assert from 'node:assert';
import { contentSecurityPolicy, createNonce, localResourceRoots, webviewHtml, type ResourceUri } from '../../src/vscode/webviewHtml';

class Uri implements ResourceUri {
  constructor(readonly path: string) {}
  with(change: { path: string }): Uri {
    return new Uri(change.path);
  }
}

const webview = { cspSource: 'https://file+.vscode-resource.vscode-cdn.net', asWebviewUri: (uri: ResourceUri) => `https://res${uri.path}` };

describe('webview HTML and CSP helper', () => {
  it('writes the strict policy: nothing by default, nonce scripts, own-origin styles, images and fonts', () => {
    assert.strictEqual(
      contentSecurityPolicy(webview.cspSource, 'abc'),
      `default-src 'none'; script-src 'nonce-abc'; style-src ${webview.cspSource}; img-src ${webview.cspSource} data:; font-src ${webview.cspSource}`,
    );
  });

  it('loads the app bundle with the nonce, and nothing inline', () => {
    const html = webviewHtml({ webview, extensionUri: new Uri('/ext'), app: 'charts', title: 'Charts', nonce: 'n0nce' });
    assert.ok(html.includes(`<script nonce="n0nce" src="https://res/ext/dist/webview/charts.js"></script>`));
    assert.ok(html.includes(`content="default-src &#39;none&#39;; script-src &#39;nonce-n0nce&#39;;`));
    assert.strictEqual((html.match(/<script/g) ?? []).length, 1);
    assert.ok(!/unsafe-(inline|eval)/.test(html));
    assert.ok(!html.includes('<style'));
  });

  it('escapes the title and refuses odd app names', () => {
    const html = webviewHtml({ webview, extensionUri: new Uri('/ext'), app: 'compare', title: '<img src=x onerror=alert(1)>' });
    assert.ok(html.includes('<title>&#60;img src=x onerror=alert(1)&#62;</title>'));
    assert.throws(() => webviewHtml({ webview, extensionUri: new Uri('/ext'), app: '../x', title: '' }));
  });

  it('limits local resources to the built webviews and media', () => {
    assert.deepStrictEqual(localResourceRoots(new Uri('/ext')).map((u) => u.path), ['/ext/dist/webview', '/ext/media']);
  });

  it('makes a fresh, unguessable nonce each time', () => {
    const nonces = new Set(Array.from({ length: 50 }, createNonce));
    assert.strictEqual(nonces.size, 50);
    assert.ok([...nonces].every((n) => Buffer.from(n, 'base64').length === 16));
  });
});
