import assert from 'node:assert/strict';
import { searchModelVersionsIn } from '../../src/mlflow/local/registryQuery';
import { tokenize } from '../../src/mlflow/searchFilter';
import type { ModelVersion } from '../../src/mlflow/types';
import {
  aliasNameProblem,
  normalisePosixPath,
  parseRegistrationSource,
  runArtifactSource,
  tagKeyProblem,
  versionsFilter,
  versionsNamed,
} from '../../src/registry/registryRules';

// Ids from test/fixtures/mlflow-*/ids.json.
const RUN_ID = '459191d6afe44e408cc618beff3a1e37';
const MODEL_ID = 'm-8a56e736fef14ed487ab931712344172';

describe('aliasNameProblem (MLflow _validate_model_alias_name)', () => {
  it('accepts the aliases the reference servers hold and other word characters', () => {
    for (const alias of ['champion', 'challenger', 'latest-good', 'temp-alias', 'prod_2', 'v1beta', 'V', 'produção', '本番']) {
      assert.equal(aliasNameProblem(alias), undefined, alias);
    }
  });

  it("rejects 'latest' in any case with the server's message (capture registered_models_set_alias_reserved_latest_400)", () => {
    assert.equal(aliasNameProblem('latest'), "'latest' alias name (case insensitive) is reserved.");
    assert.equal(aliasNameProblem('LaTeSt'), "'latest' alias name (case insensitive) is reserved.");
  });

  it('rejects names that look like version aliases', () => {
    assert.equal(aliasNameProblem('v1'), "Version alias name 'v1' is reserved.");
    assert.equal(aliasNameProblem('V42'), "Version alias name 'V42' is reserved.");
  });

  it('rejects empty names, other characters and names over 255 characters', () => {
    assert.equal(aliasNameProblem(''), 'Registered model alias name cannot be empty.');
    for (const alias of ['my alias', 'a.b', 'a/b', 'a@b', "o'neil"]) {
      assert.match(aliasNameProblem(alias) ?? '', /^Invalid alias name: .* Names may only contain alphanumerics, underscores \(_\), and dashes \(-\)\.$/s, JSON.stringify(alias));
    }
    assert.equal(aliasNameProblem('a'.repeat(255)), undefined);
    assert.match(aliasNameProblem('a'.repeat(256)) ?? '', /maximum length of 255/);
  });
});

describe('tagKeyProblem (MLflow _validate_tag_name)', () => {
  it('accepts the keys the reference registry holds', () => {
    for (const key of ['task', 'owner', 'domain', 'validation_status', 'reviewed_by', 'mlflow.prompt.is_prompt', 'team/owner', 'a b:c']) {
      assert.equal(tagKeyProblem(key), undefined, key);
    }
  });

  it('rejects empty keys, other characters and keys that are not a normalised path', () => {
    assert.equal(tagKeyProblem(''), 'A tag key cannot be empty.');
    assert.match(tagKeyProblem('a=b') ?? '', /only contain/);
    for (const key of ['/abs', '../up', 'a/../b', 'a//b', 'a/', '.', './a']) assert.match(tagKeyProblem(key) ?? '', /would resolve to/, key);
  });

  it('normalises paths as posixpath.normpath does', () => {
    const cases: [string, string][] = [['', '.'], ['a/./b', 'a/b'], ['a/../..', '..'], ['/../a', '/a'], ['//a', '//a'], ['///a', '/a'], ['a/b/', 'a/b']];
    for (const [path, expected] of cases) assert.equal(normalisePosixPath(path), expected, path);
  });
});

describe('versionsFilter: one model’s versions whatever its name holds', () => {
  const version = (name: string, n: number): ModelVersion => ({
    name, version: String(n), creationTimestamp: n, currentStage: 'None', description: '', source: `/srv/${n}`,
    status: 'READY', tags: {}, aliases: [],
  });
  const names = ['iris-classifier', "o'neil", 'say "hi"', `both ' and "`, 'back\\slash', 'back\\', 'per%cent', 'under_score', 'underXscore', 'name LIKE x'];
  const registry = names.flatMap((name, i) => [version(name, i * 10 + 1), version(name, i * 10 + 2)]);

  it("sends the filter MLflow's own client sends for ordinary names (capture model_versions_search)", () => {
    assert.equal(versionsFilter('iris-classifier'), "name='iris-classifier'");
  });

  it('double-quotes a name with a single quote and falls back to LIKE when no quoting is safe', () => {
    assert.equal(versionsFilter("o'neil"), `name="o'neil"`);
    assert.equal(versionsFilter(`both ' and "`), "name LIKE 'both _ and _'");
    assert.equal(versionsFilter('back\\'), "name LIKE 'back_'");
  });

  for (const name of names) {
    it(`finds exactly the versions of ${JSON.stringify(name)} with MLflow's filter rules`, () => {
      const filter = versionsFilter(name);
      // A value token that runs to the end of the filter: nothing of the name leaks out of its quotes.
      assert.ok(['string', 'identifier'].includes(tokenize(filter).at(-1)?.kind ?? ''), filter);
      const found = versionsNamed(searchModelVersionsIn(registry, { filter }).items, name);
      assert.deepEqual(found.map((v) => v.name + '#' + v.version).sort(), registry.filter((v) => v.name === name).map((v) => v.name + '#' + v.version).sort());
    });
  }
});

describe('parseRegistrationSource', () => {
  it("accepts a run's model folder and an MLflow 3 logged model", () => {
    assert.deepEqual(parseRegistrationSource(`runs:/${RUN_ID}/model`), {
      ok: true, source: { kind: 'run', uri: `runs:/${RUN_ID}/model`, runId: RUN_ID, artifactPath: 'model' },
    });
    assert.deepEqual(parseRegistrationSource(` models:/${MODEL_ID} `), { ok: true, source: { kind: 'loggedModel', uri: `models:/${MODEL_ID}`, modelId: MODEL_ID } });
  });

  it('explains why registered models, stages, paths and other URIs are refused', () => {
    for (const uri of ['models:/iris-classifier/2', 'models:/iris-classifier@champion', 'models:/iris-classifier/Production']) {
      const parsed = parseRegistrationSource(uri);
      assert.ok(!parsed.ok && /is a registered model already/.test(parsed.message), uri);
    }
    for (const uri of ['/srv/model', 's3://bucket/model']) {
      const parsed = parseRegistrationSource(uri);
      assert.ok(!parsed.ok && /is not a model MLflow tracks/.test(parsed.message), uri);
    }
    const noPath = parseRegistrationSource(`runs:/${RUN_ID}`);
    assert.ok(!noPath.ok && /names no model/.test(noPath.message));
  });

  it("stores what mlflow.register_model stores: the run's artifact location joined with the model path", () => {
    // The run's artifact_uri and a version source as the 2.17.2 server holds them (capture model_versions_get).
    assert.equal(
      runArtifactSource('/srv/mlflow-ref/artifacts/1/b6018b06ee1d4ca0b0b9c15450bf3092/artifacts', 'model'),
      '/srv/mlflow-ref/artifacts/1/b6018b06ee1d4ca0b0b9c15450bf3092/artifacts/model',
    );
    assert.equal(runArtifactSource('mlflow-artifacts:/1/abc/artifacts/', '/model'), 'mlflow-artifacts:/1/abc/artifacts/model');
  });
});
