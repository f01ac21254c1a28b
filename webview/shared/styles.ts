/**
 * Applies stylesheets as constructable stylesheets. The CSP allows no inline `<style>`; adopted sheets
 * are built by script (which the nonce already vouches for) and are not subject to `style-src`.
 */
export function adoptStyles(...cssTexts: string[]): void {
  const sheets = cssTexts.map((text) => {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(text);
    return sheet;
  });
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, ...sheets];
}
