import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseRunFilter, runMatchesFilter } from '../../src/mlflow/searchFilter';
import type { Run } from '../../src/mlflow/types';
import { debugConfiguration } from '../../src/trackedRun/core/debugConfiguration';
import { findLaunchRuns, mainRun, type DiscoveryStore } from '../../src/trackedRun/core/discovery';
import { RememberedScripts } from '../../src/trackedRun/core/remembered';
import { joinArgs, splitArgs } from '../../src/trackedRun/core/scriptArgs';
import {
  buildScriptLaunch,
  childTrackingUri,
  interpretersBeside,
  LAUNCH_ID_TAG,
  launchIdFilter,
  runContextValue,
  type ScriptLaunchInputs,
} from '../../src/trackedRun/core/scriptLaunch';
import { planPythonTask, pythonTaskDefinition } from '../../src/trackedRun/core/taskDefinition';
import { REPO_ROOT } from '../support/repoRoot';
import { evaluateWhen, type Context } from '../support/whenClause';

const LAUNCH_ID = '0123456789abcdef0123456789abcdef';
const HOSTILE_ARGS = ['--name', "it's; rm -rf ~", '$(id)', '`id`', 'a b', 'line1\nline2', '*.py', ''];

function inputs(overrides: Partial<ScriptLaunchInputs> = {}): ScriptLaunchInputs {
  return {
    interpreter: '/w/.venv/bin/python',
    environment: { kind: 'venv', prefix: '/w/.venv', binDirs: ['/w/.venv/bin'] },
    script: '/w/src/train.py',
    args: ['--epochs', '3'],
    cwd: '/w',
    experiment: { kind: 'name', name: 'iris' },
    launchId: LAUNCH_ID,
    connection: { kind: 'rest', trackingUri: 'http://127.0.0.1:5000', env: { MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000', MLFLOW_TRACKING_TOKEN: 'tok' } },
    base: { PATH: '/usr/bin:/bin', HOME: '/home/u' },
    platform: 'linux',
    ...overrides,
  };
}

describe('Run Python File with Tracking: the process (argv, environment)', () => {
  it('runs the interpreter with the script and each argument as one argv element, no shell', () => {
    const launch = buildScriptLaunch(inputs({ args: HOSTILE_ARGS }));
    assert.equal(launch.executable, '/w/.venv/bin/python');
    assert.deepEqual(launch.argv, ['/w/src/train.py', ...HOSTILE_ARGS]);
    assert.equal(launch.cwd, '/w');
  });

  it("gives that process the store, its credentials, the experiment and the launch id, and the interpreter's venv activated", () => {
    const launch = buildScriptLaunch(inputs());
    assert.equal(launch.env.MLFLOW_TRACKING_URI, 'http://127.0.0.1:5000');
    assert.equal(launch.env.MLFLOW_TRACKING_TOKEN, 'tok');
    assert.equal(launch.env.MLFLOW_EXPERIMENT_NAME, 'iris');
    assert.equal(launch.env.MLFLOW_EXPERIMENT_ID, undefined);
    assert.deepEqual(JSON.parse(launch.env.MLFLOW_RUN_CONTEXT!), { [LAUNCH_ID_TAG]: LAUNCH_ID });
    assert.equal(launch.env.PATH, '/w/.venv/bin:/usr/bin:/bin');
    assert.equal(launch.env.VIRTUAL_ENV, '/w/.venv');
    assert.equal(launch.env.PYTHONUNBUFFERED, '1');
    assert.equal(launch.env.HOME, '/home/u');
    assert.equal(launch.launchId, LAUNCH_ID);
  });

  it('drops inherited credentials for another server, an inherited run id and experiment; keeps the user\'s own run-context tags', () => {
    const launch = buildScriptLaunch(inputs({
      base: {
        PATH: '/usr/bin',
        MLFLOW_TRACKING_USERNAME: 'someone-else',
        MLFLOW_TRACKING_PASSWORD: 'their-secret',
        MLFLOW_RUN_ID: 'f'.repeat(32),
        MLFLOW_EXPERIMENT_ID: '42',
        MLFLOW_RUN_CONTEXT: '{"team": "vision"}',
      },
    }));
    assert.equal(launch.env.MLFLOW_TRACKING_USERNAME, undefined);
    assert.equal(launch.env.MLFLOW_TRACKING_PASSWORD, undefined);
    assert.equal(launch.env.MLFLOW_RUN_ID, undefined, 'an inherited run id would make start_run resume another run');
    assert.equal(launch.env.MLFLOW_EXPERIMENT_ID, undefined, 'the chosen experiment (by name) wins over an inherited id');
    assert.deepEqual(JSON.parse(launch.env.MLFLOW_RUN_CONTEXT!), { team: 'vision', [LAUNCH_ID_TAG]: LAUNCH_ID });
  });

  it('picks an experiment by id; without a choice an inherited MLFLOW_EXPERIMENT_NAME stays MLflow\'s default', () => {
    const byId = buildScriptLaunch(inputs({ experiment: { kind: 'id', experimentId: '7', name: 'iris' } }));
    assert.equal(byId.env.MLFLOW_EXPERIMENT_ID, '7');
    assert.equal(byId.env.MLFLOW_EXPERIMENT_NAME, undefined);
    const none = buildScriptLaunch(inputs({ experiment: undefined, base: { MLFLOW_EXPERIMENT_NAME: 'mine' } }));
    assert.equal(none.env.MLFLOW_EXPERIMENT_NAME, 'mine');
  });

  it('without a connection keeps inherited tracking variables (MLflow\'s own default) and still tags the run', () => {
    const launch = buildScriptLaunch(inputs({ connection: undefined, base: { MLFLOW_TRACKING_URI: 'http://elsewhere:5000' } }));
    assert.equal(launch.env.MLFLOW_TRACKING_URI, 'http://elsewhere:5000');
    assert.ok(launch.env.MLFLOW_RUN_CONTEXT?.includes(LAUNCH_ID));
  });

  it('a file store gets MLFLOW_ALLOW_FILE_STORE (MLflow 3 refuses mlruns/ otherwise) and its file:// URI', () => {
    const launch = buildScriptLaunch(inputs({ connection: { kind: 'file', trackingUri: 'file:///w/my%20runs/mlruns', env: { MLFLOW_TRACKING_URI: 'file:///w/my%20runs/mlruns' } } }));
    assert.equal(launch.env.MLFLOW_TRACKING_URI, 'file:///w/my%20runs/mlruns');
    assert.equal(launch.env.MLFLOW_ALLOW_FILE_STORE, 'true');
  });

  it('Windows: Path keeps its spelling, the venv Scripts folder first, variables matched without case', () => {
    const launch = buildScriptLaunch(inputs({
      interpreter: 'C:\\w\\.venv\\Scripts\\python.exe',
      environment: { kind: 'venv', prefix: 'C:\\w\\.venv', binDirs: ['C:\\w\\.venv\\Scripts'] },
      script: 'C:\\w\\train.py',
      cwd: 'C:\\w',
      platform: 'win32',
      base: { Path: 'C:\\Windows', Mlflow_Run_Id: 'x', mlflow_run_context: '{"a":"b"}' },
    }));
    assert.equal(launch.env.Path, 'C:\\w\\.venv\\Scripts;C:\\Windows');
    assert.equal(launch.env.PATH, undefined);
    assert.equal(launch.env.Mlflow_Run_Id, undefined);
    assert.equal(launch.env.mlflow_run_context, undefined);
    assert.deepEqual(JSON.parse(launch.env.MLFLOW_RUN_CONTEXT!), { a: 'b', [LAUNCH_ID_TAG]: LAUNCH_ID });
  });

  it('refuses a launch id that would need quoting in a filter', () => {
    assert.throws(() => buildScriptLaunch(inputs({ launchId: "x' OR '1'='1" })), /Not a launch id/);
  });
});

describe('Run Python File with Tracking: MLflow URIs of local stores, POSIX and Windows', () => {
  it('SQLite: sqlite:/// + the absolute path (four slashes on POSIX), forward slashes on Windows', () => {
    assert.equal(childTrackingUri({ kind: 'sqlite', trackingUri: 'sqlite:////home/u/proj/mlflow.db' }, 'linux'), 'sqlite:////home/u/proj/mlflow.db');
    assert.equal(childTrackingUri({ kind: 'sqlite', trackingUri: 'sqlite:///C:/Users/u/proj/mlflow.db' }, 'win32'), 'sqlite:///C:/Users/u/proj/mlflow.db');
    assert.equal(childTrackingUri({ kind: 'sqlite', trackingUri: 'sqlite:///C:\\Users\\u\\mlflow.db' }, 'win32'), 'sqlite:///C:/Users/u/mlflow.db');
  });

  it('file store: file:/// URIs, percent-encoded, with the drive letter on Windows', () => {
    assert.equal(childTrackingUri({ kind: 'file', trackingUri: 'file:///home/u/my%20proj/mlruns' }, 'linux'), 'file:///home/u/my%20proj/mlruns');
    assert.equal(childTrackingUri({ kind: 'file', trackingUri: '/home/u/proj/mlruns' }, 'darwin'), 'file:///home/u/proj/mlruns');
    assert.equal(childTrackingUri({ kind: 'file', trackingUri: 'file:///C:/Users/u/my%20proj/mlruns' }, 'win32'), 'file:///C:/Users/u/my%20proj/mlruns');
    // What vscode.Uri.file(...).toString() makes of a Windows path (the connection's display form).
    assert.equal(childTrackingUri({ kind: 'file', trackingUri: 'file:///c%3A/Users/u/mlruns' }, 'win32'), 'file:///c:/Users/u/mlruns');
  });

  it('servers and Databricks: as connected', () => {
    assert.equal(childTrackingUri({ kind: 'rest', trackingUri: 'https://mlflow.example.com/prefix' }, 'linux'), 'https://mlflow.example.com/prefix');
    assert.equal(childTrackingUri({ kind: 'databricks', trackingUri: 'databricks://dev' }, 'win32'), 'databricks://dev');
  });

  it('the python beside the mlflow in use: its environment first, then its folder', () => {
    assert.deepEqual(interpretersBeside('/w/.venv/bin/mlflow', { kind: 'venv', prefix: '/w/.venv', binDirs: ['/w/.venv/bin'] }, 'linux'), ['/w/.venv/bin/python', '/w/.venv/bin/python3']);
    assert.deepEqual(interpretersBeside('/usr/local/bin/mlflow', { kind: 'folder', binDirs: ['/usr/local/bin'] }, 'linux'), ['/usr/local/bin/python', '/usr/local/bin/python3']);
    assert.deepEqual(interpretersBeside('C:\\w\\.venv\\Scripts\\mlflow.exe', { kind: 'venv', prefix: 'C:\\w\\.venv', binDirs: [] }, 'win32'), ['C:\\w\\.venv\\Scripts\\python.exe']);
    assert.deepEqual(interpretersBeside('C:\\conda\\envs\\ml\\Scripts\\mlflow.exe', { kind: 'conda', prefix: 'C:\\conda\\envs\\ml', binDirs: [] }, 'win32'), [
      'C:\\conda\\envs\\ml\\python.exe',
      'C:\\conda\\envs\\ml\\Scripts\\python.exe',
    ]);
  });
});

describe('Run Python File with Tracking: finding the run by its launch id', () => {
  it('MLFLOW_RUN_CONTEXT is a JSON object; one that is not JSON or not an object is replaced', () => {
    assert.equal(runContextValue(LAUNCH_ID), `{"${LAUNCH_ID_TAG}":"${LAUNCH_ID}"}`);
    assert.deepEqual(JSON.parse(runContextValue(LAUNCH_ID, '[1, 2]')), { [LAUNCH_ID_TAG]: LAUNCH_ID });
    assert.deepEqual(JSON.parse(runContextValue(LAUNCH_ID, 'not json')), { [LAUNCH_ID_TAG]: LAUNCH_ID });
    assert.deepEqual(JSON.parse(runContextValue(LAUNCH_ID, `{"${LAUNCH_ID_TAG}": "stale"}`)), { [LAUNCH_ID_TAG]: LAUNCH_ID });
  });

  it('the filter is MLflow search syntax that matches exactly the tagged runs', () => {
    const filter = launchIdFilter(LAUNCH_ID);
    assert.equal(filter, `tags.\`mlflow.workbench.launchId\` = '${LAUNCH_ID}'`);
    const clauses = parseRunFilter(filter);
    const tagged = run('a', { [LAUNCH_ID_TAG]: LAUNCH_ID });
    const other = run('b', { [LAUNCH_ID_TAG]: 'f'.repeat(32) });
    assert.equal(runMatchesFilter(tagged, clauses), true);
    assert.equal(runMatchesFilter(other, clauses), false);
    assert.equal(runMatchesFilter(run('c', {}), clauses), false);
    assert.throws(() => launchIdFilter("' or 1=1"), /Not a launch id/);
  });

  it('searches the named experiment once it exists, every active experiment when none was named', async () => {
    const searched: string[][] = [];
    const runs = [run('child', { [LAUNCH_ID_TAG]: LAUNCH_ID, 'mlflow.parentRunId': 'parent' }, 20), run('parent', { [LAUNCH_ID_TAG]: LAUNCH_ID }, 10)];
    let exists = false;
    const store: DiscoveryStore = {
      getExperimentByName: async (name) => (exists && name === 'iris' ? { experimentId: '3', name } as never : undefined),
      searchExperiments: async () => ({ items: [{ experimentId: '0' }, { experimentId: '3' }] as never }),
      searchRuns: async (query) => {
        searched.push(query.experimentIds);
        assert.equal(query.filter, launchIdFilter(LAUNCH_ID));
        return { items: runs.filter((r) => query.experimentIds.includes(r.info.experimentId)) };
      },
    };
    assert.deepEqual(await findLaunchRuns(store, LAUNCH_ID, { kind: 'name', name: 'iris' }), [], 'not created yet: nothing to search');
    assert.deepEqual(searched, []);
    exists = true;
    const found = await findLaunchRuns(store, LAUNCH_ID, { kind: 'name', name: 'iris' });
    assert.deepEqual(found.map((r) => r.info.runId), ['parent', 'child'], 'oldest first');
    assert.equal(mainRun(found)?.info.runId, 'parent', 'the top-level run, not its child');
    await findLaunchRuns(store, LAUNCH_ID, undefined);
    assert.deepEqual(searched.at(-1), ['0', '3']);
    await findLaunchRuns(store, LAUNCH_ID, { kind: 'id', experimentId: '9' });
    assert.deepEqual(searched.at(-1), ['9']);
  });
});

describe('Run Python File with Tracking: arguments typed once', () => {
  it('splits words like a shell, expanding nothing', () => {
    assert.deepEqual(splitArgs(`--epochs 5  --name "first try" --glob '*.py' $(id) \`id\` a\\ b "q\\"uote" ''`), {
      ok: true,
      args: ['--epochs', '5', '--name', 'first try', '--glob', '*.py', '$(id)', '`id`', 'a b', 'q"uote', ''],
    });
    assert.deepEqual(splitArgs('   '), { ok: true, args: [] });
    assert.equal(splitArgs('--name "open').ok, false);
    assert.match((splitArgs("it's") as { message: string }).message, /character 3 is not closed/);
  });

  it('joins back to text that splits into the same argv (the box is prefilled with it)', () => {
    const joined = joinArgs(HOSTILE_ARGS);
    assert.deepEqual(splitArgs(joined), { ok: true, args: HOSTILE_ARGS });
  });
});

describe('Debug Python File with Tracking: the debugpy configuration', () => {
  it('launches the same program, args, interpreter and cwd, with only the launch variables in env', () => {
    const launch = buildScriptLaunch(inputs({ args: HOSTILE_ARGS }));
    const config = debugConfiguration(launch, 'MLflow: train.py', { MLFLOW_TRACKING_USERNAME: 'someone-else', PATH: '/usr/bin' });
    assert.deepEqual(config, {
      type: 'debugpy',
      request: 'launch',
      name: 'MLflow: train.py',
      program: '/w/src/train.py',
      args: HOSTILE_ARGS,
      cwd: '/w',
      python: '/w/.venv/bin/python',
      env: {
        MLFLOW_TRACKING_USERNAME: '',
        MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000',
        MLFLOW_TRACKING_TOKEN: 'tok',
        MLFLOW_EXPERIMENT_NAME: 'iris',
        MLFLOW_RUN_CONTEXT: `{"${LAUNCH_ID_TAG}":"${LAUNCH_ID}"}`,
        PYTHONUNBUFFERED: '1',
      },
      console: 'integratedTerminal',
      justMyCode: true,
    });
  });
});

describe('Run Python File with Tracking: remembered per file, Run Again, the task type', () => {
  function memento() {
    const map = new Map<string, unknown>();
    return { get: <T>(key: string) => map.get(key) as T | undefined, update: async (key: string, value: unknown) => void map.set(key, structuredClone(value)), map };
  }

  it('remembers arguments and experiment per file, and the last launch for Run Again', async () => {
    const state = memento();
    const remembered = new RememberedScripts(state);
    assert.equal(remembered.get('/w/a.py'), undefined);
    assert.equal(remembered.last(), undefined);
    await remembered.remember({ script: '/w/a.py', mode: 'run', args: ['--x', 'a b'], experiment: { kind: 'name', name: 'new-exp' } });
    await remembered.remember({ script: '/w/b.py', mode: 'debug', args: [], experiment: { kind: 'id', experimentId: '3', name: 'iris' } });
    assert.deepEqual(remembered.get('/w/a.py'), { args: ['--x', 'a b'], experiment: { kind: 'name', name: 'new-exp' } });
    assert.deepEqual(remembered.last(), { script: '/w/b.py', mode: 'debug', args: [], experiment: { kind: 'id', experimentId: '3', name: 'iris' } });
    // Read back by a new instance over the same state, as after a reload.
    assert.deepEqual(new RememberedScripts(state).get('/w/b.py'), { args: [], experiment: { kind: 'id', experimentId: '3', name: 'iris' } });
    await remembered.forget('/w/a.py');
    assert.equal(remembered.get('/w/a.py'), undefined);
  });

  it('ignores what it cannot read (an older version wrote it, or it was edited)', () => {
    const state = memento();
    state.map.set('mlflow.trackedRun.choices', { '/w/a.py': { args: 'not a list', experiment: { kind: 'name', name: 'x' }, at: 1 } });
    state.map.set('mlflow.trackedRun.last', { script: '/w/a.py', mode: 'sideways', args: [] });
    const remembered = new RememberedScripts(state);
    assert.equal(remembered.get('/w/a.py'), undefined);
    assert.equal(remembered.last(), undefined);
  });

  it('a task names the file (relative to its folder), the args as a list and maybe an experiment', () => {
    assert.deepEqual(planPythonTask({ type: 'mlflow-python', file: 'src/train.py', args: ['--epochs', 5], experiment: 'iris' }, '/w'), {
      ok: true, script: '/w/src/train.py', args: ['--epochs', '5'], experiment: { kind: 'name', name: 'iris' },
    });
    assert.deepEqual(planPythonTask({ type: 'mlflow-python', file: '/abs/t.py' }, undefined), { ok: true, script: '/abs/t.py', args: [] });
    assert.match((planPythonTask({ type: 'mlflow-python' }, '/w') as { message: string }).message, /needs "file"/);
    assert.match((planPythonTask({ type: 'mlflow-python', file: 't.py', args: '--epochs 5' }, '/w') as { message: string }).message, /"args" must be a list/);
    assert.match((planPythonTask({ type: 'mlflow-python', file: 't.py' }, undefined) as { message: string }).message, /no workspace folder/);
    assert.deepEqual(pythonTaskDefinition('/w/src/train.py', '/w', ['--x'], 'iris'), { type: 'mlflow-python', file: 'src/train.py', args: ['--x'], experiment: 'iris' });
    assert.deepEqual(pythonTaskDefinition('/elsewhere/t.py', '/w', []), { type: 'mlflow-python', file: '/elsewhere/t.py' });
  });
});

function run(runId: string, tags: Record<string, string>, startTime = 0): Run {
  return {
    info: { runId, experimentId: '3', runName: runId, userId: '', status: 'RUNNING', startTime, artifactUri: '', lifecycleStage: 'active' },
    data: { metrics: [], params: {}, tags },
    inputs: { datasets: [], modelInputs: [] },
    outputs: { modelOutputs: [] },
  } as Run;
}

describe('Run Python File with Tracking: where the commands show (package.json)', () => {
  interface MenuItem { readonly command: string; readonly when?: string }
  const manifest = JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as {
    contributes: { menus: Record<string, MenuItem[]>; taskDefinitions: { type: string; required?: string[] }[]; commands: { command: string; title: string }[] };
  };
  const shown = (menu: string, context: Context) => (manifest.contributes.menus[menu] ?? []).filter((i) => evaluateWhen(i.when, context)).map((i) => i.command);

  it("offers Run and Debug with Tracking in a Python editor's Run menu and on .py files in the explorer, not elsewhere", () => {
    const tracked = (commands: string[]) => commands.filter((c) => c === 'mlflow.runPythonFile' || c === 'mlflow.debugPythonFile');
    assert.deepEqual(tracked(shown('editor/title/run', { resourceLangId: 'python', resourceFilename: 'train.py' })), ['mlflow.runPythonFile', 'mlflow.debugPythonFile']);
    assert.deepEqual(tracked(shown('editor/title/run', { resourceLangId: 'yaml', resourceFilename: 'MLproject' })), []);
    assert.deepEqual(tracked(shown('explorer/context', { resourceExtname: '.py', resourceFilename: 'train.py' })), ['mlflow.runPythonFile', 'mlflow.debugPythonFile']);
    assert.deepEqual(tracked(shown('explorer/context', { resourceExtname: '.txt', resourceFilename: 'notes.txt' })), []);
    assert.deepEqual(tracked(shown('commandPalette', { editorLangId: 'python' })), ['mlflow.runPythonFile', 'mlflow.debugPythonFile']);
  });

  it('declares the mlflow-python task type with a required file', () => {
    const definition = manifest.contributes.taskDefinitions.find((d) => d.type === 'mlflow-python');
    assert.deepEqual(definition?.required, ['file']);
    const titles = manifest.contributes.commands.map((c) => c.title);
    assert.equal(new Set(titles.filter((t) => /Run .*Again/.test(t))).size, titles.filter((t) => /Run .*Again/.test(t)).length, 'Run Again titles are distinct');
  });
});
