import * as vscode from 'vscode';
import type { ArtifactNode, RunNode } from '../explorer/nodes';
import type { Run } from '../mlflow/types';
import { Disposer } from '../vscode/disposer';
import type { Log } from '../vscode/log';
import { ArtifactFileSystem, type ArtifactStoreSource } from './artifactFileSystem';
import { ARTIFACT_SCHEME, baseName, refFromUriPath, refToUriPath } from './artifactRef';
import type { DownloadItem } from './download';
import { loadOnDemand } from '../vscode/lazyOnDemand';
import type { ArtifactOwner } from './downloadPlan';
import { RunSource, SourceCommand } from './sourceCode';
import { showError, showInfo, showWarning } from '../vscode/notify';

export const ArtifactCommand = {
  Open: 'mlflow.openArtifact',
  SelectForCompare: 'mlflow.selectArtifactForCompare',
  CompareWithSelected: 'mlflow.compareArtifactWithSelected',
  Download: 'mlflow.downloadArtifact',
} as const;

/** The `mlflow-artifact:` URI of an artifact shown in the Runs view (see artifactRef.ts for the shape). */
export function artifactUri(node: ArtifactNode): vscode.Uri {
  return vscode.Uri.from({ scheme: ARTIFACT_SCHEME, path: refToUriPath({ owner: ownerOf(node), path: node.file.path }) });
}

function ownerOf(node: ArtifactNode): ArtifactOwner {
  return node.loggedModelId ? { kind: 'model', modelId: node.loggedModelId } : { kind: 'run', runId: node.run.info.runId };
}

/**
 * Opening as text reads the whole file into an editor model; past this size the user is asked
 * whether they would rather download it.
 */
const LARGE_FILE_BYTES = 50 * 1024 * 1024;
const IMAGE = /\.(png|jpe?g|gif|bmp|webp|ico|avif)$/i;
/** Model weights and archives: VS Code's binary placeholder is the right editor, no text decode attempt. */
const BINARY = /\.(pkl|pickle|joblib|pt|pth|ckpt|h5|hdf5|keras|onnx|pb|parquet|feather|arrow|npy|npz|bin|safetensors|msgpack|zip|gz|tgz|tar|whl|so|dll)$/i;
/** MLflow's own YAML files have no extension, so VS Code would open them as plain text. */
const YAML_NAMES = new Set(['MLmodel', 'MLproject']);

/**
 * Run artifacts inside VS Code: the `mlflow-artifact:` file system, Open / Compare / Download on
 * artifact nodes, and Run → code (RunSource). Owns everything it registers.
 */
export class ArtifactsFeature implements vscode.Disposable {
  private readonly disposer = new Disposer();
  private selectedForCompare: { uri: vscode.Uri; label: string } | undefined;

  constructor(private readonly deps: { activeStore: ArtifactStoreSource; log: Log; pickRun?: (title: string) => Promise<RunNode | undefined> }) {
    const fileSystem = this.disposer.track(new ArtifactFileSystem({ activeStore: deps.activeStore }));
    this.disposer.track(
      vscode.workspace.registerFileSystemProvider(ARTIFACT_SCHEME, fileSystem, { isReadonly: true, isCaseSensitive: true }),
    );
    this.disposer.track(vscode.commands.registerCommand(ArtifactCommand.Open, (target?: ArtifactNode | vscode.Uri) => this.open(target)));
    this.disposer.track(vscode.commands.registerCommand(ArtifactCommand.SelectForCompare, (node?: ArtifactNode) => this.selectForCompare(node)));
    this.disposer.track(vscode.commands.registerCommand(ArtifactCommand.CompareWithSelected, (node?: ArtifactNode) => this.compareWithSelected(node)));
    this.disposer.track(
      vscode.commands.registerCommand(ArtifactCommand.Download, (node?: ArtifactNode, selection?: readonly ArtifactNode[]) => this.download(node, selection)),
    );
    const source = new RunSource({ log: deps.log });
    // From the palette (no node) the run is asked for.
    const runOf = async (node: RunNode | undefined, title: string) => node ?? (await deps.pickRun?.(title));
    const guarded = (title: string, action: () => Promise<unknown>) => action().catch((error: unknown) => {
      deps.log.error(`${title} failed`, error);
      void showError(`MLflow: ${error instanceof Error ? error.message : String(error)}`);
    });
    const withRun = (title: string, action: (node: RunNode | undefined) => Promise<void>) => (node?: RunNode) => guarded(title, async () => {
      const target = await runOf(node, title);
      // Cancelling the palette's pick ends the command quietly.
      if (target || !deps.pickRun) await action(target);
    });
    this.disposer.track(vscode.commands.registerCommand(SourceCommand.Open, withRun('Open Source at Run\'s Commit', (node) => source.open(node))));
    this.disposer.track(vscode.commands.registerCommand(SourceCommand.DiffWithWorkingTree, withRun('Diff Source with Working Tree', (node) => source.diff(node))));
  }

