import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { describeError } from '../explorer/errorMessages';
import { AutoRefresh } from '../explorer/autoRefresh';
import { createAppPanel, SessionPanel } from '../vscode/sessionPanel';
import { settings } from '../vscode/settings';
import { SessionConversation, type SessionTarget } from './core/sessionConversation';
import type { SessionRenderSummary } from './core/sessionProtocol';
import { SESSION_CONVERSATION_VIEW_TYPE } from '../vscode/viewTypes';

export interface SessionConversationPanelDependencies {
  extensionUri: vscode.Uri;
  activeStore: ActiveStore;
  log: { error(message: string): void; warn(message: string): void };
  openTrace(traceId: string): void;
}

/**
 * One "Open Session as Conversation" panel: VS Code wiring around a {@link SessionConversation}. While
 * the panel is visible it re-reads the session every `mlflow.runs.refreshInterval` seconds (a GenAI app
 * in use adds a turn per request), backing off while the server errs, with the Traces view's AutoRefresh.
 */
export class SessionConversationPanel extends SessionPanel<SessionRenderSummary, SessionConversation> {
  /** The live re-read's timer; exposed for tests. */
  readonly live: AutoRefresh;

  static create(deps: SessionConversationPanelDependencies, target: SessionTarget): SessionConversationPanel {
    return new SessionConversationPanel(createAppPanel(SESSION_CONVERSATION_VIEW_TYPE, `Session ${target.session}`, deps.extensionUri), deps, target);
  }

  /** Adopts a panel VS Code re-created after a window reload (its page's saved state gave `target`). */
  static restore(panel: vscode.WebviewPanel, deps: SessionConversationPanelDependencies, target: SessionTarget): SessionConversationPanel {
    return new SessionConversationPanel(panel, deps, target);
  }

  private constructor(panel: vscode.WebviewPanel, deps: SessionConversationPanelDependencies, target: SessionTarget) {
    super(panel, deps.extensionUri, { app: 'session', title: 'Session' }, () =>
      new SessionConversation(
        {
          post: (message) => void panel.webview.postMessage(message),
          copy: (text) => void vscode.env.clipboard.writeText(text),
          openTrace: (id) => deps.openTrace(id),
          setTitle: (title) => (panel.title = title),
          log: deps.log,
        },
        target,
        () => deps.activeStore.current?.store.traces,
      ),
    );
    this.disposer.track(deps.activeStore.onDidChange(() => void this.session.load()));
    // Polled whether or not the session looks active: a conversation goes on whenever its user writes again.
    this.live = this.disposer.track(
      new AutoRefresh(
        () => this.session.refreshLive(),
        () => panel.visible,
        settings.refreshIntervalSeconds() * 1000,
        undefined,
        (error, nextDelayMs) =>
          deps.log.warn(`Live refresh of session ${target.session} failed (next try in ${Math.round(nextDelayMs / 1000)} s): ${describeError(error).message}`),
      ),
    );
    this.disposer.track(panel.onDidChangeViewState(() => this.live.kick()));
    this.disposer.track(
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('mlflow.runs.refreshInterval')) this.live.setInterval(settings.refreshIntervalSeconds() * 1000);
      }),
    );
    this.live.kick();
  }
}
