import * as vscode from 'vscode';
import { ContextKey, setContext } from './vscode/contextKeys';
import { Disposer } from './vscode/disposer';
import { Log } from './vscode/log';

/**
 * The composition root: creates each service once and passes it to the features that need it through
 * their constructors. Features own their own disposables; this class owns the features.
 * Returned from `activate` so the integration tests can reach the live parts.
 */
export class Workbench implements vscode.Disposable {
  private readonly disposer = new Disposer();
  readonly log: Log;

  constructor(readonly context: vscode.ExtensionContext) {
    this.log = this.disposer.track(new Log());
    void setContext(ContextKey.Connected, false);
    this.disposer.track(vscode.window.registerTreeDataProvider('mlflow.runs', new EmptyTree()));
    this.disposer.track(vscode.window.registerTreeDataProvider('mlflow.models', new EmptyTree()));
    this.disposer.track(vscode.commands.registerCommand('mlflow.showOutput', () => this.log.show()));
    this.disposer.track(vscode.commands.registerCommand('mlflow.refresh', () => undefined));
    this.disposer.track(vscode.commands.registerCommand('mlflow.connect', () => undefined));
    this.disposer.track(vscode.commands.registerCommand('mlflow.connectLocalhost', () => undefined));
    this.log.info('MLflow Workbench activated');
  }

  dispose(): void {
    this.disposer.dispose();
  }
}

class EmptyTree implements vscode.TreeDataProvider<never> {
  getTreeItem(element: never): vscode.TreeItem {
    return element;
  }
  getChildren(): never[] {
    return [];
  }
}
