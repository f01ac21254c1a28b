import type {
  ComparedCell,
  EvaluationComparison,
  EvaluationHostMessage,
  EvaluationRenderSummary,
  EvaluationTable,
  EvaluationTarget,
  EvaluationWebviewMessage,
  ScoreCell,
  ScorerColumn,
} from '../../src/evaluations/core/protocol';
import baseStyles from '../shared/base.css';
import { element } from '../shared/dom';
import { StatusNotice } from '../shared/statusNotice';
import { adoptStyles } from '../shared/styles';
import { connectToHost, type HostConnection } from '../shared/vscodeApi';
import styles from './evaluation.css';

/**
 * The evaluation panel: one evaluation run as a table (a row per evaluated trace, a column per scorer,
 * the run's aggregates on top) or two runs compared (aggregates side by side, rows matched by their
 * inputs, regressions marked). Every string came from a server and is set as text; a row's "Open trace"
 * sends only its trace id back, which the host checks against the rows it sent.
 */
class EvaluationApp {
  private readonly host: HostConnection<EvaluationWebviewMessage, EvaluationTarget>;
  private readonly header = element('header', { className: 'toolbar', attributes: { id: 'header' } });
  private readonly notice = new StatusNotice();
  private readonly content = element('section', { attributes: { id: 'content' } });
  private regressionsOnly = false;
  private comparison: EvaluationComparison | undefined;

  constructor(root: HTMLElement) {
    root.append(this.header, this.notice.element, this.content);
    this.host = connectToHost<EvaluationHostMessage, EvaluationWebviewMessage, EvaluationTarget>((message) => this.handle(message));
    this.host.post({ type: 'ready' });
  }

  private handle(message: EvaluationHostMessage): void {
    switch (message.type) {
      case 'persist':
        // The panel serializer gets this back after a window reload and re-opens the panel from it.
        this.host.saveState(message.state);
        return;
      case 'loading':
        this.notice.show(message.title);
        this.report({ mode: 'loading', rows: 0, scorers: [] });
        return;
      case 'error':
        this.notice.fail(message.message);
        this.content.replaceChildren();
        this.header.replaceChildren(this.refreshButton());
        this.report({ mode: 'error', rows: 0, scorers: [], error: message.message });
        return;
      case 'view':
        this.notice.loaded('');
        if (message.view.mode === 'table') this.renderTable(message.view.table);
        else {
          this.comparison = message.view.comparison;
          this.renderComparison(message.view.comparison);
        }
        return;
      default:
        assertNever(message);
    }
  }

  private refreshButton(): HTMLButtonElement {
    const refresh = element('button', { text: 'Refresh', attributes: { id: 'refresh' } });
    refresh.addEventListener('click', () => this.host.post({ type: 'refresh' }));
    return refresh;
  }

  private traceButton(traceId: string, label = 'Open trace'): HTMLButtonElement {
    const button = element('button', { className: 'link open-trace', text: label, title: traceId, attributes: { 'data-trace-id': traceId } });
    button.addEventListener('click', () => this.host.post({ type: 'openTrace', traceId }));
    return button;
  }

