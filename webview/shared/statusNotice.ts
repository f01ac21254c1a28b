import { element } from './dom';

/**
 * A panel's status line under its header (`#notice`, announced as it changes): what is loading, the
 * host's error in the error colour (base.css `.notice.error`), or a note. It remembers the error the
 * host sent until content replaces it, for the panel's render summary.
 */
export class StatusNotice {
  readonly element = element('p', { className: 'notice', attributes: { id: 'notice', role: 'status', 'aria-live': 'polite' } });
  private failure: string | undefined;

  /** The host's error, from when it arrived until content loaded. */
  get error(): string | undefined {
    return this.failure;
  }

  /** What is loading. An error shown stays in the error colour (and reported) until content arrives. */
  loading(text: string): void {
    this.element.textContent = text;
  }

  /** The host's error, in the error colour. */
  fail(message: string): void {
    this.failure = message;
    this.element.textContent = message;
    this.element.classList.add('error');
  }

  /** Content arrived: the error is over, and `text` (empty for none) says anything to know about it. */
  loaded(text: string): void {
    this.failure = undefined;
    this.show(text);
  }

  /** A note in the ordinary colour, such as an action's outcome; an error still counts as reported. */
  show(text: string): void {
    this.element.classList.remove('error');
    this.element.textContent = text;
  }
}
