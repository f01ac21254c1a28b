import assert from 'node:assert/strict';
import { MlflowError } from '../../src/mlflow/errors';
import { searchExperimentsIn } from '../../src/mlflow/local/experimentQuery';
import { compareValue, likeToRegExp, parseRunFilter, runMatchesFilter, tokenize } from '../../src/mlflow/searchFilter';
import { parseRunOrderBy, shlexSplit, sortRuns, splitOrderBy } from '../../src/mlflow/searchOrder';
import type { Experiment, Run } from '../../src/mlflow/types';

/** Filter and order_by semantics and messages; the messages quoted here are the real servers' (rest-captures). */

function run(id: string, over: { start?: number; metrics?: Record<string, number>; params?: Record<string, string>; tags?: Record<string, string>; name?: string; status?: Run['info']['status'] } = {}): Run {
  return {
    info: {
      runId: id,
      experimentId: '1',
      runName: over.name ?? id,
      userId: 'alice',
      status: over.status ?? 'FINISHED',
      startTime: over.start ?? 1000,
      endTime: undefined,
      artifactUri: `/a/${id}`,
      lifecycleStage: 'active',
    },
    data: {
      metrics: Object.entries(over.metrics ?? {}).map(([key, value]) => ({ key, value, timestamp: 0, step: 0 })),
      params: over.params ?? {},
      tags: over.tags ?? {},
    },
    inputs: { datasets: [{ name: 'iris-train', digest: 'abc', context: 'training' }], modelInputs: [] },
    outputs: { modelOutputs: [] },
  };
}

function rejects(fn: () => unknown, message: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof MlflowError, `expected MlflowError, got ${String(error)}`);
    assert.equal(error.errorCode, 'INVALID_PARAMETER_VALUE');
    assert.equal(error.status, 400);
    assert.equal(error.message, message);
    return true;
  });
}

const ids = (runs: readonly Run[]) => runs.map((r) => r.info.runId);
const matching = (runs: readonly Run[], filter: string) => ids(runs.filter((r) => runMatchesFilter(r, parseRunFilter(filter))));

