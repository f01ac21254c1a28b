import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/index.js';
import type { VscodeSingleSelect } from '@vscode-elements/elements/dist/vscode-single-select/index.js';
import type { VscodeTextarea } from '@vscode-elements/elements/dist/vscode-textarea/index.js';
import type { PayloadView, ResponseView } from '../../src/modelServing/protocol';
import type { PayloadFormat } from '../../src/serving/payload';
import { element } from '../shared/dom';
import { select } from '../shared/elements';
import { BODY_FORMATS, detectBodyFormat } from './bodyFormat';

/** MLflow's four request formats, each labelled by its key; the host converts between them. */
const FORMATS = BODY_FORMATS.map((format) => [format, format] as const);

/** Bodies reported to tests are cut here; the page itself keeps the whole body. */
const REPORTED_BODY_CHARS = 20_000;

/**
 * The request side: a JSON body (prefilled by the host), its format, Send, and the answer. The request
 * itself is made by the extension host; the page only shows what came back, as text.
 */
export class RequestSection {
  readonly element: HTMLElement;
  private readonly format: VscodeSingleSelect;
  private readonly body: VscodeTextarea;
  readonly sendButton: VscodeButton;
  private readonly notice: HTMLElement;
  private readonly responseStatus: HTMLElement;
  private readonly responseText: HTMLElement;
  private response: ResponseView | undefined;
  private sending = false;
  private healthy = false;
  /** The format the body is in, so a refused conversion puts the selector back. */
  private bodyFormat: PayloadFormat = 'dataframe_split';

  constructor(actions: { convert(format: PayloadFormat, body: string): void; send(body: string): void; edited(): void }) {
    const format = select('format', 'Format', FORMATS, (value) => {
      this.notice.textContent = '';
      actions.convert(value as PayloadFormat, this.body.value);
    });
    this.format = format.control;
    this.body = element('vscode-textarea', { attributes: { id: 'body', monospace: '', rows: '16', resize: 'vertical', 'aria-label': 'Request body (JSON)' } });
    this.body.addEventListener('input', () => {
      this.notice.textContent = '';
      this.followBody();
      actions.edited();
    });
    // Off until the host reports a healthy server.
    this.sendButton = element('vscode-button', { text: 'Send', attributes: { id: 'send', icon: 'send', disabled: '' } });
    this.sendButton.addEventListener('click', () => {
      if (this.sendButton.disabled) return;
      this.setSending(true);
      actions.send(this.body.value);
    });
    this.notice = element('p', { className: 'field-error', attributes: { id: 'request-notice', role: 'alert' } });
    this.responseStatus = element('p', { className: 'response-status', attributes: { id: 'response-status', role: 'status' } });
    this.responseText = element('pre', { className: 'response', attributes: { id: 'response', 'aria-label': 'Response' } });
    this.element = element(
      'section',
      { className: 'request', attributes: { 'aria-label': 'Request' } },
      element('div', { className: 'request-bar' }, format.field, this.sendButton, element('span', { className: 'notice', text: 'POST /invocations · application/json' })),
      element(
        'div',
        { className: 'request-layout' },
        element('div', { className: 'request-body' }, element('h2', { text: 'Body (JSON)' }), this.body, this.notice),
        element('div', { className: 'request-response' }, element('h2', { text: 'Response' }), this.responseStatus, this.responseText),
      ),
    );
    this.showResponse();
  }

  setPayload(payload: PayloadView): void {
    this.bodyFormat = payload.format;
    this.format.value = payload.format;
    this.body.value = payload.body;
  }

  /** A body edited by hand: the Format box shows the format it is now in (nothing is converted). */
  private followBody(): void {
    const detected = detectBodyFormat(this.body.value);
    if (detected === undefined || detected === this.bodyFormat) return;
    this.bodyFormat = detected;
    this.format.value = detected;
  }

  setNotice(message: string): void {
    this.format.value = this.bodyFormat;
    this.notice.textContent = message;
  }

  setHealthy(healthy: boolean): void {
    this.healthy = healthy;
    this.sendButton.disabled = !healthy || this.sending;
  }

  setSending(sending: boolean): void {
    this.sending = sending;
    this.sendButton.disabled = !this.healthy || sending;
    if (sending) this.responseStatus.textContent = 'Sending…';
  }

  setResponse(response: ResponseView): void {
    this.response = response;
    this.setSending(false);
    this.showResponse();
  }

  summary(): { format: PayloadFormat; body: string; sendEnabled: boolean; sending: boolean; notice: string } {
    return {
      format: this.bodyFormat,
      body: this.body.value.slice(0, REPORTED_BODY_CHARS),
      sendEnabled: !this.sendButton.disabled,
      sending: this.sending,
      notice: this.notice.textContent ?? '',
    };
  }

  get responseSummary(): { kind: ResponseView['kind']; status?: number; text: string } | undefined {
    const r = this.response;
    return r && { kind: r.kind, text: r.text, ...(r.status !== undefined ? { status: r.status } : {}) };
  }

  private showResponse(): void {
    const r = this.response;
    this.responseText.className = `response ${r?.kind ?? 'none'}`;
    if (!r) {
      this.responseStatus.textContent = 'Nothing sent yet.';
      this.responseText.textContent = '';
      return;
    }
    const status = r.status !== undefined ? `HTTP ${r.status}` : 'No answer';
    const what = r.kind === 'predictions' ? 'predictions' : r.kind === 'unwrapped' ? 'response' : r.errorCode ?? 'error';
    this.responseStatus.textContent = `${status} · ${r.latencyMs} ms · ${what}`;
    const lines = [r.text];
    if (r.missingInputs?.length) lines.push('', `Missing inputs: ${r.missingInputs.join(', ')}`);
    if (r.extraInputs?.length) lines.push(`Extra inputs: ${r.extraInputs.join(', ')}`);
    this.responseText.textContent = lines.join('\n');
  }
}
