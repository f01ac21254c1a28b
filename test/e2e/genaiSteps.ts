import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type { FrameLocator, Locator } from 'playwright-core';
import { startGenaiReplay } from '../support/genaiReplay';
import type { ReplayServer } from '../support/replayServer';
import { Workbench } from './workbench';

/**
 * The GenAI steps of the e2e suites, written once and run against both backends of issue 11's "Done
 * when": a workspace holding the MLflow 3 GenAI SQLite store (genai-store), and a loopback server
 * replaying the MLflow 3 GenAI captures (test/support/genaiReplay.ts says which of the views' requests
 * are answered from complete captures rather than verbatim ones). Each step is a function of a
 * {@link GenaiUi}; the suites call them from one `describe` per backend.
 */

const GENAI_STORE = path.resolve('test', 'fixtures', 'mlflow-3.x', 'genai-store');

export interface GenaiBackend {
  /** For titles: "the GenAI store", "the replayed MLflow 3 server". */
  readonly name: string;
  /** Local stores are read-only: no assessment form. */
  readonly local: boolean;
  /** Screenshots are taken on one backend only (the README's come from the store). */
  readonly shots: boolean;
  /** The replay server, on the server backend (its requests, for asserting what was sent). */
  readonly replay?: ReplayServer;
}

/** A workspace folder for one suite: the GenAI store copied in, or only settings pointing at a server. */
export function genaiWorkspace(name: string, options: { store: boolean; settings?: Record<string, unknown> }): string {
  const target = path.join(process.env.E2E_STATE_DIR ?? '.test-state/e2e', 'workspaces', name);
  fs.rmSync(target, { recursive: true, force: true });
  fs.mkdirSync(target, { recursive: true });
  if (options.store) {
    fs.copyFileSync(path.join(GENAI_STORE, 'mlflow.db'), path.join(target, 'mlflow.db'));
    fs.cpSync(path.join(GENAI_STORE, 'artifacts'), path.join(target, 'artifacts'), { recursive: true });
  }
  if (options.settings) {
    fs.mkdirSync(path.join(target, '.vscode'), { recursive: true });
    fs.writeFileSync(path.join(target, '.vscode', 'settings.json'), `${JSON.stringify(options.settings, null, 2)}\n`);
  }
  return target;
}

/**
 * Registers, in the calling `describe`, the workbench over one backend (and for the server backend the
 * replay, started first and closed last), with a check after each test that no trace text ran as script.
 * Returns an accessor: the UI exists once the hooks have run.
 */
export function useGenaiWorkbench(kind: 'store' | 'server', suite: string, extraSettings: Record<string, unknown> = {}): () => GenaiUi {
  let ui: GenaiUi | undefined;
  let replay: ReplayServer | undefined;
  before(async () => {
    if (kind === 'server') replay = await startGenaiReplay();
    const folder = replay
      ? genaiWorkspace(`${suite}-server`, { store: false, settings: { 'mlflow.trackingUri': replay.baseUrl, ...extraSettings } })
      : genaiWorkspace(suite, { store: true, settings: Object.keys(extraSettings).length > 0 ? extraSettings : undefined });
    const backend: GenaiBackend = replay
      ? { name: 'the replayed MLflow 3 server', local: false, shots: false, replay }
      : { name: 'the GenAI store', local: true, shots: true };
    ui = new GenaiUi(await Workbench.open(folder), backend);
    await ui.workbench.openMlflowContainer();
  });
  after(async () => {
    await ui?.workbench.close();
    await replay?.close();
  });
  afterEach(() => {
    assert.deepStrictEqual(ui?.dialogs ?? [], [], 'no script ran from trace text');
  });
  return () => {
    if (!ui) throw new Error('The workbench exists only inside tests and hooks');
    return ui;
  };
}

/** The workbench as the GenAI steps drive it: the side bar's views, the palette, the newest webview. */
export class GenaiUi {
  readonly dialogs: string[] = [];

  constructor(
    readonly workbench: Workbench,
    readonly backend: GenaiBackend,
  ) {
    workbench.page.on('dialog', (dialog) => {
      this.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
      void dialog.dismiss();
    });
  }

  get page() {
    return this.workbench.page;
  }

  pane(name: string): Locator {
    return this.page.locator('.part.sidebar .pane').filter({ has: this.page.locator('.pane-header', { hasText: new RegExp(`^${name}`) }) });
  }

  /** A row of a side-bar view at a tree level. */
  row(view: string, text: string | RegExp, level: number): Locator {
    return this.pane(view).locator(`[role="treeitem"][aria-level="${level}"]`, { hasText: text }).first();
  }

  /** The active webview panel's content. */
  panel(): FrameLocator {
    return this.workbench.webview();
  }