describe('searchFilter: runs', () => {
  const runs = [
    run('a', { metrics: { acc: 0.9, 'val/loss': 0.1 }, params: { lr: '0.1' }, tags: { team: 'vision', 'mlflow.parentRunId': 'p' }, name: 'baseline-0' }),
    run('b', { metrics: { acc: 0.5 }, params: { lr: '0.01' }, tags: { team: 'nlp' }, name: 'Baseline-1', status: 'FAILED' }),
    run('c', { metrics: { acc: Number.NaN }, tags: { team: 'tabular' }, name: 'other', start: 5000 }),
    run('d', { name: 'no-data' }),
  ];

  it('evaluates every numeric comparator on metrics; runs without the metric never match', () => {
    assert.deepEqual(matching(runs, 'metrics.acc = 0.9'), ['a']);
    assert.deepEqual(matching(runs, 'metrics.acc != 0.9'), ['b', 'c']);
    assert.deepEqual(matching(runs, 'metrics.acc > 0.5'), ['a']);
    assert.deepEqual(matching(runs, 'metrics.acc >= 0.5'), ['a', 'b']);
    assert.deepEqual(matching(runs, 'metrics.acc < 0.9'), ['b']);
    assert.deepEqual(matching(runs, 'metrics.acc <= 0.9'), ['a', 'b']);
    assert.deepEqual(matching(runs, 'metric.acc > -1e3'), ['a', 'b']);
  });

  it('reads backticked and double-quoted keys, and the entity aliases MLflow accepts', () => {
    assert.deepEqual(matching(runs, 'metrics.`val/loss` < 0.5'), ['a']);
    assert.deepEqual(matching(runs, 'metrics."val/loss" < 0.5'), ['a']);
    assert.deepEqual(matching(runs, '`metrics`.`val/loss` < 0.5'), ['a']);
    assert.deepEqual(matching(runs, "param.lr = '0.1'"), ['a']);
    assert.deepEqual(matching(runs, "parameters.lr = '0.01'"), ['b']);
    assert.deepEqual(matching(runs, "tag.team = 'nlp'"), ['b']);
    assert.deepEqual(matching(runs, "tags.mlflow.parentRunId = 'p'"), ['a']);
    assert.deepEqual(matching(runs, "attribute.status = 'FAILED'"), ['b']);
    assert.deepEqual(matching(runs, "run.status = 'FAILED'"), ['b']);
    assert.deepEqual(matching(runs, "attr.status = 'FAILED'"), ['b']);
    assert.deepEqual(matching(runs, "status = 'FAILED'"), ['b']);
  });

  it('takes string values in single or double quotes', () => {
    assert.deepEqual(matching(runs, 'tags.team = "vision"'), ['a']);
    assert.deepEqual(matching(runs, "tags.team = 'vision'"), ['a']);
  });

  it('evaluates =, !=, LIKE and ILIKE on params, tags and string attributes', () => {
    assert.deepEqual(matching(runs, "params.lr != '0.1'"), ['b']);
    assert.deepEqual(matching(runs, "tags.team LIKE '%i%'"), ['a']);
    assert.deepEqual(matching(runs, "tags.team like 'n_p'"), ['b']);
    assert.deepEqual(matching(runs, "attributes.run_name LIKE 'base%'"), ['a']);
    assert.deepEqual(matching(runs, "attributes.run_name ILIKE 'BASE%'"), ['a', 'b']);
    assert.deepEqual(matching(runs, "attributes.`Run Name` = 'other'"), ['c']);
  });

  it('evaluates IN and NOT IN on run_id and datasets', () => {
    assert.deepEqual(matching(runs, "attributes.run_id IN ('a', 'c')"), ['a', 'c']);
    assert.deepEqual(matching(runs, "attributes.run_id NOT IN ('a')"), ['b', 'c', 'd']);
    assert.deepEqual(matching(runs, "datasets.name IN ('iris-train')").length, 4);
    assert.deepEqual(matching(runs, "dataset.context = 'training'").length, 4);
    assert.deepEqual(matching(runs, "dataset.digest != 'abc'"), []);
  });

  it('compares numeric attributes as numbers (start_time, created)', () => {
    assert.deepEqual(matching(runs, 'attributes.start_time > 1000'), ['c']);
    assert.deepEqual(matching(runs, 'attributes.created >= 5000'), ['c']);
    assert.deepEqual(matching(runs, 'attributes.end_time > 0'), []);
  });

  it('ANDs clauses, case-insensitively, and treats an empty filter as everything', () => {
    assert.deepEqual(matching(runs, "metrics.acc > 0.1 and tags.team = 'nlp' AND params.lr = '0.01'"), ['b']);
    assert.deepEqual(matching(runs, ''), ['a', 'b', 'c', 'd']);
    // MLflow rejects a whitespace-only filter (search-semantics `runs.syntax.whitespace_filter`).
    rejects(() => parseRunFilter('   '), "Invalid filter '   '. Could not be parsed.");
    assert.deepEqual(parseRunFilter(undefined), []);
  });

  it('fails like the server for bad comparators, entities and values', () => {
    rejects(() => parseRunFilter('metrics.accuracy >>> 1'), "Invalid comparator '>>>' not one of '{'>', '!=', '<=', '>=', '<', '='}");
    rejects(
      () => parseRunFilter('foo.bar = 1'),
      "Invalid entity type 'foo'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']",
    );
    // MLflow 3's lists, which name IS NULL (search-semantics `runs.syntax.param_gt`, `runs.syntax.tag_lt`).
    rejects(() => parseRunFilter("params.lr > '1'"), "Invalid comparator '>' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL'}'");
    rejects(() => parseRunFilter("tags.t > 'a'"), "Invalid comparator '>' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL'}");
    // MLflow types the value before it checks the comparator, so a list for a tag fails on the value.
    rejects(() => parseRunFilter("tags.t IN ('a')"), "Expected a quoted string value for tag (e.g. 'my-value'). Got value ('a')");
    rejects(() => parseRunFilter("metrics.acc = 'x'"), "Expected numeric value type for metric. Found 'x'");
    rejects(() => parseRunFilter('params.lr = 1'), "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 1");
    rejects(
      () => parseRunFilter('tags.t = vision'),
      'Parameter value is either not quoted or unidentified quote types used for string value vision. Use either single or double quotes.',
    );
    rejects(() => parseRunFilter("attributes.start_time > '1'"), "Expected numeric value type for numeric attribute: start_time. Found '1'");
    rejects(
      () => parseRunFilter("attributes.status IN ('A')"),
      "Only the 'run_id' attribute supports comparison with a list of quoted string values.",
    );
    assert.throws(() => parseRunFilter("attributes.nope = 'x'"), /^MlflowError: Invalid attribute key 'nope' specified\. Valid keys are/);
    // MLflow lists only what is not a comparison (search-semantics runs.syntax.or), and tolerates a
    // leading or trailing AND (runs.syntax.trailing_and, runs.syntax.leading_and).
    rejects(() => parseRunFilter("metrics.a > 1 OR metrics.b > 1"), "Invalid clause(s) in filter string: 'OR'");
    assert.equal(parseRunFilter('metrics.a > 1 AND').length, 1);
    assert.equal(parseRunFilter('AND metrics.a > 1').length, 1);
    rejects(
      () => parseRunFilter("attributes.run_id IN ()"),
      'While parsing a list in the query, expected a non-empty list of string values, but got empty list',
    );
  });

  it('keeps quoted text as typed (no unescaping) and LIKE wildcards literal elsewhere', () => {
    assert.deepEqual(tokenize("tags.x = 'it''s'").map((t) => t.kind), ['identifier', 'operator', 'string']);
    assert.ok(likeToRegExp('a.b%', false).test('a.bc'));
    assert.ok(!likeToRegExp('a.b%', false).test('axbc'));
    assert.ok(!likeToRegExp('ABC', false).test('abc'));
    assert.ok(likeToRegExp('ABC', true).test('abc'));
    assert.equal(compareValue(undefined, '!=', 'x'), false);
  });
});

