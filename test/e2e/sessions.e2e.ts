import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { FrameLocator, Locator } from 'playwright-core';
import { logTraceLike } from './storeEdits';
import { Workbench } from './workbench';

/**
 * A session as a conversation, as a user reaches it in the real workbench: the GenAI store in the
 * workspace, the Traces view grouped by session, "Open Session as Conversation" from the session's
 * context menu, and its turns (request as the user's, response as the assistant's) in the panel; the
 * panel after Developer: Reload Window, and a turn the app logs meanwhile appearing by itself.
 */

const GENAI_STORE = path.resolve('test', 'fixtures', 'mlflow-3.x', 'genai-store');

function genaiWorkspace(name: string): string {
  const target = path.join(process.env.E2E_STATE_DIR ?? '.test-state/e2e', 'workspaces', name);
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  fs.copyFileSync(path.join(GENAI_STORE, 'mlflow.db'), path.join(target, 'mlflow.db'));
  fs.cpSync(path.join(GENAI_STORE, 'artifacts'), path.join(target, 'artifacts'), { recursive: true });
  // Live re-reads every second, so a new turn shows within the test's patience.
  fs.mkdirSync(path.join(target, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(target, '.vscode', 'settings.json'), JSON.stringify({ 'mlflow.runs.refreshInterval': 1 }));
  return target;
}

describe('Sessions: a session of the Traces view opened as a conversation (packaged extension)', () => {
  let workbench: Workbench;
  let workspace: string;
  const dialogs: string[] = [];
  const page = () => workbench.page;
  const tracesPane = (): Locator => page().locator('.part.sidebar .pane').filter({ has: page().locator('.pane-header', { hasText: /^Traces/ }) });
  const row = (text: string | RegExp, level: number): Locator => tracesPane().locator(`[role="treeitem"][aria-level="${level}"]`, { hasText: text }).first();
  const panel = (): FrameLocator => workbench.webview();
  const setExpanded = async (header: Locator, expanded: boolean): Promise<void> => {
    const wanted = header.and(page().locator(`[aria-expanded="${expanded}"]`));
    if ((await wanted.count()) > 0) return;
    await workbench.clickWithoutHover(header);
    await wanted.waitFor();
  };

  before(async () => {
    workspace = genaiWorkspace('sessions');
    workbench = await Workbench.open(workspace);
    page().on('dialog', (dialog) => {
      dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
    await workbench.openMlflowContainer();
    await workbench.viewPane('Traces').waitFor();
    await setExpanded(workbench.viewPane('Traces'), true);
    await setExpanded(workbench.viewPane('Models'), false);
  });

  after(async () => {
    await workbench?.close();
  });

  it('opens a session from its context menu and shows its turns as a conversation', async () => {
    await workbench.runCommand('MLflow: Group Traces by Session');
    await workbench.clickWithoutHover(row(/^genai-app$/, 1));
    const session = row('sess-alice-001', 2);
    await session.waitFor();
    assert.match(await session.innerText(), /3 turns/);

    await session.click({ button: 'right' });
    const entry = 'Open Session as Conversation';
    const menuItem = page().getByRole('menuitem', { name: entry, exact: true });
    await menuItem.hover();
    await page().locator('.monaco-menu .action-item.focused', { hasText: entry }).waitFor();
    await page().keyboard.press('Enter');
    await menuItem.waitFor({ state: 'detached' });

    await panel().locator('#session-name', { hasText: 'Session sess-alice-001' }).waitFor();
    const turns = panel().locator('.turn');
    await panel().locator('.turn.loaded').nth(2).waitFor();
    assert.strictEqual(await turns.count(), 3);
    assert.strictEqual(await turns.nth(0).locator('.side-user .message.role-user .content').textContent(), 'What is MLflow?');
    assert.strictEqual(await turns.nth(2).locator('.side-user .message.role-user .content').textContent(), 'Can I version a prompt?');
    assert.match((await turns.nth(2).locator('.side-assistant .message.role-assistant .content').textContent()) ?? '', /Prompt Registry/);
    await workbench.screenshot('session-conversation');

    // A turn links to its trace panel.
    await turns.nth(0).locator('.open-trace').click();
    // The trace panel is the newest webview; the conversation stays open behind it.
    const newest = page().frameLocator('iframe.webview.ready >> nth=-1').frameLocator('#active-frame');
    await newest.locator('#trace-name', { hasText: 'support_agent' }).waitFor();
    await newest.locator('#trace-id', { hasText: 'tr-1e1301009a4ee5aa9a0cd46ae8b5344a' }).waitFor();
    assert.deepStrictEqual(dialogs, [], 'no script ran from trace text');
  });

  it('comes back after a window reload, and shows a turn the app logs by itself', async () => {
    // The conversation alone in its editor group (the trace panel the last test opened is closed).
    const tabs = page().locator('.tabs-container [role="tab"]');
    await page().getByRole('tab', { name: /^Session sess-alice-001/ }).waitFor();
    await workbench.runCommand('View: Close Editor');
    await tabs.filter({ hasText: /support_agent|^Trace/ }).waitFor({ state: 'detached' });
    assert.strictEqual(await tabs.count(), 1, 'only the conversation is open');
    await panel().locator('.turn.loaded').nth(2).waitFor();

    // Until the reload navigates, the old page is still there: wait for the new page's load event, armed first.
    const reloaded = page().waitForEvent('load', { timeout: 120_000 });
    await workbench.runCommand('Developer: Reload Window');
    await reloaded;
    await page().locator('.monaco-workbench').waitFor();
    await page().getByRole('tab', { name: /^Session sess-alice-001/ }).waitFor({ timeout: 120_000 });
    await panel().locator('#session-name', { hasText: 'Session sess-alice-001' }).waitFor({ timeout: 120_000 });
    await panel().locator('.turn.loaded').nth(2).waitFor({ timeout: 120_000 });
    assert.strictEqual(await panel().locator('.turn').count(), 3, 'the restored panel shows the session again');

    // The app answers the user's next message: a new trace of the session lands in the store.
    await logTraceLike(path.join(workspace, 'mlflow.db'), 'tr-9e528e76c7338b32c13b0a4e4bee0d61', 'tr-5e55104000000000000000000000000b', 60_000);
    await panel().locator('.turn').nth(3).waitFor({ timeout: 120_000 });
    assert.strictEqual(await panel().locator('.turn').nth(3).getAttribute('data-trace-id'), 'tr-5e55104000000000000000000000000b');
    await panel().locator('#turn-count', { hasText: '4 turns' }).waitFor();
    assert.deepStrictEqual(dialogs, [], 'no script ran from trace text');
  });
});
