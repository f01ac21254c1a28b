import * as fs from 'node:fs/promises';
import * as vscode from 'vscode';
import type { ActiveConnection } from '../connection/activeStore';
import { resolveEntryPoint } from '../mlproject/entryPoints';
import { validateRunValues } from '../mlproject/paramValues';
import { buildMlflowRunArgv } from '../mlproject/runArgv';
import { mlflowVersion } from '../vscode/mlflowVersion';
import type { Log } from '../vscode/log';
import { findMlflow, type MlflowLookup } from '../vscode/python';
import { displayCommand, terminalName, type LaunchSpec } from './launchSpec';
import { describeEnvironment, type MlflowEnvironment } from '../environment/core/childEnv';
import { mlflowChildEnv } from '../environment/mlflowChildEnv';
import { offerMlflowInstall } from '../environment/installMlflow';
import { readProjectDir, saveProjectFile } from './projectFiles';
import type { RememberedRuns } from './rememberedRuns';
import { MlflowRunTerminal } from './runTerminal';
import { showError, showInfo, showWarning } from '../vscode/notify';

export interface LauncherDeps {
  /** Only read at launch: where the run logs to, and the credentials for its environment. */
  readonly activeStore: { readonly current: Pick<ActiveConnection, 'name' | 'kind' | 'trackingUri' | 'processEnv'> | undefined };
  readonly log: Pick<Log, 'info' | 'warn' | 'error' | 'show'>;
  readonly remembered: RememberedRuns;
  /** Shows the new run in the Runs view once MLflow has created it. */
  readonly revealRun: (runId: string) => Promise<void>;
  /** Lets the Runs view follow the launch (poll the server) until the process ends. */
  readonly followLaunch?: (finished: Promise<unknown>) => void;
}

/** The `mlflow` to run and what it reported for `--version` (the argv depends on it). */
export interface MlflowCli {
  readonly executable: string;
  readonly version: string;
  /** The Python environment `executable` belongs to; the run's PATH starts with its scripts folder. */
  readonly environment: MlflowEnvironment;
}

/** One started `mlflow run`; the integration tests await its outcome. */
export interface RunLaunch {
  readonly spec: LaunchSpec;
  readonly executable: string;
  /** Exactly what the process was given after the executable. */
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly terminalName: string;
  readonly exitCode: Promise<number | undefined>;
  /** From MLflow's "Running command … in run with ID" line; undefined if the process ended without one. */
  readonly runId: Promise<string | undefined>;
  output(): string;
}

export type PreparedRun = { ok: true; launch: RunLaunch; terminal: MlflowRunTerminal } | { ok: false; message: string };

/**
 * Starts `mlflow run` for a LaunchSpec: checks trust and the executable (telling the user what to do
 * when either is missing), validates the values against the MLproject as it is now, and runs the argv
 * in a terminal whose process it owns, with the connected store's credentials in that process's
 * environment only.
 */
export class ProjectLauncher implements vscode.Disposable {
  /** The most recent launch, whether from a command or a task. */
  lastLaunch: RunLaunch | undefined;
  private readonly terminals = new Set<vscode.Terminal>();
  private readonly ptys = new Set<MlflowRunTerminal>();
  /** `mlflow --version` imports all of MLflow (seconds); asked once per executable file version. */
  private readonly versions = new Map<string, Promise<string>>();
  private readonly closeListener: vscode.Disposable;

  constructor(private readonly deps: LauncherDeps) {
    this.closeListener = vscode.window.onDidCloseTerminal((terminal) => this.terminals.delete(terminal));
  }

  /** Trust, then the executable, then its version. Undefined (after telling the user why) when one is missing. */
  async prepare(resource: vscode.Uri | undefined): Promise<MlflowCli | undefined> {
    if (!vscode.workspace.isTrusted) {
      void this.explainUntrusted();
      return undefined;
    }
    const lookup = await findMlflow(resource);
    if (!lookup.executable) {
      void this.explainMissingMlflow(lookup);
      return undefined;
    }
    try {
      const { path: executable, environment } = lookup.executable;
      return { executable, environment, version: await this.versionOf(executable, environment) };
    } catch (error) {
      this.failed(`Can't run the MLproject: ${errorText(error)}`);
      return undefined;
    }
  }