describe('searchOrder: runs', () => {
  const runs = [
    run('r1', { start: 3, metrics: { acc: 0.5 } }),
    run('r2', { start: 2, metrics: { acc: Number.NaN } }),
    run('r3', { start: 1, metrics: { acc: 0.9 } }),
    run('r4', { start: 1 }),
    run('r0', { start: 1, metrics: { acc: 0.9 } }),
  ];

  it('orders by start_time DESC then run_id by default', () => {
    assert.deepEqual(ids(sortRuns(runs, [])), ['r1', 'r2', 'r0', 'r3', 'r4']);
  });

  it('puts NaN after values and missing metrics last, in both directions', () => {
    assert.deepEqual(ids(sortRuns(runs, ['metrics.acc DESC'])), ['r0', 'r3', 'r1', 'r2', 'r4']);
    assert.deepEqual(ids(sortRuns(runs, ['metrics.acc ASC'])), ['r1', 'r0', 'r3', 'r2', 'r4']);
    assert.deepEqual(ids(sortRuns(runs, ['metrics.`acc`'])), ['r1', 'r0', 'r3', 'r2', 'r4']);
  });

  it('parses keys, directions and backticks like MLflow', () => {
    assert.deepEqual(parseRunOrderBy(['metrics.`val/loss` DESC', 'attributes.created', 'tags.`a b` asc']), [
      { type: 'metric', key: 'val/loss', ascending: false },
      { type: 'attribute', key: 'start_time', ascending: true },
      { type: 'tag', key: 'a b', ascending: true },
    ]);
    assert.deepEqual(splitOrderBy('name'), { token: 'name', ascending: true });
    assert.deepEqual(shlexSplit('a "b c" d'), ['a', 'b c', 'd']);
  });

  it('rejects bad clauses with the server messages', () => {
    rejects(() => parseRunOrderBy(['metrics.accuracy SIDEWAYS']), "Invalid ordering key in order_by clause 'metrics.accuracy SIDEWAYS'.");
    rejects(() => parseRunOrderBy(['a b c']), "Invalid order_by clause 'a b c'. Could not be parsed.");
    rejects(() => parseRunOrderBy(['metrics.a > 1']), "Invalid order_by clause 'metrics.a > 1'. Could not be parsed.");
    rejects(() => parseRunOrderBy(['metrics.a', 'metrics.a DESC']), "`order_by` contains duplicate fields: ['metrics.a', 'metrics.a DESC']");
    rejects(
      () => parseRunOrderBy(['foo.a']),
      "Invalid entity type 'foo'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']",
    );
  });
});

describe('searchFilter: experiments', () => {
  const experiment = (id: string, name: string, creationTime: number, tags: Record<string, string> = {}): Experiment => ({
    experimentId: id,
    name,
    artifactLocation: '',
    lifecycleStage: 'active',
    creationTime,
    lastUpdateTime: creationTime,
    tags,
  });
  const all = [experiment('0', 'Default', 1), experiment('1', 'iris-classification', 2, { team: 'vision' }), experiment('10', 'llm-x', 3, { team: 'nlp' })];
  const names = (filter?: string, orderBy?: string[]) => searchExperimentsIn(all, { filter, orderBy }).items.map((e) => e.name);

  it('filters on name, tags and times, newest first by default', () => {
    assert.deepEqual(names("name LIKE '%-%'"), ['llm-x', 'iris-classification']);
    assert.deepEqual(names("tags.team = 'nlp'"), ['llm-x']);
    assert.deepEqual(names("attribute.name ILIKE 'default'"), ['Default']);
    assert.deepEqual(names('creation_time >= 2'), ['llm-x', 'iris-classification']);
  });

  it('orders experiment ids numerically and by name on request', () => {
    assert.deepEqual(names(undefined, ['experiment_id DESC']), ['llm-x', 'iris-classification', 'Default']);
    assert.deepEqual(names(undefined, ['name ASC']), ['Default', 'iris-classification', 'llm-x']);
  });

  it('rejects what the server rejects', () => {
    rejects(() => names('foo.x = 1'), "Invalid entity type 'foo'. Valid entity types are ('attribute', 'tag', 'tags')");
    rejects(
      () => names("nme = 'x'"),
      "Invalid attribute key 'nme' specified. Valid keys are '{'name', 'creation_time', 'last_update_time'}'",
    );
    // search-semantics experiments.edge.name_gt
    rejects(() => names("name > 'x'"), "Invalid comparator '>' not one of '{'!=', '=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'}'");
    rejects(() => names('tags.team = 1'), "Expected a quoted string value for tag (e.g. 'my-value'). Got value 1");
  });
});
