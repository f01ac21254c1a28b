import { element } from '../shared/dom';

/**
 * A JSON viewer that builds nothing it does not show: objects and arrays are `<details>` whose
 * children are created on first open, and long strings show their first part with a button for the
 * rest. A 200 KB input or a 199-span trace stays responsive because only what is opened exists.
 * Everything is text (textContent), never markup. `reveal` opens the path to one value (for search),
 * building only the containers and batches on that path.
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

/** The text a primitive shows as (search matches against exactly this). */
export function shownText(value: unknown): string {
  return value === undefined ? 'undefined' : (JSON.stringify(value) ?? 'null');
}

class PrimitiveNode {
  readonly element: HTMLElement;
  /** The span holding the value's text (what search highlights). */
  readonly text: HTMLElement;
  private more: HTMLElement | undefined;

  constructor(readonly value: unknown) {
    if (typeof value === 'string' && value.length > STRING_PREVIEW) {
      this.text = element('span', { className: 'json-string', text: `${JSON.stringify(value.slice(0, STRING_PREVIEW)).slice(0, -1)}…"` });
      const more = element('button', { className: 'link', text: `Show all ${value.length.toLocaleString()} characters` });
      more.addEventListener('click', () => this.showAll());
      this.more = more;
      this.element = element('span', {}, this.text, ' ', more);
      return;
    }
    const kind = value === null ? 'null' : typeof value;
    this.text = element('span', { className: `json-${kind}`, text: shownText(value) });
    this.element = this.text;
  }

  /** Shows a long string whole (search does this when a match lies past the preview). */
  showAll(): void {
    if (!this.more) return;
    this.text.textContent = shownText(this.value);
    this.more.remove();
    this.more = undefined;
  }
}

class EntryNode {
  readonly element: HTMLElement;
  readonly key: HTMLElement | undefined;
  private primitive: PrimitiveNode | undefined;
  private details: HTMLDetailsElement | undefined;
  private body: HTMLElement | undefined;
  private entries: [string, unknown][] | undefined;
  private readonly children: EntryNode[] = [];
  private moreButton: HTMLElement | undefined;

  constructor(key: string | undefined, readonly value: unknown, open: boolean) {
    this.key = key === undefined ? undefined : element('span', { className: 'json-key', text: key });
    const label = this.key ? [this.key, ': '] : [];
    if (!isContainer(value)) {
      this.primitive = new PrimitiveNode(value);
      this.element = element('div', { className: 'json-row' }, ...label, this.primitive.element);
      return;
    }
    const details = element('details', { className: 'json-node' });
    details.append(element('summary', {}, ...label, element('span', { className: 'json-preview', text: preview(value) })));
    details.addEventListener('toggle', () => {
      if (details.open) this.build();
    });
    this.details = details;
    this.element = details;
    if (open) this.open();
  }

  /** The highlighted part of this row's value, for primitives. */
  get valueText(): HTMLElement | undefined {
    return this.primitive?.text;
  }

  showAll(): void {
    this.primitive?.showAll();
  }

  open(): void {
    if (!this.details) return;
    this.build();
    this.details.open = true;
  }

  private build(): void {
    if (this.body || !isContainer(this.value)) return;
    const value = this.value;
    this.body = element('div', { className: 'json-children' });
    this.entries = Array.isArray(value) ? value.map((v, i) => [String(i), v]) : Object.entries(value);
    this.showBatch();
    this.details!.append(this.body);
  }

  private showBatch(): void {
    const entries = this.entries!;
    const body = this.body!;
    this.moreButton?.remove();
    this.moreButton = undefined;
    const batch = entries.slice(this.children.length, this.children.length + CHILDREN_PER_BATCH);
    for (const [k, v] of batch) {
      const child = new EntryNode(k, v, false);
      this.children.push(child);
      body.append(child.element);
    }
    const left = entries.length - this.children.length;
    if (left > 0) {
      const more = element('button', { className: 'link', text: `Show ${Math.min(CHILDREN_PER_BATCH, left)} more of ${left}` });
      more.addEventListener('click', () => this.showBatch());
      this.moreButton = more;
      body.append(more);
    }
  }

  /** The child at `key`, opening this node and showing batches until it exists. */
  child(key: string): EntryNode | undefined {
    if (!this.details) return undefined;
    this.open();
    const index = this.entries!.findIndex(([k]) => k === key);
    if (index < 0) return undefined;
    while (this.children.length <= index) this.showBatch();
    return this.children[index];
  }
}

export class JsonTree {
  readonly element: HTMLElement;
  private readonly root: EntryNode;

  /** The viewer for one value; the top level starts open. */
  constructor(value: unknown) {
    this.root = new EntryNode(undefined, value, true);
    this.element = element('div', { className: 'json' }, this.root.element);
  }

  /**
   * Opens every container on `path` (keys from the top, array indexes as strings) and returns the row
   * there: its key element and, for a primitive, its value element.
   */
  reveal(path: readonly string[]): { row: HTMLElement; key?: HTMLElement; value?: HTMLElement; showAll(): void } | undefined {
    let node: EntryNode | undefined = this.root;
    for (const key of path) {
      node = node.child(key);
      if (!node) return undefined;
    }
    const found = node;
    return { row: found.element, key: found.key, value: found.valueText, showAll: () => found.showAll() };
  }
}

/** The viewer for one value, as an element (the top level starts open). */
export function jsonTree(value: unknown): HTMLElement {
  return new JsonTree(value).element;
}
