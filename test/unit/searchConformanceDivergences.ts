/**
 * Where the local backends answer a recorded real-MLflow search differently ON PURPOSE (or, for
 * `gap` rows, not yet). Each row names one record of `test/fixtures/<version>/search-semantics/<file>`;
 * searchConformance.test.ts requires that the record still differs from MLflow, and that we answer
 * what `instead` says. Every other record must match MLflow exactly. The README's "Known limits"
 * repeats this table.
 */

export type DivergenceKind =
  /** MLflow itself is broken here (a crash, an unescaped regex). */
  | 'mlflow-bug'
  /** MLflow 2.17.2 and 3.x disagree; local stores follow MLflow 3 on every store. */
  | 'follows-mlflow-3'
  /** Not done yet; the reason says where it belongs. */
  | 'gap';

export type Instead =
  /** The answer MLflow 3 gave to the record with the same id on its copy of the same store (same names, or same error). */
  | { like: 'mlflow-3.x' }
  /** What we answer, page by page. */
  | { pages: string[][] }
  /** The same ids as MLflow, without 2.17.2's empty last page. */
  | { withoutEmptyLastPage: true }
  /** The answer MLflow gave to another record of the same file (the same search in a form MLflow takes). */
  | { sameAs: string }
  /**
   * The names MLflow found for other records of the same file, as a set: those of `of`, less those
   * of `without` (e.g. "has tag t" is `t = 'a'` ∪ `t != 'a'`, since no comparator matches a missing key).
   */
  | { names: { of: string[]; without?: string[] } }
  /** We fail with this error code (MLflow's message there is a crash's). */
  | { errorCode: string };

export interface Divergence {
  version: 'mlflow-2.17.2' | 'mlflow-3.x';
  file: string;
  id: string;
  kind: DivergenceKind;
  reason: string;
  instead: Instead;
}

const MLFLOW_3 = { like: 'mlflow-3.x' } as const;
const v2 = (file: string, id: string, kind: DivergenceKind, reason: string, instead: Instead): Divergence => ({
  version: 'mlflow-2.17.2',
  file,
  id,
  kind,
  reason,
  instead,
});
const v3 = (file: string, id: string, kind: DivergenceKind, reason: string, instead: Instead): Divergence => ({
  version: 'mlflow-3.x',
  file,
  id,
  kind,
  reason,
  instead,
});

const IS_NULL = 'IS NULL / IS NOT NULL are MLflow 3 syntax, accepted on every store';
const LIKE_REGEX = "2.17.2's FileStore turns LIKE into an unescaped regex; LIKE is SQL LIKE here";