  /** Starts the run in a new terminal; undefined when it could not be started (the user was told). */
  async launch(spec: LaunchSpec, cli?: MlflowCli): Promise<RunLaunch | undefined> {
    const mlflow = cli ?? (await this.prepare(vscode.Uri.file(spec.projectDir)));
    if (!mlflow) return undefined;
    const prepared = await this.prepareRun(spec, mlflow, { closeOnExit: false });
    if (!prepared.ok) {
      this.failed(prepared.message);
      return undefined;
    }
    const terminal = vscode.window.createTerminal({
      name: prepared.launch.terminalName,
      pty: prepared.terminal,
      iconPath: new vscode.ThemeIcon('beaker'),
      // A restored terminal would have no process behind it.
      isTransient: true,
    });
    this.terminals.add(terminal);
    terminal.show(true);
    return prepared.launch;
  }

  /**
   * Everything but the terminal: a task gets this pseudoterminal from its CustomExecution. Values are
   * checked here too, because "Run Again" and tasks.json skip the quick input's checks.
   */
  async prepareRun(spec: LaunchSpec, cli: MlflowCli, options: { closeOnExit: boolean }): Promise<PreparedRun> {
    await saveProjectFile(spec.projectDir);
    const { project } = await readProjectDir(spec.projectDir);
    const entryPoint = resolveEntryPoint(project, spec.entryPoint);
    if (!entryPoint) {
      return { ok: false, message: `The MLproject in ${spec.projectDir} has no entry point '${spec.entryPoint}' any more.` };
    }
    const problems = validateRunValues(entryPoint, spec.params);
    if (problems.length) return { ok: false, message: `Can't run ${spec.projectLabel}/${spec.entryPoint}: ${problems.map((p) => p.message).join(' ')}` };
    let argv: string[];
    try {
      argv = buildMlflowRunArgv({ ...spec, version: cli.version });
    } catch (error) {
      return { ok: false, message: `Can't run ${spec.projectLabel}/${spec.entryPoint}: ${errorText(error)}` };
    }
    const connection = this.deps.activeStore.current;
    let connectionEnv: Record<string, string> | undefined;
    try {
      connectionEnv = connection ? await connection.processEnv() : undefined;
    } catch (error) {
      // E.g. the keychain refused the stored token: running without it would log to the server anonymously.
      return { ok: false, message: `Can't pass the credentials of ${connection?.name} to the run: ${errorText(error)}` };
    }
    if (!connection) {
      void showWarning(
        `No MLflow tracking store is connected, so ${spec.projectLabel}/${spec.entryPoint} logs to MLflow's default ` +
          '(MLFLOW_TRACKING_URI if set, otherwise a local store in the project folder).',
      );
    }
    const pty = new MlflowRunTerminal({
      executable: cli.executable,
      argv,
      cwd: spec.projectDir,
      env: mlflowChildEnv(cli.environment, { connection: connectionEnv, fileStore: connection?.kind === 'file' }),
      header: [
        `$ ${displayCommand(cli.executable, argv)}`,
        `In the ${describeEnvironment(cli.environment)} (MLflow ${cli.version.replace(/^.*version\s+/, '')})`,
        connection ? `Logging to ${connection.name} (${connection.trackingUri})` : "Logging to MLflow's default (no store connected)",
      ],
      closeOnExit: options.closeOnExit,
    });
    const launch: RunLaunch = {
      spec,
      executable: cli.executable,
      argv,
      cwd: spec.projectDir,
      terminalName: terminalName(spec),
      exitCode: pty.exitCode,
      runId: pty.runId,
      output: () => pty.output,
    };
    this.track(pty, launch);
    await this.deps.remembered.remember(spec);
    // Logged without the environment: that is where the credentials are.
    this.deps.log.info(`Starting in ${spec.projectDir}: ${displayCommand(cli.executable, argv)}`);
    return { ok: true, launch, terminal: pty };
  }

