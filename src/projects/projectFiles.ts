import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { parseMlproject } from '../mlproject/parse';
import type { Diagnostic, MlProject, ParseResult } from '../mlproject/types';
import { unreadableReason } from '../mlproject/unreadable';
import { projectLabel } from './launchSpec';

/** An MLproject in the workspace, parsed as it is now (an open editor's unsaved text included). */
export interface ProjectFile {
  /** The MLproject file itself. */
  readonly uri: vscode.Uri;
  /** Its folder: the project directory `mlflow run` gets. */
  readonly dir: string;
  readonly folder: vscode.WorkspaceFolder | undefined;
  readonly project: MlProject;
  readonly label: string;
  /** Why MLflow cannot load this MLproject at all (invalid YAML…), with where; then it has no entry points. */
  readonly problem?: Diagnostic;
}

export const MLPROJECT_FILE = 'MLproject';
const EXCLUDED = '**/node_modules/**';
/** Folders where a `.py` is a dependency, not something to run. */
const SCRIPT_EXCLUDES = '**/{node_modules,.git,.venv,venv,env,__pycache__,site-packages,mlruns}/**';
const MAX_SCRIPTS = 200;

export function isMlprojectDocument(document: Pick<vscode.TextDocument, 'uri'>): boolean {
  return document.uri.scheme === 'file' && path.basename(document.uri.fsPath) === MLPROJECT_FILE;
}

/**
 * Parses MLproject text. `exists` answers for files beside it (environment files); it is a
 * synchronous stat of a handful of names, which keeps the parser pure and simple.
 */
export function parseProjectText(text: string, dir: string): ParseResult {
  return parseMlproject(text, { exists: (relative) => fs.existsSync(path.resolve(dir, relative)) });
}

export async function findProjects(): Promise<ProjectFile[]> {
  const uris = await vscode.workspace.findFiles(`**/${MLPROJECT_FILE}`, EXCLUDED);
  const projects = await Promise.all(uris.filter((uri) => uri.scheme === 'file').map((uri) => readProjectFile(uri)));
  return projects.filter((p): p is ProjectFile => p !== undefined).sort((a, b) => a.dir.localeCompare(b.dir));
}

/**
 * The project in `dir`. MLflow finds its MLproject case-insensitively; a folder without one is still
 * a project for MLflow (its `.py` / `.sh` files are entry points), so that gives an empty project.
 */
export async function readProjectDir(dir: string): Promise<ProjectFile> {
  let names: string[] = [];
  try {
    names = await fs.promises.readdir(dir);
  } catch {
    // A missing folder: `mlflow run` reports it in the terminal, with MLflow's own message.
  }
  const name = names.find((n) => n.toLowerCase() === MLPROJECT_FILE.toLowerCase());
  const uri = vscode.Uri.file(path.join(dir, name ?? MLPROJECT_FILE));
  const read = name ? await readProjectFile(uri) : undefined;
  if (read) return read;
  const project: MlProject = { entryPoints: [], environment: { kind: 'none' } };
  return { uri, dir, folder: vscode.workspace.getWorkspaceFolder(uri), project, label: projectLabel(project, dir) };
}

export async function readProjectFile(uri: vscode.Uri): Promise<ProjectFile | undefined> {
  const dir = path.dirname(uri.fsPath);
  const open = vscode.workspace.textDocuments.find((document) => document.uri.toString() === uri.toString());
  let text: string;
  try {
    text = open ? open.getText() : new TextDecoder().decode(await vscode.workspace.fs.readFile(uri));
  } catch {
    return undefined;
  }
  const parsed = parseProjectText(text, dir);
  const { project } = parsed;
  const problem = unreadableReason(parsed);
  return { uri, dir, folder: vscode.workspace.getWorkspaceFolder(uri), project, label: projectLabel(project, dir), ...(problem ? { problem } : {}) };
}

/** Opens the MLproject with the problem selected, as a click on its diagnostic would. */
export async function openAtProblem(file: ProjectFile): Promise<void> {
  const problem = file.problem;
  const selection = problem && new vscode.Range(problem.range.start.line, problem.range.start.column, problem.range.end.line, problem.range.end.column);
  await vscode.window.showTextDocument(file.uri, selection ? { selection } : {});
}

/**
 * `mlflow run` reads the MLproject from disk, so unsaved edits are saved first (as VS Code's tasks do
 * by default with `task.saveBeforeRun`): what was checked is then what runs.
 */
export async function saveProjectFile(dir: string): Promise<void> {
  const dirty = vscode.workspace.textDocuments.filter((d) => d.isDirty && isMlprojectDocument(d) && path.dirname(d.uri.fsPath) === dir);
  for (const document of dirty) await document.save();
}

/** `.py` / `.sh` files in the project, relative with `/`: what `mlflow run -e FILE` runs without an entry. */
export async function runnableScripts(dir: string): Promise<string[]> {
  const uris = await vscode.workspace.findFiles(new vscode.RelativePattern(vscode.Uri.file(dir), '**/*.{py,sh}'), SCRIPT_EXCLUDES, MAX_SCRIPTS);
  return uris.map((uri) => path.relative(dir, uri.fsPath).split(path.sep).join('/')).sort();
}
