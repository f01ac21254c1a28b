import * as vscode from 'vscode';
import { ArtifactsFeature } from './artifacts/artifactsFeature';
import { BesideCodeFeature } from './besideCode/besideCodeFeature';
import { ChartsFeature } from './charts/chartsFeature';
import { ConnectionFeature } from './connection/connectionFeature';
import { Connections } from './connection/connections';
import { createStoreFactory } from './connection/storeFactory';
import { ChartCommands } from './explorer/chartCommands';
import { ExplorerFeature } from './explorer/explorerFeature';
import { RunCommands } from './explorer/runCommands';
import { RunPicker } from './explorer/runPicker';
import { TrackingServerFeature } from './trackingServer/trackingServerFeature';
import { ServingFeature } from './modelServing/servingFeature';
import { ProjectsFeature } from './projects/projectsFeature';
import { RegistryFeature } from './registry/registryFeature';
import { TracesFeature } from './traces/tracesFeature';
import { PromptsFeature } from './prompts/promptsFeature';
import { EvaluationsFeature } from './evaluations/evaluationsFeature';
import { TrackedRunFeature } from './trackedRun/trackedRunFeature';
import { Disposer } from './vscode/disposer';
import { Log } from './vscode/log';
import { settings } from './vscode/settings';

/**
 * The composition root: creates each service once and passes it to the features that need it through
 * their constructors. Features own their disposables; this class owns the features. Returned from
 * `activate` so the integration tests can reach the live parts.
 */
export class Workbench implements vscode.Disposable {
  private readonly disposer = new Disposer();
  readonly log: Log;
  readonly connections: Connections;
  readonly explorer: ExplorerFeature;
  readonly runCommands: RunCommands;
  readonly trackingServer: TrackingServerFeature;
  readonly charts: ChartsFeature;
  readonly registry: RegistryFeature;
  readonly projects: ProjectsFeature;
  readonly serving: ServingFeature;
  readonly traces: TracesFeature;
  readonly prompts: PromptsFeature;
  readonly evaluations: EvaluationsFeature;
  readonly besideCode: BesideCodeFeature;
  readonly trackedRun: TrackedRunFeature;
  /** Resolves when the first connection has been chosen (no network involved). */
  readonly ready: Promise<void>;

  constructor(readonly context: vscode.ExtensionContext) {
    const track = <T extends vscode.Disposable>(item: T): T => this.disposer.track(item);
    this.log = track(new Log());
    this.connections = track(new Connections({
      secrets: context.secrets,
      workspaceState: context.workspaceState,
      log: this.log,
      createStore: createStoreFactory(context.extensionPath),
    }));
    track(new ConnectionFeature({ connections: this.connections, log: this.log }));
    // Asks for experiments and runs when a command comes from the palette with nothing selected.
    const runPicker = new RunPicker({ activeStore: this.connections, keyMetric: () => settings.keyMetric() });
    this.explorer = track(new ExplorerFeature({ activeStore: this.connections, log: this.log, workspaceState: context.workspaceState, picker: runPicker }));
    this.runCommands = track(new RunCommands({
      activeStore: this.connections,
      model: this.explorer.model,
      log: this.log,
      selection: () => this.explorer.treeView.selection,
      picker: runPicker,
    }));
    this.charts = track(new ChartsFeature({
      extensionUri: context.extensionUri,
      activeStore: this.connections,
      log: this.log,
      onDidReloadRuns: (listener) => this.explorer.model.onDidChange((node) => listener(node?.kind === 'experiment' ? node.experiment.experimentId : undefined)),
    }));
    track(new ChartCommands({ charts: this.charts, runCommands: this.runCommands, activeStore: this.connections, log: this.log }));
    track(new ArtifactsFeature({ activeStore: this.connections, log: this.log, pickRun: (title) => runPicker.pickRunNode(title) }));
    this.trackingServer = track(new TrackingServerFeature({
      activeStore: this.connections,
      connections: this.connections,
      log: this.log,
      workspaceState: context.workspaceState,
    }));
    this.serving = track(new ServingFeature({ extensionUri: context.extensionUri, activeStore: this.connections, log: this.log }));
    const revealRun = async (runId: string): Promise<void> => void (await this.explorer.revealRun(runId));
    this.projects = track(new ProjectsFeature({
      activeStore: this.connections,
      log: this.log,
      workspaceState: context.workspaceState,
      revealRun,
      followLaunch: (finished) => this.explorer.followLaunch(finished),
    }));
    this.prompts = track(new PromptsFeature({ activeStore: this.connections, log: this.log }));
    this.registry = track(new RegistryFeature({
      activeStore: this.connections,
      log: this.log,
      revealRun,
      prompts: this.prompts.tree,
    }));
    this.traces = track(new TracesFeature({
      extensionUri: context.extensionUri,
      globalStorageUri: context.globalStorageUri,
      activeStore: this.connections,
      log: this.log,
      pickRun: (title) => runPicker.pickRunNode(title),
    }));
    this.evaluations = track(new EvaluationsFeature({
      extensionUri: context.extensionUri,
      activeStore: this.connections,
      log: this.log,
      selection: () => this.explorer.treeView.selection,
    }));
    this.besideCode = track(new BesideCodeFeature({
      extensionPath: context.extensionPath,
      activeStore: this.connections,
      log: this.log,
      charts: this.charts,
      filterRunsView: (filter) => this.explorer.applyFilter(filter),
    }));
    this.trackedRun = track(new TrackedRunFeature({
      activeStore: this.connections,
      log: this.log,
      workspaceState: context.workspaceState,
      revealRun: (runId) => this.explorer.revealRun(runId),
      openChartsBeside: (runId) => void this.charts.openCharts({ runIds: [runId] }, { show: { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true } }),
      followLaunch: (finished) => this.explorer.followLaunch(finished),
    }));
    track(vscode.commands.registerCommand('mlflow.showOutput', () => this.log.show()));
    this.ready = this.connections.initialize();
  }

  dispose(): void {
    this.disposer.dispose();
  }
}
