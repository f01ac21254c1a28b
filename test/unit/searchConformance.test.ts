import assert from 'node:assert/strict';
import * as path from 'node:path';
import { MlflowError } from '../../src/mlflow/errors';
import { HttpClient } from '../../src/mlflow/http';
import { FileStore } from '../../src/mlflow/local/fileStore';
import { type SqliteEngineKind, SqliteStore } from '../../src/mlflow/local/sqliteStore';
import { RestStore } from '../../src/mlflow/rest/restStore';
import type { TrackingStore } from '../../src/mlflow/store';
import type { ViewType } from '../../src/mlflow/types';
import { modelTracesFilter, runTracesFilter } from '../../src/traces/core/traceSummary';
import { type LoopbackServer, startLoopbackServer } from '../support/replayServer';
import { type SearchRecord, readRecords } from '../support/searchSemantics';
import { SQLITE_ENGINES, sqliteOptions } from '../support/sqliteEngine';
import { DIVERGENCES, type Divergence, NOT_OFFERED } from './searchConformanceDivergences';

/**
 * Search conformance against REAL MLflow: every search the real MLflow client ran on a fixture store
 * (`test/fixtures/<version>/search-semantics/*.jsonl`, see its README) is run again through the local
 * backend that reads that kind of store (SqliteStore on `mlflow.db`, FileStore on `mlruns/`), and must
 * give the recorded ids in the recorded order, page by page, or the recorded error (code and message).
 *
 * Nothing here comes from our own evaluator: the expected answers are MLflow's. Where we differ on
 * purpose (MLflow bugs, APIs we do not offer), the record is listed in `searchConformanceDivergences.ts`
 * with the reason, and the test requires that it STILL differs, so the list can never go stale.
 */

const FIXTURES = path.resolve(__dirname, '../fixtures');

type Json = Record<string, unknown>;

interface RecordFile {
  version: 'mlflow-2.17.2' | 'mlflow-3.x';
  file: string;
  kind: 'sqlite' | 'file';
  /** The store the records were made on, relative to test/fixtures/<version>. */
  store: string;
}

const FILES: RecordFile[] = [
  { version: 'mlflow-2.17.2', file: 'server-store.jsonl', kind: 'sqlite', store: 'server-store/mlflow.db' },
  { version: 'mlflow-2.17.2', file: 'file-store.jsonl', kind: 'file', store: 'file-store/mlruns' },
  { version: 'mlflow-2.17.2', file: 'nan-store-sqlite.jsonl', kind: 'sqlite', store: 'search-semantics/nan-store/mlflow.db' },
  { version: 'mlflow-2.17.2', file: 'nan-store-file.jsonl', kind: 'file', store: 'search-semantics/nan-store/mlruns' },
  { version: 'mlflow-3.x', file: 'server-store.jsonl', kind: 'sqlite', store: 'server-store/mlflow.db' },
  { version: 'mlflow-3.x', file: 'genai-store.jsonl', kind: 'sqlite', store: 'genai-store/mlflow.db' },
  { version: 'mlflow-3.x', file: 'file-store.jsonl', kind: 'file', store: 'file-store/mlruns' },
  { version: 'mlflow-3.x', file: 'nan-store-sqlite.jsonl', kind: 'sqlite', store: 'search-semantics/nan-store/mlflow.db' },
  { version: 'mlflow-3.x', file: 'nan-store-file.jsonl', kind: 'file', store: 'search-semantics/nan-store/mlruns' },
];

/** Whether the record uses an API or argument the local backends do not offer (see NOT_OFFERED). */
function offered(record: SearchRecord): boolean {
  if (NOT_OFFERED.apis.includes(record.api)) return false;
  if (NOT_OFFERED.args.some((arg) => arg in record.args)) return false;
  if (Object.entries(NOT_OFFERED.argValues).some(([arg, value]) => record.args[arg] === value)) return false;
  if (NOT_OFFERED.clientChecks.includes(`${record.store}#${record.id}`)) return false;
  // A dataset-scoped order key has no string form in our API.
  const orderBy = record.args.order_by;
  return !(Array.isArray(orderBy) && orderBy.some((o) => typeof o === 'object' && o !== null && ('dataset_name' in o || 'dataset_digest' in o)));
}

/** Python prints sets in hash order: compare the members of `{…}` sorted. */
function normalizeSetOrder(message: string): string {
  return message.replace(/\{([^{}]*)\}/g, (_, items: string) => `{${items.split(', ').sort().join(', ')}}`);
}

/** Ids per page, and the names of what was found (run, experiment and model names), for cross-version checks. */
type Outcome = { pages: string[][]; names: string[] } | { error: { code: string; message: string } };

