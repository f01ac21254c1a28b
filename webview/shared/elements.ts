// The vscode-elements components the apps use, registered once. Importing each by path keeps the rest
// of the library (and its unused components) out of the bundles.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/index.js';
import { element } from './dom';

/** A labelled single-select; options are [value, label] pairs, labels set as text. */
export function select(
  id: string,
  label: string,
  options: readonly (readonly [string, string])[],
  onChange: (value: string) => void,
): { field: HTMLElement; control: VscodeSingleSelect } {
  // `label` is what vscode-single-select puts on its inner combobox (the one a screen reader reaches inside
  // its shadow DOM); an aria-label on the host alone leaves that combobox unnamed.
  const control = element('vscode-single-select', { attributes: { id, 'aria-label': label, label } });
  for (const [value, text] of options) control.append(element('vscode-option', { text, attributes: { value } }));
  control.addEventListener('change', () => onChange(control.value));
  const field = element('label', { className: 'field', attributes: { for: id } }, element('span', { text: label }), control);
  return { field, control };
}

export function setOptions(control: VscodeSingleSelect, options: readonly (readonly [string, string])[], value: string | undefined): void {
  control.replaceChildren(...options.map(([v, text]) => element('vscode-option', { text, attributes: { value: v } })));
  if (value !== undefined) control.value = value;
}
