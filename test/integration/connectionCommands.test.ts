import * as assert from 'assert';
import * as vscode from 'vscode';
import type { Workbench } from '../../src/workbench';
import { DatasetBuilder } from '../support/mlflowServer/dataset';
import { startMlflowServer, type MlflowServer } from '../support/mlflowServer/server';
import { activateExtension, waitFor } from './support';

const b = new DatasetBuilder();
b.experiment('Default');
b.experiment('guarded-experiment');
const DATASET = b.build();
/** URL-special and shell-special characters: typed into the URI percent-encoded, as a URL needs them. */
const PASSWORD = 'p@ss:w/rd;$(id)';

type ServerEntry = { name: string; uri: string };

/** Answers input boxes and quick picks from queues (the extension and the tests share one `vscode`). */
function answer(inputs: (string | undefined)[], pick?: (items: readonly vscode.QuickPickItem[]) => vscode.QuickPickItem | undefined) {
  const window = vscode.window as unknown as Record<string, unknown>;
  const originals = { showInputBox: window.showInputBox, showQuickPick: window.showQuickPick };
  const picked: vscode.QuickPickItem[][] = [];
  window.showInputBox = () => Promise.resolve(inputs.shift());
  window.showQuickPick = async (items: readonly vscode.QuickPickItem[] | Thenable<readonly vscode.QuickPickItem[]>) => {
    const list = await items;
    picked.push([...list]);
    return pick?.(list);
  };
  return { picked, restore: () => Object.assign(window, originals) };
}

function globalServers(): ServerEntry[] {
  return (vscode.workspace.getConfiguration('mlflow').inspect<ServerEntry[]>('servers')?.globalValue ?? []) as ServerEntry[];
}

/** Issue 16 §3: a server URI typed with credentials must not land in settings.json. */
describe('Connection commands: credentials typed into a server URI go to SecretStorage (real extension host)', () => {
  let workbench: Workbench;
  let server: MlflowServer;
  let original: string | undefined;

  before(async () => {
    workbench = await activateExtension();
    await workbench.ready;
    original = workbench.connections.current?.name;
    server = await startMlflowServer({ dataset: DATASET, auth: { username: 'alice', password: PASSWORD } });
  });

  after(async () => {
    await vscode.workspace.getConfiguration('mlflow').update('servers', undefined, vscode.ConfigurationTarget.Global);
    if (original) await workbench.connections.select(original);
    await server?.close();
  });

  it('MLflow: Connect… saves the URI without user:password and signs in from the keychain', async () => {
    const typed = `http://alice:${encodeURIComponent(PASSWORD)}@127.0.0.1:${new URL(server.baseUrl).port}`;
    const prompts = answer([typed, 'guarded']);
    try {
      await vscode.commands.executeCommand('mlflow.connect');
    } finally {
      prompts.restore();
    }
    assert.deepStrictEqual(globalServers(), [{ name: 'guarded', uri: server.baseUrl }]);
    assert.ok(!JSON.stringify(vscode.workspace.getConfiguration('mlflow').inspect('servers')).includes('alice'), 'no userinfo in any settings scope');
    const connection = await waitFor(() => (workbench.connections.current?.name === 'guarded' ? workbench.connections.current : undefined), 'the new connection');
    assert.strictEqual(connection.trackingUri, server.baseUrl);
    // The server wants basic auth for everything but /health: listing answers only with the stored password.
    const experiments = await connection.store.searchExperiments({});
    assert.ok(experiments.items.some((e) => e.name === 'guarded-experiment'));
    assert.deepStrictEqual(await connection.processEnv(), {
      MLFLOW_TRACKING_URI: server.baseUrl,
      MLFLOW_TRACKING_USERNAME: 'alice',
      MLFLOW_TRACKING_PASSWORD: PASSWORD,
    });
    assert.strictEqual(workbench.log.redact(`said ${PASSWORD} and ${typed}`), `said *** and http://***@127.0.0.1:${new URL(server.baseUrl).port}`);
  });

  it('moves user:password written into mlflow.servers by hand to the keychain and rewrites the entry', async () => {
    const port = new URL(server.baseUrl).port;
    await vscode.workspace.getConfiguration('mlflow').update(
      'servers',
      [...globalServers(), { name: 'by hand', uri: `http://alice:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/` }],
      vscode.ConfigurationTarget.Global,
    );
    await waitFor(() => globalServers().find((s) => s.name === 'by hand')?.uri === `http://127.0.0.1:${port}/`, 'the entry rewritten without userinfo');
    await workbench.connections.select('by hand');
    const connection = workbench.connections.current;
    assert.ok(connection);
    assert.strictEqual((await connection.processEnv()).MLFLOW_TRACKING_PASSWORD, PASSWORD);
    assert.ok((await connection.store.searchExperiments({})).items.length > 0);
  });

  it('MLflow: Switch Connection lists the servers without credentials and switches to the one picked', async () => {
    const prompts = answer([], (items) => items.find((item) => item.label.endsWith('guarded')));
    try {
      await vscode.commands.executeCommand('mlflow.selectConnection');
    } finally {
      prompts.restore();
    }
    assert.strictEqual(workbench.connections.current?.name, 'guarded');
    const shown = prompts.picked[0] ?? [];
    assert.ok(shown.some((item) => item.label.endsWith('by hand') && item.detail === 'from mlflow.servers'), JSON.stringify(shown));
    assert.ok(!JSON.stringify(shown).includes(encodeURIComponent(PASSWORD)) && !JSON.stringify(shown).includes('alice'), JSON.stringify(shown));
    assert.ok(shown.some((item) => item.label.includes('Connect to another server')));
  });
});