const str = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : String(v));
const strings = (v: unknown): string[] | undefined => (v === undefined ? undefined : ([] as unknown[]).concat(v).map(String));

/**
 * MLflow's logged-model order_by is a list of `{field_name, ascending}`; ours is MLflow's string form
 * (`metrics.\`key\` ASC`). Dataset-scoped order keys have no string form.
 */
function loggedModelOrderBy(orderBy: unknown): string[] | undefined {
  if (orderBy === undefined) return undefined;
  return (orderBy as (Json | string)[]).map((o) => {
    if (typeof o === 'string') return o;
    const field = String(o.field_name);
    const key = field.startsWith('metrics.') ? `metrics.\`${field.slice('metrics.'.length)}\`` : field;
    return `${key} ${o.ascending === false ? 'DESC' : 'ASC'}`;
  });
}

/**
 * The filter of a search_traces record. MLflow's client turns its `run_id=` and `model_id=` arguments
 * into a filter; the extension's "Show Traces" on a run or logged model sends its own form of that
 * filter (searched in the node's experiment), so those records check what the extension sends.
 */
function traceFilter(a: Json): string | undefined {
  if (a.run_id !== undefined) return runTracesFilter(String(a.run_id));
  if (a.model_id !== undefined) return modelTracesFilter(String(a.model_id));
  return str(a.filter_string);
}

/** Calls the store the way the record called MLflow, following page tokens on a paged record. */
async function runRecord(store: TrackingStore, record: SearchRecord): Promise<Outcome> {
  const a = record.args;
  const paged = record.pages !== undefined;
  const call = async (pageToken?: string): Promise<{ ids: string[]; names: string[]; next?: string }> => {
    const base = { filter: str(a.filter_string), maxResults: a.max_results as number | undefined, pageToken };
    switch (record.api) {
      case 'search_runs': {
        const p = await store.searchRuns({ ...base, experimentIds: strings(a.experiment_ids) ?? [], orderBy: strings(a.order_by), runViewType: a.run_view_type as ViewType });
        return { ids: p.items.map((r) => r.info.runId), names: p.items.map((r) => r.info.runName), next: p.nextPageToken };
      }
      case 'search_experiments': {
        const p = await store.searchExperiments({ ...base, orderBy: strings(a.order_by), viewType: a.view_type as ViewType });
        return { ids: p.items.map((e) => e.experimentId), names: p.items.map((e) => e.name), next: p.nextPageToken };
      }
      case 'search_registered_models': {
        const p = await store.searchRegisteredModels({ ...base, orderBy: strings(a.order_by) });
        return { ids: p.items.map((m) => m.name), names: p.items.map((m) => m.name), next: p.nextPageToken };
      }
      case 'search_model_versions': {
        const p = await store.searchModelVersions({ ...base, orderBy: strings(a.order_by) });
        return { ids: p.items.map((v) => JSON.stringify([v.name, v.version])), names: p.items.map((v) => v.name), next: p.nextPageToken };
      }
      case 'search_logged_models': {
        const p = await store.searchLoggedModels(strings(a.experiment_ids) ?? [], { ...base, orderBy: loggedModelOrderBy(a.order_by) });
        return { ids: p.items.map((m) => m.modelId), names: p.items.map((m) => m.name), next: p.nextPageToken };
      }
      case 'search_traces': {
        assert.ok(store.traces, 'this store reads traces');
        const p = await store.traces.searchTraces({ ...base, filter: traceFilter(a), experimentIds: strings(a.locations) ?? [], orderBy: strings(a.order_by) });
        return { ids: p.items.map((t) => t.traceId), names: p.items.map((t) => t.tags['mlflow.traceName'] ?? ''), next: p.nextPageToken };
      }
      default:
        throw new Error(`no local search for ${record.api}`);
    }
  };
  try {
    const pages: string[][] = [];
    const names: string[] = [];
    let token = str(a.page_token);
    do {
      const page = await call(token);
      pages.push(page.ids);
      names.push(...page.names);
      token = paged ? page.next : undefined;
    } while (token);
    return { pages, names };
  } catch (error) {
    if (error instanceof MlflowError) return { error: { code: error.errorCode, message: error.message } };
    return { error: { code: `(${error instanceof Error ? error.name : typeof error})`, message: String(error instanceof Error ? error.message : error) } };
  }
}

