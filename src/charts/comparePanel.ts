import type * as vscode from 'vscode';
import { createAppPanel, SessionPanel } from '../vscode/sessionPanel';
import type { PanelDependencies } from './chartsPanel';
import { CompareSession } from './compareSession';
import type { CompareRenderSummary, CompareViewState } from './protocol';
import { COMPARE_VIEW_TYPE } from '../vscode/viewTypes';


export interface CompareActions {
  diffParams(runIdA: string, runIdB: string): Promise<void>;
  openCharts(runIds: string[], metricKeys: string[]): void;
}

/** One compare webview panel: VS Code wiring around a {@link CompareSession}. */
export class ComparePanel extends SessionPanel<CompareRenderSummary, CompareSession> {
  static create(deps: PanelDependencies, actions: CompareActions, state: CompareViewState): ComparePanel {
    return new ComparePanel(createAppPanel(COMPARE_VIEW_TYPE, 'Compare Runs', deps.extensionUri), deps, actions, state);
  }

  constructor(panel: vscode.WebviewPanel, deps: PanelDependencies, actions: CompareActions, state: CompareViewState) {
    super(panel, deps.extensionUri, { app: 'compare', title: 'Compare Runs' }, () =>
      new CompareSession(
        {
          post: (message) => void panel.webview.postMessage(message),
          diffParams: (a, b) => actions.diffParams(a, b),
          openCharts: (runIds, metricKeys) => actions.openCharts(runIds, metricKeys),
          setTitle: (title) => (panel.title = title),
          log: deps.log,
        },
        state,
        () => deps.activeStore.current?.store,
      ),
    );
    this.disposer.track(deps.activeStore.onDidChange(() => this.session.reload()));
  }
}