  private renderTable(table: EvaluationTable): void {
    this.header.replaceChildren(
      element('h1', { text: `Evaluation ${table.runName}`, attributes: { id: 'title' } }),
      element('code', { text: table.runId }),
      ...(table.datasetName ? [element('span', { text: `dataset: ${table.datasetName}` })] : []),
      element('span', { text: `${table.rows.length} row${table.rows.length === 1 ? '' : 's'}` }),
      this.refreshButton(),
    );
    if (table.truncated) this.notice.show(`Showing the first ${table.rows.length} rows.`);
    else if (table.rows.length === 0) this.notice.show('This run has no evaluated traces.');

    const aggregates = element('div', { className: 'aggregates', attributes: { id: 'aggregates' } });
    for (const scorer of table.scorers) aggregates.append(aggregateCard(scorer));

    const headRow = element('tr', {}, element('th', { text: 'Inputs' }), element('th', { text: 'Outputs' }), element('th', { text: 'Expectations' }));
    for (const scorer of table.scorers) headRow.append(element('th', { className: 'score', text: scorer.name, attributes: { scope: 'col' } }));
    headRow.append(element('th', { text: 'Trace' }));
    const body = element('tbody');
    for (const row of table.rows) {
      const tr = element('tr', { className: row.state === 'ERROR' ? 'row-error' : '', attributes: { 'data-trace-id': row.traceId } });
      tr.append(element('td', { className: 'text', text: row.inputs }), element('td', { className: 'text', text: row.outputs }));
      const expectations = element('td', { className: 'text' });
      for (const e of row.expectations) expectations.append(element('div', {}, element('span', { className: 'key', text: `${e.name}: ` }), element('span', { text: e.text })));
      tr.append(expectations);
      for (const scorer of table.scorers) tr.append(scoreTd(row.scores[scorer.name]));
      tr.append(element('td', {}, this.traceButton(row.traceId)));
      body.append(tr);
    }
    const grid = element('table', { className: 'grid', attributes: { id: 'results', 'aria-label': 'Evaluation results' } }, element('thead', {}, headRow), body);
    this.content.replaceChildren(aggregates, element('div', { className: 'scroll' }, grid));
    this.report({ mode: 'table', rows: table.rows.length, scorers: table.scorers.map((s) => s.name) });
  }

  private renderComparison(comparison: EvaluationComparison): void {
    const filter = element('input', { attributes: { type: 'checkbox', id: 'regressions-only' } });
    filter.checked = this.regressionsOnly;
    filter.addEventListener('change', () => {
      this.regressionsOnly = filter.checked;
      if (this.comparison) this.renderComparison(this.comparison);
    });
    this.header.replaceChildren(
      element('h1', { text: `${comparison.a.runName} ↔ ${comparison.b.runName}`, attributes: { id: 'title' } }),
      element('span', { text: `${comparison.matched} matched row${comparison.matched === 1 ? '' : 's'}` }),
      element('span', { className: comparison.regressions > 0 ? 'regressed' : '', text: `${comparison.regressions} regressed`, attributes: { id: 'regression-count' } }),
      element('span', { className: comparison.improvements > 0 ? 'improved' : '', text: `${comparison.improvements} improved` }),
      element('label', { className: 'field' }, filter, 'Regressions only'),
      this.refreshButton(),
    );

    const summaryBody = element('tbody');
    for (const s of comparison.scorers) {
      summaryBody.append(element('tr', { className: `dir-${s.direction}`, attributes: { 'data-scorer': s.name } },
        element('th', { text: s.name, attributes: { scope: 'row' } }),
        element('td', { className: 'num', text: s.a === undefined ? '—' : format(s.a) }),
        element('td', { className: 'num', text: s.b === undefined ? '—' : format(s.b) }),
        element('td', { className: `num ${s.direction}`, text: s.delta === undefined ? s.direction : `${s.delta > 0 ? '+' : ''}${format(s.delta)}` })));
    }
    const summary = element('table', { className: 'grid summary', attributes: { id: 'scorer-summary', 'aria-label': 'Scorer aggregates' } },
      element('thead', {}, element('tr', {}, element('th', { text: 'Scorer' }), element('th', { text: comparison.a.runName }), element('th', { text: comparison.b.runName }), element('th', { text: 'Change' }))),
      summaryBody);

    const scorers = comparison.scorers.map((s) => s.name);
    const headRow = element('tr', {}, element('th', { text: 'Inputs' }));
    for (const name of scorers) headRow.append(element('th', { className: 'score', text: name }));
    headRow.append(element('th', { text: 'Traces' }));
    const body = element('tbody');
    for (const row of comparison.rows) {
      if (this.regressionsOnly && !row.regressed) continue;
      const tr = element('tr', { className: row.regressed ? 'row-regressed' : row.improved ? 'row-improved' : '', attributes: { 'data-key': row.key.slice(0, 200) } });
      const inputs = element('td', { className: 'text', text: row.inputs });
      if (!row.a) inputs.append(element('div', { className: 'badge', text: `only in ${comparison.b.runName}` }));
      if (!row.b) inputs.append(element('div', { className: 'badge', text: `only in ${comparison.a.runName}` }));
      tr.append(inputs);
      for (const name of scorers) tr.append(compareTd(row.cells.find((c) => c.scorer === name)));
      const links = element('td');
      if (row.a) links.append(this.traceButton(row.a.traceId, 'A'));
      if (row.b) links.append(' ', this.traceButton(row.b.traceId, 'B'));
      tr.append(links);
      body.append(tr);
    }
    const grid = element('table', { className: 'grid', attributes: { id: 'compared-rows', 'aria-label': 'Rows compared' } }, element('thead', {}, headRow), body);
    this.content.replaceChildren(summary, element('div', { className: 'scroll' }, grid));
    this.report({ mode: 'compare', rows: body.childElementCount, scorers, regressions: comparison.regressions });
  }

