import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The search-semantics records: what the real MLflow client answered for each search on a fixture
 * store (`test/fixtures/<version>/search-semantics/README.md` has the format).
 */
export interface SearchRecord {
  store: string;
  id: string;
  api: string;
  args: Record<string, unknown>;
  result?: unknown[];
  pages?: unknown[][];
  names?: string[];
  error?: { error_code: string | null; message: string; exception?: string };
  set_order_varies?: boolean;
}

const FIXTURES = path.resolve(__dirname, '../fixtures');

export function readRecords(version: string, file: string): SearchRecord[] {
  return readFileSync(path.join(FIXTURES, version, 'search-semantics', file), 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line) as SearchRecord);
}
