import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { activateExtension, EXTENSION_ID } from './support';

describe('activation and contributions (real extension host)', () => {
  it('activates in the demo workspace and exposes its parts', async () => {
    const workbench = await activateExtension();
    assert.ok(workbench.log, 'the workbench owns the output channel');
    assert.strictEqual(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
  });

  it('registers every command package.json contributes', async () => {
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
      contributes: { commands: { command: string; title: string; category: string }[] };
    };
    const registered = new Set(await vscode.commands.getCommands(true));
    const missing = manifest.contributes.commands.map((c) => c.command).filter((c) => !registered.has(c));
    assert.deepStrictEqual(missing, []);
    for (const command of manifest.contributes.commands) {
      assert.strictEqual(command.category, 'MLflow', `${command.command} is in the MLflow category`);
    }
  });

  it('contributes the MLflow container with the Runs, Models and Traces views', async () => {
    const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
      contributes: { views: Record<string, { id: string; name: string }[]> };
    };
    assert.deepStrictEqual(manifest.contributes.views.mlflow.map((v) => v.name), ['Runs', 'Models', 'Traces', 'Model Servers']);
    // Focusing a view only works when the view is really registered in the workbench.
    await vscode.commands.executeCommand('mlflow.runs.focus');
    await vscode.commands.executeCommand('mlflow.models.focus');
  });

  it('opens the demo workspace with its MLflow store', () => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    assert.ok(fs.existsSync(path.join(folder.uri.fsPath, 'mlflow.db')));
  });
});
