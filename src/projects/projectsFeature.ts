import * as vscode from 'vscode';
import type { ActiveStore } from '../connection/activeStore';
import type { TrackingStore } from '../mlflow/store';
import { resolveEntryPoint } from '../mlproject/entryPoints';
import { parseMlflowVersion, runEnvManagers } from '../mlproject/mlflowCli';
import { Disposer } from '../vscode/disposer';
import type { Log } from '../vscode/log';
import { defaultEnvManager, type LaunchSpec } from './launchSpec';
import { ProjectLauncher, type MlflowCli, type RunLaunch } from './launcher';
import { MlflowTaskProvider } from './mlflowTaskProvider';
import { MlprojectEditing, RUN_PROJECT_COMMAND, type RunProjectArgs } from './mlprojectEditing';
import { unreadableMessage } from '../mlproject/unreadable';
import { findProjects, openAtProblem, readProjectFile, runnableScripts, type ProjectFile } from './projectFiles';
import { RememberedRuns } from './rememberedRuns';
import { loadOnDemand } from '../vscode/lazyOnDemand';
import type { ExperimentChoice } from './runWizard';
import { MLFLOW_TASK_TYPE } from './taskDefinition';
import { showError, showInfo } from '../vscode/notify';
import { describeEnvironment } from '../environment/core/childEnv';

/** The button of the "cannot be read" error. */
export const OPEN_AT_ERROR = 'Open MLproject at the Error';

export const ProjectsCommand = {
  Run: RUN_PROJECT_COMMAND,
  RunAgain: 'mlflow.runProjectAgain',
} as const;

export interface ProjectsDeps {
  readonly activeStore: ActiveStore;
  readonly log: Log;
  readonly workspaceState: vscode.Memento;
  /** Shows a run in the Runs view (the explorer's), called once MLflow has created it. */
  readonly revealRun: (runId: string) => Promise<void>;
  /** Lets the Runs view follow a launch until its process ends. */
  readonly followLaunch?: (finished: Promise<unknown>) => void;
}

/** The experiment picker lists at most this many; more are reached by typing the name. */
const MAX_EXPERIMENTS = 500;

/**
 * Running MLprojects: "MLflow: Run MLproject…" (palette, CodeLens, explorer), "Run Again with Last
 * Parameters", `mlflow` tasks, and the MLproject editor's diagnostics, lenses and hovers. The
 * launching itself is ProjectLauncher's; this class decides what to launch.
 */
export class ProjectsFeature implements vscode.Disposable {
  private readonly disposer = new Disposer();
  readonly launcher: ProjectLauncher;
  private readonly remembered: RememberedRuns;

  constructor(private readonly deps: ProjectsDeps) {
    const track = <T extends vscode.Disposable>(item: T): T => this.disposer.track(item);
    this.remembered = new RememberedRuns(deps.workspaceState);
    this.launcher = track(new ProjectLauncher({ activeStore: deps.activeStore, log: deps.log, remembered: this.remembered, revealRun: deps.revealRun, followLaunch: deps.followLaunch }));
    track(new MlprojectEditing());
    track(vscode.tasks.registerTaskProvider(MLFLOW_TASK_TYPE, new MlflowTaskProvider(this.launcher)));
    track(vscode.commands.registerCommand(ProjectsCommand.Run, (target?: RunProjectArgs | vscode.Uri) => this.runProject(target)));
    track(vscode.commands.registerCommand(ProjectsCommand.RunAgain, () => this.runAgain()));
  }

  /** For tests: the most recent launch (from a command, a lens or a task). */
  get lastLaunch(): RunLaunch | undefined {
    return this.launcher.lastLaunch;
  }

  /**
   * "Run MLproject…". `target` comes from a CodeLens (an MLproject and entry point, maybe "with the
   * defaults") or from the explorer's context menu (the MLproject's URI); the palette passes nothing.
   */
  async runProject(target?: RunProjectArgs | vscode.Uri): Promise<RunLaunch | undefined> {
    const { mlproject, entryPoint, defaults } = normalizeTarget(target);
    const given = mlproject ? await readProjectFile(mlproject) : undefined;
    const projects = given ? [given] : await findProjects();
    if (projects.length === 0) {
      void showInfo(
        'No MLproject file in this workspace. "Run MLproject…" runs the entry points of an MLproject file (see the MLflow Projects documentation).',
      );
      return undefined;
    }
    if (projects.length === 1 && projects[0].problem) {
      await this.reportUnreadable(projects[0]);
      return undefined;
    }
    const cli = await this.launcher.prepare(projects[0].uri);
    if (!cli) return undefined;
    const spec = (defaults && entryPoint !== undefined ? this.defaultsSpec(projects[0], entryPoint, cli) : undefined) ?? (await this.ask(projects, entryPoint, cli));
    return spec ? this.launcher.launch(spec, cli) : undefined;
  }

