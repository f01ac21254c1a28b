import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import { createAppPanel, SessionPanel } from '../vscode/sessionPanel';
import { ChartsSession, type Logger } from './chartsSession';
import type { SampledHistoryCache } from './core/historyCache';
import type { ChartsRenderSummary, ChartsViewState } from './protocol';
import { CHARTS_VIEW_TYPE } from '../vscode/viewTypes';


export interface PanelDependencies {
  extensionUri: vscode.Uri;
  activeStore: ActiveStore;
  log: Logger;
  pollIntervalMs?: number;
  /** Finished runs' histories, shared by the panels. */
  histories?: SampledHistoryCache;
}

/**
 * One charts webview panel: VS Code wiring around a {@link ChartsSession}. Created by
 * `ChartsFeature.openCharts`, or adopted from VS Code by the panel serializer after a reload.
 */
export class ChartsPanel extends SessionPanel<ChartsRenderSummary, ChartsSession> {
  static create(deps: PanelDependencies, state: ChartsViewState, show?: Parameters<typeof createAppPanel>[3]): ChartsPanel {
    return new ChartsPanel(createAppPanel(CHARTS_VIEW_TYPE, state.target.title ?? 'Charts', deps.extensionUri, show), deps, state);
  }

  constructor(panel: vscode.WebviewPanel, deps: PanelDependencies, state: ChartsViewState) {
    super(panel, deps.extensionUri, { app: 'charts', title: 'Charts' }, () =>
      new ChartsSession(
        {
          post: (message) => void panel.webview.postMessage(message),
          save: (file) => saveFile(file),
          setTitle: (title) => (panel.title = title),
          log: deps.log,
        },
        state,
        { store: () => deps.activeStore.current?.store, pollIntervalMs: deps.pollIntervalMs, histories: deps.histories },
      ),
    );
    this.disposer.track(deps.activeStore.onDidChange(() => this.session.reload()));
  }
}

/** Save dialog, then write; the default folder is the first workspace folder when there is one. */
export async function saveFile(file: { name: string; kind: 'png' | 'csv'; bytes: Uint8Array }): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, file.name) : undefined,
    filters: file.kind === 'png' ? { 'PNG image': ['png'] } : { CSV: ['csv'] },
    saveLabel: file.kind === 'png' ? 'Export Chart' : 'Export Data',
  });
  if (!uri) return;
  await vscode.workspace.fs.writeFile(uri, file.bytes);
}
