import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { demoWorkspace, Workbench } from './workbench';

/**
 * Runs beside the code, clicked through the real workbench with the packaged extension: the demo store
 * (real MLflow 2.17.2) holds runs whose `mlflow.source.name` is `train.py`. Its train.py shows their
 * CodeLens on the first line, the latest values beside the logged keys, and the last runs' accuracy on
 * hover. The parser comes from the .vsix (dist/treeSitter).
 */
describe('Runs beside the code: a training script and its runs (packaged extension)', () => {
  let workbench: Workbench;

  before(async () => {
    const folder = demoWorkspace('beside-code');
    fs.writeFileSync(path.join(folder, 'train.py'), [
      '"""Trains the iris classifier; every run is logged to MLflow."""',
      'import mlflow',
      'from sklearn.datasets import load_iris',
      'from sklearn.linear_model import LogisticRegression',
      'from sklearn.metrics import log_loss',
      'from sklearn.model_selection import train_test_split',
      '',
      'X, y = load_iris(return_X_y=True)',
      'X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)',
      '',
      'with mlflow.start_run():',
      '    mlflow.log_param("alpha", 0.25)',
      '    model = LogisticRegression().fit(X_train, y_train)',
      '    mlflow.log_metric("accuracy", model.score(X_test, y_test))',
      '    mlflow.log_metric("loss", log_loss(y_test, model.predict_proba(X_test)))',
      '',
    ].join('\n'));
    workbench = await Workbench.open(folder);
  });

  after(async () => {
    await workbench?.close();
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await workbench.screenshot(`beside-code-failed-${this.currentTest.title.replace(/\W+/g, '-').slice(0, 60)}`);
  });

  it('shows the runs of train.py on its first line and their values beside the logged keys', async () => {
    const { page } = workbench;
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-box input');
    await input.waitFor({ state: 'visible' });
    await input.fill('train.py');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'train.py' }).first().waitFor();
    await page.keyboard.press('Enter');
    const lens = page.locator('.codelens-decoration', { hasText: /MLflow: \d+ runs · last .+ · rmse 1\.021 \(▼ 0\.8516\)/ });
    await lens.waitFor();
    await page.locator('.codelens-decoration', { hasText: 'Compare last two' }).waitFor();
    // The inlay hint after "accuracy": the newest run of train.py that logged accuracy (baseline-3).
    await page.locator('.view-lines', { hasText: '"accuracy"= 0.8966' }).or(page.locator('.view-lines', { hasText: '"accuracy" = 0.8966' })).first().waitFor();
  });

  it('hovers log_metric("accuracy", …) with the values of the last runs and links to them', async () => {
    const { page } = workbench;
    await page.locator('.view-line span', { hasText: /^"accuracy"$/ }).first().hover();
    const hover = page.locator('.monaco-hover', { hasText: 'MLflow metric' }).filter({ visible: true }).first();
    await hover.waitFor();
    for (const name of ['baseline-3', 'baseline-2', 'baseline-1', 'baseline-0']) {
      await hover.getByText(name, { exact: false }).first().waitFor();
    }
    const text = await hover.innerText();
    assert.match(text, /[▁▂▃▄▅▆▇█]{4}/, `a sparkline of the four values:\n${text}`);
    // Newest first, each value beside its run (separators may render as other spaces and dots).
    const rows = text.split('\n').filter((line) => /baseline-\d/.test(line));
    assert.deepStrictEqual(rows.map((line) => /baseline-\d/.exec(line)![0]), ['baseline-3', 'baseline-2', 'baseline-1', 'baseline-0']);
    assert.ok(rows[0]!.includes('0.8966') && rows[3]!.includes('0.8532'), rows.join('\n'));
    await hover.getByRole('link', { name: /Chart this metric/ }).waitFor();
    await workbench.screenshot('beside-code');
  });

  it('opens the Runs view filtered to the runs of train.py from the CodeLens', async () => {
    const { page } = workbench;
    await page.mouse.move(24, 620);
    await page.keyboard.press('Escape');
    await page.locator('.codelens-decoration a', { hasText: /^MLflow: / }).click();
    await page.locator('.part.sidebar .pane-header', { hasText: "filter: tags.`mlflow.source.name` = 'train.py'" }).waitFor();
    await workbench.clickWithoutHover(workbench.treeItem('wine-regression'));
    await workbench.treeItem(/^running-run/).waitFor();
    // ridge-alpha-1 is a run of train.py too; hyperparam runs of other scripts are filtered out.
    await workbench.treeItem(/^ridge-alpha-1\b/).waitFor();
  });
});
