import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RunNode } from '../explorer/nodes';
import type { Run } from '../mlflow/types';
import type { Log } from '../vscode/log';
import { gitApi, type GitApi, type GitRepository } from './gitApi';
import { mapSourcePath, parseRecordedSource, type LocalSource } from './sourcePath';
import { showInfo, showWarning } from '../vscode/notify';

export const SourceCommand = {
  Open: 'mlflow.openRunSource',
  DiffWithWorkingTree: 'mlflow.diffRunSourceWithWorkingTree',
} as const;

/** The file a run executed, found in this workspace, at the commit it ran from. */
interface ResolvedSource {
  run: Run;
  file: vscode.Uri;
  commit: string;
  repository: GitRepository;
  api: GitApi;
}

/** Folders that never hold a run's script; skipping them keeps the by-name search fast. */
const SEARCH_EXCLUDE = '**/{node_modules,.git,.venv,venv,mlruns,mlartifacts,__pycache__}/**';

/**
 * Run → code: "Open Source at Run's Commit" shows the script a run executed as it was at the recorded
 * commit (through the Git extension's `git:` documents), "Diff Source with Working Tree" compares that
 * version with today's file. Every dead end (no source tag, no commit, no git, commit not fetched) ends
 * in a message that says what to do next. ArtifactsFeature registers the commands.
 */
export class RunSource {
  constructor(private readonly deps: { log: Pick<Log, 'info' | 'error'> }) {}

  async open(node: RunNode | undefined): Promise<void> {
    const source = await this.resolve(node);
    if (!source) return;
    const atCommit = source.api.toGitUri(source.file, source.commit);
    await vscode.commands.executeCommand('vscode.open', atCommit, { preview: true }, `${path.basename(source.file.fsPath)} (${shortCommit(source.commit)})`);
  }

  async diff(node: RunNode | undefined): Promise<void> {
    const source = await this.resolve(node);
    if (!source) return;
    const atCommit = source.api.toGitUri(source.file, source.commit);
    const name = path.basename(source.file.fsPath);
    await vscode.commands.executeCommand('vscode.diff', atCommit, source.file, `${name} (${shortCommit(source.commit)} → Working Tree)`);
  }

  private async resolve(node: RunNode | undefined): Promise<ResolvedSource | undefined> {
    if (!node || node.kind !== 'run') {
      void showInfo('Right-click a run in the MLflow Runs view to open its source.');
      return undefined;
    }
    const run = node.run;
    const label = runLabel(run);
    const recorded = run.data.tags['mlflow.source.name']?.trim();
    const commit = run.data.tags['mlflow.source.git.commit']?.trim();
    if (!recorded) {
      void showInfo(
        `Run ${label} has no recorded source (tag mlflow.source.name). MLflow records it when a script starts the run; runs created from the UI or the REST API have none.`,
      );
      return undefined;
    }
    const source = parseRecordedSource(recorded);
    if (!source) {
      void showInfo(`Run ${label} recorded its source as "${recorded}", which is not a file path.`);
      return undefined;
    }
    if (source.kind === 'remote') {
      void showInfo(
        `Run ${label} ran the remote project ${source.uri}${commit ? ` at commit ${shortCommit(commit)}` : ''}. Clone it into this workspace to open its code.`,
      );
      return undefined;
    }

    const api = await gitApi();
    const roots = [
      ...(vscode.workspace.workspaceFolders ?? []).map((folder) => folder.uri.fsPath),
      ...(api?.repositories ?? []).map((repository) => repository.rootUri.fsPath),
    ];
    if (roots.length === 0) {
      void showInfo(`Open the folder that holds ${source.segments.join('/')} to see the source of run ${label}.`);
      return undefined;
    }
    const file = await this.locate(source, roots, run, label);
    if (!file) return undefined;

    if (!commit) {
      const choice = await showInfo(
        `Run ${label} recorded no git commit (mlflow.source.git.commit): its code was not in a git repository when it ran, or GitPython was not installed. The current ${path.basename(file.fsPath)} may differ from what ran.`,
        'Open Current File',
      );
      if (choice) await vscode.commands.executeCommand('vscode.open', file);
      return undefined;
    }
    if (!api) {
      void showWarning(
        `Git is not available in VS Code (the built-in Git extension is disabled or git is not installed), so the version of ${path.basename(file.fsPath)} at commit ${shortCommit(commit)} can't be shown.`,
      );
      return undefined;
    }
    const repository = api.getRepository(file) ?? (await this.openRepositoryFor(api, file));
    if (!repository) {
      void showWarning(
        `${vscode.workspace.asRelativePath(file)} is not inside a git repository that VS Code knows, so the version at commit ${shortCommit(commit)} can't be shown.`,
      );
      return undefined;
    }
    if (!(await this.ensureCommit(repository, commit, run))) return undefined;
    try {
      await repository.show(commit, file.fsPath);
    } catch {
      void showWarning(
        `${vscode.workspace.asRelativePath(file)} did not exist at commit ${shortCommit(commit)} (it may have been added or moved since). Run ${label} recorded it as ${recorded}.`,
      );
      return undefined;
    }
    return { run, file, commit, repository, api };
  }

