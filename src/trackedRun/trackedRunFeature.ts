import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ActiveConnection, ActiveStore } from '../connection/activeStore';
import { describeEnvironment } from '../environment/core/childEnv';
import type { Run } from '../mlflow/types';
import { displayCommand } from '../projects/launchSpec';
import { MessageTerminal, MlflowRunTerminal } from '../projects/runTerminal';
import { Disposer } from '../vscode/disposer';
import type { Log } from '../vscode/log';
import { showError, showInfo, showWarning } from '../vscode/notify';
import { debugConfiguration } from './core/debugConfiguration';
import { RememberedScripts, type ScriptChoices, type ScriptLaunchSpec } from './core/remembered';
import { joinArgs, splitArgs } from './core/scriptArgs';
import { buildScriptLaunch, RUN_CONTEXT_VARIABLE, type ExperimentTarget, type LaunchConnection, type ScriptLaunch } from './core/scriptLaunch';
import { planPythonTask, PYTHON_TASK_TYPE, pythonTaskDefinition } from './core/taskDefinition';
import { LaunchWatcher } from './launchWatcher';
import { findPythonInterpreter, type PythonInterpreter } from './pythonInterpreter';

export const TrackedRunCommand = {
  Run: 'mlflow.runPythonFile',
  Debug: 'mlflow.debugPythonFile',
  RunAgain: 'mlflow.runPythonFileAgain',
  ChangeChoices: 'mlflow.changePythonFileChoices',
} as const;

/** The Python Debugger extension, which contributes the `debugpy` debug type. */
export const DEBUGPY_EXTENSION_ID = 'ms-python.debugpy';
const RUN_INSTEAD = 'Run with Tracking';
/** The experiment picker lists at most this many; more are reached by typing the name. */
const MAX_EXPERIMENTS = 500;

export interface TrackedRunDeps {
  readonly activeStore: ActiveStore;
  readonly log: Log;
  readonly workspaceState: vscode.Memento;
  /** Selects the run in the Runs view; false when it could not be shown. */
  readonly revealRun: (runId: string) => Promise<boolean>;
  /** Opens the run's live metric charts beside the editor. */
  readonly openChartsBeside: (runId: string) => void;
  /** Lets the Runs view follow the launch (poll the store) until its process ends. */
  readonly followLaunch: (finished: Promise<unknown>) => void;
}

/** One started script; the integration tests await its outcome. */
export interface TrackedLaunch {
  readonly spec: ScriptLaunchSpec;
  readonly launch: ScriptLaunch;
  readonly interpreter: PythonInterpreter;
  /** The exit code; undefined when stopped by a signal, not started, or (debug) unknown. */
  readonly exitCode: Promise<number | undefined>;
  /** The run the launch started, found by its launch-id tag; undefined if none was found before the process ended. */
  readonly run: Promise<Run | undefined>;
  /** Whether the run was selected in the Runs view, once found. */
  readonly revealed: Promise<boolean>;
  /** The run whose charts were opened beside the editor (once found and shown); undefined if none were. */
  readonly charted: Promise<string | undefined>;
  output(): string;
}

/**
 * "MLflow: Run / Debug Python File with Tracking", "Run Again", the `mlflow-python` task type: starts a
 * script with the connected store in its environment and a launch id in MLFLOW_RUN_CONTEXT, finds the
 * run it starts by that id, selects it in the Runs view and opens its live charts beside the editor.
 */
export class TrackedRunFeature implements vscode.Disposable {
  private readonly disposer = new Disposer();
  private readonly remembered: RememberedScripts;
  private readonly terminals = new Set<MlflowRunTerminal>();
  private readonly shownTerminals = new Set<vscode.Terminal>();
  /** Launches whose run is still being looked for. */
  private readonly watchers = new Set<LaunchWatcher>();
  /** The most recent launch (command, Run Again or task). */
  lastLaunch: TrackedLaunch | undefined;

  constructor(private readonly deps: TrackedRunDeps) {
    const track = <T extends vscode.Disposable>(item: T): T => this.disposer.track(item);
    this.remembered = new RememberedScripts(deps.workspaceState);
    track(vscode.commands.registerCommand(TrackedRunCommand.Run, (uri?: vscode.Uri) => this.runFile(uri, 'run')));
    track(vscode.commands.registerCommand(TrackedRunCommand.Debug, (uri?: vscode.Uri) => this.runFile(uri, 'debug')));
    track(vscode.commands.registerCommand(TrackedRunCommand.RunAgain, () => this.runAgain()));
    track(vscode.commands.registerCommand(TrackedRunCommand.ChangeChoices, (uri?: vscode.Uri) => this.changeChoices(uri)));
    track(vscode.window.onDidCloseTerminal((terminal) => this.shownTerminals.delete(terminal)));
    track(vscode.tasks.registerTaskProvider(PYTHON_TASK_TYPE, {
      provideTasks: () => this.provideTasks(),
      resolveTask: (task) => this.resolveTask(task),
    }));
  }

