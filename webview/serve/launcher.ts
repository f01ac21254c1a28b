import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/index.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/index.js';
import type { VscodeTextfield } from '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { FormField, LauncherForm, LauncherView } from '../../src/modelServing/protocol';
import { element } from '../shared/dom';
import { select, setOptions } from '../shared/elements';

const TEXT_FIELDS = [
  ['modelUri', 'Model URI', 'runs:/<run id>/model · models:/<name>/<version> · models:/<name>@<alias> · models:/m-<id>'],
  ['host', 'Host', '127.0.0.1'],
  ['port', 'Port', '5001'],
  ['workers', 'Workers', '1 (MLflow default)'],
  ['timeout', 'Timeout (s)', '60 (MLflow default)'],
] as const satisfies readonly (readonly [FormField, string, string])[];

/**
 * The launcher form: model URI, host, port, env manager, workers, timeout, the exact command they make,
 * and Launch. Every edit goes to the host, which checks it and answers with the command or the errors;
 * the page never decides on its own what will run.
 */
export class LauncherSection {
  readonly element: HTMLElement;
  private readonly fields = new Map<FormField, VscodeTextfield>();
  private readonly fieldErrors = new Map<FormField, HTMLElement>();
  private readonly envManager: VscodeSingleSelect;
  private readonly command: HTMLElement;
  private readonly cliLine: HTMLElement;
  private readonly launchError: HTMLElement;
  readonly launchButton: VscodeButton;
  private view: LauncherView | undefined;
  private busy = false;

  constructor(actions: { changed(form: LauncherForm): void; launch(form: LauncherForm): void }) {
    const grid = element('div', { className: 'form-grid' });
    for (const [field, label, placeholder] of TEXT_FIELDS) {
      const control = element('vscode-textfield', { attributes: { id: field, placeholder, 'aria-label': label } });
      control.addEventListener('input', () => actions.changed(this.form()));
      const error = element('p', { className: 'field-error', attributes: { id: `${field}-error`, role: 'alert' } });
      this.fields.set(field, control);
      this.fieldErrors.set(field, error);
      grid.append(element('label', { className: `form-label ${field}`, attributes: { for: field }, text: label }), element('div', { className: `form-control ${field}` }, control, error));
    }
    const env = select('envManager', 'Env manager', [], () => actions.changed(this.form()));
    this.envManager = env.control;
    const envError = element('p', { className: 'field-error', attributes: { id: 'envManager-error', role: 'alert' } });
    this.fieldErrors.set('envManager', envError);
    grid.append(element('label', { className: 'form-label', attributes: { for: 'envManager' }, text: 'Env manager' }), element('div', { className: 'form-control' }, this.envManager, envError));

    this.command = element('pre', { className: 'command', attributes: { id: 'command', 'aria-label': 'Command that will run' } });
    this.cliLine = element('p', { className: 'notice', attributes: { id: 'cli', role: 'status' } });
    this.launchButton = element('vscode-button', { text: 'Launch', attributes: { id: 'launch', icon: 'play' } });
    this.launchButton.addEventListener('click', () => {
      if (!this.launchButton.disabled) actions.launch(this.form());
    });
    this.launchError = element('p', { className: 'field-error', attributes: { id: 'launch-error', role: 'alert' } });
    this.element = element(
      'section',
      { className: 'launcher', attributes: { 'aria-label': 'Launcher' } },
      element('h2', { text: 'Server' }),
      grid,
      element('h2', { text: 'Command' }),
      this.command,
      this.cliLine,
      element('div', { className: 'actions' }, this.launchButton),
      this.launchError,
    );
  }

  /** `serverBusy`: a server of this panel is starting or serving, so Launch waits for Stop. */
  set(view: LauncherView, serverBusy: boolean): void {
    this.view = view;
    this.busy = serverBusy;
    for (const [field, control] of this.fields) {
      // Never overwrite what the user is typing; the host only changes fields the user is not in.
      if (control.value !== view.form[field] && document.activeElement !== control) control.value = view.form[field];
    }
    const managers = view.envManagers.map((m) => [m, m] as const);
    if (this.envManager.options.length !== managers.length || this.envManager.value !== view.form.envManager) setOptions(this.envManager, managers, view.form.envManager);
    for (const [field, error] of this.fieldErrors) {
      error.textContent = view.errors[field] ?? '';
      this.fields.get(field)?.toggleAttribute('invalid', Boolean(view.errors[field]));
    }
    this.command.textContent = view.command ?? '';
    this.command.hidden = view.command === undefined;
    this.cliLine.textContent = cliText(view);
    this.launchError.textContent = view.launchError ?? '';
    this.launchButton.disabled = !this.canLaunch();
  }

  setServerBusy(busy: boolean): void {
    this.busy = busy;
    this.launchButton.disabled = !this.canLaunch();
  }

  form(): LauncherForm {
    const value = (field: FormField): string => this.fields.get(field)?.value ?? '';
    return {
      modelUri: value('modelUri'),
      host: value('host'),
      port: value('port'),
      envManager: this.envManager.value || (this.view?.form.envManager ?? 'local'),
      workers: value('workers'),
      timeout: value('timeout'),
    };
  }

  get commandText(): string {
    return this.command.hidden ? '' : (this.command.textContent ?? '');
  }

  get errorTexts(): string[] {
    return [...this.fieldErrors.values(), this.launchError].map((e) => e.textContent ?? '').filter((text) => text !== '');
  }

  private canLaunch(): boolean {
    const view = this.view;
    return Boolean(view && view.cli.status === 'ready' && view.command !== undefined && !view.launching && !this.busy);
  }
}

function cliText(view: LauncherView): string {
  switch (view.cli.status) {
    case 'checking':
      return 'Looking for mlflow…';
    case 'ready':
      return `MLflow ${view.cli.version} at ${view.cli.executable}, in the ${view.cli.environment}. Runs without a shell, exactly as shown.`;
    case 'missing':
      return view.cli.message;
  }
}
