import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import type { ActiveConnection } from '../../src/connection/activeStore';
import type { LaunchSpec } from '../../src/projects/launchSpec';
import { ProjectLauncher, type RunLaunch } from '../../src/projects/launcher';
import type { RunProjectArgs } from '../../src/projects/mlprojectEditing';
import type { ProjectsFeature } from '../../src/projects/projectsFeature';
import { RememberedRuns } from '../../src/projects/rememberedRuns';
import type { Workbench } from '../../src/workbench';
import { activateExtension, EXTENSION_ID, waitFor } from './support';

const RUN_ID = '5f0c3a1e9b7d4c2a8e6f1b3d5c7a9e0f';
const HOSTILE = { semicolon: '; rm -rf ~', subshell: '$(id)', backticks: '`id`', quotes: `it's "quoted"`, newline: 'line1\nline2' };

interface Recorded {
  argv: string[];
  cwd: string;
  env: Record<string, string | null>;
  credentials: Record<string, boolean>;
}

/** The Workbench field the lead adds when wiring the feature; read loosely so this file compiles before that. */
function projectsOf(workbench: Workbench): ProjectsFeature {
  const projects = (workbench as unknown as { projects?: ProjectsFeature }).projects;
  assert.ok(projects, 'Workbench exposes the ProjectsFeature as `projects`');
  return projects;
}

/** Records notifications (answering none), so a test sees what the user is told and nothing waits for a click. */
function captureMessages(): { messages: string[]; restore(): void } {
  const window = vscode.window as Record<'showErrorMessage' | 'showWarningMessage' | 'showInformationMessage', unknown>;
  const originals = { showErrorMessage: window.showErrorMessage, showWarningMessage: window.showWarningMessage, showInformationMessage: window.showInformationMessage };
  const messages: string[] = [];
  for (const name of Object.keys(originals) as (keyof typeof originals)[]) {
    window[name] = async (message: string) => {
      messages.push(`${name}: ${message}`);
      return undefined;
    };
  }
  return { messages, restore: () => Object.assign(window, originals) };
}