  private report(summary: EvaluationRenderSummary): void {
    this.host.post({ type: 'rendered', summary });
  }
}

function format(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

function aggregateCard(scorer: ScorerColumn): HTMLElement {
  const card = element('div', { className: 'aggregate', attributes: { 'data-scorer': scorer.name } }, element('div', { className: 'key', text: scorer.name }));
  for (const metric of scorer.metrics) {
    card.append(element('div', { className: 'metric', text: `${metric.key.slice(scorer.name.length + 1)} ${format(metric.value)}`, title: metric.key }));
  }
  if (scorer.metrics.length === 0 && scorer.rowMean !== undefined) {
    card.append(element('div', { className: 'metric', text: `${scorer.kind === 'passFail' ? 'pass rate' : 'mean'} ${format(scorer.rowMean)}`, title: 'computed from the rows' }));
  }
  card.append(element('div', { className: 'notice', text: `${scorer.scored} scored${scorer.errors ? ` · ${scorer.errors} error${scorer.errors === 1 ? '' : 's'}` : ''}` }));
  return card;
}

function cellTitle(cell: ScoreCell): string {
  return [cell.error, cell.rationale].filter(Boolean).join('\n\n');
}

function scoreTd(cell: ScoreCell | undefined): HTMLTableCellElement {
  if (!cell) return element('td', { className: 'score missing', text: '—' });
  const td = element('td', { className: `score ${cell.kind}`, text: cell.text });
  const title = cellTitle(cell);
  if (title) {
    td.title = title;
    td.classList.add('has-rationale');
  }
  return td;
}

function compareTd(cell: ComparedCell | undefined): HTMLTableCellElement {
  if (!cell) return element('td', { className: 'score missing', text: '—' });
  const td = element('td', { className: `score dir-${cell.direction}`, attributes: { 'data-direction': cell.direction } },
    element('span', { className: cell.a?.kind ?? 'missing', text: cell.a?.text ?? '—' }),
    element('span', { className: 'arrow', text: ' → ' }),
    element('span', { className: cell.b?.kind ?? 'missing', text: cell.b?.text ?? '—' }));
  const titles = [cell.a && cellTitle(cell.a) ? `A: ${cellTitle(cell.a)}` : '', cell.b && cellTitle(cell.b) ? `B: ${cellTitle(cell.b)}` : ''].filter(Boolean);
  if (titles.length) td.title = titles.join('\n\n');
  return td;
}

function assertNever(value: never): never {
  throw new Error(`unhandled message ${JSON.stringify(value)}`);
}

adoptStyles(baseStyles, styles);
const root = document.getElementById('app');
if (root) new EvaluationApp(root);
