import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { ArtifactFileSystem, type ArtifactStoreSource } from '../../src/artifacts/artifactFileSystem';
import { ARTIFACT_SCHEME } from '../../src/artifacts/artifactRef';
import { ArtifactCommand, ArtifactsFeature, artifactUri } from '../../src/artifacts/artifactsFeature';
import type { ArtifactReader } from '../../src/artifacts/download';
import { downloadWithProgress } from '../../src/artifacts/downloadCommand';
import { RunSource } from '../../src/artifacts/sourceCode';
import type { ArtifactNode, RunNode } from '../../src/explorer/nodes';
import { MlflowError } from '../../src/mlflow/errors';
import type { FileInfo, Run } from '../../src/mlflow/types';
import type { Log } from '../../src/vscode/log';
import { activateExtension, waitFor } from './support';

/** Runs of the demo store whose artifacts are in the workspace's `artifacts/<experiment>/<run>/artifacts`. */
const IRIS_RUN = '459191d6afe44e408cc618beff3a1e37';
const WINE_RUN = '3e56eb1ebbc048908c2e6c1176332f77';
const LOGGED_MODEL = 'm-0123456789abcdef0123456789abcdef';

function workspaceRoot(): string {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the demo workspace is open');
  return folder.uri.fsPath;
}

function runArtifactsFolder(runId: string): string {
  const root = path.join(workspaceRoot(), 'artifacts');
  const experiment = fs.readdirSync(root).find((e) => fs.existsSync(path.join(root, e, runId, 'artifacts')));
  assert.ok(experiment, `run ${runId} has artifacts in the demo workspace`);
  return path.join(root, experiment, runId, 'artifacts');
}

function runOf(runId: string, runName: string): Run {
  return {
    info: { runId, experimentId: '1', runName, userId: 'test', status: 'FINISHED', artifactUri: '', lifecycleStage: 'active' },
    data: { metrics: [], params: {}, tags: {} },
    inputs: { datasets: [], modelInputs: [] },
    outputs: { modelOutputs: [] },
  };
}

function nodeOf(run: Run, file: FileInfo, loggedModelId?: string): ArtifactNode {
  return { kind: 'artifact', run, file, isModel: false, loggedModelId };
}

const notFound = (what: string) => new MlflowError(`${what} not found`, 'RESOURCE_DOES_NOT_EXIST', 404);

/**
 * A TrackingStore's artifact half over folders on disk (run id → folder), counting listings so the
 * cache can be observed. Stands in for the active store when the extension has no artifact wiring.
 */
class DirectoryStore implements ArtifactReader {
  listings = 0;
  constructor(private readonly runs: Record<string, string>, private readonly models: Record<string, string> = {}) {}

  private resolve(roots: Record<string, string>, id: string, artifactPath = ''): string {
    const root = roots[id];
    if (!root) throw notFound(id);
    return path.join(root, ...artifactPath.split('/').filter(Boolean));
  }

  private list(roots: Record<string, string>, id: string, folder = ''): FileInfo[] {
    this.listings++;
    const dir = this.resolve(roots, id, folder);
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).map((entry) => {
      const p = folder ? `${folder}/${entry.name}` : entry.name;
      return entry.isDirectory() ? { path: p, isDir: true } : { path: p, isDir: false, fileSize: fs.statSync(path.join(dir, entry.name)).size };
    });
  }

  private read(roots: Record<string, string>, id: string, artifactPath: string): Uint8Array {
    const file = this.resolve(roots, id, artifactPath);
    if (!fs.existsSync(file)) throw notFound(artifactPath);
    return fs.readFileSync(file);
  }

  async listArtifacts(runId: string, folder?: string): Promise<FileInfo[]> {
    return this.list(this.runs, runId, folder);
  }
  async readArtifact(runId: string, artifactPath: string): Promise<Uint8Array> {
    return this.read(this.runs, runId, artifactPath);
  }
  async downloadArtifact(runId: string, artifactPath: string, destinationFile: string): Promise<void> {
    fs.copyFileSync(this.resolve(this.runs, runId, artifactPath), destinationFile);
  }
  async listLoggedModelArtifacts(modelId: string, folder?: string): Promise<FileInfo[]> {
    return this.list(this.models, modelId, folder);
  }
  async readLoggedModelArtifact(modelId: string, artifactPath: string): Promise<Uint8Array> {
    return this.read(this.models, modelId, artifactPath);
  }
}

