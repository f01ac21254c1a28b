import type { ModelView, SignatureRow } from '../../src/modelServing/protocol';
import { clear, element } from '../shared/dom';

const EXAMPLE_TEXT: Record<ModelView['exampleSource'], string> = {
  'serving_input_example.json': 'Request prefilled from serving_input_example.json.',
  'input_example.json': 'Request prefilled from input_example.json, converted.',
  signature: 'No input example: the request holds placeholder values for the signature.',
  none: 'No input example and no signature: write the request yourself.',
};

/** The model's MLmodel as read by the host: flavors, signature, params and where the example comes from. */
export class ModelSection {
  readonly element: HTMLElement;
  private readonly body: HTMLElement;
  private view: ModelView | undefined;

  constructor() {
    this.body = element('div', { className: 'model-body', attributes: { id: 'model', 'aria-live': 'polite' } });
    this.element = element('section', { className: 'model', attributes: { 'aria-label': 'Model' } }, element('h2', { text: 'Model (MLmodel)' }), this.body);
  }

  get current(): ModelView | undefined {
    return this.view;
  }

  set(view: ModelView): void {
    this.view = view;
    clear(this.body);
    this.body.append(element('p', { className: 'notice', text: view.detail }));
    if (view.status !== 'loaded') return;
    const flavors = element('p', { className: 'flavors', attributes: { id: 'flavors' } }, element('span', { text: 'Flavors: ' }));
    for (const flavor of view.flavors) flavors.append(element('span', { className: 'badge', text: flavor }), ' ');
    this.body.append(flavors);
    if (!view.servable) {
      this.body.append(element('p', { className: 'field-error', text: 'No python_function flavor: mlflow models serve cannot load this model.' }));
    }
    if (view.mlflowVersion) this.body.append(element('p', { className: 'notice', text: `Logged with MLflow ${view.mlflowVersion}.` }));
    this.body.append(signatureTable('Inputs', 'signature-inputs', view.inputs), signatureTable('Outputs', 'signature-outputs', view.outputs));
    if (view.params.length > 0) {
      this.body.append(
        table(
          'Params',
          'signature-params',
          ['Name', 'Type', 'Default'],
          view.params.map((p) => [p.name, p.type, p.default]),
        ),
      );
    }
    this.body.append(element('p', { className: 'notice', attributes: { id: 'example-source' }, text: EXAMPLE_TEXT[view.exampleSource] }));
    for (const problem of view.problems) this.body.append(element('p', { className: 'field-error', text: problem }));
  }
}

function signatureTable(caption: string, id: string, rows: SignatureRow[]): HTMLElement {
  if (rows.length === 0) return element('p', { className: 'notice', text: `${caption}: none in the signature.` });
  return table(
    caption,
    id,
    ['Name', 'Type', 'Required'],
    rows.map((row) => [row.name || '(unnamed)', row.type, row.required ? 'yes' : 'no']),
  );
}

function table(caption: string, id: string, headers: string[], rows: string[][]): HTMLElement {
  const head = element('tr', {}, ...headers.map((h) => element('th', { text: h, attributes: { scope: 'col' } })));
  const body = rows.map((cells) => element('tr', {}, ...cells.map((cell) => element('td', { text: cell }))));
  return element('table', { className: 'signature', attributes: { id } }, element('caption', { text: `${caption} (${rows.length})` }), element('thead', {}, head), element('tbody', {}, ...body));
}