  /** Run or debug a Python file: the given one (explorer, editor title), else the active editor's. */
  async runFile(uri: vscode.Uri | undefined, mode: 'run' | 'debug'): Promise<TrackedLaunch | undefined> {
    const script = await this.scriptOf(uri);
    if (!script) return undefined;
    const choices = this.remembered.get(script) ?? (await this.askChoices(script, undefined));
    if (!choices) return undefined;
    return this.launch({ script, mode, ...choices });
  }

  async runAgain(): Promise<TrackedLaunch | undefined> {
    const last = this.remembered.last();
    if (!last) {
      void showInfo('Nothing to run again yet: start a Python file with "MLflow: Run Python File with Tracking" first.');
      return undefined;
    }
    return this.launch(last);
  }

  /** Asks a file's arguments and experiment again (prefilled with the remembered ones), and runs it. */
  async changeChoices(uri: vscode.Uri | undefined): Promise<TrackedLaunch | undefined> {
    const script = await this.scriptOf(uri);
    if (!script) return undefined;
    const choices = await this.askChoices(script, this.remembered.get(script));
    return choices ? this.launch({ script, mode: 'run', ...choices }) : undefined;
  }

  /** Starts a described launch directly (Run Again, tests): nothing is asked. */
  async launch(spec: ScriptLaunchSpec): Promise<TrackedLaunch | undefined> {
    if (spec.mode === 'debug' && !vscode.extensions.getExtension(DEBUGPY_EXTENSION_ID)) {
      const choice = await showWarning(
        `Debugging ${path.basename(spec.script)} needs the Python Debugger extension (${DEBUGPY_EXTENSION_ID}), which is not installed. ` +
          'Install it from the Extensions view, or run the file with tracking without the debugger.',
        RUN_INSTEAD,
      );
      return choice === RUN_INSTEAD ? this.launch({ ...spec, mode: 'run' }) : undefined;
    }
    const prepared = await this.prepare(spec);
    if (!prepared.ok) {
      if (prepared.message) this.failed(prepared.message);
      return undefined;
    }
    await this.remembered.remember(spec);
    if (spec.mode === 'debug') return this.startDebugging(spec, prepared.launch, prepared.interpreter);
    const { terminal, tracked } = this.startTerminal(spec, prepared.launch, prepared.interpreter, prepared.connection, false);
    const shown = vscode.window.createTerminal({
      name: `MLflow: ${path.basename(spec.script)}`,
      pty: terminal,
      iconPath: new vscode.ThemeIcon('beaker'),
      // A restored terminal would have no process behind it.
      isTransient: true,
    });
    this.shownTerminals.add(shown);
    shown.show(true);
    return tracked;
  }