function activeStoreOf(store: ArtifactReader): ArtifactStoreSource & { emitter: vscode.EventEmitter<unknown> } {
  const emitter = new vscode.EventEmitter<unknown>();
  return { current: { store }, onDidChange: emitter.event, emitter };
}

async function rejectsWith(promise: Thenable<unknown>, code: string): Promise<void> {
  await assert.rejects(Promise.resolve(promise), (error: unknown) => error instanceof vscode.FileSystemError && error.code === code);
}

describe('Artifacts (real extension host)', () => {
  let log: Log;
  /** Set when the extension does not register the artifact features itself yet: this suite does. */
  let ownFeature: ArtifactsFeature | undefined;
  const disposables: vscode.Disposable[] = [];

  before(async () => {
    const workbench = await activateExtension();
    await (workbench as { ready?: Promise<void> }).ready;
    log = workbench.log;
    // The provider and the commands are registered together; without them this suite brings its own.
    if (!(await vscode.commands.getCommands(true)).includes(ArtifactCommand.Open)) {
      const store = new DirectoryStore({ [IRIS_RUN]: runArtifactsFolder(IRIS_RUN), [WINE_RUN]: runArtifactsFolder(WINE_RUN) });
      ownFeature = new ArtifactsFeature({ activeStore: activeStoreOf(store), log });
    }
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    ownFeature?.dispose();
    for (const disposable of disposables.splice(0)) disposable.dispose();
  });

  it('registers mlflow-artifact as a read-only file system and reads artifacts through vscode.workspace.fs', async () => {
    // The extension host learns about providers from the workbench asynchronously.
    await waitFor(() => vscode.workspace.fs.isWritableFileSystem(ARTIFACT_SCHEME) === false, 'mlflow-artifact to be known as read-only');
    const run = runOf(IRIS_RUN, 'logreg-C0.1-lbfgs');
    const uri = artifactUri(nodeOf(run, { path: 'tables/coefficients.json', isDir: false }));
    assert.strictEqual(uri.toString(), `mlflow-artifact:/run/${IRIS_RUN}/tables/coefficients.json`);

    const expected = fs.readFileSync(path.join(runArtifactsFolder(IRIS_RUN), 'tables', 'coefficients.json'));
    const bytes = await waitFor(async () => await vscode.workspace.fs.readFile(uri), 'the artifact to be readable');
    assert.deepStrictEqual(Buffer.from(bytes), expected);

    const stat = await vscode.workspace.fs.stat(uri);
    assert.strictEqual(stat.type, vscode.FileType.File);
    assert.strictEqual(stat.size, expected.length);
    assert.strictEqual(stat.permissions, vscode.FilePermission.Readonly);

    const root = artifactUri(nodeOf(run, { path: '', isDir: true }));
    const entries = new Map(await vscode.workspace.fs.readDirectory(root));
    assert.strictEqual(entries.get('model'), vscode.FileType.Directory);
    assert.strictEqual(entries.get('tables'), vscode.FileType.Directory);
    assert.strictEqual(entries.get('plots'), vscode.FileType.Directory);

    await rejectsWith(vscode.workspace.fs.stat(vscode.Uri.joinPath(root, 'no-such-file.txt')), 'FileNotFound');
    await assert.rejects(Promise.resolve(vscode.workspace.fs.writeFile(uri, new Uint8Array([1]))));
    await assert.rejects(Promise.resolve(vscode.workspace.fs.delete(uri)));
    assert.deepStrictEqual(Buffer.from(await vscode.workspace.fs.readFile(uri)), expected, 'still unchanged');
  });

  it('opens MLmodel as YAML in a text editor and a PNG in the image preview', async () => {
    const run = runOf(IRIS_RUN, 'logreg-C0.1-lbfgs');
    const mlmodel = nodeOf(run, { path: 'model/MLmodel', isDir: false });
    await vscode.commands.executeCommand(ArtifactCommand.Open, mlmodel);
    const editor = await waitFor(() => {
      const active = vscode.window.activeTextEditor;
      return active?.document.uri.toString() === artifactUri(mlmodel).toString() ? active : undefined;
    }, 'MLmodel to open in a text editor');
    assert.strictEqual(editor.document.languageId, 'yaml');
    assert.strictEqual(editor.document.getText(), fs.readFileSync(path.join(runArtifactsFolder(IRIS_RUN), 'model', 'MLmodel'), 'utf8'));
    assert.strictEqual(editor.document.isUntitled, false);

    const png = nodeOf(run, { path: 'plots/loss_curve.png', isDir: false });
    await vscode.commands.executeCommand(ArtifactCommand.Open, png);
    const tab = await waitFor(() => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputCustom && input.uri.toString() === artifactUri(png).toString() ? input : undefined;
    }, 'the PNG to open in a custom (image preview) editor');
    assert.strictEqual(tab.viewType, 'imagePreview.previewEditor');
  });

  it('compares the same artifact of two runs in a diff editor', async () => {
    const left = nodeOf(runOf(IRIS_RUN, 'logreg-C0.1-lbfgs'), { path: 'model/MLmodel', isDir: false });
    const right = nodeOf(runOf(WINE_RUN, 'ridge-wine-model'), { path: 'model/MLmodel', isDir: false });
    await vscode.commands.executeCommand(ArtifactCommand.SelectForCompare, left);
    await vscode.commands.executeCommand(ArtifactCommand.CompareWithSelected, right);
    const diff = await waitFor(() => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputTextDiff ? input : undefined;
    }, 'a diff editor');
    assert.strictEqual(diff.original.toString(), artifactUri(left).toString());
    assert.strictEqual(diff.modified.toString(), artifactUri(right).toString());
    assert.match(vscode.window.tabGroups.activeTabGroup.activeTab!.label, /MLmodel \(logreg-C0\.1-lbfgs\) ↔ MLmodel \(ridge-wine-model\)/);
  });

  it('caches listings briefly, serves logged-model artifacts, and maps store errors to FileSystemErrors', async () => {
    const scheme = 'mlflow-artifact-test';
    const modelFolder = path.join(runArtifactsFolder(WINE_RUN), 'model');
    const store = new DirectoryStore({ [IRIS_RUN]: runArtifactsFolder(IRIS_RUN) }, { [LOGGED_MODEL]: modelFolder });
    const active = activeStoreOf(store);
    const provider = new ArtifactFileSystem({ activeStore: active });
    disposables.push(provider, active.emitter, vscode.workspace.registerFileSystemProvider(scheme, provider, { isReadonly: true }));
    const at = (node: ArtifactNode) => artifactUri(node).with({ scheme });
    const run = runOf(IRIS_RUN, 'r');

    const coefficients = at(nodeOf(run, { path: 'tables/coefficients.json', isDir: false }));
    await provider.stat(coefficients);
    await provider.stat(coefficients);
    assert.strictEqual(store.listings, 1, 'the parent listing is reused');
    active.emitter.fire(undefined);
    await provider.stat(coefficients);
    assert.strictEqual(store.listings, 2, 'a connection change drops the cache');

    const modelFile = at(nodeOf(run, { path: 'MLmodel', isDir: false }, LOGGED_MODEL));
    assert.strictEqual(modelFile.path, `/model/${LOGGED_MODEL}/MLmodel`);
    assert.deepStrictEqual(Buffer.from(await vscode.workspace.fs.readFile(modelFile)), fs.readFileSync(path.join(modelFolder, 'MLmodel')));

    await rejectsWith(vscode.workspace.fs.readFile(at(nodeOf(runOf('0'.repeat(32), 'x'), { path: 'a.txt', isDir: false }))), 'FileNotFound');
    await rejectsWith(vscode.workspace.fs.readFile(vscode.Uri.from({ scheme, path: `/run/${IRIS_RUN}/../x` })), 'FileNotFound');
    assert.throws(() => provider.writeFile(coefficients), (error: unknown) => error instanceof vscode.FileSystemError && error.code === 'NoPermissions');

    const disconnected = new ArtifactFileSystem({ activeStore: { current: undefined, onDidChange: active.emitter.event } });
    disposables.push(disconnected);
    await assert.rejects(disconnected.readFile(coefficients), (error: unknown) => error instanceof vscode.FileSystemError && /Not connected/.test(error.message));
  });

  it('downloads a folder whose listing has hostile names into the chosen folder and writes nothing outside it', async () => {
    const sandbox = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-artifacts-it-'));
    const destination = path.join(sandbox, 'chosen');
    fs.mkdirSync(destination);
    const payload = (p: string) => `artifact ${p}`;
    const listing: Record<string, FileInfo[]> = {
      model: [
        { path: 'model/MLmodel', isDir: false },
        { path: 'model/../escaped.txt', isDir: false },
        { path: 'model/../../../../tmp-escape.txt', isDir: false },
        { path: 'model/..\\..\\win-escape.txt', isDir: false },
        { path: '/etc/absolute.txt', isDir: false },
        { path: 'model/C:\\drive.txt', isDir: false },
        { path: 'model/nul\u0000byte.txt', isDir: false },
        { path: 'model/Readme.md', isDir: false },
        { path: 'model/README.md', isDir: false },
        { path: 'model/..', isDir: true },
        { path: 'model/data', isDir: true },
      ],
      'model/data': [{ path: 'model/data/x.csv', isDir: false }, { path: 'model/data/../../up.csv', isDir: false }],
    };
    const hostile: ArtifactReader = {
      listArtifacts: async (_runId, folder) => listing[folder ?? ''] ?? [],
      readArtifact: async (_runId, p) => new TextEncoder().encode(payload(p)),
      downloadArtifact: async (_runId, p, target, options) => {
        assert.ok(options?.signal, 'the AbortSignal reaches the store');
        fs.writeFileSync(target, payload(p));
      },
      listLoggedModelArtifacts: async () => [],
      readLoggedModelArtifact: async () => new Uint8Array(),
    };
    const window = vscode.window as { showOpenDialog: typeof vscode.window.showOpenDialog };
    const original = window.showOpenDialog;
    window.showOpenDialog = async () => [vscode.Uri.file(destination)];
    try {
      const outcome = await downloadWithProgress(hostile, [{ owner: { kind: 'run', runId: IRIS_RUN }, file: { path: 'model', isDir: true } }], log);
      assert.ok(outcome, 'the download ran');
      const written = fs.readdirSync(sandbox, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => path.relative(sandbox, path.join(entry.parentPath, entry.name)).split(path.sep).join('/'))
        .sort();
      assert.deepStrictEqual(written, ['chosen/model/MLmodel', 'chosen/model/Readme.md', 'chosen/model/data/x.csv']);
      assert.strictEqual(fs.readFileSync(path.join(destination, 'model', 'MLmodel'), 'utf8'), payload('model/MLmodel'));
      assert.strictEqual(fs.existsSync(path.join(os.tmpdir(), 'tmp-escape.txt')), false);
      assert.strictEqual(outcome.written.length, 3);
      const skipped = new Map(outcome.skipped.map((s) => [s.artifactPath, s.reason]));
      assert.strictEqual(skipped.size, 9);
      assert.match(skipped.get('model/../escaped.txt')!, /`\.\.`/);
      assert.match(skipped.get('model/README.md')!, /letter case/);
      assert.match(skipped.get('/etc/absolute.txt')!, /outside the requested folder|not below/);
      assert.match(skipped.get('model/nul\u0000byte.txt')!, /control characters/);
      assert.deepStrictEqual(outcome.failed, []);
    } finally {
      window.showOpenDialog = original;
      fs.rmSync(sandbox, { recursive: true, force: true });
    }
  });
});

