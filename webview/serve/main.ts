import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import type { VscodeButton } from '@vscode-elements/elements/dist/vscode-button/index.js';
import type { VscodeTabs } from '@vscode-elements/elements/dist/vscode-tabs/index.js';
import type { ServeHostMessage, ServerView, ServeTab, ServeWebviewMessage } from '../../src/modelServing/protocol';
import { element } from '../shared/dom';
import '../shared/elements';
import baseStyles from '../shared/base.css';
import { adoptStyles } from '../shared/styles';
import { connectToHost, type HostConnection } from '../shared/vscodeApi';
import { LauncherSection } from './launcher';
import { ModelSection } from './modelInfo';
import { RequestSection } from './request';
import styles from './serve.css';

/** Saved by VS Code so the panel can be restored, as a launcher for the same model, after a reload. */
interface ServeState {
  modelUri: string;
}

const TABS: readonly ServeTab[] = ['launch', 'request'];

/**
 * The Serve Model webview: a launcher (form, exact command, the model's MLmodel) and a request tab for
 * the running server. Every action is a message to the host, which spawns, stops and sends; the page
 * shows what the host reports, always as text.
 */
class ServeApp {
  private readonly host: HostConnection<ServeWebviewMessage, ServeState>;
  private readonly tabs: VscodeTabs;
  private readonly launcher: LauncherSection;
  private readonly model = new ModelSection();
  private readonly request: RequestSection;
  private readonly title: HTMLElement;
  private readonly status: HTMLElement;
  private readonly stopButton: VscodeButton;
  private server: ServerView | undefined;
  private tab: ServeTab = 'launch';
  private renderPending = false;

  constructor(root: HTMLElement) {
    this.launcher = new LauncherSection({
      changed: (form) => this.host.post({ type: 'formChanged', form }),
      launch: (form) => this.host.post({ type: 'launch', form }),
    });
    this.request = new RequestSection({
      convert: (format, body) => this.host.post({ type: 'convert', format, body }),
      send: (body) => {
        this.host.post({ type: 'send', body });
        this.render();
      },
      edited: () => this.render(),
    });
    this.title = element('code', { attributes: { id: 'model-uri' } });
    this.status = element('span', { className: 'status idle', attributes: { id: 'server-status', role: 'status', 'aria-live': 'polite' }, text: 'Not running' });
    this.stopButton = element('vscode-button', { text: 'Stop', attributes: { id: 'stop', secondary: '', icon: 'debug-stop', disabled: '' } });
    this.stopButton.addEventListener('click', () => {
      if (!this.stopButton.disabled) this.host.post({ type: 'stop' });
    });
    this.tabs = element(
      'vscode-tabs',
      { attributes: { id: 'tabs' } },
      element('vscode-tab-header', { text: 'Launch', attributes: { slot: 'header' } }),
      element('vscode-tab-panel', {}, element('div', { className: 'launch-layout' }, this.launcher.element, this.model.element)),
      element('vscode-tab-header', { text: 'Request', attributes: { slot: 'header' } }),
      element('vscode-tab-panel', {}, this.request.element),
    );
    this.tabs.addEventListener('vsc-tabs-select', (event) => {
      this.tab = TABS[event.detail.selectedIndex] ?? 'launch';
      this.render();
    });
    root.append(
      element('header', { className: 'toolbar' }, element('h1', { text: 'Serve model' }), this.title, this.status, this.stopButton),
      this.tabs,
    );
    this.host = connectToHost<ServeHostMessage, ServeWebviewMessage, ServeState>((message) => this.handle(message));
    this.host.post({ type: 'ready' });
  }

  private handle(message: ServeHostMessage): void {
    switch (message.type) {
      case 'launcher':
        this.title.textContent = message.launcher.form.modelUri;
        this.launcher.set(message.launcher, this.serverBusy());
        this.host.saveState({ modelUri: message.launcher.form.modelUri });
        break;
      case 'model':
        this.model.set(message.model);
        break;
      case 'payload':
        this.request.setPayload(message.payload);
        break;
      case 'server':
        this.server = message.server;
        this.launcher.setServerBusy(this.serverBusy());
        this.request.setHealthy(message.server?.phase === 'healthy');
        break;
      case 'sending':
        this.request.setSending(true);
        break;
      case 'response':
        this.request.setResponse(message.response);
        break;
      case 'showTab':
        this.tab = message.tab;
        this.tabs.selectedIndex = TABS.indexOf(message.tab);
        break;
      case 'notice':
        this.request.setNotice(message.message);
        break;
      default:
        assertNever(message);
    }
    this.render();
  }

  private serverBusy(): boolean {
    return this.server !== undefined && this.server.phase !== 'stopped';
  }

  private render(): void {
    const server = this.server;
    this.status.textContent = server ? server.text : 'Not running';
    this.status.className = `status ${server?.phase ?? 'idle'}`;
    this.stopButton.disabled = !(server && (server.phase === 'starting' || server.phase === 'healthy'));
    if (this.renderPending) return;
    // One report per frame, after the DOM settled, however many messages arrived in between.
    this.renderPending = true;
    requestAnimationFrame(() => {
      this.renderPending = false;
      this.report();
    });
  }

  private report(): void {
    const model = this.model.current;
    const response = this.request.responseSummary;
    this.host.post({
      type: 'rendered',
      summary: {
        tab: this.tab,
        modelUri: this.title.textContent ?? '',
        command: this.launcher.commandText,
        errors: this.launcher.errorTexts,
        launchEnabled: !this.launcher.launchButton.disabled,
        phase: this.server?.phase ?? 'idle',
        status: this.status.textContent ?? '',
        model: {
          status: model?.status ?? 'loading',
          flavors: model?.flavors ?? [],
          inputs: model?.inputs.map((row) => row.name) ?? [],
          exampleSource: model?.exampleSource ?? 'none',
        },
        request: this.request.summary(),
        ...(response ? { response } : {}),
      },
    });
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled host message ${JSON.stringify(value)}`);
}

adoptStyles(baseStyles, styles);
const root = document.getElementById('app');
if (root) new ServeApp(root);
