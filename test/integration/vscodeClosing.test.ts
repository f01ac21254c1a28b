import * as assert from 'assert';
import { execFileSync } from 'child_process';
import { createRequire } from 'module';
import * as path from 'path';
import * as vscode from 'vscode';
import { lookUpMlflow } from '../../src/modelServing/cliLookup';
import { freeLoopbackPort } from '../../src/trackingServer/health';
import type { Workbench } from '../../src/workbench';
import { activateExtension, EXTENSION_ID, waitFor } from './support';

/** The extension's module as the extension host loaded it (the same instance: Node's module cache). */
interface ExtensionModule {
  deactivate(): Promise<void>;
}

interface Row {
  pid: number;
  pgid: number;
  args: string;
}

function processes(): Row[] {
  return execFileSync('ps', ['-o', 'pid=,pgid=,args=', '-A'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => /^\s*(\d+)\s+(\d+)\s+(.*)$/.exec(line))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ pid: Number(match[1]), pgid: Number(match[2]), args: match[3] }));
}

/**
 * Issue 16 §5: VS Code closing runs the extension's real `deactivate()`. The stand-in venv's servers
 * fork worker processes like gunicorn/uvicorn, and with FAKE_MLFLOW_STUBBORN=1 mlflow and every worker
 * let the first SIGTERM pass (a server finishing requests): only the SIGKILL after the grace period ends
 * them. Afterwards no process of any group the extension started may be left. Runs last (index.ts):
 * the extension is gone after it.
 */
describe('VS Code closing: deactivate() leaves no process behind (real extension host)', function () {
  this.timeout(180_000);
  let workbench: Workbench;
  const groups = new Set<number>();

  before(async () => {
    workbench = await activateExtension();
    await workbench.ready;
    if (process.platform === 'win32') throw new Error('process groups are a POSIX test');
    const venvMlflow = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'test', 'support', 'fake-venv', 'bin', 'mlflow');
    await vscode.workspace.getConfiguration('mlflow').update('executablePath', venvMlflow, vscode.ConfigurationTarget.Workspace);
    process.env.FAKE_MLFLOW_STUBBORN = '1';
    process.env.FAKE_MLFLOW_RUN_DELAY_MS = '600000';
  });

  after(async () => {
    delete process.env.FAKE_MLFLOW_STUBBORN;
    delete process.env.FAKE_MLFLOW_RUN_DELAY_MS;
    // Whatever a failure left running must not outlive the suite.
    for (const pgid of groups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    await vscode.workspace.getConfiguration('mlflow').update('executablePath', undefined, vscode.ConfigurationTarget.Workspace);
  });

  it('stops model servers with their workers, the tracking server and a running `mlflow run`, SIGKILL included', async () => {
    // Two model servers with two workers each.
    const lookup = await lookUpMlflow(new AbortController().signal);
    assert.ok(lookup.ok, lookup.ok ? '' : lookup.message);
    for (const modelUri of ['models:/iris-classifier/1', 'models:/iris-classifier@champion']) {
      const server = await workbench.serving.modelServers.start({
        cli: lookup.cli, modelUri, host: '127.0.0.1', port: await freeLoopbackPort(), envManager: 'local', workers: 2,
      });
      assert.strictEqual((await server.whenState((s) => s.phase === 'healthy' || s.phase === 'stopped')).phase, 'healthy', server.view.text);
      groups.add(server.info.pid!);
    }
    // The tracking server for the workspace store (its program forks four workers).
    const running = await workbench.trackingServer.start();
    assert.ok(running?.pid, 'the tracking server started');
    groups.add(running.pid);
    // An MLproject run that keeps going.
    const tiny = path.join(vscode.workspace.workspaceFolders![0].uri.fsPath, 'mlproject-tiny');
    const launch = await workbench.projects.launcher.launch({ projectDir: tiny, projectLabel: 'tiny-elasticnet', entryPoint: 'validate', params: {}, envManager: 'local' });
    assert.ok(launch, 'the run started');
    assert.ok(await launch.runId, launch.output());
    const run = processes().find((row) => row.pid === row.pgid && row.args.includes('fake-venv/bin/mlflow run') && row.args.includes(tiny));
    assert.ok(run, 'the mlflow run process leads its own group');
    groups.add(run.pgid);

    // Each server group holds mlflow, its server program and that program's workers.
    const tree = await waitFor(() => {
      const rows = processes().filter((row) => groups.has(row.pgid));
      const workers = rows.filter((row) => row.args.includes('--fake-worker'));
      return workers.length >= 2 + 2 + 4 ? rows : undefined;
    }, 'every server program to have forked its workers');

    const module = createRequire(__filename)(path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'extension.js')) as ExtensionModule;
    await module.deactivate();
    // deactivate() resolves only once every process it started has exited (and was reaped): VS Code may
    // end the extension host right after, and these groups are detached, so nothing would stop them later.
    const leaders = [...groups].filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    assert.deepStrictEqual(leaders, [], 'no group leader is still running when deactivate() resolves');

    // Their workers go with the group's SIGKILL; init reaps them a moment later.
    const left = await waitFor(() => {
      const alive = processes().filter((row) => groups.has(row.pgid));
      return alive.length === 0 ? 'none' : undefined;
    }, `no process of the ${groups.size} groups (${tree.length} processes) to be left`, 15_000);
    assert.strictEqual(left, 'none');
    assert.ok(!(await vscode.commands.getCommands(true)).includes('mlflow.connect'), 'the extension was really deactivated (its commands are gone)');
  });
});