/** Records what the user is told (answering no button), instead of leaving notifications open. */
function captureMessages(): { messages: string[]; restore(): void } {
  const window = vscode.window as Record<'showErrorMessage' | 'showWarningMessage' | 'showInformationMessage', unknown>;
  const originals = { showErrorMessage: window.showErrorMessage, showWarningMessage: window.showWarningMessage, showInformationMessage: window.showInformationMessage };
  const messages: string[] = [];
  for (const name of Object.keys(originals) as (keyof typeof originals)[]) {
    window[name] = async (message: string) => {
      messages.push(message);
      return undefined;
    };
  }
  return { messages, restore: () => Object.assign(window, originals) };
}

describe('Run → code (real extension host, built-in Git extension)', () => {
  let log: Log;
  let repo: string;
  let commit: string;
  let shown: ReturnType<typeof captureMessages>;
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=MLflow Workbench test', '-c', 'user.email=test@example.invalid', ...args], { cwd: repo, encoding: 'utf8' }).trim();
  /** A run recorded on another machine, in a clone at another path. */
  const runNode = (tags: Record<string, string>): RunNode => {
    const run = runOf(IRIS_RUN, 'logreg-C0.1-lbfgs');
    return { kind: 'run', run: { ...run, data: { ...run.data, tags } }, children: [] };
  };

  before(async () => {
    log = (await activateExtension()).log;
    repo = path.join(workspaceRoot(), 'run-source-it');
    fs.rmSync(repo, { recursive: true, force: true });
    fs.mkdirSync(path.join(repo, 'src'), { recursive: true });
    fs.writeFileSync(path.join(repo, 'src', 'train.py'), 'print("as it ran")\n');
    git('init', '-q');
    git('add', '.');
    git('commit', '-q', '-m', 'the commit the run recorded');
    commit = git('rev-parse', 'HEAD');
    fs.writeFileSync(path.join(repo, 'src', 'train.py'), 'print("edited since")\n');
  });

  beforeEach(() => {
    shown = captureMessages();
  });

  afterEach(() => shown.restore());

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(repo, { recursive: true, force: true });
  });

  it('opens the file a run executed as it was at the recorded commit, mapped from another machine\'s path', async () => {
    const node = runNode({ 'mlflow.source.name': '/home/someone/clones/run-source-it/src/train.py', 'mlflow.source.git.commit': commit });
    await new RunSource({ log }).open(node);
    const editor = await waitFor(() => {
      const active = vscode.window.activeTextEditor;
      return active?.document.uri.scheme === 'git' ? active : undefined;
    }, `the git: document (${shown.messages.join('; ')})`);
    assert.strictEqual(editor.document.getText(), 'print("as it ran")\n');
    assert.deepStrictEqual(shown.messages, []);
  });

  it('diffs the version at the commit with the working tree', async () => {
    const node = runNode({ 'mlflow.source.name': 'C:\\Users\\someone\\run-source-it\\src\\train.py', 'mlflow.source.git.commit': commit });
    await new RunSource({ log }).diff(node);
    const diff = await waitFor(() => {
      const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
      return input instanceof vscode.TabInputTextDiff && input.original.scheme === 'git' ? input : undefined;
    }, `a diff editor (${shown.messages.join('; ')})`);
    assert.strictEqual(diff.modified.fsPath, path.join(repo, 'src', 'train.py'));
    const original = await vscode.workspace.openTextDocument(diff.original);
    assert.strictEqual(original.getText(), 'print("as it ran")\n');
  });

  it('says what is missing: no source tag, no commit, a commit not in the local clone, a file not in the workspace', async () => {
    const source = new RunSource({ log });
    await source.open(runNode({}));
    await source.open(runNode({ 'mlflow.source.name': '/elsewhere/run-source-it/src/train.py' }));
    await source.open(runNode({ 'mlflow.source.name': '/elsewhere/run-source-it/src/train.py', 'mlflow.source.git.commit': 'f'.repeat(40) }));
    await source.open(runNode({ 'mlflow.source.name': '/elsewhere/not-here/nothing_like_it.py', 'mlflow.source.git.commit': commit }));
    await source.open(runNode({ 'mlflow.source.name': 'https://github.com/mlflow/mlflow-example', 'mlflow.source.git.commit': commit }));
    assert.strictEqual(shown.messages.length, 5, shown.messages.join('\n'));
    assert.match(shown.messages[0], /has no recorded source \(tag mlflow\.source\.name\)/);
    assert.match(shown.messages[1], /recorded no git commit/);
    assert.match(shown.messages[2], /Commit fffffff .* is not in the local repository run-source-it\. Run `git fetch`/);
    assert.match(shown.messages[3], /Couldn't find nothing_like_it\.py/);
    assert.match(shown.messages[4], /remote project https:\/\/github\.com\/mlflow\/mlflow-example/);
  });
});
