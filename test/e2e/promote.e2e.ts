import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { FrameLocator, Locator } from 'playwright-core';
import { openSqliteStore } from '../support/mlflowServer/fixtureStore';
import { datasetFromStore } from '../support/mlflowServer/fromStore';
import { startMlflowServer, type MlflowServer, type RequestRecord } from '../support/mlflowServer/server';
import { demoWorkspace, Workbench } from './workbench';

const MODEL = 'iris-classifier';
const NEW_ALIAS = 'staging-candidate';
/** logreg-C10.0-saga, the run behind version 3 of iris-classifier. */
const VERSION_3_RUN = 'ec033497c82c457d8bdd9ab82f58445e';
const ALIAS_URI = `models:/${MODEL}@champion`;
/** The stand-in `mlflow` (test/support/fake-mlflow): the launcher asks it for its version. */
const FAKE_MLFLOW = path.resolve(process.cwd(), 'test', 'support', 'fake-venv', 'bin', 'mlflow');

/**
 * Promoting a model through the Models view, against a store that takes writes: the test MLflow server
 * runs in this process, serving the demo workspace's real store, and the workspace's settings point
 * `mlflow.trackingUri` at it. The user sets a new alias, moves @champion to another version, and
 * serves the alias: every write goes to the server, and the tree shows what the server now holds.
 */
