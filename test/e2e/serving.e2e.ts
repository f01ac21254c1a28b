import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { FrameLocator } from 'playwright-core';
import { demoWorkspace, Workbench } from './workbench';

/** logreg-C1.0-lbfgs of iris-classification: an sklearn model with serving_input_example.json (iris columns). */
const IRIS_RUN = 'b6018b06ee1d4ca0b0b9c15450bf3092';
const MODEL_URI = `runs:/${IRIS_RUN}/model`;
const IRIS_COLUMNS = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
/** The stand-in `mlflow` (test/support/fake-mlflow): binds the port, answers /ping and /invocations. */
const FAKE_MLFLOW = path.resolve(process.cwd(), 'test', 'support', 'fake-venv', 'bin', 'mlflow');

/** A copy of the demo workspace whose settings point the extension at the fake mlflow. */
function servingWorkspace(): string {
  const folder = demoWorkspace('serving');
  fs.mkdirSync(path.join(folder, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(folder, '.vscode', 'settings.json'), JSON.stringify({ 'mlflow.executablePath': FAKE_MLFLOW }, null, 2));
  return folder;
}

describe('Serve Model: from a run\'s model folder to predictions (packaged extension, the fake mlflow)', () => {
  let workbench: Workbench;
  let view: FrameLocator;

  before(async () => {
    assert.ok(fs.existsSync(FAKE_MLFLOW), `the fake mlflow is at ${FAKE_MLFLOW}`);
    workbench = await Workbench.open(servingWorkspace());
    await workbench.openMlflowContainer();
  });

  after(async () => {
    // A server left running by a failed step must not outlive the suite: Stop, if it is still offered.
    const stop = view?.locator('#stop:not([disabled])');
    if (stop && (await stop.count().catch(() => 0)) > 0) {
      await stop.click().catch(() => undefined);
      await view.locator('#server-status', { hasText: /^Stopped/ }).waitFor({ timeout: 15_000 }).catch(() => undefined);
    }
    await workbench?.close();
  });

  /** Clicks a collapsed tree item open and waits until it is. */
  async function expand(name: RegExp): Promise<void> {
    const item = workbench.treeItem(name);
    await item.waitFor();
    if ((await item.getAttribute('aria-expanded')) !== 'true') await workbench.clickWithoutHover(item);
    await workbench.page.locator('[role="treeitem"][aria-expanded="true"]', { hasText: name }).first().waitFor();
  }

  it('opens the launcher from the context menu of the model folder, with the exact command and the MLmodel @smoke', async () => {
    await expand(/^iris-classification/);
    await expand(/^logreg-C1\.0-lbfgs/);
    await expand(/^Artifacts/);
    // VS Code 1.13x appends ", has actions" to the accessible name of rows with inline actions.
    const model = workbench.page.getByRole('treeitem', { name: /^model(, has actions)?$/ }).first();
    await model.click({ button: 'right' });
    // A click that lands right as the menu opens is sometimes swallowed; the highlighted entry takes Enter.
    await workbench.page.getByRole('menuitem', { name: 'Serve Model…', exact: true }).hover();
    await workbench.page.keyboard.press('Enter');
    await workbench.page.getByRole('tab', { name: new RegExp(`^Serve ${MODEL_URI.replace(/[/.]/g, '\\$&')}`) }).waitFor();

    // Off the tree, so its hover (the run's tooltip) does not cover the panel.
    await workbench.dismissHover();
    view = workbench.webview();
    const command = view.locator('#command');
    await command.filter({ hasText: /--port \d+/ }).waitFor();
    const port = Number(/--port (\d+)/.exec((await command.textContent()) ?? '')?.[1]);
    assert.strictEqual(
      await command.textContent(),
      `${FAKE_MLFLOW} models serve --model-uri ${MODEL_URI} --host 127.0.0.1 --port ${port} --env-manager local`,
    );
    assert.strictEqual(await view.locator('#model-uri').textContent(), MODEL_URI);
    // The server's PATH starts with the venv's bin/, where gunicorn is (code-server's own PATH lacks it).
    await view.locator('#cli', { hasText: `MLflow 2.17.2 at ${FAKE_MLFLOW}, in the virtual environment ${path.dirname(path.dirname(FAKE_MLFLOW))}.` }).waitFor();
    await view.locator('#flavors .badge', { hasText: 'python_function' }).waitFor();
    await view.locator('#flavors .badge', { hasText: 'sklearn' }).waitFor();
    assert.deepStrictEqual(await view.locator('#signature-inputs tbody tr td:first-child').allTextContents(), IRIS_COLUMNS, 'the iris columns of the signature');
    await view.locator('#example-source', { hasText: 'serving_input_example.json' }).waitFor();
    assert.strictEqual(await view.locator('#launch').getAttribute('disabled'), null, 'Launch is offered');
    await workbench.screenshot('serve-launcher');
  });

  it('launches, turns healthy, and lists the server in Model Servers @smoke', async () => {
    await view.locator('#launch').click();
    await view.locator('#server-status', { hasText: /^Healthy at http:\/\/127\.0\.0\.1:\d+$/ }).waitFor();
    await workbench.viewPane('Model Servers').waitFor();
    await workbench.page.getByRole('treeitem', { name: new RegExp(`^${MODEL_URI.replace(/[/.]/g, '\\$&')}`) }).first().waitFor();
    await view.getByRole('tab', { name: 'Request', selected: true }).waitFor();
  });

  it('sends the prefilled request from the extension host and shows the predictions @smoke', async () => {
    const body = view.locator('#body textarea');
    const prefilled = JSON.parse(await body.inputValue()) as { dataframe_split?: { columns?: unknown } };
    assert.deepStrictEqual(prefilled.dataframe_split?.columns, IRIS_COLUMNS, 'prefilled from serving_input_example.json');
    await view.locator('#send').click();
    await view.locator('#response-status', { hasText: /^HTTP 200 · \d+ ms · predictions$/ }).waitFor();
    // The example's three rows, classed by the stand-in's iris rule (it reproduces the real captures).
    assert.deepStrictEqual(JSON.parse((await view.locator('#response').textContent()) ?? ''), [1, 2, 2]);
    await workbench.screenshot('serve-request');
  });

  it("shows the server's message for a body whose columns the model does not take", async () => {
    await view.locator('#body textarea').fill(JSON.stringify({ dataframe_split: { columns: ['alcohol', 'malic_acid'], data: [[13.2, 1.78]] } }, null, 2));
    await view.locator('#send').click();
    await view.locator('#response-status', { hasText: /^HTTP 400 · \d+ ms · INVALID_PARAMETER_VALUE$/ }).waitFor();
    await view.locator('#response', { hasText: "Model is missing inputs ['sepal_length', 'sepal_width', 'petal_length', 'petal_width']" }).waitFor();
  });

  it('stops the server with Stop @smoke', async () => {
    await view.locator('#stop').click();
    await view.locator('#server-status', { hasText: 'Stopped (exit code 0)' }).waitFor();
    await workbench.viewPane('Model Servers').waitFor({ state: 'detached' });
    assert.strictEqual(await view.locator('#launch').getAttribute('disabled'), null, 'it can be launched again');
  });

  it('launches again and stops from the Model Servers view', async () => {
    await view.getByRole('tab', { name: 'Launch' }).click();
    await view.locator('#launch').click();
    await view.locator('#server-status', { hasText: /^Healthy at / }).waitFor();
    const pane = workbench.page.locator('.part.sidebar .pane', { has: workbench.page.locator('.pane-header', { hasText: 'Model Servers' }) });
    const item = pane.getByRole('treeitem', { name: new RegExp(`^${MODEL_URI.replace(/[/.]/g, '\\$&')}, port \\d+, healthy(, has actions)?$`) });
    await item.hover();
    await item.getByRole('button', { name: 'Stop Model Server' }).click();
    await view.locator('#server-status', { hasText: 'Stopped (exit code 0)' }).waitFor();
    await workbench.viewPane('Model Servers').waitFor({ state: 'detached' });
  });
});