/** MLflow's answer in the same shape as ours (model versions as JSON pairs). */
function expectedOf(record: SearchRecord): Outcome {
  if (record.error) return { error: { code: String(record.error.error_code ?? record.error.exception), message: record.error.message } };
  const ids = (list: unknown[]) => list.map((x) => (Array.isArray(x) ? JSON.stringify([x[0], String(x[1])]) : String(x)));
  const names = record.names ?? (record.result ?? []).map((x) => (Array.isArray(x) ? String(x[0]) : String(x)));
  return { pages: record.pages ? record.pages.map(ids) : [ids(record.result ?? [])], names };
}

/** Why an outcome differs from MLflow's, or undefined when it is the same. */
export function difference(record: SearchRecord, actual: Outcome): string | undefined {
  const expected = expectedOf(record);
  if ('error' in expected) {
    if (!('error' in actual)) return `MLflow failed with ${expected.error.code}: ${expected.error.message}\n  we answered ${JSON.stringify(actual.pages)}`;
    const norm = record.set_order_varies ? normalizeSetOrder : (m: string) => m;
    if (actual.error.code !== expected.error.code || norm(actual.error.message) !== norm(expected.error.message)) {
      return `MLflow: ${expected.error.code}: ${expected.error.message}\n  we:     ${actual.error.code}: ${actual.error.message}`;
    }
    return undefined;
  }
  if ('error' in actual) return `MLflow answered ${JSON.stringify((expected as { pages: string[][] }).pages)}\n  we failed with ${actual.error.code}: ${actual.error.message}`;
  try {
    assert.deepEqual(actual.pages, (expected as { pages: string[][] }).pages);
  } catch {
    return `MLflow: ${JSON.stringify((expected as { pages: string[][] }).pages)}\n  we:     ${JSON.stringify(actual.pages)}`;
  }
  return undefined;
}

/** The record of the same id that MLflow 3 answered on its copy of the same store. */
function mlflow3Twin(divergence: Divergence): SearchRecord {
  const twin = readRecords('mlflow-3.x', divergence.file).find((r) => r.id === divergence.id);
  assert.ok(twin, `no MLflow 3 record ${divergence.id} in ${divergence.file}`);
  return twin;
}

/** What a divergence row says we answer instead of MLflow's recorded answer. */
function assertInstead(divergence: Divergence, actual: Outcome, sameFile: readonly SearchRecord[]): void {
  const { instead } = divergence;
  const pagesOf = (o: Outcome) => {
    assert.ok(!('error' in o), `expected an answer, got ${JSON.stringify(o)}`);
    return o;
  };
  if ('like' in instead) {
    const twin = expectedOf(mlflow3Twin(divergence));
    if ('error' in twin) {
      assert.equal(difference(mlflow3Twin(divergence), actual), undefined);
    } else {
      // The two copies were written at different times, so time orders differ: compare what was found.
      const sorted = (names: readonly string[]) => [...names].sort();
      assert.deepEqual(sorted(pagesOf(actual).names), sorted(twin.names), 'the names MLflow 3 found on its copy of this store');
    }
  } else if ('pages' in instead) {
    assert.deepEqual(pagesOf(actual).pages, instead.pages);
  } else if ('withoutEmptyLastPage' in instead) {
    const record = sameFile.find((r) => r.id === divergence.id);
    const expected = expectedOf(record as SearchRecord) as { pages: string[][] };
    assert.deepEqual(expected.pages.at(-1), [], 'MLflow 2.17.2 ended with an empty page');
    assert.deepEqual(pagesOf(actual).pages, expected.pages.slice(0, -1));
  } else if ('names' in instead) {
    const namesOf = (ids: readonly string[] = []) =>
      ids.flatMap((id) => {
        const record = sameFile.find((r) => r.id === id);
        assert.ok(record?.names, `${id} has recorded names`);
        return record.names;
      });
    const without = new Set(namesOf(instead.names.without));
    const expected = [...new Set(namesOf(instead.names.of))].filter((n) => !without.has(n)).sort();
    assert.deepEqual([...pagesOf(actual).names].sort(), expected);
  } else if ('sameAs' in instead) {
    const other = sameFile.find((r) => r.id === instead.sameAs);
    assert.ok(other, instead.sameAs);
    assert.deepEqual(pagesOf(actual).pages, (expectedOf(other) as { pages: string[][] }).pages);
  } else {
    assert.ok('error' in actual, `expected ${instead.errorCode}, got ${JSON.stringify(actual)}`);
    assert.equal(actual.error.code, instead.errorCode);
  }
}

async function openStore(file: RecordFile, engineKind: SqliteEngineKind): Promise<TrackingStore> {
  const where = path.join(FIXTURES, file.version, file.store);
  return file.kind === 'sqlite' ? SqliteStore.open(where, sqliteOptions(engineKind)) : new FileStore(where);
}

