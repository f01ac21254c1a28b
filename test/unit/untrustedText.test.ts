import assert from 'node:assert/strict';
import { entitySafe, hoverText, rowText } from '../../src/vscode/core/untrustedText';

/**
 * Server text in tree rows and hovers (src/vscode/core/untrustedText.ts). What VS Code finally draws
 * is checked in the real workbench by test/e2e/explorerLive.e2e.ts; here, the text handed to it.
 */
describe('untrusted text in rows and hovers', () => {
  it('writes & and < as character references, so entities and tags render as typed', () => {
    assert.equal(entitySafe('<b>bold?</b> &amp; &lt;'), '&lt;b>bold?&lt;/b> &amp;amp; &amp;lt;');
    assert.equal(entitySafe('&#x41; &copy; &'), '&amp;#x41; &amp;copy; &amp;');
    assert.equal(entitySafe('plain text, no markup'), 'plain text, no markup');
  });

  it('drops bidi controls from row text, keeping every other character in stored order', () => {
    assert.equal(rowText('\u202Egnp.exe'), 'gnp.exe');
    assert.equal(rowText('a\u202Bb\u202Cc\u2066d\u2069e\u200Ff\u200Eg\u061Ch\u202Ai\u202Dj\u2067k\u2068l'), 'abcdefghijkl');
    // Right-to-left letters themselves stay: only the invisible formatting characters go.
    assert.equal(rowText('שלום abc مرحبا'), 'שלום abc مرحبا');
    assert.equal(rowText('emoji 👩‍👩‍👧‍👦 and zero-width joiners'), 'emoji 👩‍👩‍👧‍👦 and zero-width joiners');
  });

  it('spells bidi controls out in hovers', () => {
    assert.equal(hoverText('\u202Egnp.exe'), '\\u202Egnp.exe');
    assert.equal(hoverText('rtl:\u202Eexe.txt\u202C'), 'rtl:\\u202Eexe.txt\\u202C');
    assert.equal(hoverText('\u2066x\u2069\u061C'), '\\u2066x\\u2069\\u061C');
    assert.equal(hoverText('no controls'), 'no controls');
  });
});