  /** The workspace file for the recorded path; a by-name search (and a pick when ambiguous) is the last resort. */
  private async locate(
    source: LocalSource,
    roots: readonly string[],
    run: Run,
    label: string,
  ): Promise<vscode.Uri | undefined> {
    const mapped = await mapSourcePath(source, roots, exists);
    let file = mapped ? vscode.Uri.file(mapped.path) : await this.findByName(source.segments[source.segments.length - 1], label);
    if (!file) {
      void showInfo(
        `Couldn't find ${source.segments[source.segments.length - 1]} (recorded by run ${label} as ${source.original}) in this workspace. Open the folder or repository it came from.`,
      );
      return undefined;
    }
    if (mapped && mapped.via !== 'exact') this.deps.log.info(`Run ${run.info.runId}: source ${source.original} mapped to ${file.fsPath}`);
    // `mlflow run` records the project folder; its MLproject names the entry points.
    if ((await stat(file))?.type === vscode.FileType.Directory) {
      const project = vscode.Uri.joinPath(file, 'MLproject');
      if (!(await exists(project.fsPath))) {
        void showInfo(`Run ${label} ran the project folder ${vscode.workspace.asRelativePath(file)}, which has no MLproject file.`);
        return undefined;
      }
      file = project;
    }
    return file;
  }

  private async findByName(name: string, label: string): Promise<vscode.Uri | undefined> {
    const found = await vscode.workspace.findFiles(`**/${escapeGlob(name)}`, SEARCH_EXCLUDE, 50);
    if (found.length <= 1) return found[0];
    const picked = await vscode.window.showQuickPick(
      found.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })),
      { title: `Which ${name} did run ${label} execute?`, placeHolder: 'The recorded path does not exist in this workspace' },
    );
    return picked?.uri;
  }

  /** A repository the Git extension has not discovered (nested deeper than it scans, or created since). */
  private async openRepositoryFor(api: GitApi, file: vscode.Uri): Promise<GitRepository | undefined> {
    if (!api.openRepository) return undefined;
    // Git finds the enclosing repository from any folder inside it.
    return (await api.openRepository(vscode.Uri.file(path.dirname(file.fsPath)))) ?? undefined;
  }

  /** True when the commit is in the local clone, offering a fetch when it is not. */
  private async ensureCommit(repository: GitRepository, commit: string, run: Run): Promise<boolean> {
    if (await hasCommit(repository, commit)) return true;
    const repoUrl = run.data.tags['mlflow.source.git.repoURL'];
    const choice = await showWarning(
      `Commit ${shortCommit(commit)} (run ${runLabel(run)}) is not in the local repository ${path.basename(repository.rootUri.fsPath)}. ` +
        `Run \`git fetch\`${repoUrl ? ` (the run came from ${repoUrl})` : ''} to get it, then try again.`,
      'Fetch',
    );
    if (choice !== 'Fetch') return false;
    try {
      await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'git fetch' }, () => repository.fetch());
    } catch (error) {
      this.deps.log.error('git fetch failed', error);
    }
    if (await hasCommit(repository, commit)) return true;
    void showWarning(
      `Commit ${shortCommit(commit)} is still not in ${path.basename(repository.rootUri.fsPath)} after fetching. It may exist only in another clone or on an unpushed branch.`,
    );
    return false;
  }
}

async function hasCommit(repository: GitRepository, commit: string): Promise<boolean> {
  try {
    await repository.getCommit(commit);
    return true;
  } catch {
    return false;
  }
}

async function stat(uri: vscode.Uri): Promise<vscode.FileStat | undefined> {
  try {
    return await vscode.workspace.fs.stat(uri);
  } catch {
    return undefined;
  }
}

async function exists(candidate: string): Promise<boolean> {
  return (await stat(vscode.Uri.file(candidate))) !== undefined;
}

function escapeGlob(name: string): string {
  return name.replace(/[[\]{}*?!]/g, (char) => `[${char}]`);
}

function shortCommit(commit: string): string {
  return commit.slice(0, 7);
}

function runLabel(run: Run): string {
  return run.info.runName ? `"${run.info.runName}"` : run.info.runId.slice(0, 8);
}