  /** The newest webview: the panel opened last (earlier ones stay in the DOM, hidden). */
  newestPanel(): FrameLocator {
    return this.page.frameLocator('iframe.webview.ready >> nth=-1').frameLocator('#active-frame');
  }

  /** Clicks a pane header until the pane shows the wanted state (a click during a re-layout can be lost). */
  async setExpanded(view: string, expanded: boolean): Promise<void> {
    const header = this.workbench.viewPane(view);
    const wanted = header.and(this.page.locator(`[aria-expanded="${expanded}"]`));
    if ((await wanted.count()) > 0) return;
    await this.workbench.clickWithoutHover(header);
    await wanted.waitFor();
  }

  /** The Traces view given the side bar's room (it starts collapsed; the Models view is folded away). */
  async showTracesView(): Promise<void> {
    await this.workbench.viewPane('Traces').waitFor();
    await this.setExpanded('Traces', true);
    await this.setExpanded('Models', false);
  }

  /** MLflow: Filter Traces… with `filter` typed into its input box. */
  async filterTraces(filter: string): Promise<void> {
    await this.workbench.runCommand('MLflow: Filter Traces…');
    const input = this.page.locator('.quick-input-box input');
    await input.fill(filter);
    await this.page.keyboard.press('Enter');
    await input.waitFor({ state: 'hidden' });
  }

  /** MLflow: Open Trace… with a trace id typed. */
  async openTraceById(traceId: string): Promise<void> {
    await this.workbench.runCommand('MLflow: Open Trace…');
    await this.page.locator('.quick-input-box input').fill(traceId);
    await this.page.keyboard.press('Enter');
  }

  /** The Traces view shown with genai-app expanded (each step may run alone, e.g. under --grep). */
  async expandGenaiApp(): Promise<void> {
    await this.showTracesView();
    // Not genai-app-partial-export and the like; a filtered list adds "filtered" after the name.
    const app = this.row('Traces', /^genai-app(?!-)/, 1);
    await app.waitFor();
    if ((await app.getAttribute('aria-expanded')) !== 'true') await this.workbench.clickWithoutHover(app);
    await this.pane('Traces').locator('[role="treeitem"][aria-level="1"][aria-expanded="true"]', { hasText: /^genai-app(?!-)/ }).waitFor();
  }

  async screenshot(name: string): Promise<void> {
    if (this.backend.shots) await this.workbench.screenshot(name);
  }
}

// ---- the steps ----

const HOSTILE_TRACE = 'tr-74383c85016408c40ebf272f29ae2e7f';

/** The Traces view lists genai-app and, expanded, its traces newest first (the newest: multimodal_agent). */
export async function tracesListStep(ui: GenaiUi): Promise<void> {
  await ui.expandGenaiApp();
  const newest = ui.row('Traces', 'multimodal_agent', 2);
  await newest.waitFor();
  assert.match(await newest.innerText(), /ms · 91 tok/);
  // Newest first: the first trace row is the newest trace.
  const first = ui.pane('Traces').locator('[role="treeitem"][aria-level="2"]').first();
  assert.match(await first.innerText(), /^multimodal_agent/);
  await ui.screenshot('traces-view');
}

/**
 * The ERROR trace (filtered with MLflow's syntax, clicked in the list): its span tree, and the LLM span's
 * conversation and inputs; the assessment form only where the backend is writable.
 */
export async function traceSpanTreeStep(ui: GenaiUi): Promise<void> {
  await ui.filterTraces("trace.status = 'ERROR'");
  await ui.expandGenaiApp();
  await ui.workbench.clickWithoutHover(ui.row('Traces', 'weather_agent', 2));
  const panel = ui.panel();
  await panel.locator('#trace-name', { hasText: 'weather_agent' }).waitFor();
  await panel.locator('#trace-id', { hasText: 'tr-873a8f64a37a38e7e62b221cb35491ba' }).waitFor();
  await panel.locator('.span-row').first().waitFor();
  assert.strictEqual(await panel.locator('.span-row').count(), 3);
  assert.strictEqual(await panel.locator('.span-row.error').count(), 2, 'the failed tool and agent spans');
  await panel.locator('.span-row', { hasText: 'ChatOpenAI' }).first().click();
  await panel.locator('#span-name', { hasText: 'ChatOpenAI' }).waitFor();
  await panel.locator('#section-conversation .message').first().waitFor();
  await panel.locator('#section-inputs .json').waitFor();
  await panel.locator('#section-outputs .json').waitFor();
  if (ui.backend.local) assert.strictEqual(await panel.locator('#assessment-readonly').count(), 1, 'a local store offers no assessment form');
  else assert.strictEqual(await panel.locator('#assessment-form').count(), 1, 'a tracking server takes assessments');
  // The README's picture: no tooltip of a tree row left over the Traces view.
  await ui.workbench.dismissHover();
  await ui.screenshot('trace-panel');
}

