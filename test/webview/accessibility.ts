import type { Page } from 'playwright-core';

/** Roles a user operates; each needs a name a screen reader can say. */
const CONTROL_ROLES = new Set([
  'button', 'checkbox', 'combobox', 'link', 'listbox', 'menuitem', 'radio', 'searchbox', 'slider', 'spinbutton', 'switch', 'tab', 'textbox',
]);

/**
 * The controls of the page (shadow DOM of the vscode-elements included) that have no accessible name, as
 * Chromium itself computes it for screen readers (its accessibility tree over CDP), so aria-label,
 * aria-labelledby, <label>, text content and title all count the way they do for a user.
 */
export async function unnamedControls(page: Page): Promise<string[]> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
      nodes: { ignored: boolean; role?: { value?: string }; name?: { value?: string }; backendDOMNodeId?: number }[];
    };
    const unnamed: string[] = [];
    for (const node of nodes) {
      const role = node.role?.value ?? '';
      if (node.ignored || !CONTROL_ROLES.has(role) || (node.name?.value ?? '').trim() !== '') continue;
      let where = '';
      if (node.backendDOMNodeId !== undefined) {
        const { object } = (await cdp.send('DOM.resolveNode', { backendNodeId: node.backendDOMNodeId })) as { object: { objectId?: string } };
        if (object.objectId) {
          const described = (await cdp.send('Runtime.callFunctionOn', {
            objectId: object.objectId,
            returnByValue: true,
            functionDeclaration:
              'function () { const host = this.getRootNode && this.getRootNode().host; const el = this; return (host ? host.outerHTML.slice(0, 120) + " > " : "") + el.outerHTML.slice(0, 120); }',
          })) as { result: { value?: string } };
          where = described.result.value ?? '';
        }
      }
      unnamed.push(`${role}: ${where}`);
    }
    return unnamed;
  } finally {
    await cdp.detach();
  }
}
