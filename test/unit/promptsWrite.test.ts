import assert from 'node:assert/strict';
import { toModelVersion } from '../../src/mlflow/rest/mapping';
import { draftText, pythonJson, templateFromDraft, toPromptVersion } from '../../src/prompts/core/prompts';
import { aliasNameProblem } from '../../src/registry/registryRules';
import { getCapture, useReplayStore } from '../support/replayServer';

/**
 * Prompt registry writes: aliases set and removed, and a new version registered from an editor's text,
 * with exactly the requests the real MLflow 3 client and server exchanged (genai captures).
 */

const SET = 'mlflow-3.x-genai';
const SCRATCH = 'genai-app-capture-scratch-1796550918';

describe('prompts: writes over REST (MLflow 3 captures)', () => {
  const { replay, store } = useReplayStore(SET);

  it('sets and removes an alias with the captured registered-models/alias requests', async () => {
    await replay().expect(['prompts_set_alias'], () => store().setAlias(SCRATCH, 'production', '2'));
    await replay().expect(['prompts_delete_alias'], () => store().deleteAlias(SCRATCH, 'production'));
    const version = await replay().expect(['prompts_get_by_alias_after_set'], () => store().getModelVersionByAlias(SCRATCH, 'production'));
    assert.deepEqual(version.aliases, ['production']);
  });

  it('registers a new version with the body MLflow’s register_prompt sends (tags in its order, commit message as description)', async () => {
    const client = getCapture(SET, 'client_post_api_2_0_mlflow_model_versions_create');
    const sentByClient = client.request.body as { name: string; source: string; tags: { key: string; value: string }[]; description: string };
    replay().takeRequests();
    // The replay has no answer for this name (its capture carries the client's version header), so the call fails; the request is what counts.
    await assert.rejects(store().createPromptVersion({ name: sentByClient.name, template: 'Hello {{name}}', type: 'text', commitMessage: 'recorded' }));
    const [sent] = replay().takeRequests();
    assert.equal(sent?.method, 'POST');
    assert.equal(sent?.path, '/api/2.0/mlflow/model-versions/create');
    // The client also sent the user's version tag `author`; the extension registers none.
    const expected = { ...sentByClient, tags: sentByClient.tags.filter((t) => t.key !== 'author') };
    assert.equal(JSON.stringify(sent?.body), JSON.stringify(expected), 'same keys, same order');
  });

  it('leaves out the description when there is no commit message', async () => {
    replay().takeRequests();
    await assert.rejects(store().createPromptVersion({ name: 'p', template: '[]', type: 'chat' }));
    const [sent] = replay().takeRequests();
    assert.deepEqual(sent?.body, { name: 'p', source: 'dummy-source', tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }, { key: '_mlflow_prompt_type', value: 'chat' }, { key: 'mlflow.prompt.text', value: '[]' }] });
  });
});

describe('prompts: drafts of a new version', () => {
  it('opens a chat prompt as indented JSON and registers it back byte for byte as MLflow stored it', () => {
    const mv = toModelVersion((getCapture(SET, 'prompts_get_by_alias_after_set').response as { model_version: unknown }).model_version);
    const chat = toPromptVersion(mv);
    assert.equal(chat.type, 'chat');
    const text = draftText(chat);
    assert.match(text, /^\[\n {2}\{\n {4}"role": "system",/);
    assert.deepEqual(templateFromDraft(text, 'chat'), { ok: true, template: chat.template });
  });

  it('keeps a text template as typed and refuses an empty one', () => {
    assert.deepEqual(templateFromDraft('Summarize {{text}} in {{n}} words.', 'text'), { ok: true, template: 'Summarize {{text}} in {{n}} words.' });
    const empty = templateFromDraft(' \n', 'text');
    assert.equal(empty.ok, false);
  });

  it('refuses chat text that is not a list of {role, content} messages, saying why', () => {
    const bad = (text: string): string => {
      const result = templateFromDraft(text, 'chat');
      assert.equal(result.ok, false, text);
      return result.ok ? '' : result.message;
    };
    assert.match(bad('role: user'), /JSON list of messages/);
    assert.match(bad('{"role": "user"}'), /non-empty JSON list/);
    assert.match(bad('[{"content": "x"}]'), /Message 1 needs a "role"/);
  });

  it('writes JSON the way Python’s json.dumps does (separators, \\uXXXX for non-ASCII)', () => {
    assert.equal(pythonJson([{ role: 'user', content: '¿Qué? 🧪 "q"' }, { n: 1, ok: true, none: null }]),
      '[{"role": "user", "content": "\\u00bfQu\\u00e9? \\ud83e\\uddea \\"q\\""}, {"n": 1, "ok": true, "none": null}]');
  });

  it('checks a typed alias as MLflow does (the prompt registry shares the model registry’s rules)', () => {
    assert.equal(aliasNameProblem('production'), undefined);
    assert.equal(aliasNameProblem('prod-2_β'), undefined);
    assert.match(aliasNameProblem('latest')!, /reserved/);
    assert.match(aliasNameProblem('v2')!, /reserved/);
    assert.match(aliasNameProblem('a b')!, /alphanumerics/);
    assert.match(aliasNameProblem('')!, /empty/);
  });
});