  /** Stops every script still running (SIGTERM to its process group, SIGKILL after a grace period). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.terminals].map(async (terminal) => {
      terminal.stop();
      await terminal.exitCode;
    }));
  }

  dispose(): void {
    for (const watcher of this.watchers) watcher.dispose();
    this.watchers.clear();
    for (const shown of this.shownTerminals) shown.dispose();
    for (const terminal of this.terminals) terminal.dispose();
    this.shownTerminals.clear();
    this.terminals.clear();
    this.disposer.dispose();
  }

  // ---- preparing ----

  private async scriptOf(uri: vscode.Uri | undefined): Promise<string | undefined> {
    const target = uri instanceof vscode.Uri ? uri : vscode.window.activeTextEditor?.document.uri;
    if (!target || target.scheme !== 'file' || !/\.pyw?$/i.test(target.fsPath)) {
      void showInfo('Open a Python file (.py) to run it with MLflow tracking.');
      return undefined;
    }
    // What is run is what the editor shows.
    const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === target.toString());
    if (open?.isDirty) await open.save();
    return target.fsPath;
  }

  private async prepare(spec: ScriptLaunchSpec): Promise<
    { ok: true; launch: ScriptLaunch; interpreter: PythonInterpreter; connection: ActiveConnection | undefined } | { ok: false; message?: string }
  > {
    const name = path.basename(spec.script);
    if (!vscode.workspace.isTrusted) {
      void showWarning(`Running ${name} executes this workspace's code, which needs a trusted workspace.`, 'Manage Workspace Trust').then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.trust.manage');
      });
      return { ok: false };
    }
    const uri = vscode.Uri.file(spec.script);
    const lookup = await findPythonInterpreter(uri);
    if (!lookup.found) {
      void this.explainMissingInterpreter(name, lookup.pythonExtension, lookup.selected);
      return { ok: false };
    }
    const connection = this.deps.activeStore.current;
    let launchConnection: LaunchConnection | undefined;
    try {
      launchConnection = connection ? { kind: connection.kind, trackingUri: connection.trackingUri, env: await connection.processEnv() } : undefined;
    } catch (error) {
      // E.g. the keychain refused the stored token: running without it would log anonymously.
      return { ok: false, message: `Can't pass the credentials of ${connection?.name} to ${name}: ${errorText(error)}` };
    }
    const folder = vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath;
    try {
      const launch = buildScriptLaunch({
        interpreter: lookup.found.path,
        environment: lookup.found.environment,
        script: spec.script,
        args: spec.args,
        cwd: folder ?? path.dirname(spec.script),
        experiment: spec.experiment,
        launchId: randomUUID().replace(/-/g, ''),
        connection: launchConnection,
        base: process.env,
        platform: process.platform,
      });
      return { ok: true, launch, interpreter: lookup.found, connection };
    } catch (error) {
      return { ok: false, message: `Can't run ${name}: ${errorText(error)}` };
    }
  }

  /** The script's arguments (one line, split without a shell) and its experiment; undefined if cancelled. */
  private async askChoices(script: string, previous: ScriptChoices | undefined): Promise<ScriptChoices | undefined> {
    const name = path.basename(script);
    const typed = await vscode.window.showInputBox({
      title: `Arguments for ${name} (remembered for this file)`,
      prompt: 'Split like a shell splits words (quotes and backslashes), but nothing is expanded: no variables, no globs.',
      placeHolder: 'e.g. --epochs 5 --run-name "first try" (empty: no arguments)',
      value: previous ? joinArgs(previous.args) : '',
      ignoreFocusOut: true,
      validateInput: (value) => {
        const split = splitArgs(value);
        return split.ok ? undefined : split.message;
      },
    });
    if (typed === undefined) return undefined;
    const split = splitArgs(typed);
    if (!split.ok) return undefined;
    const experiment = await this.askExperiment(name, previous?.experiment);
    return experiment ? { args: split.args, experiment } : undefined;
  }

  private async askExperiment(name: string, previous: ExperimentTarget | undefined): Promise<ExperimentTarget | undefined> {
    type Item = vscode.QuickPickItem & { target?: ExperimentTarget };
    const pick = vscode.window.createQuickPick<Item>();
    pick.title = `Experiment for the runs of ${name} (remembered for this file)`;
    pick.placeholder = 'Pick an experiment, or type the name of a new one';
    pick.ignoreFocusOut = true;
    pick.busy = true;
    const listed: Item[] = [];
    const typedItem = (value: string): Item[] =>
      value.trim() && !listed.some((item) => item.label === value.trim())
        ? [{ label: value.trim(), description: 'new experiment (MLflow creates it)', alwaysShow: true, target: { kind: 'name', name: value.trim() } }]
        : [];
    const refresh = () => (pick.items = [...typedItem(pick.value), ...listed]);
    const disposables = [pick.onDidChangeValue(refresh)];
    void this.experiments().then((experiments) => {
      for (const e of experiments) {
        const current = previous?.kind === 'id' ? previous.experimentId === e.experimentId : previous?.name === e.name;
        listed.push({ label: e.name, description: current ? `id ${e.experimentId} · last used` : `id ${e.experimentId}`, target: { kind: 'id', experimentId: e.experimentId, name: e.name } });
      }
      pick.busy = false;
      refresh();
      const last = listed.find((item) => item.description?.endsWith('last used'));
      if (last) pick.activeItems = [last];
    });
    if (previous?.kind === 'name') pick.value = previous.name;
    refresh();
    const chosen = await new Promise<ExperimentTarget | undefined>((resolve) => {
      disposables.push(pick.onDidAccept(() => {
        const item = pick.selectedItems[0] ?? pick.activeItems[0];
        resolve(item?.target ?? (pick.value.trim() ? { kind: 'name', name: pick.value.trim() } : undefined));
        pick.hide();
      }));
      disposables.push(pick.onDidHide(() => resolve(undefined)));
      pick.show();
    });
    for (const d of disposables) d.dispose();
    pick.dispose();
    return chosen;
  }

