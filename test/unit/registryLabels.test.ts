import assert from 'node:assert/strict';
import { toModelVersion, toRegisteredModel } from '../../src/mlflow/rest/mapping';
import type { ModelVersion, RegisteredModel } from '../../src/mlflow/types';
import {
  aliasesByVersion,
  aliasesOf,
  aliasLabel,
  latestVersionNumber,
  modelBadges,
  oneLine,
  sortVersionsNewestFirst,
  versionBadges,
  versionLabel,
} from '../../src/registry/registryLabels';
import { getCapture, type CaptureSetName } from '../support/replayServer';

/** The registered models and iris-classifier's versions exactly as each real server sent them. */
function registry(set: CaptureSetName): { models: RegisteredModel[]; versions: ModelVersion[] } {
  const models = (getCapture(set, 'registered_models_search').response as { registered_models: unknown[] }).registered_models.map(toRegisteredModel);
  const versions = (getCapture(set, 'model_versions_search').response as { model_versions: unknown[] }).model_versions.map(toModelVersion);
  return { models, versions };
}

describe('Models view labels over the 2.17.2 captures', () => {
  const { models, versions } = registry('mlflow-2.17.2');
  const iris = models.find((m) => m.name === 'iris-classifier')!;
  const wine = models.find((m) => m.name === 'wine-regressor')!;

  it("takes versions' aliases from the registered model, as 2.x search results carry none", () => {
    assert.deepEqual(versions.map((v) => v.aliases), [[], [], []], 'the 2.17.2 search leaves aliases out');
    assert.deepEqual([...aliasesByVersion(iris)], [['3', ['challenger']], ['2', ['champion']]]);
    assert.deepEqual(versions.map((v) => [v.version, aliasesOf(v, iris)]), [['3', ['challenger']], ['2', ['champion']], ['1', []]]);
  });

  it('labels aliases "@alias → vN" and versions "Version N"', () => {
    assert.deepEqual(iris.aliases.map((a) => aliasLabel(a.alias, a.version)), ['@challenger → v3', '@champion → v2']);
    assert.deepEqual(versions.map(versionLabel), ['Version 3', 'Version 2', 'Version 1']);
  });

  it('badges versions with their aliases and their stage where it is not None', () => {
    assert.deepEqual(
      versions.map((v) => versionBadges(v, aliasesOf(v, iris), true)),
      ['@challenger · Staging', '@champion · Production', 'Archived'],
    );
    assert.deepEqual(versions.map((v) => versionBadges(v, aliasesOf(v, iris), false)), ['@challenger', '@champion', '']);
    assert.equal(versionBadges({ currentStage: 'None' }, ['a', 'b'], true), '@a @b');
  });

  it('describes a registered model by its newest version and its aliases', () => {
    assert.equal(latestVersionNumber(iris), '3');
    assert.equal(modelBadges(iris), 'latest v3 · 2 aliases');
    assert.equal(modelBadges(wine), 'latest v1 · 1 alias');
    assert.equal(modelBadges({ latestVersions: [], aliases: [] }), 'no versions');
  });
});

describe('Models view labels over the 3.x captures', () => {
  it('finds the newest version from the single latest version 3.x sends, and shows no stage for None', () => {
    const { models, versions } = registry('mlflow-3.x');
    const iris = models.find((m) => m.name === 'iris-classifier')!;
    assert.equal(modelBadges(iris), 'latest v3 · 2 aliases');
    assert.deepEqual(versions.map((v) => versionBadges(v, aliasesOf(v, iris), true)), ['@challenger', '@champion', '']);
  });
});

describe('version order and one-line text', () => {
  it('orders versions by number, newest first', () => {
    assert.deepEqual(sortVersionsNewestFirst([{ version: '9' }, { version: '10' }, { version: '1' }]).map((v) => v.version), ['10', '9', '1']);
  });

  it('flattens and shortens descriptions for a tree line', () => {
    assert.equal(oneLine('line one\nline two\tend'), 'line one line two end');
    assert.equal(oneLine('x'.repeat(200)).length, 120);
    assert.ok(oneLine('x'.repeat(200)).endsWith('…'));
  });
});
