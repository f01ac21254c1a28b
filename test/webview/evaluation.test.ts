import * as assert from 'node:assert';
import { compareEvaluations } from '../../src/evaluations/core/compareEvaluations';
import { buildEvaluationTable } from '../../src/evaluations/core/evaluationTable';
import type { EvaluationRenderSummary, EvaluationTable, EvaluationWebviewMessage } from '../../src/evaluations/core/protocol';
import { toRun } from '../../src/mlflow/rest/mapping';
import { toTraceInfo } from '../../src/mlflow/traceValues';
import { contentSecurityPolicy } from '../../src/vscode/webviewHtml';
import { PAYLOADS, PWNED_TITLE } from '../support/hostile';
import { getCapture } from '../support/replayServer';
import { pageSuite, postedBy, type WebviewPage } from './harness';

/** The evaluation panel page with the real evaluation run of the GenAI captures, made hostile, under its real CSP. */

const posted = postedBy<EvaluationWebviewMessage>();
const rendered = (test: (s: EvaluationRenderSummary) => boolean) => posted('rendered', (m) => test(m.summary));

const HOSTILE = Object.values(PAYLOADS).join(' ');

/** The in-memory evaluation run as the real core builds it, with every server string replaced by hostile text. */
function hostileTable(): EvaluationTable {
  const run = toRun((getCapture('mlflow-3.x-genai', 'runs_get_eval_run').response as { run: unknown }).run);
  run.info.runName = `run ${PAYLOADS.img}`;
  const infos = (getCapture('mlflow-3.x-genai', 'traces_search_filter_run_id_eval_run').response as { traces: unknown[] }).traces.map(toTraceInfo);
  for (const info of infos) {
    info.requestPreview = `${info.requestPreview} ${HOSTILE}`;
    info.responsePreview = `${PAYLOADS.script} ${info.responsePreview}`;
    for (const a of info.assessments) {
      a.rationale = `${PAYLOADS.img} because`;
      if (a.kind === 'expectation') a.value = PAYLOADS.script;
      if (a.name === 'mentions_mlflow') a.name = PAYLOADS.img;
    }
  }
  return buildEvaluationTable(run, infos);
}

describe('evaluation webview (built bundle in Chromium, real CSP)', function () {
  const pages = pageSuite('evaluation', {
    check: async (page) => assert.notStrictEqual(await page.page.title(), PWNED_TITLE, 'no script retitled the page'),
  });
  let view: WebviewPage;

  it('shows a hostile evaluation table as text only; a row’s button asks for its trace', async () => {
    const table = hostileTable();
    view = await pages.open();
    await view.post({ type: 'persist', state: { mode: 'table', runId: table.runId } });
    await view.post({ type: 'view', view: { mode: 'table', table } });
    const { summary } = await view.waitFor(rendered((s) => s.mode === 'table'), { what: 'table rendered' });
    assert.strictEqual(summary.rows, 4);
    assert.deepStrictEqual(view.savedStates.at(-1), { mode: 'table', runId: table.runId }, 'the run, for the serializer after a reload');
    assert.ok(summary.scorers.includes(PAYLOADS.img));
    const meta = await view.page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.strictEqual(meta, contentSecurityPolicy(view.cspSource, view.nonce));
    assert.strictEqual(await view.page.locator('img, a, iframe').count(), 0, 'no markup made from server text');
    assert.strictEqual(await view.page.locator('script').count(), 1, 'only the panel’s own script');
    assert.match((await view.page.locator('#title').textContent()) ?? '', /<img src=x onerror=/);
    assert.match((await view.page.locator('#results tbody tr').first().textContent()) ?? '', /<\/script><script>/);
    const errorCell = view.page.locator('#results td.score.error').first();
    assert.match((await errorCell.getAttribute('title')) ?? '', /SCORER_ERROR: simulated scorer failure/);
    const row = table.rows[1]!;
    const since = view.mark();
    await view.page.locator(`#results tr[data-trace-id="${row.traceId}"] button.open-trace`).click();
    await view.waitFor(posted('openTrace', (m) => m.traceId === row.traceId), { since, what: 'openTrace' });
  });

  it('shows two runs compared with the regressed row marked, and filters to regressions', async () => {
    const a = hostileTable();
    const b: EvaluationTable = structuredClone(a);
    b.runName = 'candidate';
    const worse = b.rows[0]!;
    const exact = worse.scores.exact_match!;
    worse.scores.exact_match = exact.kind === 'pass' ? { ...exact, kind: 'fail', text: 'fail', numeric: 0 } : { ...exact, kind: 'error', text: 'error', error: PAYLOADS.img };
    view = await pages.open();
    await view.post({ type: 'view', view: { mode: 'compare', comparison: compareEvaluations(a, b) } });
    const { summary } = await view.waitFor(rendered((s) => s.mode === 'compare'), { what: 'comparison rendered' });
    assert.deepStrictEqual([summary.rows, summary.regressions], [4, 1]);
    assert.strictEqual(await view.page.locator('#compared-rows tr.row-regressed').count(), 1);
    assert.strictEqual(await view.page.locator('img, a, iframe').count(), 0);
    const since = view.mark();
    await view.page.locator('#regressions-only').check();
    await view.waitFor(rendered((s) => s.mode === 'compare' && s.rows === 1), { since, what: 'only the regressed row' });
  });
});