  private async experiments(): Promise<{ name: string; experimentId: string }[]> {
    const store = this.deps.activeStore.current?.store;
    if (!store) return [];
    try {
      const page = await store.searchExperiments({ viewType: 'ACTIVE_ONLY', maxResults: MAX_EXPERIMENTS });
      return page.items.map((e) => ({ name: e.name, experimentId: e.experimentId }));
    } catch (error) {
      // The picker still takes a typed name; the store's problem is the Runs view's to show.
      this.deps.log.warn(`Listing experiments for Run Python File with Tracking failed: ${errorText(error)}`);
      return [];
    }
  }

  // ---- running ----

  private startTerminal(
    spec: ScriptLaunchSpec,
    launch: ScriptLaunch,
    interpreter: PythonInterpreter,
    connection: ActiveConnection | undefined,
    closeOnExit: boolean,
  ): { terminal: MlflowRunTerminal; tracked: TrackedLaunch } {
    const terminal = new MlflowRunTerminal({
      executable: launch.executable,
      argv: launch.argv,
      cwd: launch.cwd,
      env: launch.env,
      header: [
        `$ ${displayCommand(launch.executable, launch.argv)}`,
        ...(interpreter.environment ? [`In the ${describeEnvironment(interpreter.environment)}`] : []),
        connection ? `Logging to ${connection.name} (${connection.trackingUri})` : "Logging to MLflow's default (no store connected)",
        `Experiment: ${experimentLabel(spec.experiment)}`,
      ],
      closeOnExit,
      processLabel: path.basename(spec.script),
    });
    this.terminals.add(terminal);
    void terminal.exitCode.then((code) => {
      this.terminals.delete(terminal);
      this.deps.log.info(`${spec.script} ${code === undefined ? 'was stopped' : `exited with code ${code}`}`);
    });
    // Logged without the environment: that is where the credentials are.
    this.deps.log.info(`Starting in ${launch.cwd}: ${displayCommand(launch.executable, launch.argv)} (launch ${launch.launchId})`);
    const tracked = this.follow(spec, launch, interpreter, terminal.exitCode, () => terminal.output);
    return { terminal, tracked };
  }