const divergenceKey = (version: string, file: string, id: string) => `${version}/${file}#${id}`;
const divergences = new Map<string, Divergence>(DIVERGENCES.map((d) => [divergenceKey(d.version, d.file, d.id), d]));

describe('Search conformance with real MLflow (search-semantics records on each local backend)', () => {
  const used = new Set<string>();

  // The SQLite records run on every engine under test (node:sqlite and the wasm engine must answer alike).
  const backends = FILES.flatMap((file) => (file.kind === 'sqlite' ? SQLITE_ENGINES : (['wasm'] as const)).map((engineKind) => ({ file, engineKind })));
  for (const { file, engineKind } of backends) {
    const all = readRecords(file.version, file.file);
    const records = all.filter(offered);
    describe(`${file.version} ${file.file} on the ${file.kind === 'sqlite' ? `SQLite store (${engineKind})` : 'file store'}`, () => {
      let store: TrackingStore;
      before(async () => {
        store = await openStore(file, engineKind);
      });
      after(() => store.dispose());

      for (const record of records) {
        const key = divergenceKey(file.version, file.file, record.id);
        const divergence = divergences.get(key);
        if (divergence) used.add(key);
        const what = record.error ? `fails like MLflow (${record.error.error_code ?? record.error.exception})` : record.pages ? `gives MLflow's pages` : `gives MLflow's ids in order`;
        const title = divergence ? `${record.id}: differs from MLflow on purpose (${divergence.reason})` : `${record.id}: ${what}`;
        it(title, async () => {
          const outcome = await runRecord(store, record);
          const diff = difference(record, outcome);
          if (divergence) {
            assert.ok(diff, `${key} is listed as a divergence but now matches MLflow: remove it from the table`);
            assertInstead(divergence, outcome, all);
          } else {
            assert.equal(diff, undefined, `${record.api} ${JSON.stringify(record.args)}\n  ${diff}`);
          }
        });
      }
    });
  }

  it('every listed divergence names a record that exists (no stale rows)', () => {
    const missing = [...divergences.keys()].filter((k) => !used.has(k));
    assert.deepEqual(missing, []);
  });

  it('runs every recorded search_runs, search_experiments, registry, logged-model and trace search but those NOT_OFFERED lists', () => {
    const count = (version: string, keep: (r: SearchRecord) => boolean) =>
      FILES.filter((f) => f.version === version).reduce((n, f) => n + readRecords(f.version, f.file).filter(keep).length, 0);
    assert.equal(count('mlflow-2.17.2', () => true), 491);
    assert.equal(count('mlflow-3.x', () => true), 681);
    assert.equal(count('mlflow-2.17.2', offered), 491);
    // 3.x: prompts (2) are not searched locally; 5 logged-model searches scope by dataset; of the 114 trace
    // searches, one reads spans (include_spans=True) and two are checks of the Python client's arguments.
    assert.equal(count('mlflow-3.x', (r) => r.api === 'search_traces'), 114);
    assert.equal(count('mlflow-3.x', (r) => r.api === 'search_traces' && !offered(r)), 3);
    assert.equal(count('mlflow-3.x', (r) => !NOT_OFFERED.apis.includes(r.api) && !offered(r)), 5 + 3);
    assert.equal(count('mlflow-3.x', offered), 681 - 2 - 5 - 3);
  });
});

describe('Search conformance: REST leaves trace searches to the server (every recorded filter and order sent unchanged)', () => {
  const records = FILES.filter((f) => f.version === 'mlflow-3.x').flatMap((f) => readRecords(f.version, f.file).filter((r) => r.api === 'search_traces'));
  let server: LoopbackServer;
  let bodies: Json[] = [];
  before(async () => {
    server = await startLoopbackServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Json);
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"traces": []}');
      });
    });
  });
  after(() => server.close());

  it(`sends each of the ${records.length} recorded filters and orders as written, even those a local store refuses`, async () => {
    const store = new RestStore(new HttpClient({ baseUrl: server.baseUrl, retry: { maxAttempts: 1 } }));
    try {
      let sent = 0;
      for (const record of records) {
        const filter = str(record.args.filter_string);
        const orderBy = strings(record.args.order_by);
        if (filter === undefined && orderBy === undefined) continue;
        bodies = [];
        await store.traces.searchTraces({ experimentIds: strings(record.args.locations) ?? [], filter, orderBy, maxResults: 100 });
        assert.equal(bodies.length, 1, record.id);
        assert.equal(bodies[0]!.filter, filter, record.id);
        assert.deepEqual(bodies[0]!.order_by, orderBy, record.id);
        sent++;
      }
      assert.ok(sent > 80, `${sent} searches with a filter or an order`);
    } finally {
      store.dispose();
    }
  });
});