  /** Starts a described run directly (Run Again, tests), with the same checks as the quick input. */
  launch(spec: LaunchSpec): Promise<RunLaunch | undefined> {
    return this.launcher.launch(spec);
  }

  async runAgain(): Promise<RunLaunch | undefined> {
    const spec = this.remembered.lastLaunch();
    if (!spec) {
      void showInfo('Nothing to run again yet: start a run with "MLflow: Run MLproject…" first.');
      return undefined;
    }
    return this.launcher.launch(spec);
  }

  dispose(): void {
    this.disposer.dispose();
  }

  /**
   * "▶ Run": the MLproject's default parameters, with the experiment and environment manager used last
   * for this entry point. Undefined (so the quick input asks) when a parameter has no default.
   */
  private defaultsSpec(file: ProjectFile, name: string, cli: MlflowCli): LaunchSpec | undefined {
    const entryPoint = resolveEntryPoint(file.project, name);
    if (!entryPoint || entryPoint.parameters.some((p) => p.default === undefined)) return undefined;
    const last = this.remembered.get(file.dir, entryPoint.name);
    const available = runEnvManagers(parseMlflowVersion(cli.version));
    const envManager = last?.envManager && available.includes(last.envManager) ? last.envManager : defaultEnvManager(file.project.environment);
    return {
      projectDir: file.dir,
      projectLabel: file.label,
      entryPoint: entryPoint.name,
      params: {},
      ...(last?.experimentName !== undefined ? { experimentName: last.experimentName } : {}),
      envManager,
    };
  }

  private ask(projects: readonly ProjectFile[], entryPoint: string | undefined, cli: MlflowCli): Promise<LaunchSpec | undefined> {
    const connection = this.deps.activeStore.current;
    return loadOnDemand().askRunSpec({
      projects,
      entryPoint: projects.length === 1 && entryPoint !== undefined && resolveEntryPoint(projects[0].project, entryPoint) ? entryPoint : undefined,
      envManagers: runEnvManagers(parseMlflowVersion(cli.version)),
      localEnvironment: describeEnvironment(cli.environment),
      remembered: this.remembered,
      experiments: connection ? () => this.experiments(connection.store) : undefined,
      scripts: (project) => runnableScripts(project.dir),
      unreadable: (project) => void this.reportUnreadable(project),
    });
  }

  /** Why the project's MLproject can't run (line and column of the YAML error), with a way to the spot. */
  private async reportUnreadable(file: ProjectFile): Promise<void> {
    if (!file.problem) return;
    const choice = await showError(unreadableMessage(file.label, file.problem), OPEN_AT_ERROR);
    if (choice === OPEN_AT_ERROR) await openAtProblem(file);
  }

  private async experiments(store: TrackingStore): Promise<ExperimentChoice[]> {
    try {
      const page = await store.searchExperiments({ viewType: 'ACTIVE_ONLY', maxResults: MAX_EXPERIMENTS });
      return page.items.map((e) => ({ name: e.name, experimentId: e.experimentId }));
    } catch (error) {
      // The picker still takes a typed name; the store's problem is the Runs view's to show.
      this.deps.log.warn(`Listing experiments for Run MLproject failed: ${error instanceof Error ? error.message : String(error)}`);
      return [];
    }
  }
}

function normalizeTarget(target: RunProjectArgs | vscode.Uri | undefined): { mlproject?: vscode.Uri; entryPoint?: string; defaults: boolean } {
  if (target instanceof vscode.Uri) return { mlproject: target, defaults: false };
  if (!target || typeof target.mlproject !== 'string') return { defaults: false };
  return { mlproject: vscode.Uri.parse(target.mlproject), entryPoint: target.entryPoint, defaults: target.defaults === true };
}
