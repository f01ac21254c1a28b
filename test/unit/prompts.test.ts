import assert from 'node:assert/strict';
import * as path from 'node:path';
import { SqliteStore } from '../../src/mlflow/local/sqliteStore';
import { toModelVersion, toRegisteredModel } from '../../src/mlflow/rest/mapping';
import { PROMPT_FILTER, promptAliasUri, promptDocument, promptVersionDescription, promptVersionUri, templateVariables, toPromptVersion } from '../../src/prompts/core/prompts';
import { SQLITE_ENGINE } from '../support/sqliteEngine';
import { getCapture, useReplayStore } from '../support/replayServer';

/** Prompts over the registry API: the prompt registry of the genai store equals the server's answers. */

const DB = path.resolve(__dirname, '../fixtures/mlflow-3.x/genai-store/mlflow.db');
const SET = 'mlflow-3.x-genai';

describe('prompts', () => {
  let store: SqliteStore;
  before(async () => {
    store = await SqliteStore.open(DB, { engine: SQLITE_ENGINE });
  });
  after(() => store.dispose());

  it('lists the prompts of the SQLite store as the server does (genai-app-qa with its aliases)', async () => {
    const page = await store.searchRegisteredModels({ filter: PROMPT_FILTER, maxResults: 100 });
    const server = toRegisteredModel((getCapture(SET, 'prompts_get_text').response as { registered_model: unknown }).registered_model);
    const local = page.items.find((p) => p.name === 'genai-app-qa');
    assert.ok(local);
    assert.deepEqual(local.aliases, server.aliases);
    assert.deepEqual(local.tags, server.tags);
    assert.ok(!(await store.searchRegisteredModels({ maxResults: 100 })).items.some((m) => m.name === 'genai-app-qa'), 'prompts stay out of the model list');
  });

  it('reads versions as prompt versions: template, commit message, aliases, user tags', async () => {
    const page = await store.searchModelVersions({ filter: `name='genai-app-qa' AND ${PROMPT_FILTER}`, maxResults: 1000 });
    const server = (getCapture(SET, 'prompts_versions_search_ui').response as { model_versions: unknown[] }).model_versions.map(toModelVersion);
    // The server's version search leaves aliases out; the prompt (registered-models/get) names them.
    const prompt = toRegisteredModel((getCapture(SET, 'prompts_get_text').response as { registered_model: unknown }).registered_model);
    const local = page.items.map((v) => toPromptVersion(v, prompt));
    const expected = server.map((v) => toPromptVersion(v, prompt));
    assert.deepEqual(
      local.map((v) => [v.version, v.template, v.commitMessage, v.aliases, v.tags]).sort(),
      expected.map((v) => [v.version, v.template, v.commitMessage, v.aliases, v.tags]).sort(),
    );
    const v3 = local.find((v) => v.version === '3')!;
    assert.deepEqual(v3.aliases, ['staging']);
    assert.deepEqual(templateVariables(v3.template), ['persona', 'question', 'context', 'language']);
    assert.equal(promptVersionDescription(v3), '@staging · Handle unknown answers');
    assert.match(promptDocument(v3), /^You are a concise \{\{persona\}\}\.[\s\S]*# model config\n\{\n {2}"model_name": "gpt-4o-mini"/);
    assert.ok(!('mlflow.prompt.text' in v3.tags));
  });

  it('renders a chat prompt as its messages, and builds prompts:/ URIs', () => {
    const chat = toPromptVersion(toModelVersion((getCapture(SET, 'prompts_chat_version_get_v1').response as { model_version: unknown }).model_version));
    assert.equal(chat.type, 'chat');
    assert.match(promptDocument(chat), /^system:\nYou are a helpful \{\{style\}\} assistant for \{\{product\}\}\.\n\nuser:\n\{\{question\}\}\n/);
    assert.match(promptDocument(chat), /# response format/);
    assert.equal(promptVersionUri('genai-app-qa', '2'), 'prompts:/genai-app-qa/2');
    assert.equal(promptAliasUri('genai-app-qa', 'production'), 'prompts:/genai-app-qa@production');
  });

  describe('over REST', () => {
    const { replay, store: rest } = useReplayStore(SET);
    it('reads a version and the version behind an alias with the captured requests', async () => {
      const v3 = await replay().expect(['prompts_version_get_v3'], () => rest().getModelVersion('genai-app-qa', '3'));
      assert.equal(toPromptVersion(v3).aliases.join(), 'staging');
      const production = await replay().expect(['prompts_get_version_by_alias_production'], () => rest().getModelVersionByAlias('genai-app-qa', 'production'));
      assert.equal(production.version, '2');
    });
  });
});
