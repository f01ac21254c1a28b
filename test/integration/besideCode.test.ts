import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import type { Run } from '../../src/mlflow/types';
import type { Workbench } from '../../src/workbench';
import { activateExtension, waitFor } from './support';

/**
 * Runs beside the code in the real extension host: the demo workspace's store (real MLflow 2.17.2) holds
 * runs whose `mlflow.source.name` is `train.py`; a train.py in the workspace gets their CodeLens, inlay
 * hints and hovers, through VS Code's own provider commands. The grammar loads from dist/treeSitter.
 */
describe('Runs beside the code (real extension host)', () => {
  let workbench: Workbench;
  let file: string;
  let document: vscode.TextDocument;
  let expected: Run[];
  const source = [
    '"""Trains a ridge model; mlflow.log_metric("in_docstring", 1) is not a call."""',
    'import mlflow as mf',
    'from mlflow import log_param',
    '',
    'with mf.start_run():',
    '    log_param("alpha", 0.1)',
    '    # mf.log_metric("commented", 1)',
    '    mf.log_metric(',
    '        "rmse",',
    '        0.61,',
    '    )',
    '    mf.log_metrics({"r2": 0.7, "mae": 0.4})',
    '',
  ].join('\n');

  before(async () => {
    workbench = await activateExtension();
    await workbench.ready;
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the demo workspace is open');
    file = path.join(folder.uri.fsPath, 'train.py');
    fs.writeFileSync(file, source);
    // What the store says, by another path than the feature's (an exact-source search per experiment).
    const store = workbench.connections.current!.store;
    const experiments = await store.searchExperiments({ viewType: 'ACTIVE_ONLY', maxResults: 100 });
    const pages = await Promise.all(experiments.items.map((e) => store.searchRuns({
      experimentIds: [e.experimentId],
      filter: "tags.`mlflow.source.name` = 'train.py'",
      maxResults: 1000,
    })));
    expected = pages.flatMap((page) => page.items)
      .sort((a, b) => (b.info.startTime ?? 0) - (a.info.startTime ?? 0) || a.info.runId.localeCompare(b.info.runId));
    assert.ok(expected.length > 10, 'the demo store has runs of train.py');
    document = await vscode.workspace.openTextDocument(file);
    await vscode.window.showTextDocument(document);
  });

  after(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    fs.rmSync(file, { force: true });
  });

  const lenses = () => vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', document.uri);
  const latestWith = (key: string) => expected.find((run) => run.data.metrics.some((m) => m.key === key))!;

  it('puts the count, the latest run and its primary metric on the first line', async () => {
    const titles = await waitFor(async () => {
      const found = (await lenses()).map((lens) => lens.command?.title ?? '');
      return found.some((t) => t.startsWith('MLflow: ')) ? found : undefined;
    }, 'the MLflow CodeLens');
    const [title] = titles.filter((t) => t.startsWith('MLflow: '));
    // The newest run (running-run) logged only rmse; the one before it (failed-run) logged rmse 1.872.
    assert.strictEqual(expected[0]!.info.runName, 'running-run');
    assert.match(title!, new RegExp(`^MLflow: ${expected.length} runs · last \\d+[smhd] ago · rmse 1\\.021 \\(▼ 0\\.8516\\)$`));
    assert.ok(titles.includes('Chart') && titles.includes('Compare last two'), titles.join(' | '));
    const lens = (await lenses()).find((l) => l.command?.title.startsWith('MLflow: '))!;
    assert.strictEqual(lens.range.start.line, 0);
    assert.strictEqual(lens.command?.command, 'mlflow.besideCode.showRuns');
  });

  it('shows the latest value beside each logged key, and nothing for comments or docstrings', async () => {
    const hints = await vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', document.uri, new vscode.Range(0, 0, document.lineCount, 0));
    const shown = hints.map((h) => `${h.position.line}:${h.position.character} ${typeof h.label === 'string' ? h.label : h.label.map((p) => p.value).join('')}`);
    const value = (key: string) => latestWith(key).data.metrics.find((m) => m.key === key)!.value;
    const alpha = expected.find((run) => run.data.params.alpha !== undefined)!.data.params.alpha!;
    assert.deepStrictEqual(shown, [
      `5:21 = ${JSON.stringify(alpha)}`,
      '8:14 = 1.021',
      `11:24 = ${Number(value('r2').toPrecision(4))}`,
      `11:36 = ${Number(value('mae').toPrecision(4))}`,
    ]);
    assert.strictEqual(value('rmse').toPrecision(4), '1.021');
  });

  it('hovers a log_metric call with the last runs, a sparkline and links to reveal and chart them', async () => {
    const position = new vscode.Position(7, 8); // on `log_metric` of the multi-line call
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', document.uri, position);
    const ours = hovers.map((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value)).join('\n')).find((t) => t.includes('MLflow metric'));
    assert.ok(ours, `an MLflow hover among ${hovers.length}`);
    const withRmse = expected.filter((run) => run.data.metrics.some((m) => m.key === 'rmse')).slice(0, 8);
    for (const run of withRmse) {
      assert.ok(ours.includes(run.info.runName.replace(/-/g, '\\-')) || ours.includes(run.info.runName), `lists ${run.info.runName}`);
      assert.ok(ours.includes(encodeURIComponent(JSON.stringify([run.info.runId]))), `links to reveal ${run.info.runName}`);
    }
    assert.match(ours, /[▁▂▃▄▅▆▇█]{8}/, 'a sparkline of the 8 values');
    assert.match(ours, /command:mlflow\.besideCode\.chartMetric\?/);
    const [hover] = hovers.filter((h) => h.contents.some((c) => typeof c !== 'string' && c.value.includes('MLflow metric')));
    const md = hover!.contents.find((c): c is vscode.MarkdownString => typeof c !== 'string' && c.value.includes('MLflow metric'))!;
    assert.deepStrictEqual(md.isTrusted, { enabledCommands: ['mlflow.revealRun', 'mlflow.besideCode.chartMetric'] }, 'only its own commands');
  });

  it('follows an edit: a key renamed to one the runs logged gets its value', async () => {
    const editor = await vscode.window.showTextDocument(document);
    const line = document.lineAt(5);
    const start = line.text.indexOf('"alpha"');
    await editor.edit((edit) => edit.replace(new vscode.Range(5, start, 5, start + 7), '"alpha_"'));
    const hints = () => vscode.commands.executeCommand<vscode.InlayHint[]>('vscode.executeInlayHintProvider', document.uri, new vscode.Range(0, 0, document.lineCount, 0));
    assert.ok(!(await hints()).some((h) => h.position.line === 5), 'alpha_ was never logged');
    // A line added above moves the hints below it.
    await editor.edit((edit) => edit.insert(new vscode.Position(4, 0), '# a note\n'));
    assert.ok((await hints()).some((h) => h.position.line === 9 && h.label === '= 1.021'), 'the rmse hint moved one line down');
    await editor.edit((edit) => edit.replace(new vscode.Range(9, 8, 9, 14), '"mae"'));
    const moved = await hints();
    const mae = latestWith('mae').data.metrics.find((m) => m.key === 'mae')!.value;
    assert.ok(moved.some((h) => h.position.line === 9 && h.label === `= ${Number(mae.toPrecision(4))}`), moved.map((h) => `${h.position.line} ${String(h.label)}`).join(', '));
    for (let i = 0; i < 3; i++) await vscode.commands.executeCommand('undo');
    assert.strictEqual(document.getText(), source, 'back to the file as written');
  });

  it('filters the Runs view to the runs of this file', async () => {
    const lens = (await lenses()).find((l) => l.command?.title.startsWith('MLflow: '))!;
    await vscode.commands.executeCommand(lens.command!.command, ...(lens.command!.arguments ?? []));
    assert.strictEqual(workbench.explorer.model.viewOptions.filter, "tags.`mlflow.source.name` = 'train.py'");
    await workbench.explorer.applyFilter(undefined);
  });
});
