import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { createAppPanel, SessionPanel } from '../vscode/sessionPanel';
import { SessionConversation, type SessionTarget } from './core/sessionConversation';
import type { SessionRenderSummary } from './core/sessionProtocol';

export const SESSION_CONVERSATION_VIEW_TYPE = 'mlflow.traceSession';

export interface SessionConversationPanelDependencies {
  extensionUri: vscode.Uri;
  activeStore: ActiveStore;
  log: { error(message: string): void };
  openTrace(traceId: string): void;
}

/** One "Open Session as Conversation" panel: VS Code wiring around a {@link SessionConversation}. */
export class SessionConversationPanel extends SessionPanel<SessionRenderSummary, SessionConversation> {
  static create(deps: SessionConversationPanelDependencies, target: SessionTarget): SessionConversationPanel {
    return new SessionConversationPanel(createAppPanel(SESSION_CONVERSATION_VIEW_TYPE, `Session ${target.session}`, deps.extensionUri), deps, target);
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
  }
}
