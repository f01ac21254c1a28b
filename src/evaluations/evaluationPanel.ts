import type * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { createAppPanel, SessionPanel } from '../vscode/sessionPanel';
import { EvaluationSession, type EvaluationTarget } from './core/evaluationSession';
import type { EvaluationRenderSummary } from './core/protocol';
import { EVALUATION_VIEW_TYPE } from '../vscode/viewTypes';


export interface EvaluationPanelDependencies {
  extensionUri: vscode.Uri;
  activeStore: ActiveStore;
  log: { error(message: string): void };
  /** Opens the existing trace panel on a row's trace. */
  openTrace(traceId: string): void;
}

/** One evaluation panel (a run's results, or two runs compared): VS Code wiring around an {@link EvaluationSession}. */
export class EvaluationPanel extends SessionPanel<EvaluationRenderSummary, EvaluationSession> {
  static create(deps: EvaluationPanelDependencies, target: EvaluationTarget): EvaluationPanel {
    const title = target.mode === 'table' ? 'Evaluation Results' : 'Compare Evaluations';
    return new EvaluationPanel(createAppPanel(EVALUATION_VIEW_TYPE, title, deps.extensionUri), deps, target);
  }

  /** Adopts a panel VS Code re-created after a window reload (its page's saved state gave `target`). */
  static restore(panel: vscode.WebviewPanel, deps: EvaluationPanelDependencies, target: EvaluationTarget): EvaluationPanel {
    return new EvaluationPanel(panel, deps, target);
  }

  constructor(panel: vscode.WebviewPanel, deps: EvaluationPanelDependencies, target: EvaluationTarget) {
    super(panel, deps.extensionUri, { app: 'evaluation', title: 'Evaluation' }, () =>
      new EvaluationSession(
        {
          post: (message) => void panel.webview.postMessage(message),
          openTrace: (traceId) => deps.openTrace(traceId),
          setTitle: (title) => (panel.title = title),
          log: deps.log,
        },
        target,
        () => deps.activeStore.current?.store,
      ),
    );
    this.disposer.track(deps.activeStore.onDidChange(() => void this.session.load()));
  }
}
