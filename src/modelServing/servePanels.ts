import type * as vscode from 'vscode';
import { loadPanels } from '../vscode/lazyPanels';
import type { ModelServer } from './modelServer';
import type { ServePanel, ServePanelDeps } from './servePanel';

/** The open Serve panels: one per model URI for launching, found again for a server's requests. */
export class ServePanels implements vscode.Disposable {
  private readonly list: ServePanel[] = [];

  constructor(private readonly deps: ServePanelDeps) {}

  get panels(): readonly ServePanel[] {
    return [...this.list];
  }

  /** The launcher for `modelUri`: an open panel for it that is not serving, else a new one. */
  openLauncher(modelUri: string): ServePanel {
    const idle = this.list.find((p) => p.session.modelUri === modelUri && (!p.session.server || p.session.server.state.phase === 'stopped'));
    if (idle) {
      idle.reveal('launch');
      return idle;
    }
    return this.track(loadPanels().ServePanel.create(this.deps, modelUri));
  }

  /** The request side for a running server: the panel that launched it, else a new one attached to it. */
  openForServer(server: ModelServer): ServePanel {
    const existing = this.list.find((p) => p.session.server === server);
    if (existing) {
      existing.reveal('request');
      return existing;
    }
    return this.track(loadPanels().ServePanel.create(this.deps, server.spec.modelUri, server));
  }

  /** A panel VS Code restored after a window reload, with the model URI its page saved. */
  restore(panel: vscode.WebviewPanel, modelUri: string): ServePanel {
    return this.track(new (loadPanels().ServePanel)(panel, this.deps, modelUri));
  }

  dispose(): void {
    for (const panel of this.list.splice(0)) panel.dispose();
  }

  private track(panel: ServePanel): ServePanel {
    this.list.push(panel);
    const subscription = panel.onDidDispose(() => {
      subscription.dispose();
      const index = this.list.indexOf(panel);
      if (index >= 0) this.list.splice(index, 1);
    });
    return panel;
  }
}