  dispose(): void {
    this.disposer.dispose();
  }

  async open(target: ArtifactNode | vscode.Uri | undefined): Promise<void> {
    const uri = target instanceof vscode.Uri ? target : isArtifactNode(target) ? artifactUri(target) : undefined;
    if (!uri || (isArtifactNode(target) && target.file.isDir)) {
      if (!target) void showInfo('Click an artifact file in the MLflow Runs view to open it.');
      return;
    }
    const size = isArtifactNode(target) ? target.file.fileSize : undefined;
    if (size !== undefined && size > LARGE_FILE_BYTES) {
      const choice = await showWarning(
        `${baseName(uri.path)} is ${Math.round(size / 1024 / 1024)} MB. Opening it reads it all into the editor.`,
        'Open Anyway',
        'Download…',
      );
      if (choice === 'Download…' && isArtifactNode(target)) return this.download(target, undefined);
      if (choice !== 'Open Anyway') return;
    }
    await openArtifactUri(uri, this.deps.log);
  }

  selectForCompare(node: ArtifactNode | undefined): void {
    if (!isArtifactNode(node) || node.file.isDir) {
      void showInfo('Select an artifact file (not a folder) in the MLflow Runs view to compare.');
      return;
    }
    this.selectedForCompare = { uri: artifactUri(node), label: compareLabel(node) };
  }

  async compareWithSelected(node: ArtifactNode | undefined): Promise<void> {
    if (!isArtifactNode(node) || node.file.isDir) {
      void showInfo('Compare works on artifact files, not folders.');
      return;
    }
    const selected = this.selectedForCompare;
    if (!selected) {
      void showInfo('First choose "Select for Compare" on the artifact to compare against (for example the same file in another run).');
      return;
    }
    await vscode.commands.executeCommand('vscode.diff', selected.uri, artifactUri(node), `${selected.label} ↔ ${compareLabel(node)}`);
  }

  /** `selection` is what VS Code passes for a multi-select in a tree: every selected node. */
  async download(node: ArtifactNode | undefined, selection: readonly ArtifactNode[] | undefined): Promise<void> {
    const nodes = (selection && selection.length > 0 ? selection : node ? [node] : []).filter(isArtifactNode);
    if (nodes.length === 0) {
      void showInfo('Right-click an artifact file or folder in the MLflow Runs view to download it.');
      return;
    }
    const store = this.deps.activeStore.current?.store;
    if (!store) {
      void showError('Not connected to an MLflow tracking store. Connect in the MLflow view, then try again.');
      return;
    }
    const items: DownloadItem[] = nodes.map((n) => ({ owner: ownerOf(n), file: n.file }));
    await loadOnDemand().downloadWithProgress(store, items, this.deps.log);
  }
}

/**
 * Images go to VS Code's image preview and binaries to its binary placeholder (`vscode.open` picks the
 * editor); everything else opens as text, with MLflow's extension-less YAML files as YAML.
 */
export async function openArtifactUri(uri: vscode.Uri, log: Log): Promise<void> {
  const name = baseName(refFromUriPath(uri.path)?.path ?? uri.path);
  if (IMAGE.test(name) || BINARY.test(name)) {
    await vscode.commands.executeCommand('vscode.open', uri, { preview: true });
    return;
  }
  let document: vscode.TextDocument;
  try {
    document = await vscode.workspace.openTextDocument(uri);
  } catch (error) {
    // Binary content VS Code refuses as text (or a read error, which vscode.open shows in the editor).
    log.warn(`Opening ${uri.toString()} as text failed (${error instanceof Error ? error.message : String(error)}); opening with the default editor`);
    await vscode.commands.executeCommand('vscode.open', uri, { preview: true });
    return;
  }
  if (YAML_NAMES.has(name) && document.languageId === 'plaintext') {
    document = await vscode.languages.setTextDocumentLanguage(document, 'yaml');
  }
  await vscode.window.showTextDocument(document, { preview: true });
}

function isArtifactNode(value: unknown): value is ArtifactNode {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'artifact';
}

function compareLabel(node: ArtifactNode): string {
  return `${baseName(node.file.path)} (${node.loggedModelId ? node.loggedModelId : runName(node.run)})`;
}

function runName(run: Run): string {
  return run.info.runName || run.info.runId.slice(0, 8);
}