describe('Run MLproject (real extension host, the fake mlflow as mlflow.executablePath)', () => {
  let workbench: Workbench;
  let projects: ProjectsFeature;
  let tiny: string;
  let record: string;
  let shown: ReturnType<typeof captureMessages>;
  const readRecord = (): Recorded[] =>
    fs.existsSync(record) ? fs.readFileSync(record, 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as Recorded) : [];
  const runs = (): Recorded[] => readRecord().filter((call) => call.argv[0] === 'run');

  before(async () => {
    workbench = await activateExtension();
    await workbench.ready;
    projects = projectsOf(workbench);
    tiny = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'mlproject-tiny');
    const fakeMlflow = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'support', 'fake-venv', 'bin', 'mlflow');
    // code-server gives the extension host the login shell's PATH, so the fake is named by the setting.
    await vscode.workspace.getConfiguration('mlflow').update('executablePath', fakeMlflow, vscode.ConfigurationTarget.Workspace);
    record = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-projects-it-')), 'invocations.jsonl');
    // The run's process inherits the extension host's environment: the fake records each invocation there.
    process.env.FAKE_MLFLOW_RECORD = record;
    process.env.FAKE_MLFLOW_RUN_ID = RUN_ID;
  });

  beforeEach(() => {
    shown = captureMessages();
  });

  afterEach(() => {
    shown.restore();
  });

  after(async () => {
    delete process.env.FAKE_MLFLOW_RECORD;
    delete process.env.FAKE_MLFLOW_RUN_ID;
    await vscode.workspace.getConfiguration('mlflow').update('executablePath', undefined, vscode.ConfigurationTarget.Workspace);
    fs.rmSync(path.dirname(record), { recursive: true, force: true });
  });

  it('hands typed and hostile values to mlflow verbatim, one argv element each, with the store in its environment', async () => {
    const connection = workbench.connections.current;
    assert.ok(connection, 'the demo store is connected');
    const spec: LaunchSpec = {
      projectDir: tiny,
      projectLabel: 'tiny-elasticnet',
      entryPoint: 'main',
      params: { alpha: '0.25', max_iter: '2000', run_label: HOSTILE.semicolon, subshell: HOSTILE.subshell, backticks: HOSTILE.backticks, quotes: HOSTILE.quotes, newline: HOSTILE.newline },
      experimentName: `exp ${HOSTILE.subshell} ${HOSTILE.backticks}`,
      runName: `${HOSTILE.quotes}${HOSTILE.newline}`,
      envManager: 'local',
    };
    const launch = await projects.launch(spec);
    assert.ok(launch, `launched (${shown.messages.join('; ')})`);
    assert.strictEqual(await launch.exitCode, 0, launch.output());
    assert.strictEqual(await launch.runId, RUN_ID, 'the run id read from the output, though the newline split its line');

    const expected = [
      'run', tiny, '-e', 'main',
      '-P', 'alpha=0.25', '-P', 'max_iter=2000', '-P', 'run_label=; rm -rf ~', '-P', 'subshell=$(id)', '-P', 'backticks=`id`',
      '-P', `quotes=it's "quoted"`, '-P', 'newline=line1\nline2',
      '--experiment-name', 'exp $(id) `id`', '--run-name', `it's "quoted"line1\nline2`, '--env-manager', 'local',
    ];
    assert.deepStrictEqual(launch.argv, expected);
    const recorded = runs().at(-1);
    assert.ok(recorded, 'the fake recorded the run');
    assert.deepStrictEqual(recorded.argv, expected, 'the process received exactly that argv: no shell re-parsed it');
    assert.strictEqual(recorded.cwd, tiny);
    assert.strictEqual(recorded.env.MLFLOW_TRACKING_URI, connection.trackingUri);
    assert.ok(connection.trackingUri.startsWith('sqlite:///') && connection.trackingUri.endsWith('/mlflow.db'), connection.trackingUri);
    assert.deepStrictEqual(Object.values(recorded.credentials).filter(Boolean), [], 'a local store has no credentials to pass');
    // MLflow (the fake, like the real one) shell-quotes each value into the entry point's command: still data.
    assert.ok(launch.output().includes(`--run-label '; rm -rf ~'`), launch.output());
    assert.ok(launch.output().includes(`--subshell '$(id)'`), launch.output());
    assert.ok(launch.output().includes(`=== Run (ID '${RUN_ID}') succeeded ===`), launch.output());
    assert.ok(vscode.window.terminals.some((terminal) => terminal.name === 'MLflow run: tiny-elasticnet/main'));
    await waitFor(() => shown.messages.includes(`showInformationMessage: MLflow run ${RUN_ID} of tiny-elasticnet/main started.`), 'the run-started notification');
  });

  it('gives credentials to the run only through its environment, never its argv, replacing inherited ones', async () => {
    const token = 'tok-s3cret-value';
    process.env.MLFLOW_TRACKING_PASSWORD = 'inherited-password';
    const current: Pick<ActiveConnection, 'name' | 'kind' | 'trackingUri' | 'processEnv'> = {
      name: 'team server',
      kind: 'rest',
      trackingUri: 'http://127.0.0.1:9',
      processEnv: async () => ({ MLFLOW_TRACKING_URI: 'http://127.0.0.1:9', MLFLOW_TRACKING_TOKEN: token }),
    };
    const activeStore = { current };
    const saved = new Map<string, unknown>();
    const workspaceState = { get: <T>(key: string) => saved.get(key) as T | undefined, update: async (key: string, value: unknown) => void saved.set(key, value) };
    const revealed: string[] = [];
    const launcher = new ProjectLauncher({ activeStore, log: workbench.log, remembered: new RememberedRuns(workspaceState), revealRun: async (id) => void revealed.push(id) });
    try {
      const launch = await launcher.launch({ projectDir: tiny, projectLabel: 'tiny-elasticnet', entryPoint: 'validate', params: { threshold: '0.9' }, envManager: 'local' });
      assert.ok(launch, shown.messages.join('; '));
      assert.strictEqual(await launch.exitCode, 0, launch.output());
      const recorded = runs().at(-1)!;
      assert.deepStrictEqual(recorded.argv, ['run', tiny, '-e', 'validate', '-P', 'threshold=0.9', '--env-manager', 'local']);
      assert.strictEqual(recorded.env.MLFLOW_TRACKING_URI, 'http://127.0.0.1:9');
      assert.strictEqual(recorded.credentials.MLFLOW_TRACKING_TOKEN, true);
      assert.strictEqual(recorded.credentials.MLFLOW_TRACKING_PASSWORD, false, "the extension host's own password does not reach another server");
      assert.ok(!JSON.stringify(launch.argv).includes(token) && !launch.output().includes(token) && !fs.readFileSync(record, 'utf8').includes(token));
      await waitFor(() => revealed.includes(RUN_ID), 'revealRun with the new run id');
      assert.deepStrictEqual(launcher.lastLaunch, launch);
    } finally {
      delete process.env.MLFLOW_TRACKING_PASSWORD;
      launcher.dispose();
    }
  });

  it('refuses values that do not fit their declared type, before mlflow starts', async () => {
    const before = runs().length;
    const launch = await projects.launch({ projectDir: tiny, projectLabel: 'tiny-elasticnet', entryPoint: 'main', params: { alpha: 'abc', max_iter: '1.5' }, envManager: 'local' });
    assert.strictEqual(launch, undefined);
    assert.strictEqual(runs().length, before);
    assert.deepStrictEqual(shown.messages, ["showErrorMessage: Can't run tiny-elasticnet/main: 'abc' is not a number. '1.5' is not an integer."]);
  });

  it('runs the last launch again with the same values (Run Again with Last Parameters)', async () => {
    const hostile = runs().find((call) => call.argv.includes('run_label=; rm -rf ~'));
    assert.ok(hostile, 'the hostile launch ran earlier');
    const previous = projects.lastLaunch;
    await vscode.commands.executeCommand('mlflow.runProjectAgain');
    const launch = await waitFor(() => (projects.lastLaunch !== previous ? projects.lastLaunch : undefined), 'the run to start again');
    assert.strictEqual(await launch.exitCode, 0, launch.output());
    assert.deepStrictEqual(runs().at(-1)?.argv, hostile.argv);
  });

  it('says what to do when mlflow.executablePath is not an executable, and starts nothing', async () => {
    const configuration = vscode.workspace.getConfiguration('mlflow');
    const fakeMlflow = configuration.get<string>('executablePath');
    const before = readRecord().length;
    await configuration.update('executablePath', '/nonexistent/mlflow', vscode.ConfigurationTarget.Workspace);
    try {
      assert.strictEqual(await projects.runProject(), undefined);
    } finally {
      await configuration.update('executablePath', fakeMlflow, vscode.ConfigurationTarget.Workspace);
    }
    assert.strictEqual(readRecord().length, before);
    await waitFor(() => shown.messages.length > 0, 'the explanation');
    assert.deepStrictEqual(shown.messages, [
      "showErrorMessage: Can't run the MLproject: mlflow.executablePath (/nonexistent/mlflow: not an executable file) is not usable. " +
        'Select a Python interpreter with MLflow installed (`python -m pip install mlflow`), or set mlflow.executablePath.',
    ]);
  });

  it('says why an MLproject of invalid YAML has no entry point to run (line and column), and opens it at the error', async () => {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-invalid-yaml-'));
    // Named like the fixture: a project whose MLproject can't be read is labelled by its folder.
    const dir = path.join(scratch, 'invalid-yaml');
    fs.mkdirSync(dir);
    const fixture = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'fixtures', 'mlproject-broken', 'invalid-yaml', 'MLproject');
    const uri = vscode.Uri.file(path.join(dir, 'MLproject'));
    fs.copyFileSync(fixture, uri.fsPath);
    const before = readRecord().length;
    // The error's button is clicked, as a user would: the answer is the button's label.
    shown.restore();
    const window = vscode.window as unknown as Record<'showErrorMessage', unknown>;
    const original = window.showErrorMessage;
    const errors: { message: string; items: string[] }[] = [];
    window.showErrorMessage = async (message: string, ...items: string[]) => {
      errors.push({ message, items });
      return items[0];
    };
    try {
      assert.strictEqual(await projects.runProject(uri), undefined, 'nothing is launched');
      assert.deepStrictEqual(errors, [
        {
          message:
            'Can\'t run invalid-yaml: its MLproject cannot be read (line 6, column 14): Invalid YAML: Missing closing "quote. ' +
            '`mlflow run` stops there too, so no entry point can run until it is fixed.',
          items: ['Open MLproject at the Error'],
        },
      ]);
      const editor = await waitFor(() => (vscode.window.activeTextEditor?.document.uri.fsPath === uri.fsPath ? vscode.window.activeTextEditor : undefined), 'the MLproject open');
      assert.deepStrictEqual([editor.selection.start.line, editor.selection.start.character], [5, 13], 'the cursor at the opening quote that never closes');
      assert.strictEqual(readRecord().length, before, 'mlflow was not started');
    } finally {
      window.showErrorMessage = original;
      await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('publishes parse diagnostics for a broken MLproject, and updates them as it is edited', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlflow-broken-'));
    const uri = vscode.Uri.file(path.join(dir, 'MLproject'));
    fs.writeFileSync(uri.fsPath, 'entry_points:\n  main:\n    parameters:\n      alpha: {type: float, default: abc}\n    command: python train.py {alpha} {beta}\n');
    try {
      const document = await vscode.workspace.openTextDocument(uri);
      const diagnostics = await waitFor(() => {
        const found = vscode.languages.getDiagnostics(uri);
        return found.length ? found : undefined;
      }, 'diagnostics for the broken MLproject');
      assert.deepStrictEqual(
        diagnostics.map((d) => [d.code, d.severity, d.range.start.line, d.range.start.character, d.source]),
        [
          ['default-type-mismatch', vscode.DiagnosticSeverity.Warning, 3, 36, 'MLproject'],
          ['unknown-placeholder', vscode.DiagnosticSeverity.Error, 4, 37, 'MLproject'],
        ],
      );
      const edit = new vscode.WorkspaceEdit();
      edit.replace(uri, new vscode.Range(4, 36, 4, 43), '');
      assert.ok(await vscode.workspace.applyEdit(edit));
      assert.strictEqual(document.getText().split('\n')[4], '    command: python train.py {alpha}');
      await waitFor(() => vscode.languages.getDiagnostics(uri).length === 1, 'the fixed placeholder to drop its diagnostic (debounced)');
      assert.strictEqual(vscode.languages.getDiagnostics(uri)[0].code, 'default-type-mismatch');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows Run and Run with Parameters… above each entry point, a hover per parameter, and Run starts the defaults', async () => {
    const uri = vscode.Uri.file(path.join(tiny, 'MLproject'));
    await vscode.workspace.openTextDocument(uri);
    const lenses = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
    const mine = lenses.filter((lens) => lens.command?.command === 'mlflow.runProject');
    assert.deepStrictEqual(
      mine.map((lens) => [lens.range.start.line, lens.command?.title, lens.command?.arguments]),
      [
        [5, '$(play) Run', [{ mlproject: uri.toString(), entryPoint: 'main', defaults: true }]],
        [5, 'Run with Parameters…', [{ mlproject: uri.toString(), entryPoint: 'main', defaults: false }]],
        [13, '$(play) Run', [{ mlproject: uri.toString(), entryPoint: 'validate', defaults: true }]],
        [13, 'Run with Parameters…', [{ mlproject: uri.toString(), entryPoint: 'validate', defaults: false }]],
      ],
    );

    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(9, 8));
    const text = hovers.flatMap((hover) => hover.contents.map((content) => (typeof content === 'string' ? content : content.value))).join('\n');
    assert.match(text, /\*\*max\\_iter\*\*: parameter of entry point `main`/);
    assert.match(text, /Type: `int`/);
    assert.match(text, /Default: `1000`/);

    const args = mine[2].command!.arguments![0] as RunProjectArgs;
    const previous = projects.lastLaunch;
    await vscode.commands.executeCommand('mlflow.runProject', args);
    const launch = await waitFor(() => (projects.lastLaunch !== previous ? projects.lastLaunch : undefined), 'the lens to launch');
    assert.strictEqual(await launch.exitCode, 0, launch.output());
    // The defaults: no -P at all, and the environment MLflow would pick for a python_env project.
    assert.deepStrictEqual(runs().at(-1)?.argv, ['run', tiny, '-e', 'validate', '--env-manager', 'virtualenv']);
  });

  it('offers each entry point as an `mlflow` task, and a task runs with the right argv', async () => {
    const tasks = await vscode.tasks.fetchTasks({ type: 'mlflow' });
    const tinyTasks = tasks.filter((task) => task.definition.project === 'mlproject-tiny');
    assert.deepStrictEqual(
      tinyTasks
        .map((task) => [task.name, task.source, { type: task.definition.type, project: task.definition.project, entryPoint: task.definition.entryPoint }])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
      [
        ['tiny-elasticnet: main', 'mlflow', { type: 'mlflow', project: 'mlproject-tiny', entryPoint: 'main' }],
        ['tiny-elasticnet: validate', 'mlflow', { type: 'mlflow', project: 'mlproject-tiny', entryPoint: 'validate' }],
      ],
    );
    const previous: RunLaunch | undefined = projects.lastLaunch;
    const ended = new Promise<number | undefined>((resolve) => {
      const listener = vscode.tasks.onDidEndTaskProcess((event) => {
        if (event.execution.task.definition.entryPoint !== 'main') return;
        listener.dispose();
        resolve(event.exitCode);
      });
    });
    await vscode.tasks.executeTask(tinyTasks.find((task) => task.definition.entryPoint === 'main')!);
    const launch = await waitFor(() => (projects.lastLaunch !== previous ? projects.lastLaunch : undefined), 'the task to launch');
    assert.strictEqual(await launch.exitCode, 0, launch.output());
    assert.strictEqual(await ended, 0, 'VS Code saw the task end with exit code 0');
    assert.deepStrictEqual(runs().at(-1)?.argv, ['run', tiny, '-e', 'main', '--env-manager', 'virtualenv']);
  });
});
