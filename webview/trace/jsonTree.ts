import { element } from '../shared/dom';

/**
 * A JSON viewer that builds nothing it does not show: objects and arrays are `<details>` whose
 * children are created on first open, and long strings show their first part with a button for the
 * rest. A 200 KB input or a 199-span trace stays responsive because only what is opened exists.
 * Everything is text (textContent), never markup.
 */

const STRING_PREVIEW = 2_000;
const CHILDREN_PER_BATCH = 200;

function isContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  return typeof value === 'object' && value !== null;
}

function preview(value: Record<string, unknown> | unknown[]): string {
  if (Array.isArray(value)) return `[…] ${value.length} item${value.length === 1 ? '' : 's'}`;
  const keys = Object.keys(value);
  return `{…} ${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', …' : ''}`;
}

function primitive(value: unknown): HTMLElement {
  if (typeof value === 'string') {
    const node = element('span', { className: 'json-string' });
    if (value.length <= STRING_PREVIEW) {
      node.textContent = JSON.stringify(value);
      return node;
    }
    node.textContent = `${JSON.stringify(value.slice(0, STRING_PREVIEW)).slice(0, -1)}…"`;
    const more = element('button', { className: 'link', text: `Show all ${value.length.toLocaleString()} characters` });
    more.addEventListener('click', () => {
      node.textContent = JSON.stringify(value);
      more.remove();
    });
    return element('span', {}, node, ' ', more);
  }
  const kind = value === null ? 'null' : typeof value;
  return element('span', { className: `json-${kind}`, text: value === undefined ? 'undefined' : JSON.stringify(value) });
}

function entry(key: string | undefined, value: unknown, open: boolean): HTMLElement {
  const label = key === undefined ? [] : [element('span', { className: 'json-key', text: key }), ': '];
  if (!isContainer(value)) return element('div', { className: 'json-row' }, ...label, primitive(value));
  const details = element('details', { className: 'json-node' });
  details.append(element('summary', {}, ...label, element('span', { className: 'json-preview', text: preview(value) })));
  let built = false;
  const build = (): void => {
    if (built) return;
    built = true;
    const body = element('div', { className: 'json-children' });
    const entries: [string, unknown][] = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
    let shown = 0;
    const showBatch = (): void => {
      const batch = entries.slice(shown, shown + CHILDREN_PER_BATCH);
      shown += batch.length;
      for (const [k, v] of batch) body.append(entry(k, v, false));
      if (shown < entries.length) {
        const more = element('button', { className: 'link', text: `Show ${Math.min(CHILDREN_PER_BATCH, entries.length - shown)} more of ${entries.length - shown}` });
        more.addEventListener('click', () => {
          more.remove();
          showBatch();
        });
        body.append(more);
      }
    };
    showBatch();
    details.append(body);
  };
  details.addEventListener('toggle', () => {
    if (details.open) build();
  });
  if (open) {
    build();
    details.open = true;
  }
  return details;
}

/** The viewer for one value; the top level starts open. */
export function jsonTree(value: unknown): HTMLElement {
  return element('div', { className: 'json' }, entry(undefined, value, true));
}