  /**
   * Stops every run still going (SIGTERM to its process group, SIGKILL after the grace period) and
   * waits until each has exited: VS Code closing must not leave a detached `mlflow run` behind.
   */
  async stopAll(): Promise<void> {
    await Promise.all([...this.ptys].map(async (pty) => {
      pty.stop();
      await pty.exitCode;
    }));
  }

  dispose(): void {
    this.closeListener.dispose();
    for (const terminal of this.terminals) terminal.dispose();
    for (const pty of this.ptys) pty.dispose();
    this.terminals.clear();
    this.ptys.clear();
  }

  private track(pty: MlflowRunTerminal, launch: RunLaunch): void {
    this.lastLaunch = launch;
    this.ptys.add(pty);
    this.deps.followLaunch?.(launch.exitCode);
    const label = `${launch.spec.projectLabel}/${launch.spec.entryPoint}`;
    const onEvent = pty.onRunEvent((event) => {
      if (event.kind === 'started') void this.announce(event.runId, label);
    });
    void pty.exitCode.then((code) => {
      onEvent.dispose();
      this.ptys.delete(pty);
      this.deps.log.info(`mlflow run ${label} ${code === undefined ? 'was stopped' : `exited with code ${code}`}`);
    });
  }

  private async announce(runId: string, label: string): Promise<void> {
    this.deps.log.info(`mlflow run ${label} started run ${runId}`);
    this.deps.revealRun(runId).catch((error: unknown) => {
      // The store may not show the run yet (a server that is slow to commit, a store not connected).
      this.deps.log.info(`Could not show run ${runId} in the Runs view: ${errorText(error)}`);
    });
    const choice = await showInfo(`MLflow run ${runId} of ${label} started.`, 'Open Charts');
    if (choice === 'Open Charts') await vscode.commands.executeCommand('mlflow.openCharts', { runIds: [runId] });
  }

  private versionOf(executable: string, environment: MlflowEnvironment): Promise<string> {
    return fs.stat(executable).then((stat) => {
      // Reinstalling MLflow rewrites its console script, so the modification time stands for the version.
      const key = `${executable}\0${stat.mtimeMs}`;
      let version = this.versions.get(key);
      if (!version) {
        // Never aborted: mlflowVersion bounds a hung interpreter itself.
        version = mlflowVersion(executable, new AbortController().signal, environment);
        this.versions.set(key, version);
        version.catch(() => this.versions.delete(key));
      }
      return version;
    });
  }

  private async explainUntrusted(): Promise<void> {
    const choice = await showWarning(
      "Running an MLproject executes this workspace's code with its Python environment, which needs a trusted workspace.",
      'Manage Workspace Trust',
    );
    if (choice) await vscode.commands.executeCommand('workbench.trust.manage');
  }

  private async explainMissingMlflow(lookup: MlflowLookup): Promise<void> {
    // findMlflow names the setting here when it is set but unusable; then PATH was not searched.
    if (!lookup.selectedEnvironment?.startsWith('mlflow.executablePath')) {
      await offerMlflowInstall(lookup, "Can't run the MLproject");
      return;
    }
    const actions = [...(lookup.pythonExtension ? ['Select Python Interpreter'] : []), 'Set mlflow.executablePath'];
    const choice = await showError(
      `Can't run the MLproject: ${lookup.selectedEnvironment} is not usable. Select a Python interpreter with MLflow installed (\`python -m pip install mlflow\`), or set mlflow.executablePath.`,
      ...actions,
    );
    if (choice === 'Select Python Interpreter') await vscode.commands.executeCommand('python.setInterpreter');
    if (choice === 'Set mlflow.executablePath') await vscode.commands.executeCommand('workbench.action.openSettings', 'mlflow.executablePath');
  }

  private failed(message: string): void {
    this.deps.log.error(message);
    void showError(message, 'Show Log').then((choice) => {
      if (choice) this.deps.log.show();
    });
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