describe('Promote: set and move aliases in the Models view, then serve the alias (packaged extension, a tracking server)', () => {
  let server: MlflowServer;
  let workbench: Workbench;
  let view: FrameLocator;

  /** The Models pane of the MLflow container (the Runs pane lists an "iris-classification" experiment). */
  const modelsPane = (): Locator =>
    workbench.page.locator('.part.sidebar .pane').filter({ has: workbench.page.locator('.pane-header', { hasText: 'Models' }) });
  /** A row of the Models view by its accessible name: the label, then the description (badges). */
  const item = (name: RegExp): Locator => modelsPane().getByRole('treeitem', { name }).first();
  const quickInput = (): Locator => workbench.page.locator('.quick-input-widget');
  const aliasRequests = (alias: string, version: string) => (r: RequestRecord): boolean =>
    r.method === 'POST' && r.path.endsWith('/registered-models/alias') && r.status === 200 &&
    JSON.stringify(r.body) === JSON.stringify({ name: MODEL, alias, version });
  const serverAliases = (): Record<string, string> =>
    Object.fromEntries((server.data.registeredModels.find((m) => m.name === MODEL)?.aliases ?? []).map((a) => [a.alias, a.version]));

  /** Opens a row's context menu and runs one of its entries. */
  async function contextMenu(row: Locator, entry: string): Promise<void> {
    await row.click({ button: 'right' });
    // A click that lands right as the menu opens is sometimes swallowed; the highlighted entry takes Enter.
    await workbench.page.getByRole('menuitem', { name: entry, exact: true }).hover();
    await workbench.page.keyboard.press('Enter');
    await workbench.page.locator('.context-view .monaco-menu').waitFor({ state: 'detached' });
  }

  /** Off the tree, so a row's hover (its tooltip) covers neither a quick input nor the panel. */
  async function moveMouseAway(): Promise<void> {
    await workbench.page.mouse.move(900, 700);
    await workbench.page.locator('.monaco-hover').first().waitFor({ state: 'hidden' });
  }

  before(async () => {
    assert.ok(fs.existsSync(FAKE_MLFLOW), `the fake mlflow is at ${FAKE_MLFLOW}`);
    const folder = demoWorkspace('promote');
    const store = openSqliteStore(path.join(folder, 'mlflow.db'));
    try {
      server = await startMlflowServer({ dataset: await datasetFromStore(store, { histories: false }) });
    } finally {
      store.dispose();
    }
    fs.mkdirSync(path.join(folder, '.vscode'), { recursive: true });
    fs.writeFileSync(
      path.join(folder, '.vscode', 'settings.json'),
      `${JSON.stringify({ 'mlflow.trackingUri': server.baseUrl, 'mlflow.executablePath': FAKE_MLFLOW }, null, 2)}\n`,
    );
    workbench = await Workbench.open(folder);
    await workbench.openMlflowContainer();
    // The Models view gets the whole side bar: the tree only renders the rows that fit.
    await workbench.collapseView('Runs');
  });

  after(async () => {
    await workbench?.close();
    await server?.close();
  });

  it('lists the registered models of the tracking server and expands iris-classifier into aliases and versions', async () => {
    const model = item(/^iris-classifier latest v3/);
    await workbench.clickWithoutHover(model);
    await modelsPane().locator('[role="treeitem"][aria-expanded="true"]', { hasText: MODEL }).waitFor();
    await item(/^@champion → v2/).waitFor();
    await item(/^@challenger → v3/).waitFor();
    await item(/^Version 1 Archived$/).waitFor();
    assert.ok(server.count('registered-models/search') >= 1, 'the models came from the server');
  });

  it('sets a new alias on Version 1 from its context menu; the server gets it and the tree shows it', async () => {
    await contextMenu(item(/^Version 1 /), 'Set Alias…');
    await quickInput().locator('.quick-input-title', { hasText: `Set an alias on ${MODEL} version 1` }).waitFor();
    await quickInput().locator('.quick-input-box input').fill(NEW_ALIAS);
    await workbench.page.keyboard.press('Enter');
    await quickInput().waitFor({ state: 'hidden' });

    await item(new RegExp(`^Version 1 @${NEW_ALIAS} · Archived$`)).waitFor();
    await item(new RegExp(`^@${NEW_ALIAS} → v1`)).waitFor();
    assert.strictEqual(server.count(aliasRequests(NEW_ALIAS, '1')), 1, 'one set-alias request for version 1');
    assert.deepStrictEqual(serverAliases(), { challenger: '3', champion: '2', [NEW_ALIAS]: '1' });
  });

  it('moves @champion to version 3 from the alias context menu', async () => {
    await contextMenu(item(/^@champion → v2/), 'Move Alias to Another Version…');
    await quickInput().locator('.quick-input-title', { hasText: `Move @champion of ${MODEL} (now on version 2) to…` }).waitFor();
    // Narrowed to one version and highlighted, the pick takes Enter (no click to be swallowed).
    await quickInput().locator('.quick-input-box input').fill('Version 3');
    await quickInput().locator('.monaco-list-row.focused', { hasText: 'Version 3' }).waitFor();
    await workbench.page.keyboard.press('Enter');
    await quickInput().waitFor({ state: 'hidden' });

    await item(/^@champion → v3/).waitFor();
    await item(/^Version 3 @challenger @champion · Staging$/).waitFor();
    await item(/^Version 2 Production$/).waitFor();
    await modelsPane().getByRole('treeitem', { name: /^@champion → v2/ }).waitFor({ state: 'detached' });
    assert.strictEqual(server.count(aliasRequests('champion', '3')), 1, 'one set-alias request moving @champion');
    assert.deepStrictEqual(serverAliases(), { challenger: '3', champion: '3', [NEW_ALIAS]: '1' });
  });

  it('serves @champion: the launcher runs the alias URI, resolved to version 3 by the server', async () => {
    const champion = item(/^@champion → v3/);
    await champion.hover();
    await champion.getByRole('button', { name: 'Serve Alias' }).click();
    await workbench.page.getByRole('tab', { name: new RegExp(`^Serve ${ALIAS_URI.replace(/[/.]/g, '\\$&')}`) }).waitFor();

    await moveMouseAway();
    view = workbench.webview();
    const command = view.locator('#command');
    await command.filter({ hasText: /--port \d+/ }).waitFor();
    const port = Number(/--port (\d+)/.exec((await command.textContent()) ?? '')?.[1]);
    assert.strictEqual(
      await command.textContent(),
      `${FAKE_MLFLOW} models serve --model-uri ${ALIAS_URI} --host 127.0.0.1 --port ${port} --env-manager local`,
    );
    assert.strictEqual(await view.locator('#model-uri').textContent(), ALIAS_URI);
    // The MLmodel shown is version 3's: the alias was looked up on the server after the move.
    await view.locator('#model', { hasText: `run ${VERSION_3_RUN}, artifact path model` }).waitFor();
    await view.locator('#example-source', { hasText: 'serving_input_example.json' }).waitFor();
    assert.ok(
      server.count((r) => r.path.endsWith('/registered-models/alias') && r.method === 'GET' && r.query.alias?.[0] === 'champion' && r.status === 200) >= 1,
      'the alias was resolved by the server',
    );
    assert.strictEqual(await view.locator('#launch').getAttribute('disabled'), null, 'Launch is offered');
    await workbench.screenshot('promote');
  });
});
