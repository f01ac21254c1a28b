import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { demoWorkspace, Workbench } from './workbench';

/** Every folder on `pathValue` that holds an executable `mlflow`. */
function mlflowsOn(pathValue: string): string[] {
  return pathValue.split(path.delimiter).filter((folder) => {
    if (!folder || !path.isAbsolute(folder)) return false;
    try {
      fs.accessSync(path.join(folder, 'mlflow'), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Issue 14, "The demo": with no `mlflow` anywhere (no setting, no Python extension, nothing on PATH),
 * Run MLproject and Serve Model say plainly that MLflow is not installed for the selected Python and
 * offer to install it. test/run.mjs starts code-server for the e2e tier with no stand-in on PATH.
 */
describe('MLflow not installed: Run and Serve say so and offer to install it (packaged extension)', () => {
  let workbench: Workbench;

  before(async () => {
    // The premise, checked rather than assumed: neither this PATH nor a login shell's (the extension host's) has mlflow.
    assert.deepStrictEqual(mlflowsOn(process.env.PATH ?? ''), [], 'no mlflow on the e2e PATH');
    const loginPath = execFileSync('bash', ['-lc', 'printf %s "$PATH"'], { encoding: 'utf8' });
    assert.deepStrictEqual(mlflowsOn(loginPath), [], 'no mlflow on a login shell PATH');
    // The demo workspace without any mlflow.executablePath setting.
    workbench = await Workbench.open(demoWorkspace('not-installed'));
    await workbench.openMlflowContainer();
  });

  after(async () => {
    await workbench?.close();
  });

  const NOT_INSTALLED = /MLflow is not installed for the selected Python \(\/\S+python3?, the first on PATH\)\. Install it there with `\/\S+python3? -m pip install mlflow`/;

  async function notification(prefix: string) {
    const toast = workbench.page.locator('.notifications-toasts .notification-toast', { hasText: prefix });
    await toast.waitFor();
    // Read at once: a toast may hide itself while it is being read.
    const shown = await toast.evaluate((el) => ({
      text: el.querySelector('.notification-list-item-message')?.textContent ?? '',
      buttons: Array.from(el.querySelectorAll('.monaco-button'), (button) => button.textContent ?? ''),
    }));
    return shown;
  }

  it('Run MLproject… says MLflow is not installed for the selected Python and offers Install MLflow', async () => {
    await workbench.runCommand('MLflow: Run MLproject…');
    const shown = await notification("Can't run the MLproject");
    assert.match(shown.text, NOT_INSTALLED);
    assert.ok(shown.buttons.includes('Install MLflow'), shown.buttons.join(', '));
    assert.ok(shown.buttons.includes('Set mlflow.executablePath'), shown.buttons.join(', '));
    await workbench.screenshot('mlflow-not-installed');
    await workbench.page.keyboard.press('Escape');
  });

  it('Serve Model… says it in the launcher and in a notification with Install MLflow', async () => {
    await workbench.runCommand('MLflow: Serve Model…');
    const input = workbench.page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible' });
    await input.fill('models:/iris-classifier/1');
    await workbench.page.keyboard.press('Enter');
    const shown = await notification("Can't serve the model");
    assert.match(shown.text, NOT_INSTALLED);
    assert.ok(shown.buttons.includes('Install MLflow'), shown.buttons.join(', '));
    const view = workbench.webview();
    await view.locator('#cli', { hasText: /MLflow is not installed for the selected Python/ }).waitFor();
    assert.notStrictEqual(await view.locator('#launch').getAttribute('disabled'), null, 'Launch is not offered');
  });
});
