import * as assert from 'node:assert/strict';
import { deriveGenaiAnswer } from '../support/genaiReplay';
import { type Capture, type RecordedRequest, getCapture, loadCaptures } from '../support/replayServer';

/**
 * The GenAI replay's derived answers (test/support/genaiReplay.ts) checked against what the real server
 * did: where the captures hold MLflow's own pages of a search, the pages derived from the complete
 * capture of the same search (with those pages left out) must be the same, token included. And a
 * request whose answer the captures cannot tell gets no answer.
 */

const SET = 'mlflow-3.x-genai';

function asRequest(capture: Capture): RecordedRequest {
  const query: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(capture.request.query ?? {})) query[key] = (Array.isArray(value) ? value : [value]).map(String);
  return { method: capture.request.method, path: capture.request.path, query, body: capture.request.body ?? null, headers: {} };
}

function post(path: string, body: Record<string, unknown>): RecordedRequest {
  return { method: 'POST', path, query: {}, body, headers: {} };
}

const ids = (response: unknown): string[] => ((response as { traces?: { trace_id: string }[] }).traces ?? []).map((t) => t.trace_id);
const APP = [{ type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: '8' } }];

describe('GenAI replay: answers derived from complete captures', () => {
  const paged = ['traces_search_page1', 'traces_search_page2', 'traces_search_page3'];
  const others = loadCaptures(SET).filter((c) => !paged.includes(c.name));

  it('pages a complete traces search exactly as MLflow paged it (traces_search_page1..3)', () => {
    for (const name of paged) {
      const real = getCapture(SET, name);
      const derived = deriveGenaiAnswer(asRequest(real), others);
      assert.ok(derived, `${name} derived`);
      assert.equal(derived.capture, 'traces_search_default_max_results (derived)');
      assert.deepEqual(ids(derived.response), ids(real.response), `${name}: the same traces in the same order`);
      assert.equal((derived.response as { next_page_token?: string }).next_page_token, (real.response as { next_page_token?: string }).next_page_token, `${name}: the same token`);
    }
  });

  it('orders newest first like MLflow’s timestamp_ms DESC (traces_search_order_by_timestamp_desc)', () => {
    const real = getCapture(SET, 'traces_search_order_by_timestamp_desc');
    const derived = deriveGenaiAnswer(asRequest(real), loadCaptures(SET).filter((c) => c.name !== real.name));
    assert.ok(derived);
    assert.deepEqual(ids(derived.response), ids(real.response));
    assert.equal(typeof (derived.response as { next_page_token?: string }).next_page_token, 'string', 'more pages follow');
  });

  it('answers the Traces view’s page (50, newest first) from the complete capture with the same filter', () => {
    const derived = deriveGenaiAnswer(post('/api/3.0/mlflow/traces/search', { locations: APP, filter: "trace.status = 'ERROR'", max_results: 50, order_by: ['timestamp_ms DESC'] }), loadCaptures(SET));
    assert.ok(derived);
    assert.deepEqual(ids(derived.response), ['tr-873a8f64a37a38e7e62b221cb35491ba']);
  });

  it('gives no answer where the captures cannot tell it', () => {
    const captures = loadCaptures(SET);
    const traces = (body: Record<string, unknown>) => deriveGenaiAnswer(post('/api/3.0/mlflow/traces/search', { locations: APP, ...body }), captures);
    // Only a first page of the logged model's traces was captured (it has a next_page_token).
    assert.equal(traces({ filter: `request_metadata."mlflow.modelId" = 'm-732cc33fa6584be6915900c995cfb518'`, max_results: 50 }), undefined);
    assert.equal(traces({ max_results: 50, order_by: ['name ASC'] }), undefined, 'an order other than by time');
    assert.equal(traces({ filter: "tags.env = 'nowhere'", max_results: 50 }), undefined, 'a filter no capture ran');
    assert.equal(traces({ max_results: 50, page_token: 'not-a-token' }), undefined, 'a token MLflow did not make');
    const experiments = (body: Record<string, unknown>) => deriveGenaiAnswer(post('/api/2.0/mlflow/experiments/search', body), captures);
    assert.equal(experiments({ max_results: 100, filter: "name = 'x'" }), undefined, 'a filtered experiment search');
    assert.equal(experiments({}), undefined, 'without max_results MLflow answers 400');
    assert.ok(experiments({ max_results: 100 }));
  });
});