/**
 * The hostile trace (markup in its name, span names, inputs and outputs) as text, running nothing:
 * reached through the list filtered on its tag, or by its id where the backend cannot filter on it.
 */
export async function hostileTraceStep(ui: GenaiUi, reach: 'filter' | 'id'): Promise<void> {
  await ui.workbench.runCommand('View: Close All Editors');
  if (reach === 'filter') {
    await ui.filterTraces("tags.fixture_kind = 'hostile_unicode'");
    await ui.expandGenaiApp();
    await ui.workbench.clickWithoutHover(ui.row('Traces', '<script>', 2));
  } else {
    await ui.openTraceById(HOSTILE_TRACE);
  }
  const panel = ui.panel();
  const name = panel.locator('#trace-name');
  await name.waitFor();
  assert.match((await name.textContent()) ?? '', /<script>alert\('trace-name'\)<\/script>/);
  await panel.locator('.span-row', { hasText: '<img src=x' }).first().click();
  await panel.locator('#span-name', { hasText: '<img src=x' }).waitFor();
  assert.strictEqual(await panel.locator('img').count(), 0);
  // VS Code adds its own script to the frame; none may come from the trace's text.
  assert.strictEqual(await panel.locator('script', { hasText: 'alert' }).count(), 0, 'no script element made from trace text');
  if (reach === 'filter') await ui.workbench.runCommand('MLflow: Clear Trace Filter');
}

/** Prompts → genai-app-qa → Version 3 (@staging) → Compare with Another Version… → Version 2: the diff editor. */
export async function promptDiffStep(ui: GenaiUi): Promise<void> {
  await ui.workbench.runCommand('View: Close All Editors');
  await ui.setExpanded('Models', true);
  await ui.workbench.clickWithoutHover(ui.row('Models', /^Prompts/, 1));
  await ui.workbench.clickWithoutHover(ui.row('Models', 'genai-app-qa', 2));
  const v3 = ui.row('Models', 'Version 3', 3);
  await v3.waitFor();
  assert.match(await v3.innerText(), /@staging/);
  await v3.click({ button: 'right' });
  // A click that lands right as the menu opens is sometimes swallowed; the highlighted entry takes Enter.
  await ui.page.getByRole('menuitem', { name: 'Compare with Another Version…', exact: true }).hover();
  await ui.page.keyboard.press('Enter');
  await ui.page.locator('.quick-input-list .monaco-list-row', { hasText: 'Version 2' }).first().click();
  const diff = ui.page.locator('.monaco-diff-editor').first();
  await diff.waitFor();
  await ui.page.locator('.tab', { hasText: 'genai-app-qa: v2 ↔ v3' }).first().waitFor();
  // v3 added the "I don't know" instruction: the diff shows it as inserted text.
  await diff.locator('.modified .char-insert, .modified .line-insert').first().waitFor();
  await ui.screenshot('prompt-diff');
}

/**
 * funny-stag-459's evaluation table (opened by `open`): a row per evaluated trace, a column per scorer,
 * the failed scorer as an error; a row's "Open trace" opens that trace's panel.
 */
export async function evaluationTableStep(ui: GenaiUi, open: () => Promise<void>): Promise<void> {
  await ui.workbench.runCommand('View: Close All Editors');
  await open();
  const view = ui.panel();
  const table = view.locator('#results');
  await table.waitFor();
  assert.strictEqual(await table.locator('tbody tr').count(), 4);
  assert.deepStrictEqual(await table.locator('thead th.score').allTextContents(), ['exact_match', 'response_length', 'keyword_overlap', 'mentions_mlflow']);
  assert.strictEqual(await view.locator('.aggregate[data-scorer="exact_match"] .metric').textContent(), 'mean 0.5');
  const registryRow = table.locator('tbody tr', { hasText: 'Tell me about the prompt registry' });
  assert.strictEqual(await registryRow.locator('td.score.error').count(), 1, 'the failed scorer shows as an error');
  assert.match((await registryRow.locator('td.score.error').getAttribute('title')) ?? '', /simulated scorer failure/);
  await ui.screenshot('evaluation-table');
  await registryRow.locator('button.open-trace').click();
  await ui.page.locator('.tab', { hasText: 'Trace support_agent' }).first().waitFor();
  await ui.newestPanel().locator('#trace-name', { hasText: 'support_agent' }).waitFor();
  await ui.newestPanel().locator('#trace-id', { hasText: 'tr-30a7bde5ec72cd55526faf5ee4699ea4' }).waitFor();
}
