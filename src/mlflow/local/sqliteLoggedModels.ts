import type { Database, SqlValue } from './sqliteRows';
import type { LoggedModel, LoggedModelStatus } from '../types';
import { parseMetricValue } from '../values';
import { LOGGED_MODEL_STATUS_CODES } from './loggedModelQuery';
import { hasTable, inChunks, numberOr, optionalNumber, optionalText, placeholders, queryRows, text } from './sqliteRows';

/**
 * MLflow 3's logged models (`logged_models` and its tag, param and metric tables). Deleted models
 * are hidden, as the server hides them from search and answers 404 for them.
 */

const STATUS_BY_CODE = new Map<number, LoggedModelStatus>(
  Object.entries(LOGGED_MODEL_STATUS_CODES).map(([name, code]) => [code, name as LoggedModelStatus]),
);

export function hasLoggedModels(db: Database): boolean {
  return hasTable(db, 'logged_models');
}

/** Active logged models, all or those of some experiments, or one by id. */
export function readLoggedModels(db: Database, scope: { experimentIds?: readonly string[]; modelId?: string }): LoggedModel[] {
  if (!hasLoggedModels(db)) return [];
  const conditions = ["(lifecycle_stage IS NULL OR lifecycle_stage = 'active')"];
  const params: SqlValue[] = [];
  if (scope.experimentIds) {
    if (scope.experimentIds.length === 0) return [];
    conditions.push(`experiment_id IN ${placeholders(scope.experimentIds.length)}`);
    params.push(...scope.experimentIds);
  }
  if (scope.modelId !== undefined) {
    conditions.push('model_id = ?');
    params.push(scope.modelId);
  }
  const models = queryRows(db, `SELECT * FROM logged_models WHERE ${conditions.join(' AND ')}`, params).map(
    (row): LoggedModel => {
      const model: LoggedModel = {
        modelId: text(row.model_id),
        experimentId: text(row.experiment_id),
        name: text(row.name),
        artifactUri: text(row.artifact_location),
        status: STATUS_BY_CODE.get(numberOr(row.status, 0)) ?? 'UNSPECIFIED',
        creationTimestamp: numberOr(row.creation_timestamp_ms, 0),
        lastUpdatedTimestamp: optionalNumber(row.last_updated_timestamp_ms),
        tags: {},
        params: {},
        metrics: [],
      };
      const modelType = optionalText(row.model_type);
      const sourceRunId = optionalText(row.source_run_id);
      if (modelType) model.modelType = modelType;
      if (sourceRunId) model.sourceRunId = sourceRunId;
      return model;
    },
  );
  const byId = new Map(models.map((m) => [m.modelId, m]));
  const ids = [...byId.keys()];
  const inIds = (sql: string) => inChunks(ids, (chunk) => queryRows(db, `${sql} WHERE model_id IN ${placeholders(chunk.length)} ORDER BY rowid`, chunk));
  for (const row of inIds('SELECT model_id, tag_key, tag_value FROM logged_model_tags')) {
    const model = byId.get(text(row.model_id));
    if (model) model.tags[text(row.tag_key)] = text(row.tag_value);
  }
  for (const row of inIds('SELECT model_id, param_key, param_value FROM logged_model_params')) {
    const model = byId.get(text(row.model_id));
    if (model) model.params[text(row.param_key)] = text(row.param_value);
  }
  for (const row of inIds('SELECT model_id, metric_name, metric_value, metric_timestamp_ms, metric_step FROM logged_model_metrics')) {
    byId.get(text(row.model_id))?.metrics.push({
      key: text(row.metric_name),
      // The column is nullable (unlike runs' metrics); no stored number reads as NaN, not as 0.
      value: row.metric_value === null ? Number.NaN : parseMetricValue(row.metric_value),
      timestamp: numberOr(row.metric_timestamp_ms, 0),
      step: numberOr(row.metric_step, 0),
    });
  }
  return models;
}