  private async startDebugging(spec: ScriptLaunchSpec, launch: ScriptLaunch, interpreter: PythonInterpreter): Promise<TrackedLaunch | undefined> {
    const configuration = debugConfiguration(launch, `MLflow: ${path.basename(spec.script)}`, process.env);
    let settleExit!: (code: number | undefined) => void;
    const exitCode = new Promise<number | undefined>((resolve) => (settleExit = resolve));
    const ours = (session: vscode.DebugSession) => session.configuration.env?.[RUN_CONTEXT_VARIABLE] === launch.overlay[RUN_CONTEXT_VARIABLE];
    const ended = vscode.debug.onDidTerminateDebugSession((session) => {
      if (!ours(session)) return;
      ended.dispose();
      settleExit(undefined);
    });
    this.disposer.track(ended);
    const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(spec.script));
    let started = false;
    try {
      started = await vscode.debug.startDebugging(folder, configuration);
    } catch (error) {
      this.deps.log.warn(`Starting the debugger failed: ${errorText(error)}`);
    }
    if (!started) {
      ended.dispose();
      const choice = await showError(`The Python debugger did not start ${path.basename(spec.script)}.`, RUN_INSTEAD);
      return choice === RUN_INSTEAD ? this.launch({ ...spec, mode: 'run' }) : undefined;
    }
    this.deps.log.info(`Debugging ${spec.script} (launch ${launch.launchId})`);
    return this.follow(spec, launch, interpreter, exitCode, () => '');
  }

  /** Finds the launch's run while it runs; shows it in the Runs view and its charts beside the editor. */
  private follow(spec: ScriptLaunchSpec, launch: ScriptLaunch, interpreter: PythonInterpreter, exitCode: Promise<number | undefined>, output: () => string): TrackedLaunch {
    const watcher = new LaunchWatcher(this.deps.activeStore, {
      launchId: launch.launchId,
      experiment: spec.experiment,
      finished: exitCode,
      onError: (error, next) => this.deps.log.warn(`Looking for the run of ${path.basename(spec.script)} failed${next ? ` (next try in ${Math.round(next / 1000)} s)` : ''}: ${errorText(error)}`),
    });
    this.watchers.add(watcher);
    void watcher.run.then(() => this.watchers.delete(watcher));
    this.deps.followLaunch(exitCode);
    const revealed = watcher.run.then(async (run) => {
      if (!run) {
        this.deps.log.info(`${spec.script} started no MLflow run on the connected store (launch ${launch.launchId}).`);
        return false;
      }
      this.deps.log.info(`${spec.script} started run ${run.info.runId}`);
      try {
        return await this.deps.revealRun(run.info.runId);
      } catch (error) {
        this.deps.log.info(`Could not show run ${run.info.runId} in the Runs view: ${errorText(error)}`);
        return false;
      }
    });
    // Opened at once, metrics or not: the panel charts the metrics the run logs later as they come.
    const charted = watcher.run.then(async (run) => {
      await revealed;
      if (!run) return undefined;
      this.deps.openChartsBeside(run.info.runId);
      return run.info.runId;
    });
    const tracked: TrackedLaunch = { spec, launch, interpreter, exitCode, run: watcher.run, revealed, charted, output };
    this.lastLaunch = tracked;
    return tracked;
  }

  // ---- tasks ----

  private provideTasks(): vscode.Task[] {
    const document = vscode.window.activeTextEditor?.document;
    if (!document || document.uri.scheme !== 'file' || document.languageId !== 'python') return [];
    const folder = vscode.workspace.getWorkspaceFolder(document.uri);
    const remembered = this.remembered.get(document.uri.fsPath);
    const definition = pythonTaskDefinition(document.uri.fsPath, folder?.uri.fsPath, remembered?.args ?? [], remembered?.experiment.name);
    return [this.task(definition, folder, `${path.basename(document.uri.fsPath)} with tracking`)];
  }

  /** A tasks.json entry: VS Code requires the returned task to carry the very same definition. */
  private resolveTask(task: vscode.Task): vscode.Task | undefined {
    if (task.definition.type !== PYTHON_TASK_TYPE) return undefined;
    const folder = typeof task.scope === 'object' ? task.scope : undefined;
    return this.task(task.definition, folder, task.name);
  }

  private task(definition: vscode.TaskDefinition, folder: vscode.WorkspaceFolder | undefined, name: string): vscode.Task {
    const execution = new vscode.CustomExecution(async (resolved) => this.executeTask(resolved, folder));
    const task = new vscode.Task(definition, folder ?? vscode.TaskScope.Workspace, name, PYTHON_TASK_TYPE, execution, []);
    task.detail = `python ${String(definition.file)}${Array.isArray(definition.args) && definition.args.length ? ` ${joinArgs(definition.args.map(String))}` : ''} (MLflow tracking)`;
    return task;
  }

  /** Runs when the task starts, with `${workspaceFolder}` and friends already substituted by VS Code. */
  private async executeTask(definition: vscode.TaskDefinition, folder: vscode.WorkspaceFolder | undefined): Promise<vscode.Pseudoterminal> {
    const planned = planPythonTask(definition, folder?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath);
    if (!planned.ok) return new MessageTerminal(planned.message);
    const spec: ScriptLaunchSpec = { script: planned.script, args: planned.args, mode: 'run', ...(planned.experiment ? { experiment: planned.experiment } : {}) };
    const prepared = await this.prepare(spec);
    if (!prepared.ok) return new MessageTerminal(prepared.message ?? `${path.basename(planned.script)} could not be started; see the notification for what to do.`);
    return this.startTerminal(spec, prepared.launch, prepared.interpreter, prepared.connection, true).terminal;
  }

  // ---- messages ----

  private async explainMissingInterpreter(name: string, pythonExtension: boolean, selected: string | undefined): Promise<void> {
    const actions = pythonExtension ? ['Select Python Interpreter'] : [];
    const why = selected ? `the selected interpreter ${selected} is not an executable file, and no` : 'no';
    const choice = await showError(
      `Can't run ${name}: ${why} Python interpreter was found (not beside the mlflow this extension uses, nor python3 on PATH). ` +
        (pythonExtension ? 'Select an interpreter in the Python extension.' : 'Install Python 3, or the Python extension to pick an interpreter.'),
      ...actions,
    );
    if (choice === 'Select Python Interpreter') await vscode.commands.executeCommand('python.setInterpreter');
  }

  private failed(message: string): void {
    this.deps.log.error(message);
    void showError(message, 'Show Log').then((choice) => {
      if (choice) this.deps.log.show();
    });
  }
}

function experimentLabel(experiment: ExperimentTarget | undefined): string {
  if (!experiment) return "MLflow's default";
  return experiment.kind === 'id' ? `${experiment.name ?? ''} (id ${experiment.experimentId})`.trim() : experiment.name;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
