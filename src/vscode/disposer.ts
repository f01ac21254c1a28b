import type * as vscode from 'vscode';

/** One owner for a group of disposables: whatever `track` receives is disposed exactly once, in reverse order. */
export class Disposer implements vscode.Disposable {
  private readonly items: { dispose(): unknown }[] = [];
  private disposed = false;

  track<T extends { dispose(): unknown }>(item: T): T {
    if (this.disposed) {
      item.dispose();
    } else {
      this.items.push(item);
    }
    return item;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const item of this.items.splice(0).reverse()) {
      try {
        item.dispose();
      } catch {
        // A failing dispose must not keep the others from running.
      }
    }
  }
}
