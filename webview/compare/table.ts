import type { CompareMetricRow, CompareModel, CompareRow, ThemeKind, WireValue } from '../../src/charts/protocol';
import { element } from '../shared/dom';
import { formatDuration, formatTime, formatValue } from '../shared/format';
import { css, runColor } from '../shared/palette';
import { decodeValue } from '../shared/wire';

export interface TableCounts {
  paramRows: number;
  hiddenEqualParams: number;
  tagRows: number;
  metricRows: number;
  bestCells: number;
}

const STATS = ['last', 'min', 'max'] as const;

/**
 * The compare table: one column per run, rows grouped into overview, params, metrics and tags. Every
 * server string goes in through textContent (element()), so a run name or param value is only text.
 */
export function renderTable(model: CompareModel, onlyDifferences: boolean, theme: ThemeKind): { table: HTMLTableElement; counts: TableCounts } {
  const counts: TableCounts = { paramRows: 0, hiddenEqualParams: 0, tagRows: 0, metricRows: 0, bestCells: 0 };
  const head = element('tr', {}, element('th', { text: 'Run', attributes: { scope: 'col' } }));
  for (const run of model.runs) {
    const swatch = element('span', { className: 'swatch', attributes: { 'aria-hidden': 'true' } });
    swatch.style.backgroundColor = css(runColor(run.colorSlot, theme));
    head.append(element('th', { attributes: { scope: 'col', 'data-run': run.runId }, title: run.runId }, swatch, ' ', run.runName || run.runId));
  }
  const table = element('table', { className: 'compare' }, element('thead', {}, head));
  const columns = model.runs.length + 1;

  const overview = section('Overview', columns);
  overview.append(
    textRow('Status', model.runs.map((r) => r.status)),
    textRow('Start time', model.runs.map((r) => (r.startTime === undefined ? null : formatTime(r.startTime)))),
    textRow('Duration', model.runs.map((r) => (r.durationMs === undefined ? null : formatDuration(r.durationMs)))),
  );
  table.append(overview);

  const params = model.params.filter((row) => !onlyDifferences || row.differs);
  counts.paramRows = params.length;
  counts.hiddenEqualParams = model.params.length - params.length;
  const hiddenNote = counts.hiddenEqualParams > 0 ? `${counts.hiddenEqualParams} equal hidden` : undefined;
  const paramSection = section('Parameters', columns, hiddenNote);
  for (const row of params) paramSection.append(keyValueRow(row, 'param'));
  if (params.length === 0) paramSection.append(emptyRow(columns, model.params.length === 0 ? 'No params logged.' : 'All params are equal.'));
  table.append(paramSection);

  const metricSection = section('Metrics', columns);
  for (const metric of model.metrics) {
    for (const stat of STATS) {
      const { row, best } = metricRow(metric, stat);
      counts.bestCells += best;
      metricSection.append(row);
    }
    counts.metricRows++;
  }
  if (model.metrics.length === 0) metricSection.append(emptyRow(columns, 'No metrics logged.'));
  table.append(metricSection);

  const tags = model.tags.filter((row) => !onlyDifferences || row.differs);
  counts.tagRows = tags.length;
  const tagSection = section('Tags', columns, model.tags.length > tags.length ? `${model.tags.length - tags.length} equal hidden` : undefined);
  for (const row of tags) tagSection.append(keyValueRow(row, 'tag'));
  table.append(tagSection);
  return { table, counts };
}

function section(title: string, columns: number, note?: string): HTMLTableSectionElement {
  const heading = element('th', { attributes: { colspan: String(columns), scope: 'colgroup' } }, title);
  if (note) heading.append(element('span', { className: 'note', text: ` (${note})` }));
  return element('tbody', { attributes: { 'data-section': title.toLowerCase() } }, element('tr', { className: 'section-row' }, heading));
}

function textRow(label: string, values: readonly (string | null)[]): HTMLTableRowElement {
  return element('tr', {}, element('th', { text: label, attributes: { scope: 'row' } }), ...values.map(valueCell));
}

function keyValueRow(row: CompareRow, kind: 'param' | 'tag'): HTMLTableRowElement {
  const tr = textRow(row.key, row.values);
  tr.dataset[kind] = row.key;
  if (row.differs) tr.classList.add('differs');
  return tr;
}

function metricRow(metric: CompareMetricRow, stat: (typeof STATS)[number]): { row: HTMLTableRowElement; best: number } {
  const label = element('th', { attributes: { scope: 'row' } });
  if (stat === 'last') label.append(metric.key, ' ');
  label.append(element('span', { className: 'stat', text: stat }));
  label.title = `${metric.key} (${stat}); ${metric.lowerIsBetter ? 'lower' : 'higher'} is better`;
  const row = element('tr', { attributes: { 'data-metric': metric.key, 'data-stat': stat } }, label);
  const bestRuns = new Set(metric.best[stat]);
  metric.stats.forEach((stats, i) => {
    const value: WireValue | undefined = stats?.[stat];
    const cell = valueCell(value === undefined ? null : formatValue(decodeValue(value)));
    if (bestRuns.has(i)) {
      cell.classList.add('best');
      cell.prepend(element('span', { className: 'best-mark', text: '★ ', attributes: { 'aria-label': 'best' } }));
    }
    row.append(cell);
  });
  return { row, best: bestRuns.size };
}

function valueCell(value: string | null): HTMLTableCellElement {
  return value === null ? element('td', { className: 'missing', text: '—', title: 'not set' }) : element('td', { text: value, title: value });
}

function emptyRow(columns: number, text: string): HTMLTableRowElement {
  return element('tr', {}, element('td', { className: 'missing', text, attributes: { colspan: String(columns) } }));
}