export const DIVERGENCES: Divergence[] = [
  // MLflow 2.17.2 SQLite store (server-store)
  v2('server-store.jsonl', 'runs.dataset.like_and_metric', 'mlflow-bug', '2.17.2 SQLite crashes on a datasets + metrics filter (fixed in 3.x)', MLFLOW_3),
  v2('server-store.jsonl', 'runs.page.metric_asc', 'follows-mlflow-3', '2.17.2 SQLite ends an exactly full result with an empty page', { withoutEmptyLastPage: true }),
  v2('server-store.jsonl', 'runs.page.exact_multiple', 'follows-mlflow-3', '2.17.2 SQLite ends an exactly full result with an empty page', { withoutEmptyLastPage: true }),
  v2('server-store.jsonl', 'runs.attr.run_id_in_double_quotes', 'follows-mlflow-3', 'MLflow 3 takes double-quoted IN items', MLFLOW_3),
  v2('server-store.jsonl', 'runs.syntax.param_gt', 'follows-mlflow-3', 'the comparator list names MLflow 3\'s IS NULL', MLFLOW_3),
  v2('server-store.jsonl', 'runs.syntax.tag_lt', 'follows-mlflow-3', 'the comparator list names MLflow 3\'s IS NULL', MLFLOW_3),
  v2('server-store.jsonl', 'runs.isnull.param_is_null', 'follows-mlflow-3', IS_NULL, MLFLOW_3),
  v2('server-store.jsonl', 'runs.isnull.param_is_not_null', 'follows-mlflow-3', IS_NULL, MLFLOW_3),
  v2('server-store.jsonl', 'runs.isnull.tag_is_null', 'follows-mlflow-3', IS_NULL, MLFLOW_3),
  v2('server-store.jsonl', 'runs.isnull.tag_is_not_null_dotted', 'follows-mlflow-3', IS_NULL, MLFLOW_3),
  v2('server-store.jsonl', 'runs.isnull.metric_is_null', 'follows-mlflow-3', IS_NULL, MLFLOW_3),
  v2('server-store.jsonl', 'runs.isnull.attr_is_null', 'follows-mlflow-3', IS_NULL, MLFLOW_3),
  v2('server-store.jsonl', 'experiments.isnull.tag_is_null', 'follows-mlflow-3', IS_NULL, {
    names: { of: ['experiments.default'], without: ['experiments.tag.eq', 'experiments.tag.ne'] },
  }),
  v2('server-store.jsonl', 'experiments.isnull.tag_is_not_null', 'follows-mlflow-3', IS_NULL, {
    names: { of: ['experiments.tag.eq', 'experiments.tag.ne'] },
  }),
  v2('server-store.jsonl', 'registered_models.prompt.is_prompt_false', 'follows-mlflow-3', 'a model without the is_prompt tag is not a prompt (MLflow 3)', MLFLOW_3),
  // MLflow 2.17.2 FileStore (file-store)
  v2('file-store.jsonl', 'runs.like.dot_is_regex', 'mlflow-bug', LIKE_REGEX, { pages: [[]] }),
  v2('file-store.jsonl', 'runs.like.regex_plus', 'mlflow-bug', LIKE_REGEX, { pages: [[]] }),
  v2('file-store.jsonl', 'runs.like.regex_bracket', 'mlflow-bug', LIKE_REGEX, { pages: [[]] }),
  v2('file-store.jsonl', 'runs.like.regex_unbalanced', 'mlflow-bug', `${LIKE_REGEX} (2.17.2 raised re.error)`, MLFLOW_3),
  // params.nonexistent IS NULL and tags.`mlflow.runName` IS NOT NULL hold for every active run.
  v2('file-store.jsonl', 'runs.isnull.param_is_null', 'follows-mlflow-3', IS_NULL, { names: { of: ['runs.all.active'] } }),
  v2('file-store.jsonl', 'runs.isnull.tag_is_not_null', 'follows-mlflow-3', IS_NULL, { names: { of: ['runs.all.active'] } }),
  v2('file-store.jsonl', 'experiments.isnull.tag_is_null', 'follows-mlflow-3', IS_NULL, {
    names: { of: ['experiments.default'], without: ['experiments.tag.ne'] },
  }),
  // MLflow 3 SQLite store (server-store)
  v3('server-store.jsonl', 'logged_models.edge.unknown_attr', 'mlflow-bug', "MLflow fails with INTERNAL_ERROR (type object 'SqlLoggedModel' has no attribute 'foo'); we name the bad key", {
    errorCode: 'INVALID_PARAMETER_VALUE',
  }),
  v3('server-store.jsonl', 'logged_models.edge.order_by_string', 'mlflow-bug', "MLflow's client crashes on a string order_by; ours takes MLflow's string form", {
    sameAs: 'logged_models.order.name_asc',
  }),
];

/**
 * Records not run at all: APIs and arguments the local backends do not offer. Counted by the test so
 * that the numbers in the README stay true.
 */
export const NOT_OFFERED = {
  /** Prompts are browsed as registered models. */
  apis: ['search_prompts'],
  /** The `datasets=` argument of search_logged_models (the extension never scopes by dataset). */
  args: ['datasets'],
  /**
   * search_traces with `include_spans=True`: the extension's trace searches read trace infos only
   * (spans are read when a trace is opened).
   */
  argValues: { include_spans: true } as Record<string, unknown>,
  /**
   * `<store>#<id>` of records whose answer is the Python client's check of its own `run_id=` /
   * `model_id=` arguments (a run outside `locations`; `model_id` beside a filter). The extension builds
   * those filters itself from a run or logged-model node, in that node's own experiment and never beside
   * another filter, so neither check has a counterpart.
   */
  clientChecks: ['genai-store#traces.run_id.param_wrong_location', 'genai-store#traces.edge.model_id_and_filter'],
};
