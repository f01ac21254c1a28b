import * as vscode from 'vscode';
import type { ProjectLauncher } from './launcher';
import { findProjects, readProjectDir } from './projectFiles';
import { MessageTerminal } from './runTerminal';
import { launchSpecFromTask, MLFLOW_TASK_TYPE, taskDefinitionFor, taskProjectDir, type MlflowTaskDefinition } from './taskDefinition';

/**
 * `mlflow` tasks: every entry point of every MLproject is offered (with its defaults), and tasks.json
 * entries of this type run through the same launcher as "Run MLproject…", in a CustomExecution whose
 * pseudoterminal owns the `mlflow run` process.
 */
export class MlflowTaskProvider implements vscode.TaskProvider {
  constructor(private readonly launcher: ProjectLauncher) {}

  async provideTasks(): Promise<vscode.Task[]> {
    const tasks: vscode.Task[] = [];
    for (const file of await findProjects()) {
      if (!file.folder) continue;
      for (const entryPoint of file.project.entryPoints) {
        const definition = taskDefinitionFor(file.dir, file.folder.uri.fsPath, entryPoint.name);
        tasks.push(this.task(definition, file.folder, `${file.label}: ${entryPoint.name}`));
      }
    }
    return tasks;
  }

  /** A tasks.json entry: VS Code requires the returned task to carry the very same definition. */
  resolveTask(task: vscode.Task): vscode.Task | undefined {
    const definition = task.definition as MlflowTaskDefinition;
    if (definition.type !== MLFLOW_TASK_TYPE) return undefined;
    const folder = typeof task.scope === 'object' ? task.scope : undefined;
    return this.task(definition, folder, task.name);
  }

  private task(definition: MlflowTaskDefinition, folder: vscode.WorkspaceFolder | undefined, name: string): vscode.Task {
    const execution = new vscode.CustomExecution(async (resolved) => this.execute(resolved as MlflowTaskDefinition, folder));
    const task = new vscode.Task(definition, folder ?? vscode.TaskScope.Workspace, name, MLFLOW_TASK_TYPE, execution, []);
    task.detail = `mlflow run ${definition.project} -e ${definition.entryPoint}`;
    return task;
  }

  /** Runs when the task starts, with `${workspaceFolder}` and friends already substituted by VS Code. */
  private async execute(definition: MlflowTaskDefinition, folder: vscode.WorkspaceFolder | undefined): Promise<vscode.Pseudoterminal> {
    const projectDir = taskProjectDir(definition, folder?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath);
    if (!projectDir) return new MessageTerminal(`The mlflow task's project '${definition.project}' is relative, but there is no workspace folder.`);
    const { project } = await readProjectDir(projectDir);
    const planned = launchSpecFromTask(definition, projectDir, project);
    if (!planned.ok) return new MessageTerminal(planned.message);
    const cli = await this.launcher.prepare(vscode.Uri.file(projectDir));
    if (!cli) return new MessageTerminal('mlflow could not be started; see the notification for what to do.');
    const prepared = await this.launcher.prepareRun(planned.spec, cli, { closeOnExit: true });
    return prepared.ok ? prepared.terminal : new MessageTerminal(prepared.message);
  }
}
