import assert from 'node:assert/strict';
import { isMlflowError } from '../../src/mlflow/errors';
import { HttpClient } from '../../src/mlflow/http';
import { RestStore } from '../../src/mlflow/rest/restStore';
import { CAPTURE_SETS, useReplayServer } from '../support/replayServer';

/**
 * Server-level behaviour replayed from both real servers' captures: capability detection, the answers
 * that are not MLflow JSON (HTML error pages, plain text), and the 3.x security middleware.
 */

for (const set of CAPTURE_SETS) {
  const v3 = set === 'mlflow-3.x';

  describe(`HttpClient and RestStore against ${set} server answers`, () => {
    const replay = useReplayServer(set);
    const clients: HttpClient[] = [];
    const client = (options: Omit<ConstructorParameters<typeof HttpClient>[0], 'baseUrl'> = {}): HttpClient => {
      const created = new HttpClient({ baseUrl: replay().baseUrl, ...options });
      clients.push(created);
      return created;
    };
    after(() => clients.forEach((c) => c.dispose()));

    it('detects capabilities from /version and /api/3.0/mlflow/server-info', async () => {
      const store = new RestStore(client());
      replay().takeRequests();
      const capabilities = await store.capabilities();
      const sent = replay().takeRequests();
      // The two probes run in parallel; their order is not part of the contract.
      assert.deepEqual(
        sent.map((r) => [r.path, r.capture]).sort(),
        [
          ['/api/3.0/mlflow/server-info', v3 ? 'server_info' : undefined],
          ['/version', 'version'],
        ],
      );
      assert.deepEqual(capabilities, {
        readOnly: false,
        registry: true,
        loggedModels: v3,
        sampledHistory: true,
        stages: true,
        serverVersion: v3 ? '3.11.2.dev0' : '2.17.2',
      });
      // Cached: asking again sends nothing.
      await store.capabilities();
      assert.deepEqual(replay().takeRequests(), []);
    });

    it('reads a plain-text answer (/health)', async () => {
      assert.equal(await replay().expect(['health'], () => client().text({ method: 'GET', path: '/health' })), 'OK');
    });

    it('turns the 404 HTML page of an unknown route into NOT_SUPPORTED with the page title', async () => {
      const error = await replay().expectError(['unknown_endpoint_404'], () => client().json({ method: 'GET', path: '/api/2.0/mlflow/does/not/exist' }));
      assert.equal(error.errorCode, 'NOT_SUPPORTED');
      assert.equal(error.status, 404);
      assert.equal(error.message, 'Server answered 404 Not Found (HTML page): 404 Not Found');
    });

    it('turns the 405 HTML page of a wrong method into NOT_SUPPORTED', async () => {
      const error = await replay().expectError(['wrong_method_405'], () => client().json({ method: 'GET', path: '/api/2.0/mlflow/runs/search' }));
      assert.equal(error.errorCode, 'NOT_SUPPORTED');
      assert.equal(error.message, 'Server answered 405 Method Not Allowed (HTML page): 405 Method Not Allowed');
    });

    it('reports text where JSON was expected (the UI root of a source build) as BAD_RESPONSE', async () => {
      const error = await replay().expectError(['ui_root_without_js_build'], () => client().json({ method: 'GET', path: '/' }));
      assert.equal(error.errorCode, 'BAD_RESPONSE');
      assert.match(error.message, /^GET \/ answered with invalid or truncated JSON/);
    });

    if (!v3) return;

    it('retries a 503 and then reports SERVER_ERROR with the text of the page', async () => {
      const http = client({ retry: { maxAttempts: 2, baseDelayMs: 1 } });
      const error = await replay().expectError(['workspaces_list_disabled', 'workspaces_list_disabled'], () => http.json({ method: 'GET', path: '/api/3.0/mlflow/workspaces' }));
      assert.equal(error.errorCode, 'SERVER_ERROR');
      assert.equal(error.status, 503);
      assert.match(error.message, /^Server answered 503 Service Unavailable \(HTML page\): Endpoint: \/api\/3\.0\/mlflow\/workspaces disabled/);
    });

    it('maps the security middleware 403 for a foreign Host header to PERMISSION_DENIED', async () => {
      const http = client({ headers: { Host: 'evil.example.com' } });
      const error = await replay().expectError(['security_bad_host_header_403'], () =>
        http.json({ method: 'GET', path: '/api/2.0/mlflow/experiments/search', query: { max_results: 1 } }),
      );
      assert.ok(isMlflowError(error, 'PERMISSION_DENIED'));
      assert.equal(error.status, 403);
      assert.equal(error.message, 'Server answered 403 Forbidden: Invalid Host header - possible DNS rebinding attack detected');
    });

    it('maps "Cross-origin request blocked" (a POST with a webview Origin) to PERMISSION_DENIED', async () => {
      const store = new RestStore(client({ headers: { Origin: 'vscode-webview://abc123' } }));
      const error = await replay().expectError(['security_cross_origin_post_403'], () => store.searchExperiments({ maxResults: 1 }));
      assert.equal(error.errorCode, 'PERMISSION_DENIED');
      assert.equal(error.message, 'Server answered 403 Forbidden: Cross-origin request blocked');
    });

    it('is let through with a localhost Origin (POST) or a foreign Origin on a GET', async () => {
      const local = new RestStore(client({ headers: { Origin: 'http://localhost:3000' } }));
      const page = await replay().expect(['security_localhost_origin_post_200'], () => local.searchExperiments({ maxResults: 1 }));
      assert.equal(page.items[0]?.name, 'api-captures');
      const foreign = client({ headers: { Origin: 'vscode-webview://abc123' } });
      await replay().expect(['security_cross_origin_get_200'], () => foreign.json({ method: 'GET', path: '/api/2.0/mlflow/experiments/search', query: { max_results: 1 } }));
    });
  });
}
