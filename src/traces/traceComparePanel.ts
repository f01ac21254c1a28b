import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { createAppPanel, SessionPanel } from '../vscode/sessionPanel';
import type { TraceCompareRenderSummary } from './core/compareProtocol';
import { TraceCompareSession } from './core/traceCompareSession';
import { TRACE_COMPARE_VIEW_TYPE } from '../vscode/viewTypes';

export interface TraceComparePanelDependencies {
  extensionUri: vscode.Uri;
  activeStore: ActiveStore;
  log: { error(message: string): void };
  openTrace(traceId: string): void;
}

/** One Compare Traces panel: VS Code wiring around a {@link TraceCompareSession}. */
export class TraceComparePanel extends SessionPanel<TraceCompareRenderSummary, TraceCompareSession> {
  static create(deps: TraceComparePanelDependencies, traceIds: readonly [string, string]): TraceComparePanel {
    const panel = createAppPanel(TRACE_COMPARE_VIEW_TYPE, 'Compare Traces', deps.extensionUri);
    return new TraceComparePanel(panel, deps, traceIds);
  }

  /** Adopts a panel VS Code re-created after a window reload (its page's saved state gave `traceIds`). */
  static restore(panel: vscode.WebviewPanel, deps: TraceComparePanelDependencies, traceIds: readonly [string, string]): TraceComparePanel {
    return new TraceComparePanel(panel, deps, traceIds);
  }

  private constructor(panel: vscode.WebviewPanel, deps: TraceComparePanelDependencies, traceIds: readonly [string, string]) {
    super(panel, deps.extensionUri, { app: 'trace-compare', title: 'Compare Traces' }, () =>
      new TraceCompareSession(
        {
          post: (message) => void panel.webview.postMessage(message),
          copy: (text) => void vscode.env.clipboard.writeText(text),
          openTrace: (id) => deps.openTrace(id),
          setTitle: (title) => (panel.title = title),
          log: deps.log,
        },
        traceIds,
        () => deps.activeStore.current?.store.traces,
      ),
    );
    this.disposer.track(deps.activeStore.onDidChange(() => void this.session.load()));
  }
}
