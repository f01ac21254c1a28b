import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { Locator } from 'playwright-core';
import { openSqliteStore } from '../support/mlflowServer/fixtureStore';
import { datasetFromStore } from '../support/mlflowServer/fromStore';
import { startMlflowServer, type MlflowServer } from '../support/mlflowServer/server';
import { demoWorkspace, Workbench } from './workbench';

const USERNAME = 'alice';
const PASSWORD = 'correct horse battery';

/**
 * The issue's "done when", against a password-protected tracking server: the test MLflow server runs
 * in this process on 127.0.0.1, serving the demo workspace's real store with basic auth, and the
 * workspace's settings point `mlflow.trackingUri` at it. The user signs in through the prompts and
 * browses experiments, runs, a filter and an artifact, all over HTTP.
 */
describe('Runs view against a tracking server that needs a password (packaged extension)', () => {
  let server: MlflowServer;
  let workbench: Workbench;

  const quickInput = () => workbench.page.locator('.quick-input-widget');
  /** A tree row by its visible text (a message item's accessible name is its tooltip, the raw error). */
  const rowWithText = (text: string) => workbench.page.locator('.part.sidebar [role="treeitem"]', { hasText: text }).first();
  const expandedRow = (row: Locator) => row.and(workbench.page.locator('[aria-expanded="true"]'));
  /** Clicks a collapsible row and waits until the tree shows it open (or closed). */
  const toggle = async (row: Locator, open: boolean) => {
    await workbench.clickWithoutHover(row);
    await (open ? expandedRow(row).waitFor() : row.and(workbench.page.locator('[aria-expanded="false"]')).waitFor());
  };

  before(async () => {
    const folder = demoWorkspace('explorer-server');
    const store = openSqliteStore(path.join(folder, 'mlflow.db'));
    try {
      server = await startMlflowServer({ dataset: await datasetFromStore(store, { histories: false }), auth: { username: USERNAME, password: PASSWORD } });
    } finally {
      store.dispose();
    }
    fs.mkdirSync(path.join(folder, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(folder, '.vscode', 'settings.json'), `${JSON.stringify({ 'mlflow.trackingUri': server.baseUrl }, null, 2)}\n`);
    workbench = await Workbench.open(folder);
    await workbench.openMlflowContainer();
    // The Runs view gets the whole side bar: the tree only renders the rows that fit.
    await toggle(workbench.viewPane('Models'), false);
  });

  after(async () => {
    await workbench?.close();
    await server?.close();
  });

  it('says the server needs credentials, and signs in with a username and password', async () => {
    await rowWithText('The server needs credentials (401).').waitFor();
    await rowWithText('Sign in…').click();
    await quickInput().locator('.monaco-list-row', { hasText: 'Username and password' }).click();
    await quickInput().locator('.quick-input-title', { hasText: `Username for ${server.baseUrl}` }).waitFor();
    await quickInput().locator('.quick-input-box input').fill(USERNAME);
    await workbench.page.keyboard.press('Enter');
    await quickInput().locator('.quick-input-title', { hasText: `Password for ${USERNAME}` }).waitFor();
    await quickInput().locator('.quick-input-box input[type="password"]').fill(PASSWORD);
    await workbench.page.keyboard.press('Enter');

    await workbench.treeItem('iris-classification').waitFor();
    await workbench.treeItem('wine-regression').waitFor();
    await rowWithText('Sign in…').waitFor({ state: 'detached' });
    await workbench.screenshot('server-signin');
    const signedIn = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`;
    assert.ok(server.count((r) => r.status === 401) >= 1, 'the server refused the first requests');
    assert.ok(server.count((r) => r.path.endsWith('/experiments/search') && r.status === 200 && r.headers.authorization === signedIn) >= 1);
  });

  it('expands an experiment and a run, each run with the icon of its status', async () => {
    const iris = workbench.treeItem('iris-classification');
    await toggle(iris, true);
    const run = workbench.treeItem(/^logreg-C1\.0-lbfgs/);
    await run.locator('.codicon-pass').waitFor();
    await workbench.treeItem(/^hyperparam-sweep/).locator('.codicon-pass').waitFor();
    await toggle(run, true);
    await workbench.treeItem(/^Parameters/).waitFor();
    await workbench.treeItem(/^Artifacts/).waitFor();
    await toggle(run, false);
    await toggle(iris, false);

    const wine = workbench.treeItem('wine-regression');
    await toggle(wine, true);
    await workbench.treeItem(/^failed-run/).locator('.codicon-error').waitFor();
    await workbench.treeItem(/^killed-run/).locator('.codicon-circle-slash').waitFor();
    assert.strictEqual(await workbench.treeItem(/^failed-run/).locator('.codicon-pass').count(), 0);
    await toggle(wine, false);
  });

  it('narrows the runs with a filter that the server evaluates', async () => {
    await toggle(workbench.treeItem('iris-classification'), true);
    await workbench.treeItem(/^logreg-C1\.0-lbfgs/).waitFor();
    await workbench.runCommand('MLflow: Filter Runs…');
    await quickInput().locator('.quick-input-box input').fill("params.solver = 'saga'");
    await workbench.page.keyboard.press('Enter');
    await workbench.viewPane("filter: params.solver = 'saga'").waitFor();
    await workbench.treeItem(/^logreg-C10\.0-saga/).waitFor();
    await workbench.page.getByRole('treeitem', { name: /^logreg-C1\.0-lbfgs/ }).waitFor({ state: 'detached' });
    assert.ok(server.count((r) => (r.body as { filter?: unknown } | null)?.filter === "params.solver = 'saga'") >= 1);
    await workbench.runCommand('MLflow: Clear Run Filter');
    await workbench.treeItem(/^logreg-C1\.0-lbfgs/).waitFor();
    await toggle(workbench.treeItem('iris-classification'), false);
  });

  it("opens a run's model/MLmodel from the server in an editor tab", async () => {
    await toggle(workbench.treeItem('mlproject-demo'), true);
    await toggle(workbench.treeItem(/^redolent-flea-306/), true);
    await toggle(workbench.treeItem(/^Artifacts/), true);
    await toggle(workbench.treeItem(/^model$/), true);
    await workbench.treeItem(/^MLmodel/).click();
    await workbench.page.locator('.tabs-container .tab', { hasText: 'MLmodel' }).waitFor();
    await workbench.page.locator('.editor-instance .view-lines', { hasText: 'flavors:' }).waitFor();
    assert.ok(server.count((r) => r.path === '/get-artifact' && r.query.path?.[0] === 'model/MLmodel' && r.status === 200) >= 1);
  });
});
