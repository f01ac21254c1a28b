import * as vscode from 'vscode';
import { ContextKey, setContext } from '../vscode/contextKeys';
import { Disposer } from '../vscode/disposer';
import { TrackingServer, type RunningTrackingServer, type TrackingServerDeps, type TrackingServerState } from './trackingServer';
import { showInfo } from '../vscode/notify';

export const TrackingServerCommand = {
  Start: 'mlflow.startTrackingServer',
  Stop: 'mlflow.stopTrackingServer',
} as const;

/**
 * "MLflow: Start/Stop Tracking Server" and a status bar item while one runs, over TrackingServer
 * (which the integration test drives directly, without these command registrations).
 */
export class TrackingServerFeature implements vscode.Disposable {
  private readonly disposer = new Disposer();
  private readonly server: TrackingServer;
  private readonly statusItem: vscode.StatusBarItem;
  readonly onDidChange: vscode.Event<TrackingServerState>;

  constructor(deps: TrackingServerDeps) {
    this.server = this.disposer.track(new TrackingServer(deps));
    this.onDidChange = this.server.onDidChange;
    this.statusItem = this.disposer.track(vscode.window.createStatusBarItem('mlflow.trackingServer', vscode.StatusBarAlignment.Left, 10));
    this.statusItem.name = 'MLflow Tracking Server';
    this.disposer.track(vscode.commands.registerCommand(TrackingServerCommand.Start, () => this.start()));
    this.disposer.track(vscode.commands.registerCommand(TrackingServerCommand.Stop, () => this.stop()));
    this.disposer.track(this.server.onDidChange(() => this.updateStatus()));
    this.updateStatus();
  }

  get state(): TrackingServerState {
    return this.server.state;
  }

  get running(): RunningTrackingServer | undefined {
    return this.server.running;
  }

  start(): Promise<RunningTrackingServer | undefined> {
    return this.server.start();
  }

  async stop(): Promise<void> {
    if (this.server.state === 'stopped') {
      void showInfo('No MLflow tracking server is running in this window.');
      return;
    }
    await this.server.stop();
  }

  dispose(): void {
    this.disposer.dispose();
  }

  private updateStatus(): void {
    const running = this.server.running;
    void setContext(ContextKey.TrackingServerRunning, this.server.state !== 'stopped');
    switch (this.server.state) {
      case 'stopped':
        this.statusItem.hide();
        return;
      case 'starting':
        this.statusItem.text = '$(loading~spin) MLflow server';
        this.statusItem.tooltip = 'Starting the MLflow tracking server…';
        this.statusItem.command = undefined;
        break;
      case 'stopping':
        this.statusItem.text = '$(loading~spin) MLflow server';
        this.statusItem.tooltip = 'Stopping the MLflow tracking server…';
        this.statusItem.command = undefined;
        break;
      case 'running':
        this.statusItem.text = `$(server-process) MLflow :${running?.port ?? ''}`;
        this.statusItem.tooltip = running ? `MLflow tracking server at ${running.url} (pid ${running.pid ?? '?'})\nClick to stop it.` : undefined;
        this.statusItem.command = { command: TrackingServerCommand.Stop, title: 'Stop Tracking Server' };
        break;
    }
    this.statusItem.show();
  }
}
