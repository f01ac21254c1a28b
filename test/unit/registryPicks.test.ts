import assert from 'node:assert/strict';
import { toModelVersion, toRegisteredModel } from '../../src/mlflow/rest/mapping';
import type { RegisteredModel } from '../../src/mlflow/types';
import { aliasPicks, modelPicks, versionPicks } from '../../src/registry/core/registryPicks';
import { getCapture } from '../support/replayServer';

/** The registered models and iris-classifier's versions exactly as the real 2.17.2 server sent them. */
const models = (getCapture('mlflow-2.17.2', 'registered_models_search').response as { registered_models: unknown[] }).registered_models.map(toRegisteredModel);
const versions = (getCapture('mlflow-2.17.2', 'model_versions_search').response as { model_versions: unknown[] }).model_versions.map(toModelVersion);
const iris = models.find((m) => m.name === 'iris-classifier')!;

describe('palette pickers: registered models, versions and aliases (registry/core/registryPicks)', () => {
  it('lists the registered models by name with their newest version and alias count', () => {
    const picks = modelPicks(models);
    assert.deepEqual(picks.map((p) => [p.label, p.description, p.name]), [
      ['iris-classifier', 'latest v3 · 2 aliases', 'iris-classifier'],
      ['wine-regressor', 'latest v1 · 1 alias', 'wine-regressor'],
    ]);
    assert.equal(picks[0]!.detail, 'Iris species classifier (reference data).');
  });

  it("lists a model's versions newest first with aliases and stages, the model itself first when asked", () => {
    const picks = versionPicks(versions, iris, { showStages: true });
    assert.deepEqual(picks.map((p) => [p.label, p.description, p.version]), [
      ['Version 3', '@challenger · Staging', '3'],
      ['Version 2', '@champion · Production', '2'],
      ['Version 1', 'Archived', '1'],
    ]);
    assert.deepEqual(versionPicks(versions, iris, { showStages: false }).map((p) => p.description), ['@challenger', '@champion', '']);
    const withModel = versionPicks(versions, iris, { showStages: false, withModel: true });
    assert.deepEqual([withModel[0]!.label, withModel[0]!.description, withModel[0]!.version], ['iris-classifier', 'the registered model itself', undefined]);
    assert.equal(withModel.length, versions.length + 1);
  });

  it("lists a model's aliases by name with the version each points at", () => {
    assert.deepEqual(aliasPicks(iris).map((p) => [p.label, p.description, p.alias, p.version]), [
      ['@challenger', '→ version 3', 'challenger', '3'],
      ['@champion', '→ version 2', 'champion', '2'],
    ]);
  });

  it('shows hostile names and descriptions as one literal line', () => {
    const hostile: RegisteredModel = { ...iris, name: '$(flame) m\nx', description: 'line one\nline two $(alert)' };
    const [pick] = modelPicks([hostile]);
    assert.equal(pick!.label, '$\u200b(flame) m x');
    assert.equal(pick!.detail, 'line one line two $\u200b(alert)');
    assert.equal(pick!.name, hostile.name, 'the pick still names the model exactly');
    assert.equal(aliasPicks({ ...iris, aliases: [{ alias: '$(x)', version: '1' }] })[0]!.label, '@$\u200b(x)');
  });
});
