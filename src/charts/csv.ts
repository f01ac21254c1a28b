import type { Metric } from '../mlflow/types';
import { encodeValue } from './series';

export interface CsvRunHistory {
  runId: string;
  runName: string;
  metricKey: string;
  history: readonly Metric[];
}

const HEADER = ['run_id', 'run_name', 'metric', 'step', 'timestamp', 'value'];

/**
 * Metric histories as RFC 4180 CSV (CRLF line ends, quotes doubled). NaN and ±∞ are written the way
 * pandas and spreadsheets read them back ("NaN", "Infinity", "-Infinity"), never as ±1.8e308.
 */
export function metricsCsv(histories: readonly CsvRunHistory[]): string {
  const lines = [HEADER.join(',')];
  for (const { runId, runName, metricKey, history } of histories) {
    const prefix = `${textField(runId)},${textField(runName)},${textField(metricKey)}`;
    for (const m of history) lines.push(`${prefix},${m.step},${m.timestamp},${encodeValue(m.value)}`);
  }
  return lines.join('\r\n') + '\r\n';
}

/**
 * A server string as a CSV field. Spreadsheets run a field starting with = + - @ as a formula, and run
 * names are free text, so such a field is prefixed with an apostrophe (OWASP's CSV-injection advice).
 */
export function textField(text: string): string {
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
