import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { activateExtension, EXTENSION_ID, waitFor } from './support';

describe('activation and contributions (real extension host)', () => {
  it('activates in the demo workspace and exposes its parts', async () => {
    const workbench = await activateExtension();
    assert.ok(workbench.log, 'the workbench owns the output channel');
    assert.strictEqual(vscode.extensions.getExtension(EXTENSION_ID)?.isActive, true);
  });

  it('loads the webview panels, the runs beside the code and the on-demand flows on first use, not at activation', async () => {
    // This file runs first: no earlier test has opened a panel or a Python file in this extension host.
    const workbench = await activateExtension();
    await workbench.ready;
    const dist = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist');
    const chunks = ['panels.js', 'besideCode.js', 'onDemand.js', 'spanValues.js'];
    for (const chunk of chunks) assert.ok(fs.existsSync(path.join(dist, chunk)), `dist/${chunk} is built beside dist/extension.js`);
    const loaded = (chunk: string): boolean => require.cache[path.join(dist, chunk)] !== undefined;
    assert.ok(require.cache[path.join(dist, 'extension.js')], 'the extension is the built bundle');
    assert.deepStrictEqual(chunks.filter(loaded), [], 'activation and the first connection load none of them');

    // A Python file asked about while a store is connected loads the runs beside the code.
    const file = path.join(vscode.workspace.workspaceFolders![0]!.uri.fsPath, 'chunk_probe.py');
    fs.writeFileSync(file, 'import mlflow\n');
    try {
      const document = await vscode.workspace.openTextDocument(file);
      await vscode.window.showTextDocument(document);
      await vscode.commands.executeCommand('vscode.executeCodeLensProvider', document.uri);
      await waitFor(() => loaded('besideCode.js'), 'dist/besideCode.js to be loaded');
      assert.ok(!loaded('panels.js'), 'no panel was opened');
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      fs.rmSync(file, { force: true });
    }

    // The first panel loads the panels.
    const panel = workbench.traces.openTrace('tr-chunk-probe');
    try {
      assert.ok(loaded('panels.js'));
    } finally {
      panel.dispose();
    }
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
